"""Early warning on a real SQLite database: sources, grouping, the three levels once each, the replay
contract, feeds that fail, and a response started from the alert's button."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from bot.app import alert_incidents
from bot.core import Action, NotifyError, Request
from bot.router import Router
from bot.settings import WatchSettings
from handlers.watch import grouping
from handlers.watch.commands import WatchCommands
from handlers.watch.replay import replay_file
from handlers.watch.scoring import Scorer, detect_language, load_terms
from handlers.watch.service import WatchService
from handlers.watch.sources import MentionIn, parse_feed, read_file
from storage.db import session_scope
from storage.drills import Incident
from storage.watch import Alert, Mention
from tests.handlers.crisis_setup import build, crisis_settings

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
LEAK = "网曝某云平台用户数据泄露，数百万条手机号和住址被公开售卖，太可怕了"


def mention(n: int, text: str, minute: float, followers: int = 100, story: str = "s") -> MentionIn:
    return MentionIn(
        "微博", f"u{n}", followers, text, f"https://social.example/{story}/{n}", T0 + timedelta(minutes=minute)
    )


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_terms(None))


@pytest.fixture
def crisis(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = crisis_settings(tmp_path / "data")
    settings.watch = WatchSettings(channel="slack:C_WATCH")
    c = build(settings)
    yield c
    c.engine.dispose()


def test_reposts_of_one_text_share_a_fingerprint_and_other_texts_do_not() -> None:
    a = grouping.fingerprint(LEAK)
    assert grouping.same_story(a, grouping.fingerprint(f"太吓人了 //@某大V: {LEAK}"))
    assert grouping.same_story(a, grouping.fingerprint(f"转发微博 {LEAK} https://t.cn/abc"))
    assert not grouping.same_story(a, grouping.fingerprint("新出的学习平板护眼效果不错，孩子特别喜欢"))


def test_language_and_unknown_languages_score_neutral(scorer: Scorer) -> None:
    assert detect_language(LEAK) == "zh"
    assert scorer.score("质量太差了，工作人员处理投诉敷衍了事，让人非常气愤").label == "negative"
    thai = scorer.score("สินค้านี้แย่มาก")
    assert (thai.lang, thai.label, thai.sentiment) == ("und", "neutral", 0.0)
    english = scorer.score("Terrible product, a data leak again")
    assert english.lang == "en" and english.label == "neutral" and english.risk


def test_import_file_keeps_good_rows_and_lists_bad_ones_by_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "platform,author,followers,text,url,published,reposts\n"
        "微博,a,10,第一条,https://x.example/1,2026-12-01T09:00:00+08:00,1\n"
        "微博,b,10,没有时区,https://x.example/2,2026-12-01T09:00:00,1\n"
        "微博,c,abc,粉丝不是数字,https://x.example/3,2026-12-01T09:00:00+08:00,1\n"
        "微博,d,10,,https://x.example/4,2026-12-01T09:00:00+08:00,1\n",
        encoding="utf-8",
    )
    parsed = read_file(path)
    assert [m.url for m in parsed.mentions] == ["https://x.example/1"]
    assert [(b.line, b.reason.split()[0]) for b in parsed.bad] == [(3, "published"), (4, "followers"), (5, "missing")]
    book = Workbook()
    sheet = book.active
    sheet.append(["平台", "作者", "粉丝数", "内容", "链接", "发布时间"])
    sheet.append(["抖音", "e", 5, "表格里的一条", "https://x.example/5", "2026-12-01T10:00:00+08:00"])
    sheet.append(["抖音", "f", 5, "坏链接", "not a url", "2026-12-01T10:00:00+08:00"])
    book.save(tmp_path / "m.xlsx")
    parsed = read_file(tmp_path / "m.xlsx")
    assert [m.author for m in parsed.mentions] == ["e"] and [b.line for b in parsed.bad] == [3]


def test_stored_once_grouped_and_each_level_alerted_once(crisis, scorer: Scorer) -> None:  # type: ignore[no-untyped-def]
    service = WatchService(crisis.engine, crisis.settings, crisis.drills.notifiers, scorer=scorer)
    first = [mention(i, LEAK if i == 0 else f"mark //@u{i}: {LEAK}", i) for i in range(3)]
    result = service.ingest(first, source="test")
    assert (result.stored, result.new_stories) == (3, 1)
    assert service.ingest(first, source="test").duplicates == 3  # same urls: nothing stored twice
    alerts = service.evaluate(now=T0 + timedelta(minutes=3))
    assert [a.level for a in alerts] == [3]
    # 15+ negative mentions within the hour: level 2; then a burst through large accounts: level 1.
    more = [mention(i, f"转发 //@u{i}: {LEAK}", 3 + i) for i in range(3, 16)]
    service.ingest(more, source="test")
    assert [a.level for a in service.evaluate(now=T0 + timedelta(minutes=20))] == [2]
    burst = [
        mention(i, f"//@big{i}: {LEAK}", 40 + (i - 16) * 0.2, 500_000 if i % 5 == 0 else 50) for i in range(16, 50)
    ]
    service.ingest(burst, source="test")
    assert [a.level for a in service.evaluate(now=T0 + timedelta(minutes=48))] == [1]
    service.ingest([mention(99, f"又来 //@x: {LEAK}", 49)], source="test")
    assert service.evaluate(now=T0 + timedelta(minutes=50)) == []  # never twice at one level
    # Posted once each, with buttons and the spread chart, even when two replicas post.
    other = WatchService(crisis.engine, crisis.settings, crisis.drills.notifiers, scorer=scorer)
    assert len(service.post_pending()) == 3
    assert other.post_pending() == []
    posts = crisis.notifier.to("C_WATCH")
    assert len(posts) == 3
    assert [b.label for b in posts[0].reply.buttons] == ["启动 3 级响应", "忽略", "继续观察"]
    assert posts[0].reply.files[0].content.startswith(b"\x89PNG")


def test_an_alert_the_platform_refuses_for_good_is_marked_not_retried_forever(crisis, scorer: Scorer) -> None:  # type: ignore[no-untyped-def]
    class Refusing:
        calls = 0

        def post(self, destination, reply, key=None):  # type: ignore[no-untyped-def]
            Refusing.calls += 1
            raise NotifyError("channel_not_found", retryable=False)

    service = WatchService(crisis.engine, crisis.settings, {"slack": Refusing()}, scorer=scorer)
    service.ingest([mention(i, f"//@a{i}: {LEAK}", i) for i in range(3)], source="test")
    (alert,) = service.evaluate(now=T0 + timedelta(minutes=3))
    assert service.post_pending() == [] and service.post_pending() == []
    assert Refusing.calls == 1
    with session_scope(crisis.engine) as session:
        assert session.get(Alert, alert.id).status == "failed"  # type: ignore[union-attr]


def test_a_positive_story_spreading_fast_is_not_a_crisis(crisis, scorer: Scorer) -> None:  # type: ignore[no-untyped-def]
    service = WatchService(crisis.engine, crisis.settings, {}, scorer=scorer)
    text = "新出的学习平板护眼效果不错，孩子特别喜欢，强烈推荐"
    service.ingest([mention(i, f"//@k{i}: {text}", i * 0.2, 900_000) for i in range(60)], source="test")
    assert service.evaluate(now=T0 + timedelta(minutes=12)) == []


def test_start_response_button_opens_an_incident_with_the_warning_times(crisis, scorer: Scorer) -> None:  # type: ignore[no-untyped-def]
    now = {"t": T0 + timedelta(minutes=5)}
    service = WatchService(
        crisis.engine,
        crisis.settings,
        crisis.drills.notifiers,
        scorer=scorer,
        incidents=alert_incidents(crisis.drills.incidents),
        clock=lambda: now["t"],
    )
    router = Router()
    router.scan(WatchCommands(service))
    service.ingest([mention(i, f"//@a{i}: {LEAK}", i) for i in range(3)], source="test")
    (alert,) = service.evaluate(now=T0 + timedelta(minutes=5))
    now["t"] = T0 + timedelta(minutes=17)
    stranger = router.handle(
        Request("x", user_id="U_NOBODY", platform="slack", action=Action("watch:respond", str(alert.id)))
    )
    assert "PRBOT_INCIDENTS_TEAMS" in stranger.text
    reply = router.handle(Request("x", user_id="U_PR", platform="slack", action=Action("watch:respond", str(alert.id))))
    assert reply.data["to_alert_min"] == pytest.approx(5) and reply.data["to_response_min"] == pytest.approx(12)
    again = router.handle(
        Request("x", user_id="U_PROD", platform="slack", action=Action("watch:respond", str(alert.id)))
    )
    assert "已经启动" in again.text
    with session_scope(crisis.engine) as session:
        incident = session.get(Incident, reply.data["incident_id"])
        row = session.get(Alert, alert.id)
        assert incident is not None and incident.level == 3 and "舆情预警" in incident.description
        assert row is not None and row.status == "responded" and row.incident_id == incident.id
    assert any("舆情预警" in t for t in crisis.notifier.texts("C_PR"))  # the incident's thread opened


def test_replay_prints_the_contract_and_touches_no_live_store(tmp_path: Path, crisis) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "day.jsonl"
    rows = [
        {
            "platform": "微博",
            "author": f"u{i}",
            "followers": 10,
            "text": f"//@u{i}: 听说扫地机器人要召回一批，有没有官方消息",
            "url": f"https://social.example/r/{i}",
            "published": (T0 + timedelta(minutes=10 * i)).isoformat(),
        }
        for i in range(4)
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{bad\n", encoding="utf-8")
    result = replay_file(path, crisis.settings)
    assert [b.line for b in result.bad] == [5]
    (alert,) = result.alerts
    assert alert["level"] == 3 and alert["at"] == "2026-12-01T09:20:00+08:00"
    assert alert["first"] == "2026-12-01T09:00:00+08:00" and alert["mentions"] == 3
    assert set(alert) >= {"story", "level", "at", "mentions", "first", "urls"}
    with session_scope(crisis.engine) as session:
        assert session.query(Mention).count() == 0
    assert crisis.notifier.posts == []


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
<item><title>Cloud outage</title><link>https://news.example/1</link><description>&lt;b&gt;down&lt;/b&gt;</description>
<pubDate>Tue, 01 Dec 2026 01:00:00 GMT</pubDate></item></channel></rss>"""


def test_feeds_are_parsed_and_a_failing_feed_is_retried_and_reported_once(crisis, scorer: Scorer) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def fetch(url: str, timeout: float) -> bytes:
        calls.append(url)
        if "bad" in url:
            raise ConnectionError("refused")
        if "html" in url:
            return b"<html><body>not a feed"
        return RSS

    crisis.settings.watch.feeds = ["https://ok.example/rss", "https://bad.example/rss", "https://html.example/"]
    service = WatchService(
        crisis.engine, crisis.settings, crisis.drills.notifiers, scorer=scorer, fetch=fetch, retry_wait_s=0
    )
    results = {r.url: r for r in service.poll_feeds(force=True)}
    assert results["https://ok.example/rss"].stored == 1
    assert calls.count("https://bad.example/rss") == 3 and "ConnectionError" in results["https://bad.example/rss"].error
    assert "RSS/Atom" in results["https://html.example/"].error and calls.count("https://html.example/") == 1
    service.poll_feeds(force=True)
    reports = [t for t in crisis.notifier.texts("C_WATCH") if "订阅源拉取失败" in t]
    assert len(reports) == 2  # one per failing feed, not one per poll
    entry = parse_feed(RSS, "https://ok.example/rss")[0]
    assert entry.text == "Cloud outage down" and entry.published.isoformat() == "2026-12-01T01:00:00+00:00"


def test_an_alert_raised_by_another_replica_in_between_is_not_raised_again(crisis) -> None:  # type: ignore[no-untyped-def]
    from storage import watch as store

    now = T0
    with session_scope(crisis.engine) as session:
        story = store.add_story(
            session=session, story=store.Story(title="t", fingerprint=1, first_at=now, last_at=now), bands=[1, 2, 3, 4]
        )
        assert story.id is not None
        story_id = story.id
        assert store.add_alert(session=session, alert=Alert(story_id=story_id, level=3, raised_at=now, first_at=now))
    with session_scope(crisis.engine) as session:  # the race lost: the savepoint rolls back, the rest commits
        assert not store.add_alert(
            session=session, alert=Alert(story_id=story_id, level=3, raised_at=now, first_at=now)
        )
        assert store.add_alert(session=session, alert=Alert(story_id=story_id, level=2, raised_at=now, first_at=now))
    with session_scope(crisis.engine) as session:
        assert store.alert_levels(session=session, story_ids=[story_id]) == {story_id: {2, 3}}
