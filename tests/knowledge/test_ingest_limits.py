"""Bounded ingestion: a file or document over the limit is refused with a clear line (its earlier
version stays indexed), progress comes per slice of each document, and symlinked folders are
reported instead of silently skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import Services
from knowledge.library.ingest import Ingestor
from storage import library
from storage.db import session_scope
from tests.conftest import FIXTURE_LIBRARY


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    return root


def limited(services: Services, **limits: int) -> Ingestor:
    old = services.ingestor
    return Ingestor(old._engine, old._vectors, old._embedder, old._lexical_dir, batch_chunks=8, **limits)


def indexed(services: Services) -> dict[str, str]:
    with session_scope(services.engine) as session:
        return {d.id: d.body for d in library.indexed_documents(session=session)}


def test_a_file_over_the_size_limit_is_refused_and_the_rest_indexed(services: Services, library_dir: Path) -> None:
    (library_dir / "huge.txt").write_text("大文件。" * 300_000, encoding="utf-8")  # ~3.6 MB
    report = limited(services, max_file_bytes=1024 * 1024).ingest([library_dir])
    assert [(Path(p).name, "file too large" in r and "PRBOT_INGEST_MAX_FILE_MB" in r) for p, r in report.failed] == [
        ("huge.txt", True)
    ]
    assert report.added and "huge" not in indexed(services)


def test_a_document_over_the_length_limit_keeps_its_earlier_version(services: Services, library_dir: Path) -> None:
    note = library_dir / "long-note.md"
    note.write_text("# 长文\n\n" + "联邦学习让数据不出域。" * 20, encoding="utf-8")
    ingestor = limited(services, max_document_chars=5000)
    assert ingestor.ingest([library_dir]).ok
    before = indexed(services)["long-note"]
    note.write_text("# 长文\n\n" + "联邦学习让数据不出域。" * 2000, encoding="utf-8")
    report = ingestor.ingest([library_dir])
    assert len(report.failed) == 1 and "too long" in report.failed[0][1] and "5,000" in report.failed[0][1]
    assert indexed(services)["long-note"] == before  # not removed, not half-replaced


def test_progress_comes_per_slice_of_a_long_document(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "white-paper.md").write_text(
        "# 白皮书\n\n" + "\n\n".join(f"第{n}段：隐私计算在金融风控中的应用与实践。" * 8 for n in range(40)),
        encoding="utf-8",
    )
    seen: list[tuple[str, int, int]] = []
    report = limited(services).ingest([folder], progress=lambda doc, done, total: seen.append((doc, done, total)))
    assert report.ok and report.chunks_embedded > 16
    total = report.chunks_embedded
    assert len(seen) >= total // 8 and seen[-1] == ("white-paper", total, total)
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)


def test_a_symlinked_folder_is_reported(services: Services, library_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.md").write_text("# 外部\n\n内容", encoding="utf-8")
    (library_dir / "linked").symlink_to(outside, target_is_directory=True)
    report = services.ingestor.ingest([library_dir])
    assert report.ok  # what was read is fine
    assert [(Path(p).name, "symlinked folder" in r and str(outside) in r) for p, r in report.skipped] == [
        ("linked", True)
    ]
