"""Drafting and notes through Slack (HTTP mode, real slack-bolt, loopback fake Web API): a slash-command
draft with pick buttons, the note form as a modal, and 「看懂了」 on an answer that cites a note."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from storage.drafting import DraftPick
from storage.notes import Note, NoteFeedback
from tests.adapters.test_slack import SlackRig, rig  # noqa: F401  (the Slack rig fixture)
from tests.fakes.slack_api import mention

SOURCE = "华东某城商行上线智能客服一年后，人工坐席成本下降 32%，客户满意度提升到 95%。系统每天处理 12 万次咨询。"
BASE = {"command": "/prbot", "user_id": "U1", "channel_id": "C1", "team_id": "T1", "trigger_id": "tr1"}


def buttons_of(body: dict) -> list[dict]:
    return [e for b in body.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def click(rig: SlackRig, button: dict, user: str = "U1") -> None:  # noqa: F811
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "message": {"ts": "1.5"},
        "trigger_id": "tr2",
        "response_url": rig.fake.response_url(f"click-{user}"),
        "actions": [
            {
                "action_id": button["action_id"],
                "value": button.get("value", ""),
                "type": "button",
                "text": button["text"],
            }
        ],
    }
    assert rig.post_form({"payload": json.dumps(payload, ensure_ascii=False)}).status_code == 200


def test_slash_draft_offers_pick_buttons_and_a_click_is_stored(rig: SlackRig) -> None:  # noqa: F811
    text = f"draft headline {SOURCE} --persona 企业IT决策人 --count 2"
    assert rig.post_form({**BASE, "text": text, "response_url": rig.fake.response_url("draft")}).status_code == 200
    reply = rig.fake.wait_for(lambda: rig.fake.of("response_url"))[0]["body"]
    assert "离线草稿" in json.dumps(reply, ensure_ascii=False)
    picks = [b for b in buttons_of(reply) if "draftpick" in b["action_id"]]
    assert picks
    click(rig, picks[0])
    rig.fake.wait_for(lambda: len(rig.fake.of("response_url")) >= 2)
    with Session(rig.services.engine) as session:
        rows = session.exec(select(DraftPick)).all()
    assert [(r.persona, r.variant) for r in rows] == [("企业IT决策人", 1)]


def test_note_submit_opens_a_modal_and_the_submission_creates_a_draft(rig: SlackRig) -> None:  # noqa: F811
    rig.post_form({**BASE, "text": "note submit", "response_url": rig.fake.response_url("note")})
    view = rig.fake.wait_for(lambda: rig.fake.of("views.open"))[0]["body"]["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["title", "technology", "technical"]
    values = {
        "title": {"v": {"type": "plain_text_input", "value": "同态加密"}},
        "technology": {"v": {"type": "plain_text_input", "value": "同态加密"}},
        "technical": {
            "v": {"type": "plain_text_input", "value": "同态加密允许在密文上直接计算，防止计算方看到原始数据。"}
        },
    }
    submission = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "view": {**view, "id": "V1", "state": {"values": values}},
    }
    assert rig.post_form({"payload": json.dumps(submission, ensure_ascii=False)}).status_code == 200
    rig.fake.wait_for(lambda: any("用户价值说明" in p["body"].get("text", "") for p in rig.posts()))
    with Session(rig.services.engine) as session:
        notes = session.exec(select(Note)).all()
    assert [(n.title, n.state) for n in notes] == [("同态加密", "draft")]


def test_answer_citing_a_note_offers_understood_buttons(rig: SlackRig) -> None:  # noqa: F811
    rig.post_event(mention("RAG 检索增强生成是怎么回答问题的？", ts="300.1"), "EvNote")
    post = rig.fake.wait_for(lambda: rig.posts("300.1"))[0]["body"]
    understood = [b for b in buttons_of(post) if "notefb" in b["action_id"] and b["action_id"].endswith(":yes")]
    assert understood, json.dumps(post, ensure_ascii=False)[:500]
    click(rig, understood[0], user="U9")
    rig.fake.wait_for(lambda: rig.fake.of("response_url"))
    with Session(rig.services.engine) as session:
        votes = session.exec(select(NoteFeedback)).all()
    assert [(v.doc_id, v.understood) for v in votes] == [("fx-note-rag", True)]
