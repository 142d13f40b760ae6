"""The retriever's in-memory library follows the database: an edit or a removal made by another process
is what the next answer quotes, and the profile holds both of its reference points."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.app import Services, build_services
from tests.conftest import FIXTURE_LIBRARY

QUESTION = "城商行智能客服上线后人工坐席成本下降了多少？"


def _copy_library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, folder)
    return folder


def _other_process(services: Services) -> Services:
    """Another process on the same database and data dir (its own retriever, its own memory)."""
    return build_services(services.settings, services.embedder, use_configured_chat_model=False)


def test_an_edit_ingested_elsewhere_is_what_the_next_answer_quotes(services: Services, tmp_path: Path) -> None:
    folder = _copy_library(tmp_path)
    assert services.ingestor.ingest([folder]).ok
    first = services.answerer.answer(QUESTION)
    assert first.confident and "32%" in first.text

    bank = folder / "cases" / "bank.md"
    bank.write_text(bank.read_text(encoding="utf-8").replace("32%", "41%"), encoding="utf-8")
    other = _other_process(services)
    try:
        assert other.ingestor.ingest([folder]).ok
    finally:
        other.engine.dispose()

    again = services.answerer.answer(QUESTION)
    assert again.confident and "41%" in again.text and "32%" not in again.text
    assert all("32%" not in c.snippet for c in again.citations)


def test_a_document_removed_elsewhere_is_no_longer_quoted(services: Services, tmp_path: Path) -> None:
    folder = _copy_library(tmp_path)
    assert services.ingestor.ingest([folder]).ok
    assert services.answerer.answer(QUESTION).citations[0].id == "fx-bank"

    (folder / "cases" / "bank.md").unlink()
    other = _other_process(services)
    try:
        assert other.ingestor.ingest([folder], prune=True).ok
    finally:
        other.engine.dispose()

    answer = services.answerer.answer(QUESTION)
    assert "fx-bank" not in [c.id for c in answer.citations]
    assert "fx-bank" not in answer.ranked_ids
    assert "32%" not in answer.text


def test_the_profile_places_unrelated_questions_below_the_librarys_own(library_services: Services) -> None:
    profile = library_services.retriever.profile()
    # Questions the library cannot answer score lower than its own sentences asked back, in both languages.
    assert profile.unrelated < profile.dense
    assert profile.unrelated_en < profile.dense
    low, _ = profile.relative(profile.unrelated, 0.0, "zh")
    high, _ = profile.relative(profile.dense, 0.0, "zh")
    assert (round(low, 6), round(high, 6)) == (0.0, 1.0)
