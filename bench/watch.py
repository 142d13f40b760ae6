"""``prbot bench watch``: a replayed day of synthetic mentions with planted crises.

Thousands of posts in hundreds of ordinary stories (news, praise, questions, small complaints), a few
distractors built to look like trouble (a positive story that goes viral through large accounts, a
small wave of complaints, stray risk words), and four planted crises that meet the rules at known
minutes. The minute each planted rule is met is computed from the generated posts and their true
labels by a brute-force reference, independent of the service; the day is then replayed through the
real service (scoring, grouping, rules, a throw-away database, nothing posted).

Targets: every planted crisis alerted at its level within 10 replay-minutes of the rule being met, no
story alerted twice at one level, at most one false alert per day, at least 1,000 mentions/s scored.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.settings import Settings, WatchSettings
from handlers.watch.scoring import Scorer, load_terms
from handlers.watch.sources import MentionIn

TZ = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 12, 1, tzinfo=TZ)

ORDINARY = [
    ("公司今天在{city}举办了年度合作伙伴大会，发布了{product}的新版本", "neutral"),
    ("请问{product}的企业版和个人版有什么区别", "neutral"),
    ("{product}的开发者文档更新了，新增了接口说明", "neutral"),
    ("据悉{product}将于下月在{city}上线新的服务节点", "neutral"),
    ("新买的{product}用了一周，续航和手感都非常满意", "positive"),
    ("{product}的客服耐心又专业，问题十分钟就解决了", "positive"),
    ("这次{product}升级后流畅多了，点个赞", "positive"),
    ("{product}性价比超高，同价位找不到更好的", "positive"),
    ("{product}的售后有点慢，等了三天才回复", "negative"),
    ("{product}的新界面不太习惯，找设置找了半天", "neutral"),
]
PRODUCTS = ["智能客服", "知识库", "云平台", "扫地机器人", "智能门锁", "学习平板", "路由器", "智能手表"]
CITIES = ["深圳", "杭州", "成都", "北京", "上海", "武汉", "西安", "南京"]
COMMENTS = ["", "转发微博", "关注一下", "mark", "有人知道吗", "转", "看看"]


@dataclass
class Planted:
    key: str
    text: str
    label: str
    levels: set[int]
    times: list[datetime]
    big_from: int  # index from which large accounts repost (len(times): never)


def _followers(rng: random.Random, big: bool) -> int:
    return rng.randint(150_000, 5_000_000) if big else int(rng.lognormvariate(6, 1.6)) % 90_000


def _burst(start: datetime, minutes: float, count: int, rng: random.Random) -> list[datetime]:
    return sorted(start + timedelta(seconds=rng.uniform(0, minutes * 60)) for _ in range(count))


def planted(rng: random.Random) -> tuple[list[Planted], list[Planted]]:
    """(crises, distractors) with their post times."""
    at = DAY.replace
    crises = [
        Planted(
            "leak",
            "网曝某云平台用户数据泄露，数百万条手机号和住址被公开售卖，太可怕了",
            "negative",
            {1, 2, 3},
            _burst(at(hour=9, minute=12), 22, 16, rng) + _burst(at(hour=9, minute=35), 10, 70, rng),
            16,
        ),
        Planted(
            "recall",
            "听说扫地机器人要召回一批，有没有官方消息",
            "neutral",
            {3},
            _burst(at(hour=10, minute=5), 40, 5, rng),
            99,
        ),
        Planted(
            "service",
            "售后质量太差了，工作人员处理投诉敷衍了事，让人非常气愤",
            "negative",
            {2},
            _burst(at(hour=11, minute=0), 50, 30, rng),
            99,
        ),
        Planted(
            "fire",
            "充电宝在地铁上起火冒烟，视频太吓人了，质量差到离谱",
            "negative",
            {1, 2, 3},
            _burst(at(hour=15, minute=20), 30, 12, rng) + _burst(at(hour=15, minute=55), 10, 60, rng),
            12,
        ),
    ]
    distractors = [
        Planted(
            "launch",
            "新出的学习平板护眼效果不错，孩子特别喜欢，强烈推荐",
            "positive",
            set(),
            _burst(at(hour=14, minute=0), 30, 90, rng),
            10,
        ),
        Planted(
            "grumble",
            "售后维修太慢了，等了一周还没修好，很失望",
            "negative",
            set(),
            _burst(at(hour=16), 60, 10, rng),
            99,
        ),
        Planted("stray", "年底信息爆炸，大家都在忙着写总结", "neutral", set(), _burst(at(hour=13), 120, 2, rng), 99),
    ]
    return crises, distractors


def _tag(n: int) -> str:
    """A story's marker in letters (digits could spell a watch term such as 315)."""
    letters = ""
    while True:
        n, rest = divmod(n, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[rest] + letters
        if n == 0:
            return letters


def generate(
    seed: int = 7, ordinary_stories: int = 450, cfg: WatchSettings | None = None
) -> tuple[list[MentionIn], dict[str, Planted], list[Planted]]:
    cfg = cfg or WatchSettings()
    rng = random.Random(seed)
    crises, distractors = planted(rng)
    mentions: list[MentionIn] = []
    stories: dict[str, Planted] = {}
    for n in range(ordinary_stories):
        template, label = rng.choice(ORDINARY)
        text = template.format(product=rng.choice(PRODUCTS), city=rng.choice(CITIES)) + f"（{_tag(n)}）"
        start = DAY + timedelta(minutes=rng.uniform(0, 23 * 60))
        count = min(40, int(rng.paretovariate(1.3)) + rng.randint(0, 8))
        if label == "negative":  # an ordinary complaint stays below the level-2 count: it is not a crisis
            count = min(count, cfg.negative_min_mentions - 3)
        stories[f"s{n}"] = Planted(f"s{n}", text, label, set(), _burst(start, rng.uniform(10, 240), count, rng), 10**6)
    for story in crises + distractors:
        stories[story.key] = story
    for story in stories.values():
        for i, when in enumerate(story.times):
            big = i >= story.big_from and rng.random() < 0.25
            comment = rng.choice(COMMENTS)
            text = story.text if i == 0 else (f"{comment} //@用户{rng.randint(1, 99999)}: {story.text}")
            mentions.append(
                MentionIn(
                    platform=rng.choice(["微博", "抖音", "小红书", "知乎"]),
                    author=f"u{rng.randint(1, 10**7)}",
                    followers=_followers(rng, big),
                    text=text,
                    url=f"https://social.example/{story.key}/{i}",
                    published=when.replace(microsecond=0),
                    reposts=rng.randint(0, 50) * (20 if big else 1),
                )
            )
    mentions.sort(key=lambda m: m.published)
    return mentions, stories, crises


def reference_met(
    story: Planted, mentions: list[MentionIn], cfg: WatchSettings, risk: list[str]
) -> dict[int, datetime]:
    """Brute force over each post of a planted story, with its true label: when each rule is first met."""
    posts = sorted((m for m in mentions if m.url.split("/")[-2] == story.key), key=lambda m: m.published)
    met: dict[int, datetime] = {}
    for i, post in enumerate(posts):
        now = post.published
        seen = posts[: i + 1]
        kw = [m for m in seen if m.published >= now - timedelta(minutes=cfg.keyword_window_minutes)]
        if 3 not in met and sum(1 for m in kw if any(w in m.text for w in risk)) >= cfg.keyword_min_mentions:
            met[3] = now
        win = [m for m in seen if m.published >= now - timedelta(minutes=cfg.negative_window_minutes)]
        negative = len(win) if story.label == "negative" else 0
        share = negative / len(win)
        if 2 not in met and len(win) >= cfg.negative_min_mentions and share >= cfg.negative_share:
            met[2] = now
        recent = [m for m in seen if m.published > now - timedelta(minutes=10)]
        before = [
            m
            for m in seen
            if now - timedelta(minutes=10) - timedelta(hours=cfg.spread_baseline_hours)
            <= m.published
            <= now - timedelta(minutes=10)
        ]
        baseline = len(before) / (cfg.spread_baseline_hours * 6)
        big = {
            m.author
            for m in seen
            if m.followers >= cfg.follower_threshold and m.published > now - timedelta(minutes=30)
        }
        if (
            1 not in met
            and len(recent) >= cfg.spread_min_mentions
            and len(recent) >= cfg.spread_multiplier * max(baseline, 1.0)
            and len(big) >= cfg.big_accounts
            and share >= cfg.spread_min_negative_share
        ):
            met[1] = now
    return met


def scoring_rate(scorer: Scorer, texts: list[str], repeats: int = 3) -> float:
    scorer.score("预热")
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for text in texts:
            scorer.score(text)
        runs.append(time.perf_counter() - started)
    return len(texts) / statistics.median(runs)


def run(as_json: bool = False, seed: int = 7, settings: Settings | None = None) -> dict[str, object]:
    from handlers.watch.replay import replay_mentions

    settings = settings or Settings(_env_file=None)
    cfg = settings.watch
    terms = load_terms(cfg.terms_file)
    mentions, stories, crises = generate(seed, cfg=cfg)
    texts = [m.text for m in mentions]
    unique = list(dict.fromkeys(t.split(": ")[-1] for t in texts))
    rate_unique = scoring_rate(Scorer(terms), unique, repeats=1)  # a fresh scorer: every text scored afresh
    rate = scoring_rate(Scorer(terms), texts, repeats=1)  # as the feed comes: reposts share their root's score
    scorer = Scorer(terms)
    result = replay_mentions(mentions, settings, scorer)

    by_story: dict[str, list[dict[str, Any]]] = {}
    for alert in result.alerts:
        urls = alert["urls"]
        assert isinstance(urls, list)
        key = str(urls[0]).split("/")[-2] if urls else "?"
        by_story.setdefault(key, []).append(alert)
    per_level = {1: 0, 2: 0, 3: 0}
    for alert in result.alerts:
        per_level[int(alert["level"])] += 1
    duplicates = sum(len(alerts) - len({a["level"] for a in alerts}) for alerts in by_story.values())
    false_alerts = [
        (key, a["level"]) for key, alerts in by_story.items() for a in alerts if a["level"] not in stories[key].levels
    ]
    rows: list[dict[str, Any]] = []
    all_ok = True
    for story in crises:
        met = reference_met(story, mentions, cfg, list(terms.risk))
        for level in sorted(story.levels):
            hit = next((a for a in by_story.get(story.key, []) if a["level"] == level), None)
            met_at = met.get(level)
            at = datetime.fromisoformat(str(hit["at"])) if hit else None
            first = datetime.fromisoformat(str(hit["first"])) if hit else None
            lag = (at - met_at).total_seconds() / 60 if at and met_at else None
            ok = lag is not None and -0.01 <= lag <= 10
            all_ok &= ok
            rows.append(
                {
                    "story": story.key,
                    "level": level,
                    "rule_met": met_at.astimezone(TZ).strftime("%H:%M:%S") if met_at else None,
                    "alerted": at.astimezone(TZ).strftime("%H:%M:%S") if at else None,
                    "minutes_after_rule": lag,
                    "minutes_after_first_post": (at - first).total_seconds() / 60 if at and first else None,
                    "ok": ok,
                }
            )
    report: dict[str, object] = {
        "mentions": len(mentions),
        "stories_planted": len(stories),
        "alerts_per_level": per_level,
        "crises": rows,
        "false_alerts": len(false_alerts),
        "false_alert_stories": false_alerts,
        "duplicate_alerts": duplicates,
        "scored_per_s": rate,
        "scored_unique_texts_per_s": rate_unique,
        "ingested_per_s": len(mentions) / result.seconds,
        "all_crises_in_time": all_ok,
    }
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
        return report
    print(f"mentions replayed: {len(mentions):,} in {len(stories)} stories; replay took {result.seconds:.1f} s")
    print(f"alerts per level: L1 {per_level[1]} · L2 {per_level[2]} · L3 {per_level[3]}")
    print("| crisis | level | rule met | alerted | min after rule | min after first post | ok |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        lag, since = r["minutes_after_rule"], r["minutes_after_first_post"]
        print(
            f"| {r['story']} | {r['level']} | {r['rule_met']} | {r['alerted']} | "
            f"{'' if lag is None else f'{lag:.1f}'} | {'' if since is None else f'{since:.0f}'} | "
            f"{'✅' if r['ok'] else '❌'} |"
        )
    print(f"false alerts: {len(false_alerts)} {false_alerts or ''} (target ≤ 1) · duplicates: {duplicates} (target 0)")
    print(
        f"scored: {rate:,.0f} mentions/s (target ≥ 1,000; {rate_unique:,.0f}/s over {len(unique)} distinct texts) · "
        f"end to end: {report['ingested_per_s']:,.0f} mentions/s"
    )
    return report
