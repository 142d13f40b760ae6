"""Ingestion over real files: every format, bad files reported, incremental runs, prune, crash repair."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import numpy as np
import pytest
from openpyxl import Workbook

from bot.app import Services
from storage import library
from storage.db import session_scope
from tests.conftest import FIXTURE_LIBRARY

CASE = """---
id: {id}
type: case
title: {title}
industry: 能源
year: 2024
---
## 成效
{body}
"""


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer says ``text`` (ASCII), with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    return root


def indexed_ids(svc: Services) -> set[str]:
    with session_scope(svc.engine) as session:
        return {d.id for d in library.indexed_documents(session=session)}


def test_every_format_is_ingested(services: Services, library_dir: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "title", "industry", "customer", "products", "year", "tags", "body"])
    ws.append(
        [
            "xl-1",
            "某电网配电房巡检",
            "能源",
            "某供电公司",
            "边缘计算网关|巡检机器人",
            2023,
            "降本增效",
            "巡检机器人替代人工，巡检效率提升 3 倍。",
        ]
    )
    wb.save(library_dir / "cases.xlsx")
    document = docx.Document()
    document.add_heading("某高校招生咨询助手", level=1)
    document.add_paragraph("招生季咨询量下降了 45%，老师不再需要加班回复重复问题。")
    document.save(library_dir / "admissions.docx")
    (library_dir / "memo.txt").write_text("# 客服培训纪要\n新员工培训周期由 4 周缩短到 2 周。", encoding="utf-8")
    (library_dir / "brochure.pdf").write_bytes(minimal_pdf("Smart grid inspection cut outages by 27 percent."))

    report = services.ingestor.ingest([library_dir])

    assert report.failed == []
    ids = indexed_ids(services)
    assert {"fx-bank", "fx-hospital", "fx-factory", "fx-retail", "fx-port", "fx-note-rag", "xl-1"} <= ids
    assert {"admissions", "memo", "brochure"} <= ids
    with session_scope(services.engine) as session:
        xl = library.get_document(session=session, doc_id="xl-1")
        assert xl is not None and xl.meta["products"] == ["边缘计算网关", "巡检机器人"] and xl.meta["year"] == 2023
        assert library.get_document(session=session, doc_id="admissions").title == "某高校招生咨询助手"
        assert "27 percent" in library.get_document(session=session, doc_id="brochure").body
    answer = services.answerer.answer("招生季咨询量下降了多少？")
    assert answer.citations[0].id == "admissions" and "45%" in answer.text


def test_bad_files_are_reported_and_good_ones_still_ingested(services: Services, library_dir: Path) -> None:
    (library_dir / "broken.md").write_text("---\nid: [unclosed\ntitle: x\n---\nbody", encoding="utf-8")
    (library_dir / "dup.md").write_text(CASE.format(id="fx-bank", title="重复", body="重复的 id。"), encoding="utf-8")
    (library_dir / "note-missing.md").write_text(
        "---\nid: n-x\ntype: note\ntitle: 半成品\n---\n## 技术原理解读\n只有原理。\n", encoding="utf-8"
    )
    (library_dir / "scan.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (library_dir / "rows.csv").write_text("id,title,body\nok-1,好行,有正文。\nbad-1,,缺标题\n", encoding="utf-8")

    report = services.ingestor.ingest([library_dir])

    reasons = {Path(path).name: reason for path, reason in report.failed}
    assert "YAML" in reasons["broken.md"]
    assert "duplicate id 'fx-bank'" in reasons["dup.md"]
    assert "用户价值说明" in reasons["note-missing.md"]
    assert "PDF" in reasons["scan.pdf"]
    assert "line 3" in reasons["rows.csv"] and "title" in reasons["rows.csv"]
    assert not report.ok
    ids = indexed_ids(services)
    assert {"fx-bank", "ok-1"} <= ids and "n-x" not in ids and "bad-1" not in ids


def test_second_run_embeds_nothing_and_changes_replace(services: Services, library_dir: Path) -> None:
    first = services.ingestor.ingest([library_dir])
    assert first.chunks_embedded > 0 and len(first.added) == 6

    second = services.ingestor.ingest([library_dir])
    assert second.chunks_embedded == 0 and len(second.unchanged) == 6 and second.added == []

    bank = library_dir / "cases" / "bank.md"
    bank.write_text(bank.read_text(encoding="utf-8").replace("32%", "41%"), encoding="utf-8")
    third = services.ingestor.ingest([library_dir])
    assert third.updated == ["fx-bank"] and len(third.unchanged) == 5
    answer = services.answerer.answer("城商行人工坐席成本下降了多少？")
    assert "41%" in answer.text and "32%" not in answer.text


def test_rows_removed_from_a_table_and_prune(services: Services, library_dir: Path) -> None:
    services.ingestor.ingest([library_dir])
    table = library_dir / "cases.csv"
    table.write_text(table.read_text(encoding="utf-8").split("fx-port")[0], encoding="utf-8")
    report = services.ingestor.ingest([library_dir])
    assert report.removed == ["fx-port"]

    (library_dir / "cases" / "factory.md").unlink()
    kept = services.ingestor.ingest([library_dir])
    assert "fx-factory" in indexed_ids(services) and kept.removed == []
    pruned = services.ingestor.ingest([library_dir], prune=True)
    assert pruned.removed == ["fx-factory"]
    assert "fx-factory" not in indexed_ids(services)
    assert services.vectors.document_ids() == indexed_ids(services)


class ExplodingEmbedder:
    """Delegates to the real model but fails on a chosen call, like a process killed mid-ingest."""

    def __init__(self, real, fail_on_call: int) -> None:  # type: ignore[no-untyped-def]
        self.real, self.name, self.dim = real, real.name, real.dim
        self.calls, self.fail_on_call = 0, fail_on_call

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise RuntimeError("killed")
        return self.real.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)


def test_a_crash_mid_ingest_leaves_nothing_half_indexed_and_the_next_run_repairs(
    services: Services, library_dir: Path
) -> None:
    from knowledge.library.ingest import Ingestor

    services.ingestor.ingest([library_dir])
    bank = library_dir / "cases" / "bank.md"
    bank.write_text(bank.read_text(encoding="utf-8").replace("32%", "41%"), encoding="utf-8")
    crashing = Ingestor(
        services.engine,
        services.vectors,
        ExplodingEmbedder(services.embedder, 1),
        services.settings.lexical_path / services.embedder.name,
        batch_chunks=1,
    )
    with pytest.raises(RuntimeError):
        crashing.ingest([library_dir])
    with session_scope(services.engine) as session:
        bank_row = library.get_document(session=session, doc_id="fx-bank")
        assert bank_row is not None and "32%" in bank_row.body  # old version intact, still consistent

    repaired = services.ingestor.ingest([library_dir])
    assert repaired.updated == ["fx-bank"]
    assert "41%" in services.answerer.answer("城商行人工坐席成本下降了多少？").text


def test_missing_path_is_reported(services: Services, tmp_path: Path) -> None:
    report = services.ingestor.ingest([tmp_path / "nope"])
    assert report.failed and "no such file" in report.failed[0][1]


class FailingUpsert:
    """The real vector store, except that writing vectors fails (a crash between the two stores)."""

    def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
        self.real = real

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.real, name)

    def upsert(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("killed between the stores")


def test_a_crash_between_the_stores_unmarks_the_document_until_repaired(services: Services, library_dir: Path) -> None:
    from knowledge.library.ingest import Ingestor

    services.ingestor.ingest([library_dir])
    bank = library_dir / "cases" / "bank.md"
    bank.write_text(bank.read_text(encoding="utf-8").replace("32%", "41%"), encoding="utf-8")
    crashing = Ingestor(
        services.engine,
        FailingUpsert(services.vectors),
        services.embedder,
        services.settings.lexical_path / services.embedder.name,
    )
    with pytest.raises(RuntimeError):
        crashing.ingest([library_dir])
    assert "fx-bank" not in indexed_ids(services)  # never half indexed: its old vectors are gone
    assert all(c.id != "fx-bank" for c in services.answerer.answer("城商行人工坐席成本下降了多少？").citations)

    repaired = services.ingestor.ingest([library_dir])
    assert repaired.updated == ["fx-bank"]
    assert "41%" in services.answerer.answer("城商行人工坐席成本下降了多少？").text


def test_a_newcomer_with_an_existing_id_is_the_duplicate_whatever_the_file_order(
    services: Services, library_dir: Path
) -> None:
    assert services.ingestor.ingest([library_dir]).ok
    owner = next(p for p in library_dir.rglob("*.md") if "id: fx-bank" in p.read_text(encoding="utf-8"))
    # "0-…" sorts before every file of the library, so it is read first.
    newcomer = library_dir / "0-copy.md"
    newcomer.write_text(CASE.format(id="fx-bank", title="新来的", body="抢 id 的新文件。"), encoding="utf-8")

    report = services.ingestor.ingest([library_dir])

    reasons = {Path(path).name: reason for path, reason in report.failed}
    assert "duplicate id 'fx-bank'" in reasons["0-copy.md"] and owner.name in reasons["0-copy.md"]
    with session_scope(services.engine) as session:
        assert library.get_document(session=session, doc_id="fx-bank").source_path == str(owner)
