"""A ``Reply`` as Feishu / Lark interactive cards (card JSON 1.0), a ``Form`` as a form card.

Plain dicts only (no lark import here): the adapter serialises them as message content. A card is
kept well under Feishu's 30 KB limit by cutting long answers into several cards. Text in card
markdown is escaped here, once: ``<`` and ``>`` become character references, so ``<at id=all></at>``
or ``<font>`` typed by a user, written by a model or found in a library document stays text.
"""

from __future__ import annotations

from typing import Any

from bot import messages as msg
from bot.core import Button, Form, FormField, Reply

CARD_TEXT_CHARS = 6000
SNIPPET_CHARS = 200
MAX_CITATIONS = 10
_STYLES = {"default": "default", "primary": "primary", "danger": "danger"}


def escape_md(text: str) -> str:
    """Text for a card's markdown element: tags (``<at id=all>``, ``<font>``) shown, not interpreted."""
    return text.replace("<", "&#60;").replace(">", "&#62;")


def split_text(text: str, limit: int = CARD_TEXT_CHARS) -> list[str]:
    pieces, rest = [], text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= limit // 2:
            amp = rest.rfind("&", limit - 5, limit)  # never split a character reference (&#60;)
            cut = amp if amp != -1 and ";" not in rest[amp:limit] else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    return [*pieces, rest] if rest else pieces or [""]


def _plain(text: str) -> dict[str, str]:
    return {"tag": "plain_text", "content": text}


def _button(button: Button, lang: str) -> dict[str, Any]:
    return {
        "tag": "button",
        "text": _plain(button.label[:60]),
        "type": _STYLES.get(button.style, "default"),
        # The label's language travels along: a click carries no text to detect it from.
        "value": {"action": button.action, "value": button.value, "lang": lang},
    }


def feedback_buttons(answer_id: str, lang: str) -> list[Button]:
    return [
        Button(msg.t("chat_feedback_up", lang), "feedback:up", answer_id),
        Button(msg.t("chat_feedback_down", lang), "feedback:down", answer_id),
    ]


def render(reply: Reply, lang: str, *, answer_id: str | None = None, feedback: bool = False) -> list[dict[str, Any]]:
    """One card per text piece; sources and buttons go on the last one."""
    pieces = split_text(escape_md(reply.text))
    cards = []
    for index, piece in enumerate(pieces):
        elements: list[dict[str, Any]] = [{"tag": "markdown", "content": piece or " "}]
        if index == len(pieces) - 1:
            elements += _sources(reply, lang)
            buttons = list(reply.buttons)
            if answer_id and feedback:
                buttons += feedback_buttons(answer_id, lang)
            if buttons:
                elements.append({"tag": "action", "layout": "flow", "actions": [_button(b, lang) for b in buttons]})
        title = "公关助手" if lang == "zh" else "prbot"
        if index:
            title += " " + msg.t("chat_continued", lang)
        cards.append(
            {
                "config": {"wide_screen_mode": True, "update_multi": True},
                "header": {"title": _plain(title), "template": "blue"},
                "elements": elements,
            }
        )
    if reply.form is not None:
        cards.append(form_card(reply.form, lang))
    return cards


def _sources(reply: Reply, lang: str) -> list[dict[str, Any]]:
    if not reply.citations:
        return []
    lines = [f"**{msg.t('sources', lang)}**"]
    for number, c in enumerate(reply.citations[:MAX_CITATIONS], start=1):
        snippet = " ".join(c.snippet.split())
        snippet = snippet if len(snippet) <= SNIPPET_CHARS else snippet[: SNIPPET_CHARS - 1] + "…"
        lines.append(f"[{number}] **{escape_md(c.id)}** 《{escape_md(c.title)}》\n{escape_md(snippet)}")
    return [{"tag": "hr"}, {"tag": "markdown", "content": "\n".join(lines)}]


def form_card(form: Form, lang: str) -> dict[str, Any]:
    """A form container: the submit button carries the form's action; the values come back as form_value."""
    submit = {
        "tag": "button",
        "name": "submit",
        "action_type": "form_submit",
        "type": "primary",
        "text": _plain(form.submit_label),
        "value": {"action": form.action, "lang": lang},
    }
    return {
        "config": {"wide_screen_mode": True, "update_multi": True},
        "header": {"title": _plain(form.title), "template": "turquoise"},
        "elements": [{"tag": "form", "name": "prbot_form", "elements": [*(_field(f) for f in form.fields), submit]}],
    }


def submitted_card(values: dict[str, str], status: str, lang: str) -> dict[str, Any]:
    """What a form card becomes once submitted: the values as sent and the outcome, no submit button."""
    lines = [f"• {escape_md(value)}" for value in values.values() if value]
    content = "\n".join([escape_md(status), *lines]) or " "
    return {
        "config": {"wide_screen_mode": True, "update_multi": True},
        "header": {"title": _plain(msg.t("chat_form_done", lang, result="")), "template": "grey"},
        "elements": [{"tag": "markdown", "content": content}],
    }


def _field(f: FormField) -> dict[str, Any]:
    placeholder = _plain(f.placeholder or f.label)
    if f.kind == "select" and f.options:
        options = [{"text": _plain(o), "value": o} for o in f.options]
        return {
            "tag": "select_static",
            "name": f.name,
            "placeholder": placeholder,
            "options": options,
            "required": f.required,
        }
    if f.kind == "date":
        return {"tag": "date_picker", "name": f.name, "placeholder": placeholder, "required": f.required}
    field: dict[str, Any] = {
        "tag": "input",
        "name": f.name,
        "label": _plain(f.label),
        "placeholder": placeholder,
        "required": f.required,
    }
    if f.kind == "textarea":
        field["input_type"] = "multiline_text"
        field["rows"] = 4
    return field
