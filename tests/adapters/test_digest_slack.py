"""The digest posted through the real Slack notifier (slack_sdk WebClient) to a loopback fake Web API:
one message with Block Kit and the chart uploaded; a platform error retried, then posted once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from bot.adapters.slack.app import SlackNotifier, make_client
from bot.settings import SlackSettings
from handlers.changes.digest_job import DigestJob
from handlers.changes.service import ChangeService
from storage.claims import get_claim
from tests.fakes.slack_api import FakeSlackAPI
from tests.handlers import changes_support
from tests.handlers.changes_support import Clock, change_settings, sh

db = changes_support.db
db_template = changes_support.db_template


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as api:
        yield api


def test_the_digest_goes_out_through_slack_once(db: tuple[Engine, str], tmp_path: Path, fake: FakeSlackAPI) -> None:
    engine, url = db
    settings = change_settings(tmp_path, url)
    clock = Clock(sh(2025, 10, 13, 9, 0))
    ChangeService(engine, settings, clock).create(
        {"title": "发布会主视觉", "size": "big", "effective_date": "2025-10-22"}, "slack:UB", "zh"
    )
    client = make_client(SlackSettings(bot_token=SecretStr("xoxb-test"), api_url=fake.api_url))
    fake.fail("chat.postMessage", "service_unavailable", times=1)  # the first attempt fails at Slack
    clock.set(sh(2025, 10, 15, 10, 0))
    job = DigestJob(engine, settings, {"slack": SlackNotifier(client)}, clock=clock, sleep=lambda _s: None)

    outcomes = job.run_due()
    assert [o.status for o in outcomes] == ["posted"]
    posts = [c for c in fake.of("chat.postMessage") if not c.get("failed")]
    assert len(posts) == 1 and posts[0]["body"]["channel"] == "CMGR"
    blocks = str(posts[0]["body"].get("blocks"))
    assert "需求变更周报" in blocks and "发布会主视觉" in blocks
    [upload] = fake.of("files.getUploadURLExternal")
    assert upload["body"]["filename"] == "digest-2025-W42.png"
    assert len(fake.of("files.completeUploadExternal")) == 1
    assert sum(c["body"]["bytes"] for c in fake.of("upload")) > 1000  # the PNG went up

    assert [o.status for o in job.run_due()] == ["already"]
    assert len([c for c in fake.of("chat.postMessage") if not c.get("failed")]) == 1
    claim = get_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR")
    assert claim is not None and claim.status == "done"


def test_a_refused_post_is_not_retried_and_the_claim_is_released(
    db: tuple[Engine, str], tmp_path: Path, fake: FakeSlackAPI
) -> None:
    engine, url = db
    settings = change_settings(tmp_path, url)
    client = make_client(SlackSettings(bot_token=SecretStr("xoxb-test"), api_url=fake.api_url))
    fake.fail("chat.postMessage", "channel_not_found", times=5)
    job = DigestJob(
        engine, settings, {"slack": SlackNotifier(client)}, clock=Clock(sh(2025, 10, 15, 10, 0)), sleep=lambda _s: None
    )
    [outcome] = job.run_due()
    assert outcome.status == "failed" and "channel_not_found" in outcome.detail
    assert len(fake.of("chat.postMessage")) == 1  # not retryable: one attempt only
    released = get_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR")
    assert released is not None and released.status == "released"


def test_a_failed_chart_upload_does_not_post_the_text_twice(
    db: tuple[Engine, str], tmp_path: Path, fake: FakeSlackAPI
) -> None:
    engine, url = db
    settings = change_settings(tmp_path, url)
    clock = Clock(sh(2025, 10, 13, 9, 0))
    ChangeService(engine, settings, clock).create(
        {"title": "发布会主视觉", "size": "big", "effective_date": "2025-10-22"}, "slack:UB", "zh"
    )
    client = make_client(SlackSettings(bot_token=SecretStr("xoxb-test"), api_url=fake.api_url))
    fake.fail("files.getUploadURLExternal", "internal_error", times=5)
    clock.set(sh(2025, 10, 15, 10, 0))
    job = DigestJob(engine, settings, {"slack": SlackNotifier(client)}, clock=clock, sleep=lambda _s: None)

    assert [o.status for o in job.run_due()] == ["posted"]
    assert len([c for c in fake.of("chat.postMessage") if not c.get("failed")]) == 1
    assert [o.status for o in job.run_due()] == ["already"]
    assert len([c for c in fake.of("chat.postMessage") if not c.get("failed")]) == 1


def test_a_typed_channel_ping_in_a_title_does_not_ping_the_digest_channel(
    db: tuple[Engine, str], tmp_path: Path, fake: FakeSlackAPI
) -> None:
    engine, url = db
    settings = change_settings(tmp_path, url)
    clock = Clock(sh(2025, 10, 13, 9, 0))
    ChangeService(engine, settings, clock).create(
        {"title": "<!channel> 发布会 & <@U999>", "size": "big", "effective_date": "2025-10-22"}, "slack:UB", "zh"
    )
    client = make_client(SlackSettings(bot_token=SecretStr("xoxb-test"), api_url=fake.api_url))
    clock.set(sh(2025, 10, 15, 10, 0))
    job = DigestJob(engine, settings, {"slack": SlackNotifier(client)}, clock=clock, sleep=lambda _s: None)
    assert [o.status for o in job.run_due()] == ["posted"]
    [post] = [c["body"] for c in fake.of("chat.postMessage") if not c.get("failed")]
    for shown in (post["text"], str(post["blocks"])):  # the notification text and the blocks
        assert "<!channel>" not in shown and "<@U999>" not in shown
        assert "&lt;!channel&gt; 发布会 &amp; &lt;@U999&gt;" in shown
    assert "**" not in post["text"]  # the notification is plain text, not raw Markdown
