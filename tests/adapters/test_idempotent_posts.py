"""Scheduled posts repeated under the same key (a replica taking over a crashed one's claim) appear
once: Slack finds the bot's earlier message by the key in its metadata, Feishu deduplicates the
uuid derived from the key. Real SDK clients against loopback fakes."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from bot.adapters.feishu.app import FeishuNotifier
from bot.adapters.feishu.app import make_client as make_feishu_client
from bot.adapters.slack.app import POST_EVENT, SlackNotifier, make_client
from bot.core import Destination, Reply
from bot.settings import FeishuSettings, SlackSettings
from tests.fakes.feishu_api import FakeFeishuAPI
from tests.fakes.slack_api import FakeSlackAPI

KEY = "incident:1:response:remind@2025-10-15T02:00:00>slack:C1"


def slack(fake: FakeSlackAPI) -> SlackNotifier:
    return SlackNotifier(make_client(SlackSettings(bot_token=SecretStr("xoxb-t"), api_url=fake.api_url)))


@pytest.mark.parametrize(
    "destination",
    [Destination("slack", "C1"), Destination("slack", "C1", thread_id="1700000000.000100"), Destination("slack", "U7")],
    ids=["channel", "thread", "direct message"],
)
def test_a_slack_post_repeated_under_its_key_is_posted_once(destination: Destination) -> None:
    with FakeSlackAPI() as fake:
        notifier = slack(fake)
        first = notifier.post(destination, Reply(text="提醒：首次响应还剩 10 分钟"), key=KEY)
        again = notifier.post(destination, Reply(text="提醒：首次响应还剩 9 分钟"), key=KEY)  # rebuilt text
        posts = fake.of("chat.postMessage")
        assert len(posts) == 1 and first == again
        assert posts[0]["body"]["metadata"] == {"event_type": POST_EVENT, "event_payload": {"key": f"{KEY}#0"}}
        notifier.post(destination, Reply(text="another job"), key="other@period")
        assert len(fake.of("chat.postMessage")) == 2  # a different key is a different post


def test_a_post_without_a_key_is_not_looked_up() -> None:
    with FakeSlackAPI() as fake:
        notifier = slack(fake)
        notifier.post(Destination("slack", "C1"), Reply(text="hello"))
        notifier.post(Destination("slack", "C1"), Reply(text="hello"))
        assert len(fake.of("chat.postMessage")) == 2 and not fake.of("conversations.history")
        assert "metadata" not in fake.of("chat.postMessage")[0]["body"]


def test_another_apps_message_with_the_same_key_does_not_count() -> None:
    with FakeSlackAPI() as fake:
        fake.messages["C1"] = [
            {
                "type": "message",
                "ts": "1.1",
                "text": "x",
                "metadata": {"event_type": POST_EVENT, "event_payload": {"key": f"{KEY}#0"}},
            }
        ]  # no bot_id: a user cannot have posted the bot's message
        slack(fake).post(Destination("slack", "C1"), Reply(text="提醒"), key=KEY)
        assert len(fake.of("chat.postMessage")) == 1


def test_a_failed_lookup_is_logged_and_the_post_goes_out(caplog: pytest.LogCaptureFixture) -> None:
    with FakeSlackAPI() as fake:
        fake.fail("conversations.history", "missing_scope")
        caplog.set_level(logging.WARNING, logger="bot.adapters.slack.app")
        slack(fake).post(Destination("slack", "C1"), Reply(text="提醒"), key=KEY)
        assert len(fake.of("chat.postMessage")) == 1
        assert "missing_scope" in caplog.text and "xoxb" not in caplog.text


def test_a_feishu_post_repeated_under_its_key_is_delivered_once() -> None:
    with FakeFeishuAPI() as fake:
        settings = FeishuSettings(app_id="cli_t", app_secret=SecretStr("s"), domain=fake.url)
        notifier = FeishuNotifier(make_feishu_client(settings))
        destination = Destination("feishu", "oc_1")
        first = notifier.post(destination, Reply(text="提醒：首次响应还剩 10 分钟"), key=KEY)
        again = notifier.post(destination, Reply(text="提醒：首次响应还剩 9 分钟"), key=KEY)
        assert first == again and len(fake.messages) == 1
        notifier.post(destination, Reply(text="提醒：首次响应还剩 9 分钟"), key="other@period")
        assert len(fake.messages) == 2
