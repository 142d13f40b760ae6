"""The scoreboard's shape: its periods, its figures beside their targets (pure data, no storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
