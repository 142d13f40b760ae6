"""When each weekly digest is due: the configured weekday and time, moved past Chinese public holidays.

Each digest belongs to one period, the ISO week of its nominal day (``2025-W41``). If that day is
not a working day (``chinese_calendar``: public holidays are off, make-up workdays are on), the post
moves to the next working day. The package only knows the years the State Council has announced;
for a later year only weekends count as days off, and the slot says so (``calendar_known``).

When two periods land on the same day (国庆 2025: the Wednesdays 1 Oct and 8 Oct both move to
Thursday 9 Oct) only the newer one is posted: it covers the current week, the older one is stale.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_MAX_SHIFT_DAYS = 31


def is_working_day(day: date) -> tuple[bool, bool]:
    """(working?, did the holiday calendar know this year?)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


@dataclass(frozen=True)
class Slot:
    period: str  # ISO week of the nominal day, e.g. "2025-W41"
    nominal: date  # the configured weekday of that week
    post_at: datetime  # when it is posted, aware, in the digest's time zone
    calendar_known: bool  # False: a year the holiday calendar does not know; weekends only

    @property
    def post_date(self) -> date:
        return self.post_at.date()

    @property
    def shifted(self) -> bool:
        return self.post_date != self.nominal

    @property
    def expires_at(self) -> datetime:
        """A missed post is still sent until the end of the week it was due in, then it is stale."""
        week_end = self.post_date + timedelta(days=7 - self.post_date.isoweekday() + 1)
        return datetime.combine(week_end, time(0), tzinfo=self.post_at.tzinfo)


class DigestCalendar:
    def __init__(
        self, day: str = "wed", at: str = "10:00", timezone: str = "Asia/Shanghai", holiday_shift: bool = True
    ) -> None:
        self.weekday = WEEKDAYS[day]
        hour, minute = (int(part) for part in at.split(":"))
        self.time = time(hour, minute)
        self.tz = ZoneInfo(timezone)
        self.holiday_shift = holiday_shift

    def slot(self, year: int, week: int) -> Slot:
        nominal = date.fromisocalendar(year, week, self.weekday)
        day, known = nominal, True
        if self.holiday_shift:
            for _ in range(_MAX_SHIFT_DAYS):
                working, day_known = is_working_day(day)
                known = known and day_known
                if working:
                    break
                day += timedelta(days=1)
        return Slot(f"{year}-W{week:02d}", nominal, datetime.combine(day, self.time, tzinfo=self.tz), known)

    def slot_for(self, day: date) -> Slot:
        """The slot of the ISO week containing ``day``."""
        year, week, _ = day.isocalendar()
        return self.slot(year, week)

    def _around(self, now: datetime, before: int, after: int) -> list[Slot]:
        today = now.astimezone(self.tz).date()
        return [self.slot_for(today + timedelta(weeks=offset)) for offset in range(-before, after + 1)]

    def due(self, now: datetime) -> Slot | None:
        """The newest slot whose time has come and that is not stale yet; None when nothing is due."""
        passed = [slot for slot in self._around(now, 3, 0) if slot.post_at <= now]
        if not passed:
            return None
        newest = max(passed, key=lambda slot: (slot.post_at, slot.period))
        return newest if now < newest.expires_at else None

    def upcoming(self, now: datetime) -> Slot:
        """The next slot to post after ``now`` (of two landing on one day, the newer)."""
        ahead = [slot for slot in self._around(now, 3, 3) if slot.post_at > now]
        return min(ahead, key=lambda slot: (slot.post_at, _reverse(slot.period)))

    def previous(self, slot: Slot) -> Slot:
        """The digest posted before ``slot`` (its late submissions start there)."""
        earlier = [self.slot_for(slot.nominal - timedelta(weeks=back)) for back in range(1, 5)]
        return max((s for s in earlier if s.post_at < slot.post_at), key=lambda s: (s.post_at, s.period))

    def posted_instead(self, slot: Slot) -> Slot:
        """``slot`` itself, or the newer slot posted at the same time that supersedes it."""
        due = self.due(slot.post_at)
        return due if due is not None else slot

    def current(self, now: datetime) -> Slot:
        """The slot of this ISO week (what ``digest send`` and a preview without a date mean)."""
        return self.slot_for(now.astimezone(self.tz).date())


def _reverse(period: str) -> tuple[int, ...]:
    year, week = period.split("-W")
    return (-int(year), -int(week))
