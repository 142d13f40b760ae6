"""The scoreboard as chat text, as a chart (PNG), and as a self-contained HTML report (charts
embedded as data URIs, no script, no external file) that a manager opens in a browser."""

from __future__ import annotations

import base64
import html
import io

from handlers.kpi import strings as s
from handlers.kpi.board import Figure, Scoreboard

_CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")


def fmt(value: float | None, unit: str, lang: str) -> str:
    if value is None:
        return s.t("no_data", lang)
    if unit == "share":
        return f"{value:.0%}"
    if unit == "minutes":
        return f"{value:.0f} min" if lang == "en" else f"{value:.0f} 分钟"
    if unit == "per_month":
        return f"{value:.1f}"
    return f"{value:.0f}"


def status(figure: Figure, lang: str) -> str:
    if figure.met is None:
        return ""
    return s.t("met" if figure.met else "missed", lang)


def text(board: Scoreboard, lang: str = "zh") -> str:
    lines = [s.t("title", lang, label=board.label)]
    for f in board.figures:
        target = s.t("target", lang, target=("≤ " if not f.higher_is_better else "≥ ") + fmt(f.target, f.unit, lang))
        parts = [f"{s.t('name_' + f.key, lang)}：{fmt(f.value, f.unit, lang)}"]
        if f.target is not None:
            parts.append(target)
        if status(f, lang):
            parts.append(status(f, lang))
        if f.detail:
            parts.append(f"（{f.detail}）" if lang == "zh" else f"({f.detail})")
        lines.append("· " + " · ".join(parts))
    return "\n".join(lines)


def attainment(figure: Figure) -> float | None:
    """How far a figure is towards its target (1.0 = on target); None without data or a target."""
    if figure.value is None or not figure.target:
        return None
    if figure.higher_is_better:
        return figure.value / figure.target
    return figure.target / figure.value if figure.value > 0 else 2.0


def chart(board: Scoreboard, lang: str = "zh") -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager
    from matplotlib.figure import Figure as MplFigure

    installed = {font.name for font in font_manager.fontManager.ttflist}
    fonts = [f for f in _CJK_FONTS if f in installed]
    use = lang if fonts else "en"  # without a CJK font Chinese labels would be boxes
    fig = MplFigure(figsize=(9, 4), dpi=100)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    rows = [(s.t("name_" + f.key, use), attainment(f)) for f in board.figures if f.target is not None]
    labels = [name for name, _ in rows]
    values = [min(v, 2.0) if v is not None else 0.0 for _, v in rows]
    colors = ["#bbbbbb" if v is None else ("#27ae60" if v >= 1 else "#e67e22") for _, v in rows]
    left.barh(range(len(rows)), [v * 100 for v in values], color=colors)
    left.axvline(100, color="#333333", linewidth=1)
    left.set_yticks(range(len(rows)), labels, fontsize=7, fontfamily=fonts or None)
    left.invert_yaxis()
    left.set_xlabel("%")
    left.set_title(s.t("chart_title", use), fontsize=9, fontfamily=fonts or None)
    trend = board.drill_trend[-8:]
    right.plot(range(1, len(trend) + 1), [score for _, score in trend], marker="o", color="#2980b9")
    right.set_ylim(0, 100)
    right.set_title(s.t("chart_drills", use), fontsize=9, fontfamily=fonts or None)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def html_report(board: Scoreboard, png: bytes, lang: str = "zh") -> str:
    esc = html.escape
    rows = []
    for f in board.figures:
        target = "" if f.target is None else ("≤ " if not f.higher_is_better else "≥ ") + fmt(f.target, f.unit, lang)
        state = "met" if f.met else ("missed" if f.met is False else "info")
        rows.append(
            f'<tr class="{state}" data-key="{esc(f.key)}"><td>{esc(s.t("name_" + f.key, lang))}</td>'
            f"<td class=value>{esc(fmt(f.value, f.unit, lang))}</td><td>{esc(target)}</td>"
            f"<td>{esc(status(f, lang))}</td><td class=detail>{esc(f.detail)}</td></tr>"
        )
    image = base64.b64encode(png).decode("ascii")
    title = esc(s.t("title", lang, label=board.label))
    head = (
        ("指标", "实际", "目标", "状态", "说明") if lang == "zh" else ("figure", "actual", "target", "status", "detail")
    )
    period = f"{board.start:%Y-%m-%d} – {board.end:%Y-%m-%d}"
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 6px 10px; text-align: left; }}
th {{ background: #f4f4f4; }}
tr.met td.value {{ color: #1e8449; font-weight: bold; }}
tr.missed td.value {{ color: #ca6f1e; font-weight: bold; }}
td.detail {{ color: #666; font-size: 90%; }}
img {{ max-width: 100%; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="period">{esc(period)}</p>
<table id="kpi"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<img id="chart" alt="{esc(s.t("chart_title", lang))}" src="data:image/png;base64,{image}">
</body></html>
"""
