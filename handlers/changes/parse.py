"""Values as people write them (a size, a date, a list of statuses) → the table's values; a mistake
is a ``UserError`` that says how to write it. Cheap to import: the chat commands use it."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Protocol

from bot.core import UserError
from handlers.changes.strings import t
from storage.change_fields import STATUSES


class RuleText(Protocol):
    """The rule's texts with its values filled in (``handlers.changes.rules.ChangeRule``)."""

    def say(self, key: str, lang: str, /, **values: object) -> str: ...


_SIZES = {
    "big": "big",
    "large": "big",
    "大": "big",
    "大变更": "big",
    "大需求": "big",
    "small": "small",
    "小": "small",
    "小变更": "small",
    "小需求": "small",
}
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


class InvalidValue(UserError):
    """One value is wrong (a size, a date); the message says which and how to write it."""


def parse_size(value: object, lang: str, rule: RuleText) -> str:
    size = _SIZES.get(str(value or "").strip().lower())
    if size is None:
        raise InvalidValue(rule.say("bad_size", lang, value=str(value or "").strip()))
    return size


def parse_statuses(text: str, lang: str) -> list[str]:
    """``submitted,approved`` → the statuses, each checked."""
    statuses = [part.strip().lower() for part in text.split(",") if part.strip()]
    for status in statuses:
        if status not in STATUSES:
            raise InvalidValue(t("bad_status", lang, value=status))
    return statuses


def parse_date(value: object, lang: str, field: str = "effective") -> date:
    """A date from text (2026-12-20, 2026/12/20, 2026年12月20日) or a spreadsheet cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value or ""))
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise InvalidValue(t("bad_date", lang, field=t(f"field_{field}", lang), value=str(value or "").strip()))
