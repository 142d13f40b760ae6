"""What drafting and checks look like to a reader: draft variants with their flags and pick buttons, the
check's flagged sentences, persona cards, the pick statistics (the JSON in ``Reply.data`` too)."""

from __future__ import annotations

from typing import Any

from bot.core import Button, Reply
from handlers.drafting.strings import t
from knowledge.writing.compliance import Finding, FlaggedSentence
from knowledge.writing.drafting import DraftResult
from knowledge.writing.personas import Persona

MAX_SHOWN_SENTENCES = 20  # a check reply lists at most this many flagged sentences (the JSON has all)


def persona_card(p: Persona) -> str:
    return (
        f"**{p.name}**\n人群：{p.who}\n语气：{p.tone}\n常用词：{'、'.join(p.use) or '—'}\n"
        f"忌用词：{'、'.join(p.avoid) or '—'}\n偏好形式：{'、'.join(p.formats) or '—'}\n示例标题：{p.example}"
    )


def compliance_lines(flagged: list[FlaggedSentence], lang: str, indent: str = "  ") -> list[str]:
    """Per flagged sentence: the sentence, each claim with its severity and reason, one suggestion."""
    lines = []
    for sentence in flagged:
        lines.append(indent + t("compliance_sentence", lang, sentence=sentence.sentence))
        for f in sentence.findings:
            mark = "⛔" if f.severity == "violation" else "⚠️"
            severity = t(f"severity_{f.severity}", lang)
            lines.append(
                indent + "  " + t("compliance_flag", lang, mark=mark, term=f.term, severity=severity, reason=f.reason)
            )
        rules = "；".join(dict.fromkeys(f.rule for f in sentence.findings))
        lines.append(indent + "  " + t("compliance_rules", lang, rules=rules))
        if sentence.suggestion:
            lines.append(indent + "  " + t("compliance_suggest", lang, rewrite=sentence.suggestion))
        else:
            advice = "；".join(dict.fromkeys(f.advice for f in sentence.findings))
            lines.append(indent + "  " + t("compliance_no_rewrite", lang, advice=advice))
    return lines


def group_findings(findings: list[Finding]) -> list[FlaggedSentence]:
    """Findings of one text grouped back into their sentences (each carries its sentence's suggestion)."""
    groups: dict[str, FlaggedSentence] = {}
    for f in findings:
        if f.quote not in groups:
            groups[f.quote] = FlaggedSentence(f.quote, [], f.rewrite)
        groups[f.quote].findings.append(f)
    return list(groups.values())


def finding_json(f: Finding) -> dict[str, str]:
    return {
        "term": f.term,
        "quote": f.quote,
        "severity": f.severity,
        "reason": f.reason,
        "rule": f.rule,
        "rewrite": f.rewrite,
        "advice": f.advice,
    }


def sentence_json(s: FlaggedSentence) -> dict[str, Any]:
    return {
        "sentence": s.sentence,
        "severity": s.severity,
        "suggestion": s.suggestion,
        "note": s.note,
        "terms": [f.term for f in s.findings],
    }


def render_result(result: DraftResult, lang: str, batch_id: str | None) -> Reply:
    kind = t(f"draft_title_{result.kind}", lang)
    fmt = f" · {result.format}" if result.format else ""
    counter = t("draft_weibo_counter", lang) if result.counter == "weibo" else ""
    lines = []
    if result.mode == "offline":
        lines.append(t("draft_fell_back" if result.fell_back else "draft_offline", lang))
    lines.append(
        t("draft_header", lang, kind=kind, persona=result.persona, format=fmt, limit=result.limit, counter=counter)
    )
    for n, v in enumerate(result.variants, start=1):
        note = t("draft_chars", lang, n=v.chars)
        if v.cut:
            note += t("draft_chars_cut", lang, cut=t("draft_cut", lang))
        note = f"({note})" if lang == "en" else f"（{note}）"
        body = v.text.replace("\n", "\n   ")
        lines.append(f"{n}. {body} {note}")
        lines += ["  " + t("fact_flag", lang, claim=i.claim, quote=i.quote) for i in v.facts]
        lines += compliance_lines(group_findings(v.compliance), lang, indent="   ")
    if not result.variants:
        lines.append(t("draft_none", lang))
    elif len(result.variants) < result.requested:
        lines.append(t("draft_fewer", lang, wanted=result.requested, got=len(result.variants)))
    if result.english_needs_model:
        lines.append(t("draft_english_needs_model", lang))
    if result.rewritten:
        lines.append(t("draft_rewritten", lang, n=result.rewritten))
    if result.dropped:
        lines.append(t("draft_dropped", lang, n=len(result.dropped)))
        lines += [f"  ✗ {text[:60]}：{reason}" for text, reason in result.dropped]
    buttons = []
    if batch_id:
        lines.append(t("pick_hint", lang))
        buttons = [
            Button(t("pick_button", lang, n=n), f"draftpick:{batch_id}:{n}", str(n))
            for n in range(1, len(result.variants) + 1)
        ]
    data = {
        "batch": batch_id,
        "kind": result.kind,
        "persona": result.persona,
        "format": result.format,
        "mode": result.mode,
        "offline": result.mode == "offline",
        "fell_back": result.fell_back,
        "language": result.language,
        "english_needs_model": result.english_needs_model,
        "rewritten": result.rewritten,
        "limit": result.limit,
        "counter": result.counter,
        "variants": [
            {
                "n": n,
                "text": v.text,
                "chars": v.chars,
                "cut": v.cut,
                "fact_issues": [{"claim": i.claim, "quote": i.quote} for i in v.facts],
                "compliance": [finding_json(f) for f in v.compliance],
            }
            for n, v in enumerate(result.variants, start=1)
        ],
        "dropped": [{"text": text, "reason": reason} for text, reason in result.dropped],
    }
    return Reply(text="\n".join(lines), buttons=buttons, data={"draft": data})


def personas_text(personas: list[Persona], lang: str) -> str:
    lines = [t("personas_header", lang)]
    for p in personas:
        mark = "（自定义）" if p.custom and lang == "zh" else (" (custom)" if p.custom else "")
        lines.append(f"• {p.name}{mark} — {p.who}")
    return "\n".join(lines)


def personas_json(personas: list[Persona]) -> list[dict[str, Any]]:
    return [
        {
            "name": p.name,
            "aliases": list(p.aliases),
            "who": p.who,
            "tone": p.tone,
            "use": list(p.use),
            "avoid": list(p.avoid),
            "formats": list(p.formats),
            "example": p.example,
            "custom": p.custom,
        }
        for p in personas
    ]


def check_reply(flagged: list[FlaggedSentence], length: dict[str, Any] | None, lang: str) -> Reply:
    """Claims sentence by sentence, each flagged sentence with one suggested rewrite, and the length for
    a format. ``data["check"]["flagged"]`` is true when anything is flagged, the length included."""
    findings = [f for sentence in flagged for f in sentence.findings]
    lines = [t("check_found", lang, n=len(findings), s=len(flagged)) if findings else t("check_clean", lang)]
    lines += compliance_lines(flagged[:MAX_SHOWN_SENTENCES], lang)
    if len(flagged) > MAX_SHOWN_SENTENCES:
        lines.append(t("check_more", lang, n=len(flagged) - MAX_SHOWN_SENTENCES))
    data: dict[str, Any] = {
        "findings": [finding_json(f) for f in findings],
        "sentences": [sentence_json(s) for s in flagged],
    }
    too_long = False
    if length is not None:
        too_long = not length["fits"]
        verdict = t("too_long" if too_long else "length_ok", lang)
        lines.append(
            t("check_length", lang, n=length["chars"], limit=length["limit"], format=length["format"], verdict=verdict)
        )
        data["length"] = length
    data["flagged"] = bool(findings) or too_long
    # In the terminal a flagged text exits 1, so a script can stop on it.
    return Reply(text="\n".join(lines), data={"check": data, "exit_code": 1 if data["flagged"] else 0})


def stats_reply(rows: list[dict[str, Any]], lang: str) -> Reply:
    if not rows:
        return Reply(text=t("draft_stats_empty", lang), data={"stats": []})
    lines = [t("draft_stats_header", lang)]
    for row in rows:
        rate = f"{row['pick_rate']:.0%}" if row["pick_rate"] is not None else "—"
        kind = t(f"draft_title_{row['kind']}", lang)
        fmt = row["format"] or ("不限形式" if lang == "zh" else "any format")
        lines.append(
            f"• {row['persona']} · {fmt} · {kind}: 选用 {row['picked']} / 生成 {row['drafted']}（{rate}）"
            if lang == "zh"
            else f"• {row['persona']} · {fmt} · {kind}: picked {row['picked']} / drafted {row['drafted']} ({rate})"
        )
    return Reply(text="\n".join(lines), data={"stats": rows})
