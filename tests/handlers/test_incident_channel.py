"""``incident start --channel`` takes only platform:channel on a platform the bot can post to."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage.drills import Incident
from tests.fakes.recording_notifier import RecordingNotifier
from tests.handlers.crisis_setup import Crisis, build, crisis_settings


@pytest.fixture
def crisis(tmp_path: Path) -> Crisis:
    crisis = build(crisis_settings(tmp_path / "data"))
    crisis.drills.incidents.notifiers.pop("feishu")  # this bot posts to Slack and the terminal only
    return crisis


def incidents(crisis: Crisis) -> list[Incident]:
    with Session(crisis.engine) as session:
        return list(session.exec(select(Incident)))


@pytest.mark.parametrize(
    ("channel", "reason"),
    [("evil:chan", "evil"), ("feishu:oc_1", "feishu"), ("C_PR", "platform prefix"), ("slack:", "platform prefix")],
)
def test_an_unusable_channel_is_refused_and_nothing_is_started(crisis: Crisis, channel: str, reason: str) -> None:
    reply = crisis.say(f'incident start --level 3 --channel {channel} "官网被曝数据泄露"')
    assert "无法使用" in reply.text and reason in reply.text and "slack:C0123ABCD" in reply.text
    assert incidents(crisis) == []


def test_a_configured_platforms_channel_is_used(crisis: Crisis) -> None:
    crisis.say('incident start --level 3 --channel Slack:C_WAR "官网被曝数据泄露"')
    assert [i.channel for i in incidents(crisis)] == ["slack:C_WAR"]
    assert isinstance(crisis.notifier, RecordingNotifier) and crisis.notifier.to("C_WAR")
