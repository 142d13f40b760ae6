"""Change requests (需求变更): submit, list, approve/reject (managers), withdraw, done — one service for
chat, buttons, forms and the CLI. The notice rule (``PRBOT_CHANGE_NOTICE_DAYS``) is applied where a
request is made."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import UserError
from bot.settings import Settings
from handlers.changes import rules
from handlers.changes.digest_calendar import DigestCalendar
from handlers.changes.strings import t
from storage.changes import (
    ChangeComment,
    ChangeRequest,
    Engine,
    add_request,
    change_status,
    comments_for,
    count_requests,
    get_request,
    list_requests,
)
from storage.db import session_scope
from storage.library import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
LIST_LIMIT = 30


class ChangeService:
    """Every rule about change requests, independent of where the request came from."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)
        self.rule = rules.ChangeRule.from_settings(settings)

    # ---- who may do what

    def is_manager(self, user: str) -> bool:
        """A configured manager, written ``slack:UMGR`` (as the README says) or bare — a chat request
        carries the bare id, so both spellings match. With none configured, the person at the terminal
        (``cli:…``, the installation's operator); chat users are then refused with the setting named."""
        if not self.settings.roles.managers:
            return user.startswith("cli:")
        return rules.is_listed(user, self.settings.roles.managers)

    def require_manager(self, user: str, lang: str) -> None:
        if not self.is_manager(user):
            managers = ", ".join(self.settings.roles.managers) or t("no_managers", lang)
            raise UserError(t("managers_only", lang, user=user, managers=managers))

    # ---- create and read

    def create(self, values: Mapping[str, object], requester: str, lang: str, source: str = "chat") -> ChangeRequest:
        now = self.clock()
        data = rules.validate(dict(values), requester, now, self.tz, lang, self.rule)
        days = rules.notice_days(now, data.effective_date, self.tz)
        request = ChangeRequest(
            title=data.title,
            description=data.description,
            requester=data.requester,
            team=data.team,
            size=data.size,
            campaign=data.campaign,
            effective_date=data.effective_date,
            late=self.rule.is_late(data.size, now, data.effective_date, self.tz),
            notice_days=days,
            source=source,
            created_at=now,
            updated_at=now,
        )
        with session_scope(self.engine) as session:
            add_request(
                session=session,
                request=request,
                comments=[ChangeComment(author=requester, kind="submit", created_at=now)],  # type: ignore[call-arg]  # id: storage
            )
        log.info("change request #%s submitted by %s (size=%s late=%s)", request.id, requester, data.size, request.late)
        return request

    def get(self, request_id: int, lang: str) -> ChangeRequest:
        with session_scope(self.engine) as session:
            found = get_request(session=session, request_id=request_id)
        if found is None:
            raise UserError(t("not_found", lang, id=request_id))
        return found

    def comments(self, request_id: int) -> list[ChangeComment]:
        with session_scope(self.engine) as session:
            return comments_for(session=session, request_ids=[request_id]).get(request_id, [])

    def list(
        self,
        statuses: Sequence[str] = (),
        since: date | None = None,
        size: str | None = None,
        requester: str | None = None,
        limit: int | None = None,
    ) -> list[ChangeRequest]:
        since_at = datetime.combine(since, time(0), tzinfo=self.tz) if since else None
        with session_scope(self.engine) as session:
            return list_requests(
                session=session, statuses=statuses, since=since_at, size=size, requester=requester, limit=limit
            )

    def count(
        self,
        statuses: Sequence[str] = (),
        since: date | None = None,
        size: str | None = None,
        requester: str | None = None,
    ) -> int:
        since_at = datetime.combine(since, time(0), tzinfo=self.tz) if since else None
        with session_scope(self.engine) as session:
            return count_requests(session=session, statuses=statuses, since=since_at, size=size, requester=requester)

    # ---- decisions and transitions

    def approve(self, request_id: int, user: str, comment: str, override: bool, lang: str) -> ChangeRequest:
        self.require_manager(user, lang)
        current = self.get(request_id, lang)
        comment = comment.strip()
        if current.late and not override:
            raise UserError(self.rule.say("needs_override", lang, id=request_id))
        if current.late and not comment:
            raise UserError(self.rule.say("override_needs_comment", lang))
        kind = "override" if current.late else "approve"
        return self._transition(
            current, ("submitted",), "approved", user, kind, comment, lang, decision=True, override=current.late
        )

    def reject(self, request_id: int, user: str, comment: str, lang: str) -> ChangeRequest:
        self.require_manager(user, lang)
        current = self.get(request_id, lang)
        if not comment.strip():
            raise UserError(t("reject_needs_comment", lang, id=request_id))
        return self._transition(current, ("submitted",), "rejected", user, "reject", comment.strip(), lang, True)

    def withdraw(self, request_id: int, user: str, comment: str, lang: str) -> ChangeRequest:
        current = self.get(request_id, lang)
        self._require_owner_or_manager(current, user, "withdraw", lang)
        return self._transition(current, ("submitted", "approved"), "withdrawn", user, "withdraw", comment, lang)

    def done(self, request_id: int, user: str, comment: str, lang: str) -> ChangeRequest:
        current = self.get(request_id, lang)
        self._require_owner_or_manager(current, user, "done", lang)
        allowed = ("approved",) if current.size == "big" else ("submitted", "approved")
        return self._transition(current, allowed, "done", user, "done", comment, lang)

    def _require_owner_or_manager(self, current: ChangeRequest, user: str, verb: str, lang: str) -> None:
        if user != current.requester and not self.is_manager(user):
            raise UserError(t("not_yours", lang, id=current.id, verb=t(f"verb_{verb}", lang)))

    def _transition(
        self,
        current: ChangeRequest,
        allowed: tuple[str, ...],
        new_status: str,
        user: str,
        kind: str,
        comment: str,
        lang: str,
        decision: bool = False,
        override: bool = False,
    ) -> ChangeRequest:
        """Move to ``new_status`` only if the row is still in an allowed state, with the comment, in
        one transaction (storage's conditional update: two managers clicking at once cannot both decide)."""
        verb = t(f"verb_{kind if kind != 'override' else 'approve'}", lang)
        if current.status not in allowed or current.id is None:
            raise UserError(
                t("wrong_state", lang, id=current.id, status=t(f"status_{current.status}", lang), verb=verb)
            )
        now = self.clock()
        values: dict[str, Any] = {"status": new_status, "updated_at": now}
        if decision:
            values.update(decided_by=user, decided_at=now, override=override)
        comment_row = ChangeComment(author=user, kind=kind, body=comment, created_at=now)  # type: ignore[call-arg]
        with session_scope(self.engine) as session:
            found = change_status(
                session=session, request_id=current.id, allowed=allowed, values=values, comment=comment_row
            )
        if found is not None:
            status = t(f"status_{found}", lang) if found else "?"
            raise UserError(t("wrong_state", lang, id=current.id, status=status, verb=verb))
        log.info("change request #%s %s by %s", current.id, new_status, user)
        return self.get(current.id, lang)

    def next_digest_date(self) -> date:
        """The day of the digest a small change made now joins."""
        digest = self.settings.digest
        calendar = DigestCalendar(digest.day, digest.time, digest.timezone, digest.holiday_shift)
        return calendar.upcoming(self.clock()).post_date
