"""Early warning, the rules: mentions in → scored, deduplicated, grouped into stories → the three
levels checked → one alert per story and level → posted once to the crisis channel.

The same ``WatchService`` runs live (webhook, feeds, imports, a scheduler tick) and in a replay
(a simulated clock, a throw-away database, nothing posted), so tuning on a replay tunes the bot.

Levels, as configured rules (``PRBOT_WATCH_*``):
- 3, keyword: risk words in ``keyword_min_mentions`` mentions of a story within the window;
- 2, sentiment: at least ``negative_min_mentions`` mentions within the window, ``negative_share`` negative;
- 1, propagation: mentions in the last 10 minutes at least ``spread_min_mentions`` and
  ``spread_multiplier`` times the story's own baseline (its rate over the hours before), carried by at
  least ``big_accounts`` authors above ``follower_threshold`` followers, and not a positive story.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.core import Destination, Notifier, NotifyError, Reply, Request, UserError
from bot.settings import Settings, WatchSettings
from handlers.watch import grouping, render
from handlers.watch import strings as s
from handlers.watch.scoring import Scorer, load_terms, repost_root
from handlers.watch.sources import MentionIn, SourceError, parse_feed
from storage import watch as store
from storage.claims import Lease, get_claim, run_claimed
from storage.db import session_scope
from storage.library import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Fetch = Callable[[str, float], bytes]  # (url, timeout) -> body; raises on failure


@dataclass(frozen=True)
class OpenedIncident:
    """An incident opened inside early warning's transaction, and what to do once that commits."""

    id: int
    start: Callable[[], object]  # open its thread and arm its timers


class IncidentOpener(Protocol):
    """What early warning needs from the incident clock. The composition root wires the incident
    service to it, so this package knows nothing else of crisis handling."""

    def who(self, request: Request) -> str:
        """The responder's configured id (a platform-qualified one for someone not configured)."""
        ...

    def may_respond(self, request: Request) -> bool:
        """Whether this person may start a response (a response team member)."""
        ...

    def open(self, session: Any, *, level: int, description: str, created_by: str, channel: str) -> OpenedIncident:
        """Open the incident in ``session``: the alert's claim and the incident commit together."""
        ...


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int
    new_stories: int


@dataclass(frozen=True)
class RaisedAlert:
    id: int
    story_id: int
    title: str
    level: int
    at: datetime
    first: datetime
    mentions: int
    urls: list[str]
    reason: str


@dataclass(frozen=True)
class FeedResult:
    url: str
    ok: bool
    entries: int = 0
    stored: int = 0
    error: str = ""


@dataclass(frozen=True)
class Decision:
    text: str
    incident_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _fetch_http(url: str, timeout: float) -> bytes:
    import httpx

    response = httpx.get(url, timeout=timeout, follow_redirects=True, headers={"User-Agent": "prbot-watch"})
    if response.status_code >= 400:
        raise SourceError(f"HTTP {response.status_code}")
    return response.content


class WatchService:
    def __init__(
        self,
        engine: Any,
        settings: Settings,
        notifiers: Mapping[str, Notifier] | None = None,
        *,
        clock: Clock = utcnow,
        scorer: Scorer | None = None,
        incidents: IncidentOpener | None = None,
        fetch: Fetch = _fetch_http,
        retry_wait_s: float = 2.0,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.cfg: WatchSettings = settings.watch
        self.notifiers = notifiers if notifiers is not None else {}
        self.clock = clock
        self.scorer = scorer or Scorer(load_terms(settings.watch.terms_file))
        self.incidents = incidents
        self.fetch = fetch
        self.retry_wait_s = retry_wait_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    @property
    def destination(self) -> Destination:
        from handlers.watch.render import channel_destination

        return channel_destination(self.cfg.channel or self.settings.incidents.channel)

    # ---- mentions in ---------------------------------------------------------------------------

    def ingest(self, mentions: Sequence[MentionIn], *, source: str) -> IngestResult:
        """Store new mentions (a url seen before is a duplicate) and put each in its story, in one
        transaction: a failure stores nothing."""
        window = timedelta(hours=self.cfg.story_window_hours)
        stored = duplicates = new_stories = 0
        prints = {m.url: grouping.fingerprint(m.text) for m in mentions}
        with session_scope(self.engine) as session, session.no_autoflush:
            seen = store.existing_urls(session=session, urls=[m.url for m in mentions])
            fresh = [m for m in mentions if m.url not in seen]
            earliest = min((m.published.astimezone(UTC) for m in fresh), default=self.clock())
            # Stories that may take this batch's mentions, fetched once; new ones join the list as they are made.
            known = store.story_candidates(
                session=session,
                bands=[grouping.bands(prints[m.url]) for m in fresh],
                since=earliest - window,
            )
            for item in mentions:
                if item.url in seen:
                    duplicates += 1
                    continue
                seen.add(item.url)
                published = item.published.astimezone(UTC)
                score = self.scorer.score(item.text)
                fp = prints[item.url]
                story = self._find_story(fp, published - window, known)
                if story is None:
                    story = store.add_story(
                        session=session,
                        story=store.Story(
                            title=render.excerpt(repost_root(item.text), 80),
                            fingerprint=fp,
                            first_at=published,
                            last_at=published,
                            first_url=item.url,
                        ),
                        bands=grouping.bands(fp),
                    )
                    known.append(story)
                    new_stories += 1
                mention = store.Mention(
                    url=item.url,
                    platform=item.platform,
                    author=item.author,
                    followers=item.followers,
                    text=item.text,
                    published_at=published,
                    reposts=item.reposts,
                    comments=item.comments,
                    likes=item.likes,
                    lang=score.lang,
                    sentiment=score.sentiment,
                    label=score.label,
                    terms=score.terms,
                    risk=score.risk,
                    fingerprint=fp,
                    source=source,
                    received_at=self.clock(),
                )
                store.add_mention(session=session, mention=mention, story=story)
                stored += 1
        return IngestResult(stored, duplicates, new_stories)

    @staticmethod
    def _find_story(fp: int, since: datetime, known: list[store.Story]) -> store.Story | None:
        """The closest story within the distance, active since ``since``."""
        best: tuple[int, store.Story] | None = None
        for story in known:
            if store.aware(story.last_at) < since:
                continue
            dist = grouping.distance(story.fingerprint, fp)
            if dist <= grouping.MAX_DISTANCE and (best is None or dist < best[0]):
                best = (dist, story)
        return best[1] if best else None

    # ---- the rules ---------------------------------------------------------------------------

    def evaluate(self, *, now: datetime | None = None) -> list[RaisedAlert]:
        """Check every story that received mentions since the last check; raise new alerts."""
        now = now or self.clock()
        cfg = self.cfg
        longest = max(cfg.keyword_window_minutes, cfg.negative_window_minutes, 30)
        raised: list[RaisedAlert] = []
        with session_scope(self.engine) as session:
            stories = store.dirty_stories(session=session)
            levels = store.alert_levels(session=session, story_ids=[st.id for st in stories if st.id is not None])
            for story in stories:
                assert story.id is not None
                end = min(now, store.aware(story.last_at))
                if now - end > timedelta(minutes=longest):
                    continue  # old news (an import of last week): nothing to warn about now
                recent = store.recent_mentions(
                    session=session, story_id=story.id, since=end - timedelta(minutes=longest), until=end
                )
                for level, reason in self._met(session, story.id, recent, end):
                    if level in levels.get(story.id, set()):
                        continue
                    top = store.top_mentions(session=session, story_id=story.id, limit=cfg.top_posts, until=end)
                    alert = store.Alert(
                        story_id=story.id,
                        level=level,
                        raised_at=now,
                        first_at=story.first_at,
                        mentions=story.mentions,
                        reason=reason,
                        urls=[m.url for m in top],
                    )
                    if store.add_alert(session=session, alert=alert):
                        assert alert.id is not None
                        levels.setdefault(story.id, set()).add(level)
                        raised.append(
                            RaisedAlert(
                                alert.id,
                                story.id,
                                story.title,
                                level,
                                now,
                                store.aware(story.first_at),
                                story.mentions,
                                alert.urls,
                                reason,
                            )
                        )
            store.mark_clean(session=session, story_ids=[st.id for st in stories if st.id is not None])
        for new in raised:
            log.info("watch alert #%s: story %s level %s (%s)", new.id, new.story_id, new.level, new.reason)
        return sorted(raised, key=lambda a: (a.level, a.id), reverse=False)

    def _met(
        self, session: Any, story_id: int, recent: list[store.RecentMention], end: datetime
    ) -> list[tuple[int, str]]:
        cfg = self.cfg
        met: list[tuple[int, str]] = []
        lang = "zh"

        kw_since = end - timedelta(minutes=cfg.keyword_window_minutes)
        risky = [m for m in recent if m.risk and m.published_at >= kw_since]
        if len(risky) >= cfg.keyword_min_mentions:
            risk_words = set(self.scorer.terms.risk)
            words = "、".join(sorted({t for m in risky for t in m.terms if t in risk_words})[:5])
            met.append((3, s.t("reason_3", lang, window=cfg.keyword_window_minutes, count=len(risky), words=words)))

        neg_since = end - timedelta(minutes=cfg.negative_window_minutes)
        window = [m for m in recent if m.published_at >= neg_since]
        negative = sum(1 for m in window if m.label == "negative")
        share = negative / len(window) if window else 0.0
        if len(window) >= cfg.negative_min_mentions and share >= cfg.negative_share:
            met.append(
                (2, s.t("reason_2", lang, window=cfg.negative_window_minutes, count=len(window), share=f"{share:.0%}"))
            )

        spread_since = end - timedelta(minutes=10)
        rate = sum(1 for m in recent if m.published_at > spread_since)
        if rate >= cfg.spread_min_mentions:
            hours = cfg.spread_baseline_hours
            before = store.count_before(
                session=session, story_id=story_id, since=spread_since - timedelta(hours=hours), until=spread_since
            )
            baseline = before / (hours * 6)
            big = {
                m.author
                for m in recent
                if m.followers >= cfg.follower_threshold and m.published_at > end - timedelta(minutes=30)
            }
            if (
                rate >= cfg.spread_multiplier * max(baseline, 1.0)
                and len(big) >= cfg.big_accounts
                and share >= cfg.spread_min_negative_share
            ):
                met.append(
                    (
                        1,
                        s.t(
                            "reason_1",
                            lang,
                            rate=rate,
                            baseline=f"{baseline:.1f}",
                            big=len(big),
                            threshold=f"{cfg.follower_threshold:,}",
                        ),
                    )
                )
        return met

    # ---- alerts out ----------------------------------------------------------------------------

    def post_pending(self, *, now: datetime | None = None) -> list[int]:
        """Post every raised alert once (a claim per story and level); returns the ids posted."""
        dest = self.destination
        notifier = self.notifiers.get(dest.platform)
        if notifier is None:
            return []
        with session_scope(self.engine) as session:
            pending = store.alerts_to_post(session=session)
        posted = []
        for alert in pending:
            assert alert.id is not None
            job, period = f"watch:alert:{alert.story_id}:{alert.level}", "posted"
            message: list[str] = []

            def work(_lease: Lease, alert: store.Alert = alert, message: list[str] = message, key: str = job) -> str:
                reply = self.alert_reply(alert.id or 0)
                message.append(notifier.post(dest, reply, key=key))  # idempotent under the claim's key
                return message[0]

            try:
                done = run_claimed(engine=self.engine, job=job, period=period, owner=self.owner, work=work)
            except NotifyError as exc:
                if exc.retryable:
                    log.warning("watch alert #%s not posted (%s); tried again next tick", alert.id, exc)
                else:  # e.g. channel_not_found: trying again cannot help; say so once, keep the alert
                    log.error("watch alert #%s refused by %s (%s); check PRBOT_WATCH_CHANNEL", alert.id, dest, exc)
                    with session_scope(self.engine) as session:
                        store.mark_failed(session=session, alert_id=alert.id)
                continue
            if not done:
                claim = get_claim(engine=self.engine, job=job, period=period)
                if claim is None or claim.status != "done":
                    continue  # another replica is posting it right now
                message.append(claim.detail)
            with session_scope(self.engine) as session:
                store.mark_posted(session=session, alert_id=alert.id, message_id=message[0], at=now or self.clock())
            if done:
                posted.append(alert.id)
        return posted

    def alert_reply(self, alert_id: int, lang: str = "zh") -> Reply:
        with session_scope(self.engine) as session:
            alert = store.get_alert(session=session, alert_id=alert_id)
            if alert is None:
                raise UserError(s.t("alert_not_found", lang, id=alert_id))
            story = store.get_story(session=session, story_id=alert.story_id)
            assert story is not None
            until = store.aware(alert.raised_at)
            top = store.top_mentions(session=session, story_id=alert.story_id, limit=self.cfg.top_posts, until=until)
            timeline = store.story_timeline(session=session, story_id=alert.story_id, until=until)
            return render.alert_reply(alert, story, top, timeline, self.settings.timezone, lang)

    # ---- feeds ---------------------------------------------------------------------------------

    def poll_feeds(self, *, now: datetime | None = None, force: bool = False) -> list[FeedResult]:
        now = now or self.clock()
        results = []
        for url in self.cfg.feeds:
            with session_scope(self.engine) as session:
                feed = store.get_feed(session=session, url=url)
                last = store.aware(feed.last_polled_at) if feed.last_polled_at else None
            if not force and last is not None and now - last < timedelta(minutes=self.cfg.poll_minutes):
                continue
            results.append(self._poll_one(url, now))
        return results

    def _poll_one(self, url: str, now: datetime) -> FeedResult:
        error = ""
        mentions: list[MentionIn] = []
        for attempt in range(1, self.cfg.feed_attempts + 1):
            try:
                mentions = parse_feed(self.fetch(url, self.cfg.feed_timeout_s), url)
                error = ""
                break
            except SourceError as exc:
                error = str(exc)
                if "RSS/Atom" in error:
                    break  # it answered, but not with a feed: trying again will not help
            except Exception as exc:  # network errors of every kind: report the kind, never drop silently
                error = f"{exc.__class__.__name__}: {str(exc)[:200]}"
            if attempt < self.cfg.feed_attempts:
                time.sleep(self.retry_wait_s * 2 ** (attempt - 1))
        stored = 0
        if not error:
            stored = self.ingest(mentions, source="rss").stored
        with session_scope(self.engine) as session:
            report, streak = store.record_poll(session=session, url=url, at=now, error=error, entries=len(mentions))
        if error:
            log.warning("watch feed %s failed: %s", url, error)
            if report:
                self._report_feed(url, error, streak)
            return FeedResult(url, False, error=error)
        return FeedResult(url, True, len(mentions), stored)

    def _report_feed(self, url: str, error: str, streak: str) -> None:
        dest = self.destination
        notifier = self.notifiers.get(dest.platform)
        if notifier is None:
            return
        text = s.t("feed_failed_post", "zh", attempts=self.cfg.feed_attempts, url=url, error=error)
        try:
            run_claimed(
                engine=self.engine,
                job=f"watch:feed-failed:{url[:150]}",
                period=streak,
                owner=self.owner,
                work=lambda _lease: notifier.post(dest, Reply(text), key=f"watch:feed-failed:{url[:150]}/{streak}"),
            )
        except NotifyError as exc:
            log.warning("watch feed failure not posted: %s", exc)

    # ---- the scheduler -------------------------------------------------------------------------

    def tick(self) -> None:
        """Every ``tick_seconds``: poll the feeds that are due, check the rules, post new alerts."""
        try:
            self.poll_feeds()
            self.evaluate()
            self.post_pending()
        except Exception:
            log.exception("watch tick failed")

    def provider(self, scheduler: Any) -> None:
        if self.cfg.enabled:
            scheduler.every("watch:tick", self.tick, seconds=self.cfg.tick_seconds)

    # ---- buttons -------------------------------------------------------------------------------

    def decide(self, *, alert_id: int, decision: str, request: Request) -> Decision:
        lang = request.lang
        now = self.clock()
        who = f"{request.platform}:{request.user_id}" if ":" not in request.user_id else request.user_id
        if decision == "respond":
            return self._respond(alert_id, request, now, lang)
        status = {"ignore": "ignored", "observe": "watching"}.get(decision)
        if status is None:
            raise UserError(s.t("unknown_action", lang))
        with session_scope(self.engine) as session:
            alert = store.get_alert(session=session, alert_id=alert_id)
            if alert is None:
                raise UserError(s.t("alert_not_found", lang, id=alert_id))
            if not store.set_decision(session=session, alert_id=alert_id, status=status, user=who, at=now):
                raise UserError(
                    s.t("already_responded", lang, incident=alert.incident_id or "?", who=alert.decided_by or "?")
                )
        key = "ignored" if status == "ignored" else "observing"
        return Decision(s.t(key, lang, who=who), data={"alert_id": alert_id, "status": status})

    def _respond(self, alert_id: int, request: Request, now: datetime, lang: str) -> Decision:
        incidents = self.incidents
        if incidents is None:
            raise UserError(s.t("no_incidents", lang))
        who = incidents.who(request)
        if not incidents.may_respond(request):
            raise UserError(s.t("not_participant", lang, user=who))
        with session_scope(self.engine) as session:
            alert = store.get_alert(session=session, alert_id=alert_id)
            if alert is None:
                raise UserError(s.t("alert_not_found", lang, id=alert_id))
            if not store.claim_response(session=session, alert_id=alert_id, user=who, at=now):
                raise UserError(s.t("already_responded", lang, incident=alert.incident_id or "?", who=alert.decided_by))
            story = store.get_story(session=session, story_id=alert.story_id)
            assert story is not None
            description = render.incident_description(alert, story, self.settings.timezone)
            incident = incidents.open(
                session,
                level=alert.level,
                description=description,
                created_by=who,
                channel=self.settings.incidents.channel,
            )
            store.attach_incident(session=session, alert_id=alert_id, incident_id=incident.id)
            first, raised = store.aware(alert.first_at), store.aware(alert.raised_at)
        incident.start()
        to_alert = (raised - first).total_seconds() / 60
        to_response = (now - raised).total_seconds() / 60
        text = s.t(
            "responded",
            lang,
            level=alert.level,
            incident=incident.id,
            to_alert=f"{to_alert:.0f}",
            to_response=f"{to_response:.0f}",
        )
        return Decision(
            text,
            incident.id,
            {
                "alert_id": alert_id,
                "incident_id": incident.id,
                "to_alert_min": to_alert,
                "to_response_min": to_response,
            },
        )

    # ---- reading -------------------------------------------------------------------------------

    def status(self, *, limit: int = 10) -> dict[str, Any]:
        with session_scope(self.engine) as session:
            counts = store.counts(session=session)
            feeds = {f.url: f for f in store.feeds(session=session)}
            alerts = store.recent_alerts(session=session, limit=limit)
            titles = {}
            for a in alerts:
                story = store.get_story(session=session, story_id=a.story_id)
                titles[a.id] = story.title if story else ""
            return {
                "counts": counts,
                "feeds": [(url, feeds.get(url)) for url in self.cfg.feeds],
                "alerts": [(a, titles[a.id]) for a in alerts],
            }

    def stories(self, *, limit: int = 20) -> list[store.Story]:
        with session_scope(self.engine) as session:
            return store.recent_stories(session=session, limit=limit)
