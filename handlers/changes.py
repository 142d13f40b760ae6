"""Change requests (需求变更): submit, list, approve/reject (managers), withdraw, done — one service for
chat, buttons, forms and the CLI. The 15-day rule is applied where a request is made."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot import messages as msg
from bot.core import Action, Button, Command, Form, FormField, Notifier, Reply, Request, Router, UserError
from bot.settings import Settings
from handlers import change_rules as rules
from handlers.changes_strings import t
from handlers.digest_calendar import DigestCalendar
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
_YES = {"yes", "y", "true", "1", "是", "override", "特批"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def register(
    router: Router,
    engine: Engine,
    settings: Settings,
    notifiers: MutableMapping[str, Notifier] | None = None,
    job_providers: list[Any] | None = None,
) -> None:
    """Adds the ``cr`` and ``digest`` commands, the ``cr:`` buttons/forms and the weekly digest job."""
    from handlers import digest

    register_chat(router, ChangeService(engine, settings))
    digest.register(router, engine, settings, notifiers if notifiers is not None else {}, job_providers)


def register_chat(router: Router, service: ChangeService) -> None:
    chat = ChangeChat(service)
    router.command(
        Command(
            "cr",
            chat.handle,
            "需求变更：提交、查看、审批（cr new / cr list / cr approve）",
            "change requests: submit, list, approve (cr new / cr list / cr approve)",
            "cr new | add | list | show | approve | reject | withdraw | done",
            aliases=("变更", "change"),
        )
    )
    router.on_action("cr", chat.on_action)


class ChangeService:
    """Every rule about change requests, independent of where the request came from."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)

    # ---- who may do what

    def is_manager(self, user: str) -> bool:
        """Roles are written ``slack:UMGR`` (as the README says) or bare; a chat request carries the
        bare id. Both spellings match, as drills' ``identities()`` does."""
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

_ADD_OPTIONS = {
    "--title": "title",
    "--size": "size",
    "--effective": "effective_date",
    "--effective-date": "effective_date",
    "--description": "description",
    "--desc": "description",
    "--team": "team",
    "--campaign": "campaign",
}
_LIST_OPTIONS = {"--status": "status", "--since": "since", "--size": "size"}


def parse_options(
    args: Sequence[str], valued: Mapping[str, str], flags: Sequence[str], lang: str
) -> tuple[list[str], dict[str, str]]:
    """``--name value`` / ``--name=value`` options and bare flags; everything else is positional."""
    positional: list[str] = []
    options: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("--"):
            name, eq, inline = arg.partition("=")
            if name in flags:
                options[name] = "1"
            elif name in valued:
                if eq:
                    options[valued[name]] = inline
                elif index + 1 < len(args):
                    index += 1
                    options[valued[name]] = args[index]
                else:
                    raise UserError(t("option_needs_value", lang, name=name))
            else:
                valid = ", ".join(sorted({*valued, *flags}))
                raise UserError(t("unknown_option", lang, name=name, valid=valid))
        else:
            positional.append(arg)
        index += 1
    return positional, options


def parse_statuses(text: str, lang: str) -> list[str]:
    statuses = [part.strip().lower() for part in text.split(",") if part.strip()]
    for status in statuses:
        if status not in STATUSES:
            raise UserError(t("bad_status", lang, value=status))
    return statuses


def parse_id(args: Sequence[str], verb: str, lang: str) -> tuple[int, list[str]]:
    if not args or not args[0].lstrip("#").isdigit():
        raise UserError(t("bad_id", lang, verb=verb))
    return int(args[0].lstrip("#")), list(args[1:])


_KEYWORD_OPTIONS = {"--status", "--size", "--since", "--effective", "--effective-date"}


def command_lang(args: Sequence[str]) -> str:
    """The language of a ``cr`` command: that of its free text (title, comment …); Chinese when it has
    none, since ``cr list --status approved`` says nothing about the reader."""
    free: list[str] = []
    skip = True  # the subcommand itself
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("--"):
            skip = arg.partition("=")[0] in _KEYWORD_OPTIONS and "=" not in arg
            continue
        if not arg.lstrip("#").isdigit():
            free.append(arg)
    return msg.detect_language(" ".join(free), command=False) if free else "zh"


class ChangeChat:
    """``cr …`` in any chat, the approve/reject buttons and the new-request form."""

    def __init__(self, service: ChangeService) -> None:
        self.service = service

    def handle(self, request: Request, args: list[str]) -> Reply:
        lang = command_lang(args)
        if not args or args[0].lower() in ("help", "帮助"):
            return Reply(text=t("cr_usage", lang), private=True)
        sub, rest = args[0].lower(), args[1:]
        if sub in ("new", "新建"):
            return Reply(text=t("form_title", lang), form=new_form(lang), private=True)
        if sub in ("add", "提交"):
            _, values = parse_options(rest, _ADD_OPTIONS, (), lang)
            created = self.service.create(values, request.user_id, lang, source="chat")
            return creation_reply(self.service, created, lang)
        if sub in ("list", "ls", "列表"):
            return self._list(request, rest, lang)
        if sub in ("show", "查看"):
            request_id, _ = parse_id(rest, sub, lang)
            found = self.service.get(request_id, lang)
            return card(found, self.service.comments(request_id), lang, self.service.tz)
        if sub in ("approve", "批准"):
            request_id, rest = parse_id(rest, sub, lang)
            positional, options = parse_options(rest, {}, ("--override",), lang)
            changed = self.service.approve(
                request_id, request.user_id, " ".join(positional), "--override" in options, lang
            )
            return self._changed(changed, "approve", lang)
        if sub in ("reject", "驳回"):
            request_id, rest = parse_id(rest, sub, lang)
            changed = self.service.reject(request_id, request.user_id, " ".join(rest), lang)
            return self._changed(changed, "reject", lang)
        if sub in ("withdraw", "撤回"):
            request_id, rest = parse_id(rest, sub, lang)
            changed = self.service.withdraw(request_id, request.user_id, " ".join(rest), lang)
            return self._changed(changed, "withdraw", lang)
        if sub in ("done", "完成"):
            request_id, rest = parse_id(rest, sub, lang)
            changed = self.service.done(request_id, request.user_id, " ".join(rest), lang)
            return self._changed(changed, "done", lang)
        raise UserError(t("unknown_subcommand", lang, name=sub))

    def _list(self, request: Request, args: list[str], lang: str) -> Reply:
        _, options = parse_options(args, _LIST_OPTIONS, ("--mine",), lang)
        statuses = parse_statuses(options.get("status", ""), lang)
        since = rules.parse_date(options["since"], lang, "since") if "since" in options else None
        size = rules.parse_size(options["size"], lang) if "size" in options else None
        mine = request.user_id if "--mine" in options else None
        shown = self.service.list(statuses, since, size, mine, limit=LIST_LIMIT)
        if not shown:
            return Reply(text=t("list_empty", lang), private=True)
        total = self.service.count(statuses, since, size, mine) if len(shown) == LIST_LIMIT else len(shown)
        lines = [t("list_header", lang, count=total)]
        lines += [f"• {card_line(item, lang)}" for item in shown]
        if total > len(shown):
            lines.append(t("list_more", lang, more=total - len(shown)))
        return Reply(text="\n".join(lines), private=True)

    def _changed(self, changed: ChangeRequest, verb: str, lang: str) -> Reply:
        reply = card(changed, self.service.comments(changed.id), lang, self.service.tz)  # type: ignore[arg-type]
        reply.text = t("changed", lang, id=changed.id, verb=t(f"verb_{verb}", lang)) + "\n" + reply.text
        return reply

    def on_action(self, request: Request) -> Reply:
        """``cr:create`` (form), ``cr:approve:ID`` / ``cr:reject:ID`` (buttons) and
        ``cr:decide:approve|reject:ID`` (the comment form those buttons open)."""
        action = request.action or Action("")
        lang = request.lang
        parts = action.action.split(":")
        kind = parts[1] if len(parts) > 1 else ""
        if kind == "create":
            created = self.service.create(action.values, request.user_id, lang, source="chat")
            return creation_reply(self.service, created, lang)
        if kind in ("approve", "reject") and len(parts) == 3 and parts[2].isdigit():
            self.service.require_manager(request.user_id, lang)
            target = self.service.get(int(parts[2]), lang)
            return Reply(text="", form=decide_form(kind, target, lang), private=True)
        if kind == "decide" and len(parts) == 4 and parts[3].isdigit():
            request_id, comment = int(parts[3]), action.values.get("comment", "")
            if parts[2] == "approve":
                override = action.values.get("override", "").strip().lower() in _YES
                changed = self.service.approve(request_id, request.user_id, comment, override, lang)
            else:
                changed = self.service.reject(request_id, request.user_id, comment, lang)
            return self._changed(changed, parts[2], lang)
        raise UserError(t("unknown_subcommand", lang, name=action.action))


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
