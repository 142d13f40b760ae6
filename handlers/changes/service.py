"""Change requests (需求变更): submit, list, approve/reject (managers), withdraw, done — one service for
chat, buttons, forms and the CLI. The 15-day rule is applied where a request is made."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.core import Button, Form, FormField, Reply, UserError
from bot.settings import Settings
from handlers.changes import rules
from handlers.changes.digest_calendar import DigestCalendar
from handlers.changes.strings import t
from storage.changes import (
    STATUSES,
    ChangeComment,
    ChangeRequest,
    add_request,
    comments_for,
    count_requests,
    get_request,
    list_requests,
)
from storage.db import session_scope

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
LIST_LIMIT = 30


def utcnow() -> datetime:
    return datetime.now(UTC)


class ChangeService:
    """Every rule about change requests, independent of where the request came from."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)

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
        data = rules.validate(dict(values), requester, now, self.tz, lang)
        days = rules.notice_days(now, data.effective_date, self.tz)
        request = ChangeRequest(
            title=data.title,
            description=data.description,
            requester=data.requester,
            team=data.team,
            size=data.size,
            campaign=data.campaign,
            effective_date=data.effective_date,
            late=rules.is_late(data.size, now, data.effective_date, self.tz),
            notice_days=days,
            source=source,
            created_at=now,
            updated_at=now,
        )
        with session_scope(self.engine) as session:
            add_request(session, request, [ChangeComment(author=requester, kind="submit", created_at=now)])
        log.info("change request #%s submitted by %s (size=%s late=%s)", request.id, requester, data.size, request.late)
        return request

    def get(self, request_id: int, lang: str) -> ChangeRequest:
        with Session(self.engine, expire_on_commit=False) as session:
            found = get_request(session, request_id)
        if found is None:
            raise UserError(t("not_found", lang, id=request_id))
        return found

    def comments(self, request_id: int) -> list[ChangeComment]:
        with Session(self.engine) as session:
            return comments_for(session, [request_id]).get(request_id, [])

    def list(
        self,
        statuses: Sequence[str] = (),
        since: date | None = None,
        size: str | None = None,
        requester: str | None = None,
        limit: int | None = None,
    ) -> list[ChangeRequest]:
        since_at = datetime.combine(since, time(0), tzinfo=self.tz) if since else None
        with Session(self.engine) as session:
            return list_requests(session, statuses, since_at, size, requester, limit)

    def count(
        self,
        statuses: Sequence[str] = (),
        since: date | None = None,
        size: str | None = None,
        requester: str | None = None,
    ) -> int:
        since_at = datetime.combine(since, time(0), tzinfo=self.tz) if since else None
        with Session(self.engine) as session:
            return count_requests(session, statuses, since_at, size, requester)

    # ---- decisions and transitions

    def approve(self, request_id: int, user: str, comment: str, override: bool, lang: str) -> ChangeRequest:
        self.require_manager(user, lang)
        current = self.get(request_id, lang)
        comment = comment.strip()
        if current.late and not override:
            raise UserError(t("needs_override", lang, id=request_id))
        if current.late and not comment:
            raise UserError(t("override_needs_comment", lang))
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
        """Move to ``new_status`` only if the row is still in an allowed state (a conditional UPDATE,
        so two managers clicking at once cannot both decide), and record the comment in the same
        transaction."""
        verb = t(f"verb_{kind if kind != 'override' else 'approve'}", lang)
        wrong = UserError(t("wrong_state", lang, id=current.id, status=t(f"status_{current.status}", lang), verb=verb))
        if current.status not in allowed:
            raise wrong
        now = self.clock()
        values: dict[str, Any] = {"status": new_status, "updated_at": now}
        if decision:
            values.update(decided_by=user, decided_at=now, override=override)
        with session_scope(self.engine) as session:
            result = session.exec(  # type: ignore[call-overload]
                update(ChangeRequest)
                .where(col(ChangeRequest.id) == current.id)
                .where(col(ChangeRequest.status).in_(allowed))
                .values(**values)
            )
            if result.rowcount != 1:  # someone else changed it between our read and this update
                now_status = session.get(ChangeRequest, current.id)
                status = t(f"status_{now_status.status}", lang) if now_status else "?"
                raise UserError(t("wrong_state", lang, id=current.id, status=status, verb=verb))
            session.add(ChangeComment(request_id=current.id, author=user, kind=kind, body=comment, created_at=now))  # type: ignore[arg-type]
        log.info("change request #%s %s by %s", current.id, new_status, user)
        return self.get(current.id, lang)  # type: ignore[arg-type]

    def next_digest_date(self) -> date:
        digest = self.settings.digest
        calendar = DigestCalendar(digest.day, digest.time, digest.timezone, digest.holiday_shift)
        return calendar.upcoming(self.clock()).post_date


# ---- rendering --------------------------------------------------------------------------------------


def card_line(request: ChangeRequest, lang: str) -> str:
    flags = ""
    if request.late:
        flags += f" · ⚠{t('late_tag', lang)}"
    if request.override:
        flags += f" · {t('override_tag', lang)}"
    return t(
        "card_line",
        lang,
        id=request.id,
        size=t(f"size_{request.size}", lang),
        title=request.title,
        date=request.effective_date.isoformat(),
        notice=t("card_notice", lang, days=request.notice_days),
        status=t(f"status_{request.status}", lang),
        flags=flags,
    )


def card(request: ChangeRequest, comments: Sequence[ChangeComment], lang: str, tz: ZoneInfo) -> Reply:
    """One request with its history, and approve/reject buttons while it awaits a decision."""
    team = f"（{request.team}）" if lang == "zh" and request.team else (f" ({request.team})" if request.team else "")
    lines = [
        f"**{card_line(request, lang)}**",
        t(
            "card_details",
            lang,
            requester=request.requester,
            team=team,
            campaign=request.campaign or "—",
            created=_local(request.created_at, tz),
        ),
    ]
    if request.description:
        lines.append(request.description)
    for comment in comments:
        if comment.kind == "submit" and not comment.body:
            continue
        body = f"：{comment.body}" if lang == "zh" and comment.body else (f": {comment.body}" if comment.body else "")
        lines.append(f"• {_local(comment.created_at, tz)} {comment.author} [{comment.kind}]{body}")
    buttons = []
    if request.status == "submitted":
        buttons = [
            Button(t("button_approve", lang), f"cr:approve:{request.id}", str(request.id), "primary"),
            Button(t("button_reject", lang), f"cr:reject:{request.id}", str(request.id), "danger"),
        ]
    return Reply(text="\n".join(lines), buttons=buttons, data={"change_request": as_dict(request)})


def as_dict(request: ChangeRequest) -> dict[str, Any]:
    return request.model_dump(mode="json")


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def creation_reply(service: ChangeService, request: ChangeRequest, lang: str) -> Reply:
    parts = [t("created", lang, id=request.id), card_line(request, lang)]
    if request.late:
        parts.append(t("created_late", lang, days=request.notice_days))
    elif request.size == "big":
        parts.append(t("created_big", lang, days=request.notice_days))
    else:
        parts.append(t("created_small", lang, date=service.next_digest_date().isoformat()))
    reply = card(request, [], lang, service.tz)
    reply.text = "\n".join(parts)
    return reply


# ---- chat commands, buttons and forms ---------------------------------------------------------------


def parse_statuses(text: str, lang: str) -> list[str]:
    statuses = [part.strip().lower() for part in text.split(",") if part.strip()]
    for status in statuses:
        if status not in STATUSES:
            raise UserError(t("bad_status", lang, value=status))
    return statuses


def new_form(lang: str) -> Form:
    sizes = (t("size_big", lang), t("size_small", lang)) if lang == "zh" else ("big", "small")
    return Form(
        action="cr:create",
        title=t("form_title", lang),
        submit_label=t("form_submit", lang),
        fields=(
            FormField("title", t("field_title", lang), "text", placeholder="≤ 200"),
            FormField("size", t("field_size", lang), "select", sizes, placeholder=t("form_size_hint", lang)),
            FormField("effective_date", t("field_effective", lang), "date", placeholder="YYYY-MM-DD"),
            FormField("description", t("field_description", lang), "textarea", required=False),
            FormField("team", t("field_team", lang), "text", required=False),
            FormField("campaign", t("field_campaign", lang), "text", required=False),
        ),
    )


def decide_form(kind: str, target: ChangeRequest, lang: str) -> Form:
    fields = [FormField("comment", t("field_comment", lang), "textarea", required=kind == "reject" or target.late)]
    if kind == "approve" and target.late:
        fields.insert(0, FormField("override", t("field_override", lang), "select", (t("yes", lang), t("no", lang))))
    return Form(
        action=f"cr:decide:{kind}:{target.id}",
        title=t(f"decide_form_{kind}", lang, id=target.id),
        fields=tuple(fields),
        submit_label=t(f"button_{kind}", lang),
    )
