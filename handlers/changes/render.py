"""How a change request reads: its one-line card, the full card with its history and buttons, the
reply to a new request, and the forms. Platform-neutral (a ``Reply``); the rule's values come in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core import Button, Form, FormField, Reply
from handlers.changes.strings import notice, t

if TYPE_CHECKING:
    from handlers.changes.rules import ChangeRule
    from storage.changes import ChangeComment, ChangeRequest


def card_line(request: ChangeRequest, lang: str, rule: ChangeRule) -> str:
    flags = ""
    if request.late:
        flags += f" · ⚠{rule.say('late_tag', lang)}"
    if request.override:
        flags += f" · {t('override_tag', lang)}"
    return t(
        "card_line",
        lang,
        id=request.id,
        size=t(f"size_{request.size}", lang),
        title=request.title,
        date=request.effective_date.isoformat(),
        notice=notice(request.notice_days, lang),
        status=t(f"status_{request.status}", lang),
        flags=flags,
    )


def card(request: ChangeRequest, comments: Sequence[ChangeComment], lang: str, tz: ZoneInfo, rule: ChangeRule) -> Reply:
    """One request with its history, and approve/reject buttons while it awaits a decision."""
    team = f"（{request.team}）" if lang == "zh" and request.team else (f" ({request.team})" if request.team else "")
    lines = [
        f"**{card_line(request, lang, rule)}**",
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


def creation_reply(request: ChangeRequest, lang: str, rule: ChangeRule, tz: ZoneInfo, next_digest: date) -> Reply:
    """The new request's card, and what happens next: late, awaiting approval, or the digest it joins."""
    parts = [t("created", lang, id=request.id), card_line(request, lang, rule)]
    if request.late:
        parts.append(rule.say("created_late", lang, days=request.notice_days))
    elif request.size == "big":
        parts.append(t("created_big", lang, days=request.notice_days))
    else:
        parts.append(t("created_small", lang, date=next_digest.isoformat()))
    reply = card(request, [], lang, tz, rule)
    reply.text = "\n".join(parts)
    return reply


def new_form(lang: str, rule: ChangeRule) -> Form:
    sizes = (t("size_big", lang), t("size_small", lang)) if lang == "zh" else ("big", "small")
    return Form(
        action="cr:create",
        title=t("form_title", lang),
        submit_label=t("form_submit", lang),
        fields=(
            FormField("title", t("field_title", lang), "text", placeholder="≤ 200"),
            FormField("size", t("field_size", lang), "select", sizes, placeholder=rule.say("form_size_hint", lang)),
            FormField("effective_date", t("field_effective", lang), "date", placeholder="YYYY-MM-DD"),
            FormField("description", t("field_description", lang), "textarea", required=False),
            FormField("team", t("field_team", lang), "text", required=False),
            FormField("campaign", t("field_campaign", lang), "text", required=False),
        ),
    )


def decide_form(kind: str, target: ChangeRequest, lang: str, rule: ChangeRule) -> Form:
    fields = [FormField("comment", t("field_comment", lang), "textarea", required=kind == "reject" or target.late)]
    if kind == "approve" and target.late:
        yes_no = (t("yes", lang), t("no", lang))
        fields.insert(0, FormField("override", rule.say("field_override", lang), "select", yes_no))
    return Form(
        action=f"cr:decide:{kind}:{target.id}",
        title=t(f"decide_form_{kind}", lang, id=target.id),
        fields=tuple(fields),
        submit_label=t(f"button_{kind}", lang),
    )
