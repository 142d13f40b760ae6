"""The digest's small chart: weekly volume (big/small bars) and the late share (a line), as a PNG.

matplotlib is imported only when a chart is drawn (it is slow to import) and always with the Agg
backend, so it works in a server with no display and in threads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

_CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words in one language (the strings catalogue fills them, with the rule's values)."""

    title: str
    big: str
    small: str
    late: str
    count: str


@dataclass(frozen=True)
class WeekCount:
    label: str  # e.g. "10-09"
    total: int
    big: int
    late: int

    @property
    def small(self) -> int:
        return self.total - self.big

    @property
    def late_share(self) -> float:
        return self.late / self.total if self.total else 0.0


def render_chart(weeks: Sequence[WeekCount], zh_labels: ChartLabels, en_labels: ChartLabels) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    installed = {font.name for font in font_manager.fontManager.ttflist}
    cjk = next((name for name in _CJK_FONTS if name in installed), None)
    # Without a CJK font Chinese labels would render as boxes; fall back to English labels then.
    labels = zh_labels if cjk is not None else en_labels
    figure = Figure(figsize=(6, 3), dpi=100)
    if cjk:
        matplotlib.rcParams["font.sans-serif"] = [cjk, *matplotlib.rcParams["font.sans-serif"]]
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(weeks)))
    big = [week.big for week in weeks]
    small = [week.small for week in weeks]
    axes.bar(positions, big, color="#d9534f", label=labels.big)
    axes.bar(positions, small, bottom=big, color="#5b9bd5", label=labels.small)
    axes.set_xticks(positions, [week.label for week in weeks])
    axes.set_ylabel(labels.count)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(1, *(week.total for week in weeks)) * 1.2)  # room for the legend; no negative axis
    share = axes.twinx()
    share.plot(positions, [week.late_share * 100 for week in weeks], color="#333333", marker="o", label=labels.late)
    share.set_ylim(0, 100)
    share.set_ylabel("%")
    bars, bar_names = axes.get_legend_handles_labels()
    lines, line_names = share.get_legend_handles_labels()
    axes.legend([*bars, *lines], [*bar_names, *line_names], loc="upper left", fontsize=8)
    axes.set_title(labels.title)
    # Fixed margins: tight_layout would draw the figure twice.
    figure.subplots_adjust(left=0.12, right=0.9, top=0.88, bottom=0.12)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
