"""Technical-translation notes: submit (form and file), versions, review states, permissions,
publish → indexed → cited by the next answer, understanding feedback and monthly stats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import Services, build_services
from bot.core import Action, Request
from bot.settings import Settings
from knowledge.library.parse import parse_file
from storage import notes as store
from storage.db import session_scope
from tests.conftest import FIXTURE_LIBRARY

REVIEWER, ENGINEER, OTHER = "cli:lead", "cli:eng", "cli:someone"
TECHNICAL = (
    "同态加密是一种允许在密文上直接计算的加密方案：数据方用公钥加密后把密文交给计算方，计算方在不解密的情况下"
    "完成加法或乘法运算，结果解密后与明文计算一致。它可以防止计算方看到原始数据，解决数据外包计算的隐私泄露问题。"
    "适用于银行、医院把敏感数据交给云端做统计分析的场景。"
)
PLAIN = (
    "### 解决什么问题\n把数据交给别人算，又怕被偷看。\n"
    "### 打个比方\n就像把锁着的箱子交给师傅，师傅隔着箱子就能把东西拼好，"
    "却看不到里面。\n### 客户得到什么\n数据交出去算，内容却不外泄。\n### 适合谁\n需要借助云端统计敏感数据的银行和医院。"
)


@pytest.fixture
def svc(settings: Settings, embedder) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    settings.roles.reviewers = [REVIEWER]
    services = build_services(settings, embedder=embedder, use_configured_chat_model=False)
    yield services
    services.engine.dispose()


def send(svc: Services, text: str, user: str = ENGINEER, action: Action | None = None):  # type: ignore[no-untyped-def]
    return svc.router.handle(Request(text=text, user_id=user, action=action))


def submit(svc: Services) -> str:
    form = send(svc, "note submit").form
    assert form is not None and [f.name for f in form.fields] == ["title", "technology", "technical"]
    values = {"title": "同态加密", "technology": "同态加密", "technical": TECHNICAL}
    reply = send(svc, "提交", action=Action(form.action, values=values))
    return reply.data["note"]["id"]


def state(svc: Services, doc_id: str) -> str:
    with session_scope(svc.engine) as session:
        note = store.get(session=session, ref=doc_id)
        assert note is not None
        return note.state


def test_submit_through_the_form_drafts_an_offline_scaffold(svc: Services) -> None:
    form = send(svc, "note submit").form
    assert form is not None
    reply = send(
        svc,
        "提交",
        action=Action(form.action, values={"title": "同态加密", "technology": "同态加密", "technical": TECHNICAL}),
    )
    note = reply.data["note"]
    assert note["state"] == "draft" and note["version"] == 1 and note["drafted_by"] == "offline"
    for heading in ("解决什么问题", "打个比方", "客户得到什么", "适合谁"):
        assert heading in note["user_value"]
    assert "离线" in reply.text and "待补充" in reply.text
    assert "可读性" in reply.text
    # The unfinished scaffold cannot go to review.
    refused = send(svc, f"note review {note['id']}")
    assert "离线草稿" in refused.text
    assert state(svc, note["id"]) == "draft"


def test_full_review_cycle_keeps_every_version_and_publishes_to_the_library(svc: Services) -> None:
    ingest = svc.ingestor.ingest([FIXTURE_LIBRARY])
    assert ingest.ok
    doc_id = submit(svc)
    jargon = "同态加密让计算方在密文上完成加法或乘法运算并解密，从而防止计算方看到原始数据。"
    edited = send(svc, "修改", action=Action(f"note:edit:{doc_id}", values={"user_value": jargon}))
    assert edited.data["note"]["version"] == 2
    assert edited.data["note"]["readability"]["too_technical"] is True
    assert "密文" in edited.text
    assert "审核中" not in edited.text
    send(svc, f"note review {doc_id}")
    assert state(svc, doc_id) == "in_review"

    # Only a reviewer may publish or return; the refusal changes nothing.
    refused = send(svc, f"note publish {doc_id}", user=ENGINEER)
    assert "只有审核人" in refused.text
    assert state(svc, doc_id) == "in_review"
    assert not (svc.settings.data_dir / "library" / "notes" / f"{doc_id}.md").exists()
    assert "写明意见" in send(svc, f"note return {doc_id}", user=REVIEWER).text

    send(svc, f"note return {doc_id} 太技术了，请用生活中的比方", user=REVIEWER)
    assert state(svc, doc_id) == "returned"
    assert "生活中的比方" in send(svc, f"note show {doc_id}").text
    send(svc, "修改", action=Action(f"note:edit:{doc_id}", values={"user_value": PLAIN}))
    assert state(svc, doc_id) == "draft"
    send(svc, f"note review {doc_id}")
    published = send(svc, "发布", user=REVIEWER, action=Action(f"note:publish:{doc_id}"))
    assert "已发布" in published.text
    assert published.data["note"]["versions"] == 3

    with session_scope(svc.engine) as session:
        note = store.get(session=session, ref=doc_id)
        assert note is not None
        assert [v.version for v in store.versions(session=session, note=note)] == [1, 2, 3]
        assert [e.to_state for e in store.events(session=session, note=note)] == [
            "draft",
            "in_review",
            "returned",
            "draft",
            "in_review",
            "published",
        ]
        path = Path(note.library_path)
    parsed = parse_file(path, path.parent)
    assert parsed.errors == []
    doc = parsed.documents[0]
    assert (doc.id, doc.type, doc.title, doc.meta["technology"]) == (doc_id, "note", "同态加密", "同态加密")
    assert "## 技术原理解读" in doc.body and "## 用户价值说明" in doc.body and "锁着的箱子" in doc.body

    # Indexed at once: the next question cites the note, and offers 「看懂了 / 没看懂」.
    answer = send(svc, "同态加密能让云端在看不到数据的情况下做统计吗？")
    assert answer.citations and answer.citations[0].id == doc_id
    labels = [b.label for b in answer.buttons]
    assert "看懂了" in labels and "没看懂" in labels
    yes = next(b for b in answer.buttons if b.label == "看懂了")
    no = next(b for b in answer.buttons if b.label == "没看懂")
    send(svc, yes.label, user="cli:a", action=Action(yes.action, yes.value))
    send(svc, yes.label, user="cli:b", action=Action(yes.action, yes.value))
    send(svc, no.label, user="cli:c", action=Action(no.action, no.value))
    send(svc, no.label, user="cli:a", action=Action(no.action, no.value))  # a changed mind replaces the first
    send(svc, yes.label, user="cli:a", action=Action(yes.action, yes.value))

    stats = send(svc, "notes stats").data["stats"]
    assert stats["published"] == 1 and stats["goal"] == 10
    row = next(r for r in stats["notes"] if r["id"] == doc_id)
    assert (row["understood"], row["answered"]) == (2, 3) and row["meets_goal"] is False


def test_stats_lists_lowest_understanding_first_and_checks_the_month(svc: Services) -> None:
    from storage import library

    with session_scope(svc.engine) as session:
        for doc_id in ("note-a", "note-b"):
            session.add(library.Document(id=doc_id, type="note", title=doc_id, source_path="x", content_hash=""))
    forged = send(svc, "x", user="u1", action=Action("notefb:case-999:yes"))
    assert "找不到笔记" in forged.text
    for user, answer in (("u1", "yes"), ("u2", "yes"), ("u3", "yes"), ("u4", "yes"), ("u5", "yes")):
        send(svc, "x", user=user, action=Action(f"notefb:note-a:{answer}"))
    send(svc, "x", user="u1", action=Action("notefb:note-b:no"))
    send(svc, "x", user="u2", action=Action("notefb:note-b:yes"))
    reply = send(svc, "notes stats")
    assert [r["id"] for r in reply.data["stats"]["notes"]] == ["note-b", "note-a"]
    assert reply.data["stats"]["notes"][1]["meets_goal"] is True
    assert "YYYY-MM" in send(svc, "notes stats --month 2026-13").text
    assert send(svc, "notes stats --month 2020-01").data["stats"]["notes"] == []


def test_who_submitted_the_most_notes_is_counted_this_month(svc: Services) -> None:
    submit(svc)
    submit(svc)
    send(
        svc,
        "提交",
        action=Action("note:submit", values={"title": "差分隐私", "technology": "差分隐私", "technical": TECHNICAL}),
        user=OTHER,
    )
    chat = Request(
        text="哪位工程师提交的笔记最多？", user_id=OTHER, channel_id="C1", platform="slack", thread_id="most"
    )
    reply = svc.router.handle(chat)
    assert reply.data["stats"]["submitted_by"] == [{"author": ENGINEER, "notes": 2}, {"author": OTHER, "notes": 1}]
    assert f"{date.today():%Y-%m} 提交（篇）：{ENGINEER} 2、{OTHER} 1" in reply.text
    assert send(svc, "notes stats --month 2020-01").data["stats"]["submitted_by"] == []


def test_note_file_without_technical_section_is_refused(svc: Services, tmp_path: Path) -> None:
    from handlers.drafting.notes import NotesService

    service = NotesService(svc.engine, svc.settings, None, svc.ingestor)
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: 边缘计算\ntechnology: 边缘计算\n---\n## 用户价值说明\n就近处理。\n", encoding="utf-8")
    with pytest.raises(Exception, match="技术原理解读"):
        service.submit_file(bad, ENGINEER)
    good = tmp_path / "good.md"
    good.write_text(
        f"---\ntitle: 同态加密\ntechnology: 同态加密\n---\n## 技术原理解读\n{TECHNICAL}\n", encoding="utf-8"
    )
    reply = service.submit_file(good, ENGINEER)
    assert reply.data["note"]["drafted_by"] == "offline"
    with session_scope(svc.engine) as session:
        assert len(list(session.exec(select(store.Note)))) == 1


def test_missing_fields_and_unknown_notes(svc: Services) -> None:
    reply = send(
        svc, "提交", action=Action("note:submit", values={"title": "同态加密", "technology": "", "technical": ""})
    )
    assert "技术名称" in reply.text and "技术原理解读" in reply.text
    assert "note-nope" in send(svc, "note show note-nope").text
    # A word that is no sub-command gets the group's usage, in the message's language.
    english = send(svc, "note please publish my new note").text
    assert "Unknown sub-command 'please'" in english and "`note publish NOTE" in english
    chinese = send(svc, "note 乱写").text
    assert "乱写" in chinese and "`note return NOTE [COMMENT…]" in chinese and "退回作者" in chinese
    with session_scope(svc.engine) as session:
        assert list(session.exec(select(store.Note))) == []


def test_other_users_cannot_edit_and_published_notes_are_frozen(svc: Services) -> None:
    doc_id = submit(svc)
    refused = send(svc, "x", user=OTHER, action=Action(f"note:edit:{doc_id}", values={"user_value": PLAIN}))
    assert "只有作者" in refused.text
    send(svc, "x", action=Action(f"note:edit:{doc_id}", values={"user_value": PLAIN}))
    send(svc, f"note review {doc_id}")
    send(svc, f"note publish {doc_id}", user=REVIEWER)
    assert state(svc, doc_id) == "published"
    again = send(svc, "x", action=Action(f"note:edit:{doc_id}", values={"user_value": "新内容"}))
    assert "已发布" in again.text
    shown = send(svc, f"note show {doc_id}")
    assert [b.label for b in shown.buttons] == ["看懂了", "没看懂"]


def test_llm_drafts_the_value_text_and_falls_back_when_it_fails(svc: Services) -> None:
    from handlers.drafting.notes import NotesService
    from knowledge.llm import OpenAIChatModel
    from tests.fakes.openai_server import FakeOpenAI

    with FakeOpenAI(chat=lambda messages: (200, PLAIN)) as fake:
        model = OpenAIChatModel(fake.base_url, "k", "m", timeout_s=10, max_retries=0)
        reply = NotesService(svc.engine, svc.settings, model, svc.ingestor).submit(
            "同态加密", "同态加密", TECHNICAL, ENGINEER
        )
        assert "同态加密" in fake.chat_requests()[0]["body"]["messages"][1]["content"]
    assert reply.data["note"]["drafted_by"] == "llm" and reply.data["note"]["user_value"] == PLAIN.strip()
    with FakeOpenAI(chat=lambda messages: (503, "")) as fake:
        model = OpenAIChatModel(fake.base_url, "k", "m", timeout_s=10, max_retries=0)
        reply = NotesService(svc.engine, svc.settings, model, svc.ingestor).submit(
            "同态加密", "同态加密", TECHNICAL, ENGINEER
        )
    assert reply.data["note"]["drafted_by"] == "offline"
    assert "大模型暂不可用" in reply.text


def test_with_no_reviewers_configured_the_terminal_operator_reviews_and_chat_users_are_told_the_setting(
    settings: Settings,
    embedder,  # type: ignore[no-untyped-def]
) -> None:
    settings.roles.reviewers = []
    services = build_services(settings, embedder=embedder, use_configured_chat_model=False)
    try:
        doc_id = submit(services)
        send(services, "修改", action=Action(f"note:edit:{doc_id}", values={"user_value": PLAIN}))
        reviewed = send(services, f"note review {doc_id}")
        assert state(services, doc_id) == "in_review", reviewed.text
        refused = services.router.handle(Request(text=f"note publish {doc_id}", user_id="U1", platform="slack"))
        assert "PRBOT_ROLES_REVIEWERS" in refused.text and state(services, doc_id) == "in_review"
        send(services, f"note publish {doc_id}", user=OTHER)  # at the terminal: the installation's operator
        assert state(services, doc_id) == "published"
    finally:
        services.engine.dispose()


def test_notes_from_library_files_are_listed_and_shown_beside_those_in_review(svc: Services) -> None:
    assert send(svc, "note list").text.startswith("还没有笔记")
    assert send(svc, "note list in_review").text == "没有「审核中」状态的笔记。"
    assert svc.ingestor.ingest([FIXTURE_LIBRARY]).ok
    doc_id = submit(svc)
    listed = send(svc, "note list")
    assert listed.text.startswith("共 2 篇笔记（审核流程中提交的 1 篇，资料库文件 1 篇）："), listed.text
    assert listed.data["list"]["ids"] == [doc_id, "fx-note-rag"]
    assert "fx-note-rag 《检索增强生成（RAG）》 已发布 · 资料库文件 · 研发中心" in listed.text
    # A state narrows to the notes in review; file notes are published ones.
    assert send(svc, "note list draft").data["list"]["ids"] == [doc_id]
    assert send(svc, "note list published").data["list"]["ids"] == ["fx-note-rag"]
    shown = send(svc, "note show fx-note-rag")
    assert "资料库文件 rag.md" in shown.text and "## 技术原理解读" in shown.text
    # Review verbs name the file note and say why they do not apply.
    assert "资料库文件里的笔记" in send(svc, "note publish 检索增强生成", user=REVIEWER).text


def test_a_note_is_named_in_words_as_well_as_by_id(svc: Services) -> None:
    doc_id = submit(svc)
    send(svc, "修改", action=Action(f"note:edit:{doc_id}", values={"user_value": PLAIN}))
    send(svc, f"note review {doc_id}")
    chat = Request(text="", user_id=REVIEWER, channel_id="C1", platform="slack", thread_id="notes")
    waiting = svc.router.handle(replace(chat, text="现在有哪些待审核的技术笔记？"))
    assert waiting.data["list"]["ids"] == [doc_id], waiting.text
    asked = svc.router.handle(replace(chat, text="同态加密那篇退回修改吧，比方太少了", thread_id="notes2"))
    assert "退回作者（意见：比方太少了）" in asked.text and state(svc, doc_id) == "in_review"  # not yet confirmed
    returned = svc.router.handle(replace(chat, text="是", thread_id="notes2"))
    assert state(svc, doc_id) == "returned", returned.text
    with session_scope(svc.engine) as session:
        note = store.get(session=session, ref=doc_id)
        assert note is not None
        assert store.events(session=session, note=note)[-1].comment == "比方太少了"
    asked = svc.router.handle(replace(chat, text="那篇笔记我看过了，发布吧", thread_id="notes3"))
    assert "是哪一篇笔记" in asked.text, asked.text


def test_a_verdict_in_a_thread_applies_to_the_note_it_points_at(svc: Services) -> None:
    first, second = submit(svc), submit(svc)
    for doc_id in (first, second):
        send(svc, "修改", action=Action(f"note:edit:{doc_id}", values={"user_value": PLAIN}))
        send(svc, f"note review {doc_id}")
    chat = Request(text="", user_id=REVIEWER, channel_id="C1", platform="slack", thread_id="verdict")
    listed = svc.router.handle(replace(chat, text="有哪些待审核的技术笔记？"))
    assert listed.data["list"]["ids"] == [second, first], listed.text  # newest first
    asked = svc.router.handle(replace(chat, text="第二个退回吧，太技术了"))
    assert f"把笔记「{first}」退回作者（意见：太技术了）" in asked.text, asked.text
    svc.router.handle(replace(chat, text="是"))
    assert (state(svc, first), state(svc, second)) == ("returned", "in_review")


def test_stats_for_a_period_named_in_words(svc: Services) -> None:
    today = date.today()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    chat = Request(text="", user_id=OTHER, channel_id="C1", platform="slack")
    this_quarter = svc.router.handle(replace(chat, text="这个季度发布了多少篇技术笔记？", thread_id="q1"))
    stats = this_quarter.data["stats"]
    assert (stats["month"], stats["period"], stats["goal"]) == (quarter, "quarter", 30), this_quarter.text
    assert this_quarter.text.startswith(f"{quarter} 技术翻译笔记：已发布 0/30 篇（每月目标 10）")
    last = svc.router.handle(replace(chat, text="How many notes were published last quarter?", thread_id="q2"))
    first_of_this = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    before = first_of_this.replace(day=1) - timedelta(days=1)
    assert last.data["stats"]["month"] == f"{before.year}Q{(before.month - 1) // 3 + 1}", last.text
    assert send(svc, "note stats 今年").data["stats"]["month"] == str(today.year)
    assert send(svc, "note stats").data["stats"]["period"] == "month"
