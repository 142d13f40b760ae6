"""Slack as a real workspace behaves (HTTP mode, real slack-bolt and slack_sdk, the loopback fake):
edited mentions, hostile text, forms while the answer pool is busy, modal errors, channels the bot is
not in, response_url failures, transient errors, replays and the event guarantee."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import Session, select

from bot.adapters.slack.blocks import fallback_text, split_text, to_mrkdwn
from bot.core import Citation, Command, Form, FormField, Reply, Request, UserError
from storage.events import BotAnswer, BotThread, PlatformEvent, receive
from storage.library import utcnow
from tests.adapters.test_slack import QUESTION, SECRET, SlackRig, blocks_text, rig  # noqa: F401
from tests.fakes.slack_api import mention, signed_headers

BASE = {"command": "/prbot", "user_id": "U1", "channel_id": "C1", "team_id": "T1"}
SURVEY = Form(
    "survey:submit",
    "满意度调查",
    (
        FormField("score", "评分", "select", ("1", "5")),
        FormField("when", "生效日期"),
        FormField("why", "原因", "textarea"),
    ),
)


def add_survey(rig: SlackRig, on_submit=None) -> list[Request]:  # noqa: F811
    seen: list[Request] = []

    def submit(request: Request) -> Reply:
        seen.append(request)
        if on_submit is not None:
            return on_submit(request)
        return Reply(text=f"收到：{request.action.values['score']}")  # type: ignore[union-attr]

    rig.services.router.command(Command("survey", lambda req, args: Reply(text="请填写", form=SURVEY), "调查", "s"))
    rig.services.router.on_action("survey", submit)
    return seen


def add_echo(rig: SlackRig) -> None:  # noqa: F811
    """A command that repeats the user's words: what every echoing reply (a title, a quote) does."""
    rig.services.router.command(Command("echo", lambda req, args: Reply(text=" ".join(args)), "回声", "echo"))


def slow_answers(rig: SlackRig, seconds: float) -> threading.Event:  # noqa: F811
    """The default command answers only after ``seconds`` (a slow model), or when released."""
    release = threading.Event()

    def slow(request: Request, args: list[str]) -> Reply:
        release.wait(seconds)
        return Reply(text="慢答案")

    rig.services.router.command(Command("ask", slow, "提问", "ask"))
    return release


def submission(view: dict, values: dict, user: str = "U1") -> dict:
    return {
        "type": "view_submission",
        "user": {"id": user},
        "team": {"id": "T1"},
        "trigger_id": f"trv-{time.monotonic_ns()}",
        "view": {**view, "id": "V1", "state": {"values": values}},
    }


def survey_values(score: str = "5", when: str = "2026-12-31", why: str = "快") -> dict:
    return {
        "score": {"v": {"type": "static_select", "selected_option": {"value": score}}},
        "when": {"v": {"type": "plain_text_input", "value": when}},
        "why": {"v": {"type": "plain_text_input", "value": why}},
    }


# ---- 1. edits -----------------------------------------------------------------------------------------


def test_editing_a_mention_does_not_get_a_second_answer(rig: SlackRig) -> None:  # noqa: F811
    rig.post_event(mention(QUESTION, ts="10.1"), "EvOrig")
    rig.fake.wait_for(lambda: rig.posts("10.1"))
    # Slack re-fires app_mention with a new event id and an "edited" field when the message is edited.
    assert rig.post_event(mention(QUESTION + "（改）", ts="10.1", edited=True), "EvEdited").status_code == 200
    rig.drain()
    assert len(rig.posts("10.1")) == 1


# ---- 2. hostile text is escaped once, in the renderer -------------------------------------------------


def test_typed_channel_ping_and_user_mentions_stay_text_everywhere(rig: SlackRig) -> None:  # noqa: F811
    add_echo(rig)
    # What Slack sends when someone types "<!channel>" literally: entity-encoded.
    rig.post_event(mention("echo &lt;!channel&gt; 和 &lt;@U999&gt; &amp; co", ts="20.1"), "EvPing")
    post = rig.fake.wait_for(lambda: rig.posts("20.1"))[0]["body"]
    for shown in (post["text"], blocks_text({"body": post})):
        assert "<!channel>" not in shown and "<@U999>" not in shown
        assert "&lt;!channel&gt;" in shown and "&amp; co" in shown


def test_model_output_and_library_snippets_are_escaped_and_the_fallback_is_plain() -> None:
    from bot.adapters.slack.blocks import render

    reply = Reply(
        text="**📋 需求变更周报** <!here> 见 [文档](https://example.com/a)",
        citations=[Citation("case-1", "标题 <@U1>", "case", "x.md", "片段 <!everyone> & <https://evil|x>", 0.9)],
    )
    [message] = render(reply, "zh")
    assert message.text.startswith("📋 需求变更周报 &lt;!here&gt;")  # no ** in notifications
    assert "<" not in message.text.replace("&lt;", "")
    blocks = json.dumps(message.blocks, ensure_ascii=False)
    assert "<!here>" not in blocks and "<!everyone>" not in blocks and "<@U1>" not in blocks
    assert "<https://example.com/a|文档>" in blocks  # the Markdown link is ours to render, as a link
    assert "<https://evil|x>" not in blocks


# ---- 3. forms open while the answer pool is busy -------------------------------------------------------


def test_a_form_opens_within_the_trigger_window_while_every_answer_worker_is_busy(rig: SlackRig) -> None:  # noqa: F811
    release = slow_answers(rig, seconds=8.0)
    add_survey(rig)
    try:
        for index in range(rig.adapter.workers.size * 2):  # every answer worker taken, more queued
            rig.post_event(mention(f"问题{index}", ts=f"30.{index}", user=f"U{index}"), f"EvBusy{index}")
        trigger = rig.fake.trigger("trBusy")
        rig.post_form({**BASE, "text": "survey", "trigger_id": trigger, "response_url": rig.fake.response_url("sv")})
        opened = rig.fake.wait_for(lambda: rig.fake.of("views.open"))[0]
        assert opened.get("failed") is None  # not expired_trigger_id
        assert opened["body"]["view"]["title"]["text"] == "满意度调查"
    finally:
        release.set()


def test_a_form_that_cannot_open_leaves_a_button_to_open_it(rig: SlackRig) -> None:  # noqa: F811
    add_survey(rig)
    rig.fake.fail("views.open", "expired_trigger_id")
    rig.post_form({**BASE, "text": "survey", "trigger_id": "trX", "response_url": rig.fake.response_url("sx")})
    rig.drain()
    [shown] = [c["body"] for c in rig.fake.of("response_url")]
    assert not shown.get("delete_original")  # the placeholder is replaced, not deleted
    assert "没能及时打开" in shown["text"] and "prbot-form" in json.dumps(shown["blocks"])


# ---- 4. modal validation keeps the modal open ----------------------------------------------------------


def test_a_refused_submission_keeps_the_modal_open_with_the_field_marked(rig: SlackRig) -> None:  # noqa: F811
    def refuse_bad_date(request: Request) -> Reply:
        when = request.action.values["when"]  # type: ignore[union-attr]
        if when != "2026-12-31":
            raise UserError(f"生效日期「{when}」不是日期，请写成 YYYY-MM-DD")
        return Reply(text="已创建")

    seen = add_survey(rig, refuse_bad_date)
    rig.post_form({**BASE, "text": "survey", "trigger_id": "trV", "response_url": rig.fake.response_url("sv")})
    view = rig.fake.wait_for(lambda: rig.fake.of("views.open"))[0]["body"]["view"]
    assert {b["block_id"]: b["element"].get("max_length") for b in view["blocks"]} == {
        "score": None,
        "when": 500,
        "why": 3000,
    }
    bad = submission(view, survey_values(when="明天"))
    response = rig.post_form({"payload": json.dumps(bad, ensure_ascii=False)})
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {"when": "生效日期「明天」不是日期，请写成 YYYY-MM-DD"},
    }
    empty = submission(view, survey_values(why=""))
    assert rig.post_form({"payload": json.dumps(empty)}).json()["errors"] == {"why": "这一项必填。"}
    good = submission(view, survey_values())
    assert rig.post_form({"payload": json.dumps(good, ensure_ascii=False)}).text == ""
    rig.fake.wait_for(lambda: any("已创建" in p["body"]["text"] for p in rig.posts()))
    assert len(seen) == 2  # the refused one and the good one; the empty one never reached the handler


# ---- 5. channels the bot is not in --------------------------------------------------------------------


def test_share_to_a_channel_the_bot_is_not_in_goes_through_the_response_url(rig: SlackRig) -> None:  # noqa: F811
    rig.fake.not_in("C2")
    rig.post_form({**BASE, "channel_id": "C2", "text": f"ask {QUESTION}", "trigger_id": "trS",
                   "response_url": rig.fake.response_url("ask")})  # fmt: skip
    private = rig.fake.wait_for(lambda: rig.fake.of("response_url"))[0]["body"]
    share = next(e for b in private["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "prbot-share")  # fmt: skip
    payload = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "channel": {"id": "C2"},
        "trigger_id": "trS2",
        "response_url": rig.fake.response_url("share"),
        "actions": [{"action_id": "prbot-share", "value": share["value"], "type": "button", "text": share["text"]}],
    }
    rig.post_form({"payload": json.dumps(payload)})
    shared = rig.fake.wait_for(
        lambda: [c for c in rig.fake.of("response_url") if c["body"].get("response_type") == "in_channel"]
    )[0]["body"]
    assert "<@U1>" in shared["text"] and "fx-bank" in json.dumps(shared["blocks"], ensure_ascii=False)
    assert rig.fake.of("chat.postMessage")[0]["failed"] == "not_in_channel"


def test_a_form_result_for_a_channel_the_bot_is_not_in_uses_the_commands_response_url(rig: SlackRig) -> None:  # noqa: F811
    add_survey(rig, lambda request: Reply(text="公开结果"))
    rig.fake.not_in("C3")
    rig.post_form({**BASE, "channel_id": "C3", "text": "survey", "trigger_id": "trF",
                   "response_url": rig.fake.response_url("form")})  # fmt: skip
    view = rig.fake.wait_for(lambda: rig.fake.of("views.open"))[0]["body"]["view"]
    assert rig.post_form({"payload": json.dumps(submission(view, survey_values()), ensure_ascii=False)}).text == ""
    posted = rig.fake.wait_for(
        lambda: [c for c in rig.fake.of("response_url") if c["body"].get("response_type") == "in_channel"]
    )
    assert "公开结果" in posted[0]["body"]["text"]


def test_a_post_refused_for_not_in_channel_tells_the_user_to_invite_the_bot(rig: SlackRig) -> None:  # noqa: F811
    rig.fake.not_in("C4")
    rig.post_event(mention(QUESTION, ts="40.1", channel="C4"), "EvOutside")
    rig.drain()
    told = [c["body"] for c in rig.fake.of("chat.postMessage") if c["body"].get("channel") == "U1"]
    assert told and "/invite @prbot" in told[0]["text"]


# ---- 6. response_url failures --------------------------------------------------------------------------


def test_a_failed_response_url_is_logged_with_a_reference_and_surfaced(
    rig: SlackRig,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig.fake.fail("response_url", "expired_url", status=404)
    with caplog.at_level(logging.ERROR, logger="bot.adapters.slack.app"):
        rig.post_form({**BASE, "text": "help", "trigger_id": "trH", "response_url": rig.fake.response_url("h")})
        told = rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))[0]["body"]
        rig.drain()
    ref = told["text"].split("参考编号 ")[1].split(" ")[0]
    assert told["user"] == "U1" and told["channel"] == "C1"
    assert any(ref in r.getMessage() and "404" in r.getMessage() for r in caplog.records)


# ---- 7. transient errors are retried, not apologised for -----------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "times"),
    [
        (503, "service_unavailable", 1),
        (500, "internal_error", 1),
        (200, "service_unavailable", 1),
        (429, "ratelimited", 6),
    ],
)
def test_a_transient_failure_is_retried_and_the_answer_posted(
    rig: SlackRig,  # noqa: F811
    status: int,
    error: str,
    times: int,
) -> None:
    rig.fake.fail("chat.postMessage", error, times=times, status=status, **{"Retry-After": "0"})
    rig.post_event(mention(QUESTION, ts="50.1"), f"EvTransient{status}")
    rig.drain()
    posts = rig.posts("50.1")
    assert len(posts) == 1 and "fx-bank" in blocks_text(posts[0])
    assert "参考编号" not in posts[0]["body"]["text"]


# ---- 9. smaller ----------------------------------------------------------------------------------------


def test_split_text_never_cuts_an_entity_or_a_link() -> None:
    text = to_mrkdwn("a" * 2995 + "&&&" + "[标签](https://example.com/x)" + "b" * 100)
    for piece in split_text(text, 3000):
        assert not piece.endswith(("&", "&am", "&amp")) and piece.count("<") == piece.count(">")
    assert "".join(split_text(text, 3000)) == text
    assert fallback_text("- **粗体** 和 `代码`") == "• 粗体 和 代码"


def test_after_a_private_help_the_thread_is_not_the_bots(rig: SlackRig) -> None:  # noqa: F811
    rig.post_event(mention("", ts="60.1"), "EvBareHelp")
    rig.fake.wait_for(lambda: rig.fake.of("chat.postEphemeral"))
    chatter = {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U2",
               "text": QUESTION, "ts": "60.2", "thread_ts": "60.1"}  # fmt: skip
    rig.post_event(chatter, "EvChatter")
    rig.drain()
    assert rig.posts("60.1") == []
    with Session(rig.services.engine) as session:
        assert session.get(BotThread, ("slack", "C1", "60.1")) is None


def test_only_events_the_bot_acts_on_are_recorded_and_old_rows_are_pruned(rig: SlackRig) -> None:  # noqa: F811
    chatter = {
        "type": "message",
        "channel": "C1",
        "channel_type": "channel",
        "user": "U2",
        "text": "午饭吃啥",
        "ts": "70.1",
    }
    rig.post_event(chatter, "EvLunch")
    rig.post_event(mention(QUESTION, ts="70.2"), "EvAsked")
    rig.drain()
    engine = rig.services.engine
    with Session(engine) as session:
        rows = {r.event_id: r.state for r in session.exec(select(PlatformEvent)).all()}
        assert rows == {"EvAsked": "answered"}
        old = session.get(PlatformEvent, ("slack", "EvAsked"))
        old.received_at = utcnow() - timedelta(days=3)  # type: ignore[union-attr]
        session.add(old)
        session.commit()
    from storage.events import prune_events

    assert prune_events(engine=engine) == 1


def test_an_event_type_the_bot_does_not_handle_is_acknowledged(rig: SlackRig) -> None:  # noqa: F811
    reaction = {"type": "reaction_added", "user": "U1", "reaction": "+1", "item": {"type": "message", "ts": "1.1"}}
    assert rig.post_event(reaction, "EvReaction").status_code == 200  # not 404, which Slack retries


# ---- #13: at least once, at most once, replays, control characters -----------------------------------


def test_a_redelivered_event_whose_owner_died_mid_answer_is_answered(rig: SlackRig) -> None:  # noqa: F811
    engine = rig.services.engine
    # A previous process recorded the event, acked it and was killed before answering.
    assert receive(engine=engine, platform="slack", event_id="EvOrphan", owner="dead-process").decision == "new"
    with Session(engine) as session:
        row = session.get(PlatformEvent, ("slack", "EvOrphan"))
        row.claimed_at = utcnow() - timedelta(minutes=5)  # type: ignore[union-attr]
        session.add(row)
        session.commit()
    rig.post_event(mention(QUESTION, ts="80.1"), "EvOrphan", retry=1)
    rig.post_event(mention(QUESTION, ts="80.1"), "EvOrphan", retry=2)  # and once more: no second answer
    rig.drain()
    assert len(rig.posts("80.1")) == 1
    with Session(engine) as session:
        assert session.get(PlatformEvent, ("slack", "EvOrphan")).state == "answered"  # type: ignore[union-attr]


def test_a_received_event_another_live_replica_holds_is_not_answered_twice(rig: SlackRig) -> None:  # noqa: F811
    assert (
        receive(engine=rig.services.engine, platform="slack", event_id="EvHeld", owner="other-replica").decision
        == "new"
    )
    rig.post_event(mention(QUESTION, ts="81.1"), "EvHeld", retry=1)
    rig.drain()
    assert rig.posts("81.1") == []


def test_a_replayed_signed_slash_command_runs_once(rig: SlackRig) -> None:  # noqa: F811
    seen = add_survey(rig)
    body = urlencode({**BASE, "text": "help", "trigger_id": "trReplay", "response_url": rig.fake.response_url("rp")})
    headers = {**signed_headers(SECRET, body), "Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(3):
        assert httpx.post(rig.url, content=body, headers=headers).status_code == 200
    rig.drain()
    assert len(rig.fake.of("response_url")) == 1
    assert seen == []


def test_control_characters_and_null_bytes_are_stripped_from_inbound_text(rig: SlackRig) -> None:  # noqa: F811
    rig.post_event(mention(QUESTION + "\x00\x07\u202e", ts="90.1"), "EvControl")
    rig.drain()
    with Session(rig.services.engine) as session:
        [answer] = session.exec(select(BotAnswer).where(BotAnswer.thread_id == "90.1")).all()
    assert answer.question == QUESTION
