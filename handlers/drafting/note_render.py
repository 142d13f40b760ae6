"""What a technical-translation note looks like: its library file (the FORMATS.md note format), the
readability verdict, and the buttons a reader or reviewer gets."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from bot.core import Button, Reply
from handlers.drafting.strings import t
from knowledge.writing import readability

if TYPE_CHECKING:
    from storage import notes as store

TECHNICAL, USER_VALUE = "技术原理解读", "用户价值说明"
_SECTION = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)


def with_feedback_buttons(reply: Reply, lang: str = "zh", limit: int = 2) -> Reply:
    """An answer citing notes gets 「看懂了 / 没看懂」 for (at most ``limit`` of) them."""
    notes = [c for c in reply.citations if c.type == "note"][:limit]
    for citation in notes:
        suffix = f" ·《{citation.title[:12]}》" if len(notes) > 1 else ""
        reply.buttons += feedback_buttons(citation.id, lang, suffix)
    return reply


def split_sections(body: str) -> dict[str, str]:
    """``## heading`` → text until the next ``##`` heading."""
    matches = list(_SECTION.finditer(body))
    sections: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        sections[match.group(1).strip()] = body[match.end() : end].strip()
    return sections


def note_markdown(note: store.Note, version: store.NoteVersion, reviewer: str) -> str:
    """The FORMATS.md note format, with review metadata in the front matter."""
    meta = {
        "id": note.doc_id,
        "type": "note",
        "title": note.title,
        "technology": note.technology,
        "author": note.author_id,
        "reviewer": reviewer,
        "version": version.version,
    }
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    # Headings inside the value text are demoted below ## so the two required sections stay unambiguous.
    user_value = re.sub(r"^#{1,2}\s", "### ", version.user_value, flags=re.MULTILINE)
    technical = re.sub(r"^#{1,2}\s", "### ", version.technical, flags=re.MULTILINE)
    return f"---\n{front}\n---\n## {TECHNICAL}\n{technical}\n\n## {USER_VALUE}\n{user_value}\n"


def readability_text(check: readability.Readability, lang: str) -> str:
    avg, share = f"{check.avg_sentence_chars:.0f}", f"{check.jargon_share:.0%}"
    if not check.too_technical:
        return t("readability_ok", lang, avg=avg, share=share)
    details = ""
    if check.jargon:
        details += t("readability_jargon", lang, terms="、".join(check.jargon[:12]))
    if check.abbreviations:
        details += t("readability_abbr", lang, terms="、".join(check.abbreviations))
    return t(
        "readability_bad",
        lang,
        avg=avg,
        share=share,
        max_avg=readability.MAX_AVG_SENTENCE,
        max_share=f"{readability.MAX_JARGON_SHARE:.0%}",
        details=details,
    )


def feedback_buttons(doc_id: str, lang: str, suffix: str = "") -> list[Button]:
    return [
        Button(t("feedback_yes", lang) + suffix, f"notefb:{doc_id}:yes", "yes", "primary"),
        Button(t("feedback_no", lang) + suffix, f"notefb:{doc_id}:no", "no"),
    ]


def editing_buttons(doc_id: str, lang: str) -> list[Button]:
    return [
        Button(t("note_btn_edit", lang), f"note:edit:{doc_id}"),
        Button(t("note_btn_review", lang), f"note:review:{doc_id}", style="primary"),
    ]


def review_buttons(doc_id: str, lang: str) -> list[Button]:
    return [
        Button(t("note_btn_publish", lang), f"note:publish:{doc_id}", style="primary"),
        Button(t("note_btn_return", lang), f"note:return:{doc_id}", style="danger"),
    ]


def buttons_for(state: str, doc_id: str, lang: str) -> list[Button]:
    """What can be done next with a note in this state."""
    if state == "published":
        return feedback_buttons(doc_id, lang)
    if state in ("draft", "returned"):
        return editing_buttons(doc_id, lang)
    if state == "in_review":
        return review_buttons(doc_id, lang)
    return []
