"""The scoreboard's shape: its periods, its figures beside their targets (pure data, no storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

PERIODS = ("month", "quarter", "year")


@dataclass(frozen=True)
class Figure:
    key: str
    value: float | None  # None: no records in the period yet
    target: float | None
    unit: str  # share | minutes | count | per_month | score
    higher_is_better: bool = True
    detail: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


@dataclass
class Scoreboard:
    period: str
    label: str
    start: datetime
    end: datetime
    figures: list[Figure]
    drill_trend: list[tuple[datetime, float]] = field(default_factory=list)
    notes_by_month: list[tuple[str, int]] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "figures": [
                {
                    "key": f.key,
                    "value": f.value,
                    "target": f.target,
                    "unit": f.unit,
                    "met": f.met,
                    "detail": f.detail,
                }
                for f in self.figures
            ],
            "drill_trend": [(at.isoformat(), score) for at, score in self.drill_trend],
        }


def period_bounds(period: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    if period == "month":
        start = date(day.year, day.month, 1)
        end = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        label = f"{day.year}-{day.month:02d}"
    elif period == "quarter":
        q = (day.month - 1) // 3
        start = date(day.year, q * 3 + 1, 1)
        end = date(day.year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
        label = f"{day.year}Q{q + 1}"
    elif period == "year":
        start, end, label = date(day.year, 1, 1), date(day.year + 1, 1, 1), str(day.year)
    else:
        raise ValueError(period)
    return datetime.combine(start, datetime.min.time(), tz), datetime.combine(end, datetime.min.time(), tz), label
