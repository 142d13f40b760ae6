"""Early warning: mentions (one row per url), stories (near-duplicates grouped, with their spread),
alerts (one per story and level) and the state of each polled feed.

Every query the watch capability needs is here, keyword-only with the caller's session; the rules
live in ``handlers.watch``. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text, UniqueConstraint, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, func, select

from storage.library import utcnow

BANDS = 4  # a 64-bit fingerprint in four 16-bit bands: two within 3 bits of each other share a band


class Mention(SQLModel, table=True):
    __tablename__ = "watch_mentions"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=1000, unique=True)
    platform: str = Field(default="", max_length=100)
    author: str = Field(default="", max_length=200)
    followers: int = 0
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    published_at: datetime = Field(index=True)
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    lang: str = Field(default="zh", max_length=10)
    sentiment: float = 0.0  # -1 (negative) … 1 (positive)
    label: str = Field(default="neutral", max_length=10)  # negative | neutral | positive
    terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    risk: bool = False  # a risk word (泄露, 起火 …) is in the text
    fingerprint: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    story_id: int | None = Field(default=None, foreign_key="watch_stories.id", index=True)
    source: str = Field(default="", max_length=20)  # webhook | rss | import
    received_at: datetime = Field(default_factory=utcnow)


class Story(SQLModel, table=True):
    """Mentions of one text and its reposts; ``dirty`` until the rules have seen its newest mentions."""

    __tablename__ = "watch_stories"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=200)
    fingerprint: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    first_at: datetime
    last_at: datetime = Field(index=True)
    first_url: str = Field(default="", max_length=1000)
    mentions: int = 0
    dirty: bool = Field(default=True, index=True)


class StoryBand(SQLModel, table=True):
    """One band of a story's fingerprint, so a near-duplicate is found by an index lookup."""

    __tablename__ = "watch_story_bands"

    story_id: int = Field(foreign_key="watch_stories.id", primary_key=True)
    band: int = Field(primary_key=True)
    value: int = Field(index=True)


class Alert(SQLModel, table=True):
    __tablename__ = "watch_alerts"
    __table_args__ = (UniqueConstraint("story_id", "level", name="uq_watch_alert_story_level"),)

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="watch_stories.id", index=True)
    level: int
    raised_at: datetime = Field(index=True)  # when the rules saw it (the alert time)
    first_at: datetime  # the story's first mention
    mentions: int = 0
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    urls: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # raised | posted | failed (the platform refused for good) | responded | ignored | watching
    status: str = Field(default="raised", max_length=20, index=True)
    posted_at: datetime | None = None
    message_id: str = Field(default="", max_length=200)
    decided_by: str = Field(default="", max_length=200)
    decided_at: datetime | None = None
    incident_id: int | None = None
    responded_at: datetime | None = None


class Feed(SQLModel, table=True):
    """A polled RSS/Atom feed: when it last worked, and why it last failed (reported, never dropped)."""

    __tablename__ = "watch_feeds"

    url: str = Field(primary_key=True, max_length=1000)
    last_polled_at: datetime | None = None
    last_ok_at: datetime | None = None
    failures: int = 0  # consecutive
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False))
    reported: bool = False  # the current failure streak was posted to the channel
    entries: int = 0


@dataclass(frozen=True)
class RecentMention:
    published_at: datetime
    author: str
    followers: int
    label: str
    risk: bool
    terms: list[str]


def aware(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def existing_urls(*, session: Session, urls: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(urls), 500):  # SQLite's bound-parameter limit
        batch = list(urls[start : start + 500])
        found.update(session.exec(select(Mention.url).where(col(Mention.url).in_(batch))).all())
    return found


def story_candidates(*, session: Session, bands: Sequence[Sequence[int]], since: datetime) -> list[Story]:
    """Stories active since ``since`` that share a fingerprint band with any of ``bands`` (one list per
    mention of a batch): one query for the whole batch; the caller checks the distance."""
    wanted = {(i, value) for group in bands for i, value in enumerate(group)}
    if not wanted:
        return []
    values = sorted({value for _, value in wanted})
    found: dict[int, Story] = {}
    for start in range(0, len(values), 500):  # SQLite's bound-parameter limit
        batch = values[start : start + 500]
        query = (
            select(Story, StoryBand.band, StoryBand.value)
            .join(StoryBand, col(StoryBand.story_id) == col(Story.id))
            .where(col(StoryBand.value).in_(batch), Story.last_at >= since)
        )
        for story, band, value in session.exec(query):
            if (band, value) in wanted and story.id is not None:
                found[story.id] = story
    return [found[k] for k in sorted(found)]


def add_story(*, session: Session, story: Story, bands: Sequence[int]) -> Story:
    session.add(story)
    session.flush()
    assert story.id is not None
    for i, value in enumerate(bands):
        session.add(StoryBand(story_id=story.id, band=i, value=value))
    return story


def add_mention(*, session: Session, mention: Mention, story: Story) -> None:
    mention.story_id = story.id
    story.mentions += 1
    story.dirty = True
    if aware(mention.published_at) > aware(story.last_at):
        story.last_at = mention.published_at
    if aware(mention.published_at) < aware(story.first_at):
        story.first_at, story.first_url = mention.published_at, mention.url
    session.add(mention)
    session.add(story)


def dirty_stories(*, session: Session) -> list[Story]:
    return list(session.exec(select(Story).where(col(Story.dirty).is_(True)).order_by(col(Story.id))))


def mark_clean(*, session: Session, story_ids: Sequence[int]) -> None:
    if story_ids:
        session.execute(update(Story).where(col(Story.id).in_(list(story_ids))).values(dirty=False))


def recent_mentions(*, session: Session, story_id: int, since: datetime, until: datetime) -> list[RecentMention]:
    # sqlalchemy's select: sqlmodel's is typed for at most four columns
    query = (
        sa_select(
            col(Mention.published_at),
            col(Mention.author),
            col(Mention.followers),
            col(Mention.label),
            col(Mention.risk),
            col(Mention.terms),
        )
        .where(
            col(Mention.story_id) == story_id, col(Mention.published_at) >= since, col(Mention.published_at) <= until
        )
        .order_by(col(Mention.published_at))
    )
    return [RecentMention(aware(r[0]), r[1], r[2], r[3], r[4], list(r[5] or [])) for r in session.execute(query)]


def count_before(*, session: Session, story_id: int, since: datetime, until: datetime) -> int:
    query = select(func.count()).where(
        Mention.story_id == story_id, Mention.published_at >= since, Mention.published_at < until
    )
    return int(session.exec(query).one())


def top_mentions(*, session: Session, story_id: int, limit: int, until: datetime | None = None) -> list[Mention]:
    """The posts that carried the story furthest: most followers plus reposts first."""
    query = select(Mention).where(Mention.story_id == story_id)
    if until is not None:
        query = query.where(Mention.published_at <= until)
    reach = col(Mention.followers) + col(Mention.reposts) * 100
    return list(session.exec(query.order_by(reach.desc(), col(Mention.id)).limit(limit)))


def story_timeline(*, session: Session, story_id: int, until: datetime | None = None) -> list[datetime]:
    query = select(Mention.published_at).where(Mention.story_id == story_id)
    if until is not None:
        query = query.where(Mention.published_at <= until)
    return [aware(at) for at in session.exec(query.order_by(col(Mention.published_at)))]


def add_alert(*, session: Session, alert: Alert) -> bool:
    """Insert the alert unless this story already has one at this level (another replica, a replay)."""
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return False
    return True


def alert_levels(*, session: Session, story_ids: Sequence[int]) -> dict[int, set[int]]:
    levels: dict[int, set[int]] = {}
    if story_ids:
        query = select(Alert.story_id, Alert.level).where(col(Alert.story_id).in_(list(story_ids)))
        for story_id, level in session.exec(query):
            levels.setdefault(story_id, set()).add(level)
    return levels


def alerts_to_post(*, session: Session) -> list[Alert]:
    return list(session.exec(select(Alert).where(Alert.status == "raised").order_by(col(Alert.id))))


def get_alert(*, session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def get_story(*, session: Session, story_id: int) -> Story | None:
    return session.get(Story, story_id)


def recent_stories(*, session: Session, limit: int) -> list[Story]:
    return list(session.exec(select(Story).order_by(col(Story.last_at).desc(), col(Story.id).desc()).limit(limit)))


def recent_alerts(*, session: Session, limit: int) -> list[Alert]:
    return list(session.exec(select(Alert).order_by(col(Alert.raised_at).desc(), col(Alert.id).desc()).limit(limit)))


def counts(*, session: Session) -> dict[str, int]:
    return {
        "mentions": int(session.exec(select(func.count()).select_from(Mention)).one()),
        "stories": int(session.exec(select(func.count()).select_from(Story)).one()),
        "alerts": int(session.exec(select(func.count()).select_from(Alert)).one()),
    }


def get_feed(*, session: Session, url: str) -> Feed:
    feed = session.get(Feed, url)
    if feed is None:
        feed = Feed(url=url)
        session.add(feed)
    return feed


def record_poll(*, session: Session, url: str, at: datetime, error: str, entries: int) -> tuple[bool, str]:
    """Keep a poll's outcome. Returns whether this failure starts a streak (to report it once) and
    the streak's key: when the feed last worked, or ``never``."""
    feed = get_feed(session=session, url=url)
    feed.last_polled_at = at
    report = False
    if error:
        feed.failures += 1
        feed.last_error = error[:1000]
        report, feed.reported = not feed.reported, True
    else:
        feed.failures, feed.last_error, feed.reported = 0, "", False
        feed.last_ok_at, feed.entries = at, entries
    session.add(feed)
    return report, aware(feed.last_ok_at).isoformat() if feed.last_ok_at else "never"


def feeds(*, session: Session) -> list[Feed]:
    return list(session.exec(select(Feed).order_by(col(Feed.url))))


def alert_times(*, session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Alerts raised in [start, end): first mention, alert and response times (for the KPI)."""
    query = select(Alert).where(Alert.raised_at >= start, Alert.raised_at < end).order_by(col(Alert.raised_at))
    return [
        {
            "level": a.level,
            "first_at": aware(a.first_at),
            "raised_at": aware(a.raised_at),
            "responded_at": aware(a.responded_at) if a.responded_at else None,
            "incident_id": a.incident_id,
        }
        for a in session.exec(query)
    ]


def mark_posted(*, session: Session, alert_id: int, message_id: str, at: datetime) -> None:
    session.execute(
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.status) == "raised")
        .values(status="posted", message_id=message_id[:200], posted_at=at)
    )


def mark_failed(*, session: Session, alert_id: int) -> None:
    session.execute(
        update(Alert).where(col(Alert.id) == alert_id, col(Alert.status) == "raised").values(status="failed")
    )


def claim_response(*, session: Session, alert_id: int, user: str, at: datetime) -> bool:
    """True for the one click that starts the response; a second click (or replica) gets False."""
    result = session.execute(
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.status) != "responded")
        .values(status="responded", decided_by=user, decided_at=at, responded_at=at)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def attach_incident(*, session: Session, alert_id: int, incident_id: int) -> None:
    session.execute(update(Alert).where(col(Alert.id) == alert_id).values(incident_id=incident_id))


def set_decision(*, session: Session, alert_id: int, status: str, user: str, at: datetime) -> bool:
    """Ignore or keep watching; an alert already responded to keeps that status."""
    result = session.execute(
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.status) != "responded")
        .values(status=status, decided_by=user, decided_at=at)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
