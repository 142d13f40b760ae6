"""Which days suit a drill: weekdays that are not Chinese public holidays (chinese_calendar).

chinese_calendar only knows the years the State Council has published; for other years only weekends
are avoided, and callers say so.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DayCheck:
    ok: bool
    holiday: str = ""  # the holiday's name when it is one
    weekend: bool = False
    known: bool = True  # False: no holiday data for that year


def holidays_known(year: int) -> bool:
    try:
        chinese_calendar.is_holiday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def check_day(day: date) -> DayCheck:
    weekend = day.weekday() >= 5
    if not holidays_known(day.year):
        return DayCheck(ok=not weekend, weekend=weekend, known=False)
    is_holiday, name = chinese_calendar.get_holiday_detail(day)
    # Weekends are holidays to chinese_calendar unless they are make-up workdays; a name marks a real one.
    if is_holiday and name:
        return DayCheck(ok=False, holiday=_holiday_name(name), weekend=weekend)
    return DayCheck(ok=not weekend, weekend=weekend)


def _holiday_name(name: str) -> str:
    names = {
        "New Year's Day": "元旦",
        "Spring Festival": "春节",
        "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节",
        "National Day": "国庆节",
        "Mid-autumn Festival": "中秋节",
    }
    return names.get(name, name)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def propose(
    year: int, quarter: int, month_in_quarter: int, first_day: int, weekday: str, earliest: date
) -> date | None:
    """The first suitable day on or after the preferred day of the quarter, preferring ``weekday``;
    any suitable weekday if the preferred one never fits; None if nothing is left in the quarter."""
    month = 3 * (quarter - 1) + month_in_quarter
    start = max(date(year, month, first_day), earliest)
    last_month = 3 * quarter
    end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    wanted = WEEKDAYS.index(weekday)
    candidates = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    suitable = [d for d in candidates if check_day(d).ok]
    preferred = [d for d in suitable if d.weekday() == wanted]
    if preferred:
        return preferred[0]
    return suitable[0] if suitable else None
