"""Feishu HTTP callbacks end to end: the real lark-oapi dispatcher and client against a loopback fake
open API, plain and encrypted events, the real answer path on the fixture library."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bot.adapters.feishu import FeishuAdapter, message_text, resolve_domain
from bot.adapters.web import WebServer
from bot.app import Services
from bot.core import Command, Form, FormField, Reply, Request
from bot.settings import FeishuSettings
from storage.events import AnswerFeedback, BotAnswer
from tests.fakes.feishu_api import FakeFeishuAPI, card_action, encrypt, message_event, signed

TOKEN = "verify-token"
KEY = "encrypt-key-123"
QUESTION = "城商行上线智能客服后人工坐席成本下降了多少？"


@dataclass
class FeishuRig:
    fake: FakeFeishuAPI
    adapter: FeishuAdapter
    url: str
    services: Services

    def post(self, payload: dict[str, Any], encrypted: bool = False, key: str = KEY) -> httpx.Response:
        if encrypted:
            body = json.dumps({"encrypt": encrypt(payload, key)}).encode()
            return httpx.post(self.url, content=body, headers=signed(body, key))
        return httpx.post(self.url, content=json.dumps(payload, ensure_ascii=False).encode())

    def drain(self) -> None:
        self.adapter.workers.shutdown(wait=True)


def make_rig(services: Services, fake: FakeFeishuAPI, encrypt_key: str | None) -> tuple[FeishuAdapter, WebServer]:
    settings = FeishuSettings(
        app_id="cli_test",
        app_secret=SecretStr("secret"),
        verification_token=SecretStr(TOKEN),
        encrypt_key=SecretStr(encrypt_key) if encrypt_key else None,
        domain=fake.url,
        mode="http",
        workers=4,
    )
    adapter = FeishuAdapter(services, settings)
    server = WebServer("feishu-test", "127.0.0.1", 0, {"/feishu/events": adapter.wsgi})
    server.start()
    return adapter, server


@pytest.fixture(params=[None, KEY], ids=["plain", "encrypted"])
def rig(request: pytest.FixtureRequest, library_services: Services) -> Iterator[FeishuRig]:
    with FakeFeishuAPI() as fake:
        adapter, server = make_rig(library_services, fake, request.param)
        try:
            yield FeishuRig(fake, adapter, f"http://127.0.0.1:{server.port}/feishu/events", library_services)
        finally:
            server.stop()
            adapter.close()


def card_of(message: dict[str, Any]) -> dict[str, Any]:
    assert message["msg_type"] == "interactive"
    return json.loads(message["content"])


def test_group_mention_gets_a_card_reply_with_sources(rig: FeishuRig) -> None:
    encrypted = rig.adapter._encrypt_key != ""
    response = rig.post(message_event("ev-1", QUESTION, token=TOKEN, message_id="om_q1"), encrypted=encrypted)
    assert response.status_code == 200
    reply = rig.fake.wait_for(lambda: rig.fake.replies_to("om_q1"))[0]
    card = json.dumps(card_of(reply), ensure_ascii=False)
    assert "32%" in card and "fx-bank" in card
    assert "feedback:up" in card and "feedback:down" in card
    assert reply["uuid"]  # sent with a uuid so a resend cannot double it
    assert reply["reply_in_thread"] is True  # a group answer goes into the question's thread
    assert reply_auth(rig) == "Bearer t-fake"  # the tenant token from the fake (lark caches it per app)


def reply_auth(rig: FeishuRig) -> str | None:
    return next(c["auth"] for c in rig.fake.calls if c["path"].endswith("/reply"))


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_duplicate_event_gets_one_reply(rig: FeishuRig) -> None:
    event = message_event("ev-dup", QUESTION, token=TOKEN, message_id="om_dup")
    assert rig.post(event).status_code == 200
    assert rig.post(event).status_code == 200
    rig.drain()
    assert len(rig.fake.replies_to("om_dup")) == 1
    assert len([c for c in rig.fake.calls if c["path"].endswith("/om_dup/reply")]) == 1


@pytest.mark.parametrize("rig", [KEY], indirect=True, ids=["encrypted"])
def test_bad_token_wrong_key_and_bad_signature_are_refused(rig: FeishuRig) -> None:
    forged = message_event("ev-bad", QUESTION, token="wrong", message_id="om_bad")
    assert rig.post(forged, encrypted=True).status_code == 401
    assert rig.post(message_event("ev-key", QUESTION, token=TOKEN), encrypted=True, key="other-key").status_code == 401
    body = json.dumps({"encrypt": encrypt(message_event("ev-sig", QUESTION, token=TOKEN), KEY)}).encode()
    headers = signed(body, KEY) | {"X-Lark-Signature": "0" * 64}
    assert httpx.post(rig.url, content=body, headers=headers).status_code == 401
    assert rig.post(message_event("ev-plain", QUESTION, token=TOKEN)).status_code == 401  # unsigned
    rig.drain()
    assert rig.fake.messages == []


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_url_verification_is_answered(rig: FeishuRig) -> None:
    response = rig.post({"type": "url_verification", "token": TOKEN, "challenge": "abc"})
    assert response.json() == {"challenge": "abc"}
    assert rig.post({"type": "url_verification", "token": "nope", "challenge": "abc"}).status_code == 401


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_what_is_not_for_us_is_dropped_and_bad_input_gets_a_note(rig: FeishuRig) -> None:
    rig.post(message_event("ev-n1", QUESTION, token=TOKEN, message_id="om_nomention", mention_bot=False))
    rig.post(message_event("ev-n2", QUESTION, token=TOKEN, message_id="om_app", sender_type="app"))
    rig.post(message_event("ev-n3", "", token=TOKEN, message_id="om_bare"))
    rig.post(message_event("ev-n4", "", token=TOKEN, message_id="om_img", chat_type="p2p", message_type="image"))
    rig.post(
        message_event("ev-n5", "医院导诊的案例", token=TOKEN, message_id="om_p2p", chat_type="p2p", mention_bot=False)
    )
    rig.drain()
    assert rig.fake.replies_to("om_nomention") == [] and rig.fake.replies_to("om_app") == []
    assert "ask" in json.dumps(card_of(rig.fake.replies_to("om_bare")[0]), ensure_ascii=False)  # help text
    assert "只读取文字" in card_of(rig.fake.replies_to("om_img")[0])["elements"][0]["content"]
    p2p = rig.fake.replies_to("om_p2p")[0]
    assert "fx-hospital" in json.dumps(card_of(p2p), ensure_ascii=False) and p2p["reply_in_thread"] is False


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_follow_up_in_bot_thread_needs_no_mention(rig: FeishuRig) -> None:
    rig.post(message_event("ev-root", QUESTION, token=TOKEN, message_id="om_root"))
    rig.fake.wait_for(lambda: rig.fake.replies_to("om_root"))
    follow = message_event(
        "ev-f", "医院导诊的案例", token=TOKEN, message_id="om_f", mention_bot=False, root_id="om_root"
    )
    rig.post(follow)
    reply = rig.fake.wait_for(lambda: rig.fake.replies_to("om_f"))[0]
    assert "fx-hospital" in json.dumps(card_of(reply), ensure_ascii=False)


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_card_feedback_click_is_stored_with_a_toast(rig: FeishuRig) -> None:
    rig.post(message_event("ev-fb", QUESTION, token=TOKEN, message_id="om_fbq"))
    reply = rig.fake.wait_for(lambda: rig.fake.replies_to("om_fbq"))[0]
    actions = next(e for e in card_of(reply)["elements"] if e["tag"] == "action")["actions"]
    down = next(a for a in actions if a["value"]["action"] == "feedback:down")
    response = rig.post(card_action("ev-click", down["value"], token=TOKEN))
    assert response.status_code == 200
    assert "谢谢反馈" in response.json()["toast"]["content"]
    with Session(rig.services.engine) as session:
        votes = session.exec(select(AnswerFeedback)).all()
        answer = session.get(BotAnswer, down["value"]["value"])
    assert [(v.user_id, v.value) for v in votes] == [("ou_user", "down")]
    assert answer is not None and answer.platform == "feishu"


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_form_card_submission_comes_back_as_an_action(rig: FeishuRig) -> None:
    form = Form(
        "survey:submit", "满意度调查", (FormField("score", "评分", "select", ("1", "5")), FormField("why", "原因"))
    )
    rig.services.router.command(Command("survey", lambda req, args: Reply(text="请填写", form=form), "调查", "survey"))
    seen: list[Request] = []

    def on_submit(request: Request) -> Reply:
        seen.append(request)
        return Reply(text=f"收到：{request.action.values['score']}")  # type: ignore[union-attr]

    rig.services.router.on_action("survey", on_submit)
    rig.post(message_event("ev-form", "survey", token=TOKEN, message_id="om_form"))
    cards = rig.fake.wait_for(lambda: len(rig.fake.replies_to("om_form")) >= 2 and rig.fake.replies_to("om_form"))
    form_card = card_of(cards[1])["elements"][0]
    assert form_card["tag"] == "form" and [e.get("name") for e in form_card["elements"]] == ["score", "why", "submit"]
    submit = form_card["elements"][-1]["value"]
    response = rig.post(card_action("ev-submit", submit, token=TOKEN, form_value={"score": "5", "why": "快"}))
    assert response.status_code == 200 and "toast" in response.json()
    answer = rig.fake.wait_for(lambda: rig.fake.replies_to("om_card"))[0]
    assert "收到：5" in json.dumps(card_of(answer), ensure_ascii=False)
    assert seen[0].action is not None and seen[0].action.values == {"score": "5", "why": "快"}


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_api_error_is_logged_with_reference_and_user_told(rig: FeishuRig, caplog: pytest.LogCaptureFixture) -> None:
    rig.fake.fail("reply", code=230002, msg="bot not in chat")
    with caplog.at_level(logging.ERROR, logger="bot.adapters.feishu"):
        rig.post(message_event("ev-err", QUESTION, token=TOKEN, message_id="om_err"))
        told = rig.fake.wait_for(lambda: rig.fake.replies_to("om_err"))[0]
        rig.drain()
    assert told["msg_type"] == "text"
    line = json.loads(told["content"])["text"]
    ref = line.split("参考编号 ")[1].split(" ")[0]
    assert any(ref in r.getMessage() and "230002" in r.getMessage() for r in caplog.records)


def test_message_text_and_domain_parsing() -> None:
    post = {"title": "标题", "content": [[{"tag": "at", "user_id": "@_user_1"}, {"tag": "text", "text": " 问题"}]]}
    assert message_text("post", json.dumps(post, ensure_ascii=False)) == ("标题\n@_user_1 问题", False)
    assert message_text("image", "{}") == ("", True)
    assert resolve_domain("lark") == "https://open.larksuite.com"
    assert resolve_domain("http://127.0.0.1:9/") == "http://127.0.0.1:9"
    with pytest.raises(ValueError, match="FEISHU_DOMAIN"):
        resolve_domain("example.com")
