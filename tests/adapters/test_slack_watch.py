"""Slack end to end (real slack-bolt app, loopback fake Web API): the 「用于投标」 button on an answer opens
a form whose submission is counted, and an alert's buttons come back to early warning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from handlers.watch.service import WatchService
from handlers.watch.sources import MentionIn
from storage.kpi import CaseBidUsage
from storage.watch import Alert
from tests.adapters.test_slack import QUESTION, SlackRig, mention, rig  # noqa: F401  (rig is a fixture)


def click(rig: SlackRig, button: dict, trigger: str) -> None:  # noqa: F811
    payload = {
        "type": "block_actions",
        "user": {"id": "U7"},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "message": {"ts": "1.5"},
        "trigger_id": trigger,
        "response_url": rig.fake.response_url(trigger),
        "actions": [
            {"action_id": button["action_id"], "value": button["value"], "type": "button", "text": button["text"]}
        ],
    }
    assert rig.post_form({"payload": json.dumps(payload, ensure_ascii=False)}).status_code == 200


def buttons(call: dict) -> list[dict]:
    return [e for b in call["body"]["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_used_in_bid_button_opens_a_form_and_the_submission_is_counted(rig: SlackRig) -> None:  # noqa: F811
    rig.post_event(mention(QUESTION, ts="700.1"), "EvBid")
    post = rig.fake.wait_for(lambda: rig.posts("700.1"))[0]
    bid = next(b for b in buttons(post) if "bid:form" in b["action_id"])
    assert bid["text"]["text"] == "用于投标"
    click(rig, bid, "trBid")
    view = rig.fake.wait_for(lambda: rig.fake.of("views.open"))[0]["body"]["view"]
    case_id = bid["value"].split(",")[0]
    values = {
        "case": {"v": {"type": "plain_text_input", "value": case_id}},
        "bid": {"v": {"type": "plain_text_input", "value": "某省政务云招标"}},
    }
    if any(b["block_id"] == "case" and b["element"]["type"] == "static_select" for b in view["blocks"]):
        values["case"] = {"v": {"type": "static_select", "selected_option": {"value": case_id}}}
    submission = {
        "type": "view_submission",
        "user": {"id": "U7"},
        "team": {"id": "T1"},
        "view": {**view, "id": "V1", "state": {"values": values}},
    }
    assert rig.post_form({"payload": json.dumps(submission, ensure_ascii=False)}).status_code == 200
    rig.drain()
    with Session(rig.services.engine) as session:
        rows = session.exec(select(CaseBidUsage)).all()
    assert [(r.case_id, r.bid, r.source) for r in rows] == [(case_id, "某省政务云招标", "button")]


def test_alert_posted_to_slack_and_keep_watching_is_recorded(rig: SlackRig) -> None:  # noqa: F811
    services = rig.services
    services.settings.watch.channel = "slack:C_WATCH"
    service = WatchService(services.engine, services.settings, {"slack": rig.adapter.notifier})
    start = datetime.now(UTC) - timedelta(minutes=5)
    text = "网曝某云平台用户数据泄露，数百万条手机号被公开售卖"
    service.ingest(
        [
            MentionIn("微博", f"u{i}", 10, f"//@a{i}: {text}", f"https://s.example/{i}", start + timedelta(minutes=i))
            for i in range(3)
        ],
        source="test",
    )
    (alert,) = service.evaluate()
    assert service.post_pending() == [alert.id]
    post = next(c for c in rig.posts() if c["body"]["channel"] == "C_WATCH")
    labels = [b["text"]["text"] for b in buttons(post)]
    assert labels[:3] == ["启动 3 级响应", "忽略", "继续观察"]
    assert rig.fake.of("files.completeUploadExternal")  # the spread chart
    observe = next(b for b in buttons(post) if "watch:observe" in b["action_id"])
    click(rig, observe, "trObs")
    rig.drain()
    with Session(services.engine) as session:
        row = session.get(Alert, alert.id)
    assert row is not None and row.status == "watching" and row.decided_by == "slack:U7"
