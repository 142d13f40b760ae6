"""The relevance decision's library profile, on real components."""

from __future__ import annotations

import json
from pathlib import Path

from bot.adapters.cli.app import run_ingest
from bot.app import Services, build_services
from knowledge.library.relevance import features
from knowledge.library.retrieve import DEFAULT_PROFILE, PROFILE_KEY
from storage import library
from storage.db import session_scope
from tests.conftest import FIXTURE_LIBRARY


def _stored_profile(svc: Services) -> str | None:
    with session_scope(svc.engine) as session:
        return library.get_state(session=session, key=PROFILE_KEY)


def test_a_library_gets_its_own_profile_which_is_stored_and_reused(library_services: Services) -> None:
    profile = library_services.retriever.profile()
    assert profile.samples >= 3 and profile != DEFAULT_PROFILE
    # Sentences of the library's own chunks find their documents: the top similarity is high and stands out.
    assert profile.dense > 0.8 and profile.gap > 0 and profile.lead > 0
    stored = _stored_profile(library_services)
    assert stored is not None
    fresh = build_services(library_services.settings, library_services.embedder, use_configured_chat_model=False)
    try:
        assert fresh.retriever.profile() == profile  # read back, not measured again
    finally:
        fresh.engine.dispose()


def test_a_library_change_measures_the_profile_again(library_services: Services, tmp_path: Path) -> None:
    before = _stored_profile(library_services)
    library_services.retriever.profile()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "x.md").write_text(
        "---\nid: extra-1\ntype: case\ntitle: 港口集装箱调度\nindustry: 交通\nyear: 2024\n---\n"
        "某港口用调度算法安排集装箱装卸，船舶平均在港时间缩短了六个小时，堆场翻箱率下降三成。",
        encoding="utf-8",
    )
    assert library_services.ingestor.ingest([extra]).ok
    library_services.retriever.profile()
    assert _stored_profile(library_services) not in (None, before)


def test_hits_carry_their_evidence_relative_to_the_profile(library_services: Services) -> None:
    retriever = library_services.retriever
    profile = retriever.profile()
    hit = retriever.search("有没有金融行业用智能客服降本的案例？").hits[0]
    dense_rel, lead_rel = profile.relative(hit.dense, hit.dense_lead, "zh")
    values = features(hit, "zh")
    assert (values["dense_rel"], values["lead_rel"]) == (dense_rel, lead_rel)


def test_an_english_term_the_library_uses_is_evidence_and_one_it_never_uses_is_not(
    library_services: Services,
) -> None:
    (top, *_) = library_services.retriever.search("What is RAG?").hits
    assert top.id == "fx-note-rag"
    assert top.soft_coverage == 1.0 and not top.unmeasured  # 「RAG」 is in the note
    (top, *_) = library_services.retriever.search("What is zorblat?").hits
    assert top.unmeasured  # a word no document has: no evidence either way


def test_a_tiny_library_falls_back_to_the_default_profile(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\nid: only-1\ntype: case\ntitle: 唯一的案例\n---\n这是资料库里唯一的一篇案例，讲的是一家工厂的设备巡检。",
        encoding="utf-8",
    )
    assert services.ingestor.ingest([folder]).ok
    assert services.retriever.profile() == DEFAULT_PROFILE


def test_the_ingest_command_measures_the_profile_so_the_first_question_does_not(services: Services) -> None:
    assert _stored_profile(services) is None
    assert run_ingest(services, [FIXTURE_LIBRARY]).ok
    stored = _stored_profile(services)
    assert stored is not None and '"unrelated"' in stored


def test_a_profile_stored_by_an_older_method_is_measured_again(library_services: Services) -> None:
    profile = library_services.retriever.profile()
    stored = json.loads(_stored_profile(library_services) or "{}")
    # The same library generation, measured without the low end (as an earlier release stored it).
    old = {key: stored[key] for key in ("for", "dense", "gap", "lead", "samples")}
    with session_scope(library_services.engine) as session:
        library.set_state(session=session, key=PROFILE_KEY, value=json.dumps(old))
    fresh = build_services(library_services.settings, library_services.embedder, use_configured_chat_model=False)
    try:
        assert fresh.retriever.profile() == profile
    finally:
        fresh.engine.dispose()
    assert json.loads(_stored_profile(library_services) or "{}").get("method") == stored["method"]
