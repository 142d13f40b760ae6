"""Slack in HTTP mode end to end: real slack-bolt / slack_sdk, signed requests, a loopback fake Web API,
the real answer path on the fixture library. Background work is awaited by polling the fake's calls."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from bot import messages as msg
from bot.adapters.slack.app import SlackAdapter
from bot.adapters.web import WebServer
from bot.app import Services
from bot.core import Attachment, Command, Form, FormField, Reply, Request
from bot.settings import SlackSettings
from storage.events import AnswerFeedback, BotThread, PlatformEvent
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, FakeSlackAPI, event_body, mention, signed_headers

SECRET = "test-signing-secret"
QUESTION = "城商行上线智能客服后人工坐席成本下降了多少？"


@dataclass
class SlackRig:
    fake: FakeSlackAPI
    adapter: SlackAdapter
    url: str
    services: Services

    def post_event(self, event: dict, event_id: str, retry: int | None = None) -> httpx.Response:
        body = event_body(event, event_id)
        return httpx.post(self.url, content=body, headers=signed_headers(SECRET, body, retry=retry))

    def post_form(self, payload: dict) -> httpx.Response:
        body = urlencode(payload)
        headers = signed_headers(SECRET, body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return httpx.post(self.url, content=body, headers=headers)

    def drain(self) -> None:
        """Wait for every answer in flight: listeners hand over first, then the worker pool finishes its queue."""
        self.adapter.close()

    def posts(self, thread: str | None = None) -> list[dict]:
        calls = [c for c in self.fake.of("chat.postMessage") if not c.get("failed")]
        return [c for c in calls if thread is None or c["body"].get("thread_ts") == thread]


@pytest.fixture
def rig(library_services: Services) -> Iterator[SlackRig]:
    with FakeSlackAPI() as fake:
        settings = SlackSettings(
            bot_token=SecretStr("xoxb-test"), signing_secret=SecretStr(SECRET), api_url=fake.api_url, workers=4
        )
        adapter = SlackAdapter(library_services, settings, mode="http")
        server = WebServer("test", "127.0.0.1", 0, {"/slack/events": adapter.wsgi()})
        server.start()
        try:
            yield SlackRig(fake, adapter, f"http://127.0.0.1:{server.port}/slack/events", library_services)
        finally:
            server.stop()
            adapter.close()


def blocks_text(call: dict) -> str:
    return json.dumps(call["body"].get("blocks") or [], ensure_ascii=False)


def test_signed_mention_gets_threaded_answer_with_sources_and_feedback(rig: SlackRig) -> None:
    response = rig.post_event(mention(QUESTION, ts="100.1"), "Ev1")
    assert response.status_code == 200
    post = rig.fake.wait_for(lambda: rig.posts("100.1"))[0]
    assert post["body"]["channel"] == "C1"
    assert post["auth"] == "Bearer xoxb-test"
    text = blocks_text(post)
    assert "32%" in text
    assert "fx-bank" in text  # the Sources block names the cited document
    assert "feedback:up" in text and "feedback:down" in text
    assert rig.fake.of("reactions.add")[0]["body"]["name"] == "eyes"
    with Session(rig.services.engine) as session:
        assert session.get(BotThread, ("slack", "C1", "100.1")) is not None


def test_retried_delivery_is_answered_once(rig: SlackRig) -> None:
    assert rig.post_event(mention(QUESTION, ts="200.1"), "EvRetry").status_code == 200
    retry = rig.post_event(mention(QUESTION, ts="200.1"), "EvRetry", retry=1)
    assert retry.status_code == 200
    rig.drain()
    assert len(rig.posts("200.1")) == 1
    with Session(rig.services.engine) as session:
        rows = session.exec(select(PlatformEvent).where(PlatformEvent.event_id == "EvRetry")).all()
    assert len(rows) == 1


def test_bad_signature_and_stale_timestamp_are_refused(rig: SlackRig) -> None:
    body = event_body(mention(QUESTION, ts="300.1"), "EvBad")
    forged = signed_headers("not-the-secret", body)
    assert httpx.post(rig.url, content=body, headers=forged).status_code == 401
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert httpx.post(rig.url, content=body, headers=stale).status_code == 401
    rig.drain()
    assert rig.posts() == []
    assert rig.fake.of("reactions.add") == []


def test_follow_up_in_answered_thread_needs_no_mention(rig: SlackRig) -> None:
    rig.post_event(mention(QUESTION, ts="400.1"), "EvRoot")
    rig.fake.wait_for(lambda: rig.posts("400.1"))
    follow_up = {
        "type": "message",
        "channel": "C1",
        "channel_type": "channel",
        "user": "U1",
        "text": "有没有医院的案例？",
        "ts": "400.2",
        "thread_ts": "400.1",
    }
    rig.post_event(follow_up, "EvFollow")
    posts = rig.fake.wait_for(lambda: len(rig.posts("400.1")) >= 2 and rig.posts("400.1"))
    assert "fx-hospital" in blocks_text(posts[1])
    # A thread the bot never answered in, and the bot's own message, are not for us.
    other = dict(follow_up, ts="500.2", thread_ts="500.1")
    rig.post_event(other, "EvOther")
    own = dict(follow_up, ts="400.3", user=BOT_USER_ID, bot_id=BOT_ID, text="bot talk")
    rig.post_event(own, "EvOwn")
    rig.drain()
    assert rig.posts("500.1") == []
    assert len(rig.posts("400.1")) == 2


def test_direct_message_is_answered_in_place(rig: SlackRig) -> None:
    dm = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "text": QUESTION, "ts": "600.1"}
    rig.post_event(dm, "EvDm")
    post = rig.fake.wait_for(lambda: [p for p in rig.posts() if p["body"]["channel"] == "D1"])[0]
    assert "thread_ts" not in post["body"]
    assert "fx-bank" in blocks_text(post)


def test_bare_mention_gets_help_and_image_gets_a_polite_note(rig: SlackRig) -> None:
    rig.post_event(mention("", ts="700.1"), "EvBare")
    image = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D2",
        "channel_type": "im",
        "user": "U1",
        "text": "",
        "ts": "700.2",
        "files": [{"id": "F1", "mimetype": "image/png"}],
    }
    rig.post_event(image, "EvImage")
    rig.drain()
    help_reply = rig.fake.of("chat.postEphemeral")[0]["body"]  # help is private: only the asker sees it
    assert help_reply["user"] == "U1" and help_reply["thread_ts"] == "700.1"
    assert "ask" in help_reply["text"] and "help" in help_reply["text"]
    note = next(p for p in rig.posts() if p["body"]["channel"] == "D2")
    assert "只读取文字" in note["body"]["text"]


def test_slash_help_and_unknown_subcommand(rig: SlackRig) -> None:
    base = {"command": "/prbot", "user_id": "U1", "channel_id": "C1", "team_id": "T1", "trigger_id": "tr1"}
    ack = rig.post_form({**base, "text": "help", "response_url": rig.fake.response_url("help")})
    assert ack.status_code == 200
    assert ack.text == msg.t("chat_searching", msg.detect_language("help"))  # the placeholder, acked at once
    rig.post_form({**base, "text": "hepl", "response_url": rig.fake.response_url("typo")})
    rig.drain()
    responses = {c["path"].rsplit("/", 1)[1]: c["body"] for c in rig.fake.of("response_url")}
    assert responses["help"]["response_type"] == "ephemeral"
    assert "ask" in responses["help"]["text"] and "prbot-share" in json.dumps(responses["help"]["blocks"])
    assert "hepl" in responses["typo"]["text"] and "help" in responses["typo"]["text"]


def test_feedback_click_is_stored_and_acknowledged(rig: SlackRig) -> None:
    rig.post_event(mention(QUESTION, ts="800.1"), "EvFb")
    post = rig.fake.wait_for(lambda: rig.posts("800.1"))[0]
    buttons = [e for b in post["body"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    up = next(b for b in buttons if "feedback:up" in b["action_id"])
    payload = {
        "type": "block_actions",
        "user": {"id": "U7"},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "message": {"ts": "800.5", "thread_ts": "800.1"},
        "trigger_id": "tr2",
        "response_url": rig.fake.response_url("fb"),
        "actions": [{"action_id": up["action_id"], "value": up["value"], "type": "button", "text": up["text"]}],
    }
    assert rig.post_form({"payload": json.dumps(payload)}).status_code == 200
    ack = rig.fake.wait_for(lambda: rig.fake.of("response_url"))[0]
    assert "谢谢反馈" in ack["body"]["text"]
    with Session(rig.services.engine) as session:
        votes = session.exec(select(AnswerFeedback)).all()
    assert [(v.user_id, v.value, v.answer_id) for v in votes] == [("U7", "up", up["value"])]


def test_platform_error_is_logged_with_reference_and_user_told(rig: SlackRig, caplog: pytest.LogCaptureFixture) -> None:
    rig.fake.fail("chat.postMessage", "invalid_blocks")
    with caplog.at_level(logging.ERROR, logger="bot.adapters.slack.app"):
        rig.post_event(mention(QUESTION, ts="900.1"), "EvErr")
        told = rig.fake.wait_for(lambda: rig.posts("900.1"))[0]
        rig.drain()
    line = told["body"]["text"]
    assert "参考编号" in line and "Traceback" not in line
    ref = line.split("参考编号 ")[1].split(" ")[0]
    assert any(ref in r.getMessage() and "invalid_blocks" in r.getMessage() for r in caplog.records)


def test_rate_limited_post_is_retried_after_retry_after(rig: SlackRig) -> None:
    rig.fake.fail("chat.postMessage", "ratelimited", status=429, **{"Retry-After": "0"})
    rig.post_event(mention(QUESTION, ts="950.1"), "EvRate")
    post = rig.fake.wait_for(lambda: rig.posts("950.1"))[0]
    assert "fx-bank" in blocks_text(post)
    assert [c.get("failed") for c in rig.fake.of("chat.postMessage")] == ["ratelimited", None]


def test_form_opens_a_modal_and_submission_comes_back_as_action(rig: SlackRig) -> None:
    router = rig.services.router
    form = Form(
        "survey:submit", "满意度调查", (FormField("score", "评分", "select", ("1", "5")), FormField("why", "原因"))
    )
    router.command(Command("survey", lambda req, args: Reply(text="请填写", form=form), "调查", "survey"))
    seen: list[Request] = []

    def on_submit(request: Request) -> Reply:
        seen.append(request)
        chart = Attachment("chart.png", b"\x89PNG fake", "image/png")
        return Reply(text=f"收到：{request.action.values['score']}", files=[chart])

    router.on_action("survey", on_submit)
    base = {"command": "/prbot", "user_id": "U1", "channel_id": "C1", "team_id": "T1", "trigger_id": "tr9"}
    rig.post_form({**base, "text": "survey", "response_url": rig.fake.response_url("survey")})
    opened = rig.fake.wait_for(lambda: rig.fake.of("views.open"))[0]["body"]
    assert opened["trigger_id"] == "tr9"
    view = opened["view"]
    assert view["callback_id"] == "prbot-form" and [b["block_id"] for b in view["blocks"]] == ["score", "why"]
    submission = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {
                    "score": {"v": {"type": "static_select", "selected_option": {"value": "5"}}},
                    "why": {"v": {"type": "plain_text_input", "value": "快"}},
                }
            },
        },
    }
    assert rig.post_form({"payload": json.dumps(submission, ensure_ascii=False)}).status_code == 200
    rig.fake.wait_for(lambda: rig.fake.of("files.completeUploadExternal"))
    assert seen[0].action.values == {"score": "5", "why": "快"}
    assert any("收到：5" in p["body"]["text"] and p["body"]["channel"] == "C1" for p in rig.posts())
    assert rig.fake.of("upload")[0]["body"]["bytes"] == len(b"\x89PNG fake")


def test_private_slash_answer_can_be_shared_to_the_channel(rig: SlackRig) -> None:
    base = {"command": "/prbot", "user_id": "U1", "channel_id": "C1", "team_id": "T1", "trigger_id": "tr3"}
    rig.post_form({**base, "text": f"ask {QUESTION}", "response_url": rig.fake.response_url("ask")})
    private = rig.fake.wait_for(lambda: rig.fake.of("response_url"))[0]["body"]
    assert private["response_type"] == "ephemeral" and "fx-bank" in json.dumps(private["blocks"], ensure_ascii=False)
    assert rig.posts() == []  # nothing public yet
    share = next(
        e for b in private["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "prbot-share"
    )
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "container": {"type": "message", "is_ephemeral": True},
        "trigger_id": "tr4",
        "response_url": rig.fake.response_url("share"),
        "actions": [{"action_id": "prbot-share", "value": share["value"], "type": "button", "text": share["text"]}],
    }
    rig.post_form({"payload": json.dumps(payload)})
    shared = rig.fake.wait_for(lambda: rig.posts())[0]["body"]
    assert shared["channel"] == "C1" and "<@U1>" in shared["text"]
    text = blocks_text({"body": shared})
    assert "fx-bank" in text and "prbot-share" not in text  # the public copy has no share button
    rig.fake.wait_for(lambda: any(c["body"].get("delete_original") for c in rig.fake.of("response_url")))
