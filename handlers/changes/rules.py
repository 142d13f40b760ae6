"""The change-request rule (需求变更规则), as plain functions every entry point shares.

Big changes must be raised a number of days before they take effect (``PRBOT_CHANGE_NOTICE_DAYS``,
15 by default); a later one is accepted but marked late (未提前N天) and needs a manager's override
to be approved. Small ones are handled together on the digest's weekday (``PRBOT_DIGEST_DAY``).
Days are counted in the team's calendar (Asia/Shanghai by default), not in UTC: a request made at
07:30 in Beijing on the 2nd is made on the 2nd, even though it is still the 1st in UTC. Values as
people write them (sizes, dates) are read in ``parse``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core import UserError
from bot.settings import Settings
from handlers.changes.parse import InvalidValue, parse_date, parse_size
from handlers.changes.strings import rule_values, t
from storage.change_fields import TITLE_MAX
from storage.text import clean_value

# A change planned further ahead than this is a typo (9999-12-31), not a plan: refused with the limit.
EFFECTIVE_HORIZON_DAYS = 730

NOTICE_DAYS = 15  # the default of PRBOT_CHANGE_NOTICE_DAYS
DESCRIPTION_MAX = 5000
FIELD_MAX = 200


class InvalidChange(UserError):
    """One or more fields of a change request are wrong; ``problems`` lists each, already worded."""

    def __init__(self, problems: list[str], lang: str) -> None:
        self.problems = problems
        super().__init__(
            t("invalid_change", lang, problems="；".join(problems) if lang == "zh" else "; ".join(problems))
        )


@dataclass(frozen=True)
class ChangeRule:
    """The rule's values, from settings: the notice a big change needs and the digest's weekday."""

    notice_days: int = NOTICE_DAYS
    digest_day: str = "wed"

    @classmethod
    def from_settings(cls, settings: Settings) -> ChangeRule:
        return cls(settings.change.notice_days, settings.digest.day)

    def is_late(self, size: str, submitted_at: datetime, effective: date, tz: ZoneInfo) -> bool:
        return size == "big" and notice_days(submitted_at, effective, tz) < self.notice_days

    def say(self, key: str, lang: str, /, **values: object) -> str:
        """A text of the catalogue with the rule's values filled in (未提前{notice}天, 每{digest_day})."""
        return t(key, lang, **rule_values(self.notice_days, self.digest_day, lang), **values)


@dataclass(frozen=True)
class ChangeInput:
    title: str
    size: str
    effective_date: date
    requester: str
    description: str = ""
    team: str = ""
    campaign: str = ""


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def notice_days(submitted_at: datetime, effective: date, tz: ZoneInfo) -> int:
    """Whole calendar days between the submission day and the effective day, in the team's time zone."""
    return (effective - local_date(submitted_at, tz)).days


def validate(
    values: dict[str, object], requester: str, submitted_at: datetime, tz: ZoneInfo, lang: str, rule: ChangeRule
) -> ChangeInput:
    """Check every field at once and report all problems together, so a form is fixed in one go."""
    problems: list[str] = []
    values = {name: clean_value(value) for name, value in values.items()}  # no control characters
    title = str(values.get("title") or "").strip()
    if not title:
        problems.append(t("missing_title", lang))
    elif len(title) > TITLE_MAX:
        problems.append(t("title_too_long", lang, max=TITLE_MAX, length=len(title)))
    size = ""
    try:
        size = parse_size(values.get("size"), lang, rule)
    except InvalidValue as exc:
        problems.append(str(exc))
    effective: date | None = None
    raw_date = values.get("effective_date")
    if raw_date in (None, ""):
        problems.append(t("missing_effective", lang))
    else:
        try:
            effective = parse_date(raw_date, lang)
        except InvalidValue as exc:
            problems.append(str(exc))
    if effective is not None and effective < local_date(submitted_at, tz):
        problems.append(t("effective_in_past", lang, date=effective.isoformat(), today=local_date(submitted_at, tz)))
    if effective is not None and (effective - local_date(submitted_at, tz)).days > EFFECTIVE_HORIZON_DAYS:
        problems.append(t("effective_too_far", lang, date=effective.isoformat(), days=EFFECTIVE_HORIZON_DAYS))
    description = str(values.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.append(t("description_too_long", lang, max=DESCRIPTION_MAX, length=len(description)))
    short = {name: str(values.get(name) or "").strip() for name in ("team", "campaign")}
    for name, text in short.items():
        if len(text) > FIELD_MAX:
            problems.append(t("field_too_long", lang, field=t(f"field_{name}", lang), max=FIELD_MAX))
    requester = str(values.get("requester") or requester).strip()
    if len(requester) > FIELD_MAX:
        problems.append(t("field_too_long", lang, field=t("field_requester", lang), max=FIELD_MAX))
    if problems:
        raise InvalidChange(problems, lang)
    assert effective is not None
    return ChangeInput(title, size, effective, requester, description, short["team"], short["campaign"])


# Prefixes of chat platforms in role lists (``slack:UMGR``); ``cli:wang`` is a terminal user, kept whole.
CHAT_PLATFORMS = ("slack", "feishu", "lark", "console")


def _spellings(user: str) -> set[str]:
    prefix, sep, rest = user.partition(":")
    return {user, rest} if sep and rest and prefix.lower() in CHAT_PLATFORMS else {user}


def is_listed(user: str, people: Sequence[str]) -> bool:
    """``user`` (a bare or platform-qualified id) is one of ``people`` in either spelling."""
    wanted = _spellings(user.strip())
    return any(wanted & _spellings(entry.strip()) for entry in people)
