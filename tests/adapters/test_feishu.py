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

from bot.adapters.feishu import app as feishu_module
from bot.adapters.feishu.app import FeishuAdapter, FeishuNotifier, make_client, message_text, resolve_domain
from bot.adapters.web import WebServer
from bot.app import Services
from bot.core import Command, Destination, Form, FormField, Reply, Request, UserError
from bot.settings import FeishuSettings
from storage.events import AnswerFeedback, BotAnswer
from tests.fakes.feishu_api import (
    FakeFeishuAPI,
    card_action,
    encrypt,
    message_event,
    plain_event,
    signed,
    v1_message_event,
)

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
    with caplog.at_level(logging.ERROR, logger="bot.adapters.feishu.app"):
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


# ---- a real tenant's behaviour: pickers, double submissions, tokens, unsubscribed events, transients ------


def add_form(rig: FeishuRig, on_submit=None) -> list[Request]:
    form = Form("survey:submit", "满意度调查", (FormField("when", "生效日期", "date"), FormField("why", "原因")))
    rig.services.router.command(Command("survey", lambda req, args: Reply(text="请填写", form=form), "调查", "survey"))
    seen: list[Request] = []

    def submit(request: Request) -> Reply:
        seen.append(request)
        return on_submit(request) if on_submit else Reply(text=f"已创建：{request.action.values['when']}")  # type: ignore[union-attr]

    rig.services.router.on_action("survey", submit)
    return seen


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_a_card_date_picker_value_is_accepted(rig: FeishuRig) -> None:
    seen = add_form(rig)
    submit = {"action": "survey:submit", "lang": "zh"}
    # The documented value of a card date picker carries the UTC offset.
    response = rig.post(
        card_action("ev-date", submit, token=TOKEN, form_value={"when": "2026-12-31 +0800", "why": "x"})
    )
    assert response.status_code == 200
    assert seen[0].action is not None and seen[0].action.values == {"when": "2026-12-31", "why": "x"}
    from bot.adapters.feishu.app import picked_value

    assert picked_value("2026-12-31 10:30 +0800") == "2026-12-31 10:30" and picked_value("明天") == "明天"


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_a_form_card_submitted_twice_is_handled_once_and_the_card_updated(rig: FeishuRig) -> None:
    seen = add_form(rig)
    submit = {"action": "survey:submit", "lang": "zh"}
    values = {"when": "2026-12-31", "why": "快"}
    first = rig.post(card_action("ev-s1", submit, token=TOKEN, message_id="om_form1", form_value=values)).json()
    second = rig.post(card_action("ev-s2", submit, token=TOKEN, message_id="om_form1", form_value=values)).json()
    assert len(seen) == 1
    card = json.dumps(first["card"], ensure_ascii=False)
    assert first["card"]["type"] == "raw" and "已创建：2026-12-31" in card and "form_submit" not in card
    assert "已经提交过" in second["toast"]["content"]
    answer = rig.fake.wait_for(lambda: rig.fake.replies_to("om_form1"))
    assert len(answer) == 1


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_a_refused_form_card_stays_open_for_fixing(rig: FeishuRig) -> None:
    def refuse(request: Request) -> Reply:
        if request.action.values["why"] == "":  # type: ignore[union-attr]
            raise UserError("原因必填")
        return Reply(text="好")

    seen = add_form(rig, refuse)
    submit = {"action": "survey:submit", "lang": "zh"}
    refused = rig.post(card_action("ev-r1", submit, token=TOKEN, message_id="om_f2", form_value={"why": ""})).json()
    assert refused["toast"] == {"type": "error", "content": "原因必填"} and "card" not in refused
    fixed = rig.post(card_action("ev-r2", submit, token=TOKEN, message_id="om_f2", form_value={"why": "有"})).json()
    assert "card" in fixed and len(seen) == 2


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_a_revoked_tenant_token_is_refreshed_and_readyz_really_checks(rig: FeishuRig) -> None:
    rig.post(message_event("ev-t1", QUESTION, token=TOKEN, message_id="om_t1"))
    rig.fake.wait_for(lambda: rig.fake.replies_to("om_t1"))
    rig.fake.revoke_token()  # e.g. the app secret was reset: every call with the cached token gets 99991663
    rig.post(message_event("ev-t2", QUESTION, token=TOKEN, message_id="om_t2"))
    reply = rig.fake.wait_for(lambda: rig.fake.replies_to("om_t2"))[0]
    assert reply["msg_type"] == "interactive"  # the answer, not the apology
    assert rig.adapter.ready()[0] is True
    rig.fake.issue_tokens = False
    rig.fake.revoke_token()
    rig.adapter._checked = (0.0, True, "")  # the 30 s re-check is due
    ok, detail = rig.adapter.ready()
    assert ok is False and "bot info" in detail


def test_http_callbacks_without_a_token_or_key_refuse_to_start(services: Services) -> None:
    from bot.adapters.feishu.app import FeishuConfigError

    settings = FeishuSettings(app_id="cli_x", app_secret=SecretStr("s"), mode="http")
    with pytest.raises(FeishuConfigError, match="FEISHU_VERIFICATION_TOKEN or FEISHU_ENCRYPT_KEY"):
        FeishuAdapter(services, settings)


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_unsubscribed_events_are_acknowledged_and_bot_added_greets(
    rig: FeishuRig, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        read = rig.post(plain_event("im.message.message_read_v1", {"reader": {}}, "ev-read", token=TOKEN))
        odd = rig.post(plain_event("im.chat.updated_v1", {"chat_id": "oc_chat"}, "ev-odd", token=TOKEN))
        v1 = rig.post(v1_message_event("hello", token=TOKEN))
        added = rig.post(plain_event("im.chat.member.bot.added_v1", {"chat_id": "oc_new"}, "ev-added", token=TOKEN))
    assert [r.status_code for r in (read, odd, v1, added)] == [200, 200, 200, 200]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "not subscribed" in caplog.text
    rig.drain()
    greeting = next(m for m in rig.fake.messages if m.get("receive_id") == "oc_new")
    assert "公关助手" in json.loads(greeting["content"])["text"]


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_a_transient_rate_limit_is_retried_not_apologised_for(rig: FeishuRig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feishu_module, "SEND_RETRY_WAITS_S", (0.01, 0.01, 0.01))
    rig.fake.fail("reply", code=99991400, msg="request trigger frequency limit", times=2)
    rig.post(message_event("ev-429", QUESTION, token=TOKEN, message_id="om_429"))
    rig.drain()
    [reply] = rig.fake.replies_to("om_429")
    assert reply["msg_type"] == "interactive" and "fx-bank" in reply["content"]


@pytest.mark.parametrize("rig", [None], indirect=True, ids=["plain"])
def test_at_all_hostile_markup_and_merge_forward(rig: FeishuRig) -> None:
    add_echo = Command("echo", lambda req, args: Reply(text=" ".join(args)), "回声", "echo")
    rig.services.router.command(add_echo)
    content = json.dumps({"text": "@_user_1 @_all echo <at id=all></at> 注意"}, ensure_ascii=False)
    rig.post(message_event("ev-all", "", token=TOKEN, message_id="om_all", content=content))
    forward = message_event("ev-fw", "", token=TOKEN, message_id="om_fw", chat_type="p2p", mention_bot=False,
                            message_type="merge_forward", content="{}")  # fmt: skip
    rig.post(forward)
    rig.drain()
    with Session(rig.services.engine) as session:
        question = session.exec(select(BotAnswer).where(BotAnswer.thread_id == "om_all")).one().question
    assert "@_all" not in question
    shown = card_of(rig.fake.replies_to("om_all")[0])["elements"][0]["content"]
    assert "<at" not in shown and "&#60;at id=all&#62;&#60;/at&#62;" in shown
    assert "只读取文字" in card_of(rig.fake.replies_to("om_fw")[0])["elements"][0]["content"]


def test_two_identical_proactive_posts_both_arrive_and_a_keyed_retry_does_not() -> None:
    with FakeFeishuAPI() as fake:
        notifier = FeishuNotifier(
            make_client(FeishuSettings(app_id="cli_p", app_secret=SecretStr("s"), domain=fake.url))
        )
        reminder = Reply(text="演练提醒：10:00 开始")
        notifier.post(Destination("feishu", "oc_team"), reminder)
        notifier.post(Destination("feishu", "oc_team"), reminder)
        assert len(fake.messages) == 2
        notifier.post(Destination("feishu", "oc_team"), reminder, key="drill:42:2026-12-01T10:00")
        notifier.post(Destination("feishu", "oc_team"), reminder, key="drill:42:2026-12-01T10:00")
        assert len(fake.messages) == 3


def test_the_long_connection_acknowledges_unsubscribed_events(services: Services) -> None:
    with FakeFeishuAPI() as fake:
        settings = FeishuSettings(app_id="cli_ws", app_secret=SecretStr("s"), domain=fake.url, mode="ws")
        adapter = FeishuAdapter(services, settings)
        try:
            unknown = json.dumps(plain_event("im.message.reaction.created_v1", {}, "ev-x", token="")).encode()
            assert adapter.tolerant._do_without_validation(unknown) is None  # lark itself would raise
            assert adapter.tolerant.known("p2.im.message.receive_v1")
        finally:
            adapter.close()
