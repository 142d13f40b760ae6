"""The drill rules, pure: which reminders a confirmed drill gets, the year to plan, the scenario
rotation, what is wrong with a day. No text, no database, no argument strings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from handlers.crisis import drill_calendar as cal

# Words that answer an invitation (chat, the RSVP command, the move form's force field).
YES = frozenset({"yes", "y", "accept", "accepted", "参加", "是", "1"})
NO = frozenset({"no", "n", "decline", "declined", "请假", "否", "0"})
# Drill states in which the date, the invitations and the answers can still change.
OPEN_STATES = ("proposed", "confirmed")
# Ladder labels the strings catalogue has a phrase for (ladder_<label>); others are shown as they are.
LADDER_KEYS = frozenset({"invite", "14d", "3d", "1d", "1h"})


@dataclass(frozen=True)
class TimerSpec:
    """A timer a confirmed drill needs: its kind, ladder label and when it is due."""

    kind: str  # drill_remind | drill_unconfirmed | drill_start
    label: str
    due: datetime

    def job(self, drill_id: int) -> str:
        suffix = {"drill_remind": f"remind:{self.label}", "drill_unconfirmed": "unconfirmed"}.get(self.kind, self.label)
        return f"drill:{drill_id}:{suffix}"


@dataclass(frozen=True)
class DayProblem:
    """Why a day is a poor drill day: ``past``, ``holiday`` (with its name) or ``weekend``."""

    kind: str
    holiday: str = ""


def ladder_label(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def default_year(today: date) -> int:
    """In the fourth quarter teams plan next year; otherwise the rest of this one."""
    return today.year + 1 if cal.quarter_of(today) == 4 else today.year


def next_scenario_index(names: Sequence[str], last_scenario: str | None) -> int:
    """Where the rotation continues: after the last planned drill's scenario, else from the first."""
    if last_scenario is None or last_scenario not in names:
        return 0
    return names.index(last_scenario) + 1


def reminder_specs(
    starts_at: datetime, now: datetime, reminder_minutes: Sequence[int], unconfirmed_at_minutes: int
) -> list[TimerSpec]:
    """The reminder ladder still ahead, the unconfirmed list, and the start. Confirmed later than the
    first rung: everyone is invited at once."""
    specs: list[TimerSpec] = []
    ladder = sorted(set(reminder_minutes), reverse=True)
    for minutes in ladder:
        due = starts_at - timedelta(minutes=minutes)
        if due > now:
            specs.append(TimerSpec("drill_remind", ladder_label(minutes), due))
    if ladder and starts_at - timedelta(minutes=ladder[0]) <= now:
        specs.insert(0, TimerSpec("drill_remind", "invite", now))
    unconfirmed = starts_at - timedelta(minutes=unconfirmed_at_minutes)
    if unconfirmed > now:
        specs.append(TimerSpec("drill_unconfirmed", ladder_label(unconfirmed_at_minutes), unconfirmed))
    specs.append(TimerSpec("drill_start", "start", starts_at))
    return specs


def day_problems(day: date, starts_at: datetime, now: datetime) -> list[DayProblem]:
    """What needs ``--force``: a start in the past, a public holiday, a weekend."""
    problems = []
    if starts_at <= now:
        problems.append(DayProblem("past"))
    check = cal.check_day(day)
    if check.holiday:
        problems.append(DayProblem("holiday", check.holiday))
    elif check.weekend:
        problems.append(DayProblem("weekend"))
    return problems
