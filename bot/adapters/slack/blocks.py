"""A ``Reply`` as Slack Block Kit (slack_sdk.models.blocks), within Slack's size limits.

Limits honoured: 3000 characters per section text, 50 blocks per message (longer replies become
several messages), 25 elements per actions block, 75 characters per button label, 2000 per value,
255 per action id; modal titles 24 characters, 100 blocks, private metadata 3000.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import messages as msg
from bot.core import Action, Button, Form, Reply

SECTION_CHARS = 3000
MAX_BLOCKS = 50
MAX_ACTIONS = 25
BUTTON_LABEL = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
FALLBACK_CHARS = 3000
SNIPPET_CHARS = 300
# Input limits in modals (Slack allows up to 3000); a handler may refuse less and keep the modal open.
TEXT_INPUT_CHARS = 500
TEXTAREA_INPUT_CHARS = 3000

# Action ids: router buttons carry their action after this prefix; the others are the adapter's own.
BUTTON_PREFIX = "prbot:"
SHARE_ACTION = "prbot-share"
FORM_ACTION = "prbot-form"
FORM_CALLBACK = "prbot-form"


@dataclass
class SlackMessage:
    """One chat.postMessage worth of content."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape_mrkdwn(text: str) -> str:
    """User text, model output and library text as data: ``<!channel>``, ``<@U…>`` and ``&`` lose their meaning."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_plain(text: str) -> str:
    """The Markdown subset as plain text (notifications and fallbacks): no ``**``, headings or link syntax."""
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"\1 (\2)", text)
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.M)
    text = re.sub(r"^(\s*)[*-]\s+", r"\1• ", text, flags=re.M)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"__(.+?)__", r"\1", text)
    return re.sub(r"`([^`\n]+)`", r"\1", text)


def fallback_text(text: str, limit: int = FALLBACK_CHARS) -> str:
    """The top-level ``text`` of a message (what notifications show): plain, escaped, clipped."""
    return escape_mrkdwn(clip(to_plain(text).strip() or " ", limit))


def to_mrkdwn(text: str) -> str:
    """The Reply's small Markdown subset as Slack mrkdwn (escaping &, <, > first)."""
    text = escape_mrkdwn(text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"<\2|\1>", text)
    text = re.sub(r"^#{1,6}\s+(.+)$", r"*\1*", text, flags=re.M)
    text = re.sub(r"^\s*[*-]\s+", "• ", text, flags=re.M)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    return re.sub(r"__(.+?)__", r"_\1_", text)


def split_text(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph or line ends where possible."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = _safe_cut(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


def _safe_cut(text: str, limit: int) -> int:
    """A cut at or before ``limit`` that does not split an entity (``&amp;``) or a ``<url|label>``."""
    cut = limit
    amp = text.rfind("&", max(0, cut - 8), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    angle = text.rfind("<", 0, cut)
    if angle > 0 and ">" not in text[angle:cut]:
        cut = angle
    return cut


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def feedback_buttons(answer_id: str, lang: str) -> list[Button]:
    return [
        Button(msg.t("chat_feedback_up", lang), "feedback:up", answer_id),
        Button(msg.t("chat_feedback_down", lang), "feedback:down", answer_id),
    ]


def render(
    reply: Reply,
    lang: str,
    *,
    answer_id: str | None = None,
    feedback: bool = False,
    share: bool = False,
    form_button: bool = False,
) -> list[SlackMessage]:
    """Blocks for a reply, split into messages of at most 50 blocks.

    With an ``answer_id``: ``feedback`` adds 👍/👎 buttons, ``share`` adds "share to channel" and
    ``form_button`` a button that opens the reply's form in a modal.
    """
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(to_mrkdwn(reply.text))
    ]
    if reply.citations:
        blocks.append(DividerBlock())
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"*{msg.t('sources', lang)}*")]))
        for number, c in enumerate(reply.citations, start=1):
            head = f"*[{number}] {to_mrkdwn(c.id)}* 《{to_mrkdwn(c.title)}》"
            snippet = to_mrkdwn(clip(" ".join(c.snippet.split()), SNIPPET_CHARS))
            blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(f"{head}\n> {snippet}", SECTION_CHARS))))
    buttons = list(reply.buttons)
    if answer_id and feedback:
        buttons += feedback_buttons(answer_id, lang)
    elements = [_button(index, b) for index, b in enumerate(buttons)]
    if answer_id and form_button and reply.form is not None:
        label = msg.t("chat_open_form", lang, title=reply.form.title)
        elements.append(
            ButtonElement(text=clip(label, BUTTON_LABEL), action_id=FORM_ACTION, value=answer_id, style="primary")
        )
    if answer_id and share:
        elements.append(ButtonElement(text=msg.t("chat_share", lang), action_id=SHARE_ACTION, value=answer_id))
    for start in range(0, len(elements), MAX_ACTIONS):
        blocks.append(ActionsBlock(elements=elements[start : start + MAX_ACTIONS]))
    dicts = [b.to_dict() for b in blocks] or [SectionBlock(text=MarkdownTextObject(text=" ")).to_dict()]
    fallback = fallback_text(reply.text)
    return [SlackMessage(fallback, dicts[i : i + MAX_BLOCKS]) for i in range(0, len(dicts), MAX_BLOCKS)]


def _button(index: int, button: Button) -> ButtonElement:
    style = None if button.style == "default" else button.style
    return ButtonElement(
        text=clip(button.label, BUTTON_LABEL),
        action_id=clip(f"{BUTTON_PREFIX}{index}:{button.action}", ACTION_ID),
        value=clip(button.value, BUTTON_VALUE) if button.value else None,
        style=style,
    )


def parse_button(action: dict[str, Any]) -> Action | None:
    """The router Action behind a clicked button, or None when it is one of the adapter's own."""
    action_id = action.get("action_id", "")
    if not action_id.startswith(BUTTON_PREFIX):
        return None
    _, _, routed = action_id[len(BUTTON_PREFIX) :].partition(":")
    return Action(routed, action.get("value") or "")


def form_view(form: Form, metadata: dict[str, Any]) -> dict[str, Any]:
    """A modal for a form; ``metadata`` (where to post the result) travels in private_metadata."""
    blocks = [_input(f) for f in form.fields][:100]
    view = View(
        type="modal",
        callback_id=FORM_CALLBACK,
        title=PlainTextObject(text=clip(form.title, 24)),
        submit=PlainTextObject(text=clip(form.submit_label, 24)),
        close=PlainTextObject(text="取消"),
        blocks=blocks,
        private_metadata=json.dumps({**metadata, "action": form.action}, ensure_ascii=False)[:3000],
    )
    return view.to_dict()


def _input(f: Any) -> InputBlock:
    element: Any
    if f.kind == "select" and f.options:
        options = [Option(text=clip(o, 75), value=clip(o, 150)) for o in f.options[:100]]
        element = StaticSelectElement(action_id="v", options=options)
    elif f.kind == "date":
        element = DatePickerElement(action_id="v")
    else:
        placeholder = PlainTextObject(text=clip(f.placeholder, 150)) if f.placeholder else None
        multiline = f.kind == "textarea"
        element = PlainTextInputElement(
            action_id="v",
            multiline=multiline,
            placeholder=placeholder,
            max_length=TEXTAREA_INPUT_CHARS if multiline else TEXT_INPUT_CHARS,
        )
    return InputBlock(
        block_id=f.name, label=PlainTextObject(text=clip(f.label, 2000)), element=element, optional=not f.required
    )


def input_problems(view: dict[str, Any], lang: str) -> dict[str, str]:
    """Block id → what is wrong with a submitted modal (a required field empty, a value too long),
    for ``response_action: errors``; Slack checks this in the client too, a replayed body may not."""
    values = view_values(view)
    problems: dict[str, str] = {}
    for block in view.get("blocks") or []:
        block_id, element = block.get("block_id"), block.get("element") or {}
        if block.get("type") != "input" or not block_id:
            continue
        value = values.get(block_id, "")
        limit = element.get("max_length")
        if not block.get("optional") and not value.strip():
            problems[block_id] = msg.t("chat_field_required", lang)
        elif limit and len(value) > int(limit):
            problems[block_id] = msg.t("chat_field_too_long", lang, limit=limit, length=len(value))
    return problems


def error_block(view: dict[str, Any], problem: str) -> str | None:
    """The input a handler's refusal is about: the one whose label or value it names, else the first."""
    values = view_values(view)
    inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id")]
    for block in inputs:
        label = (block.get("label") or {}).get("text", "")
        if label and label in problem:
            return str(block["block_id"])
    for block in inputs:
        value = values.get(block["block_id"], "").strip()
        if value and value in problem:
            return str(block["block_id"])
    return str(inputs[0]["block_id"]) if inputs else None


def view_values(view: dict[str, Any]) -> dict[str, str]:
    """Field name → submitted value from a view_submission's state."""
    values: dict[str, str] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        state: dict[str, Any] = actions.get("v") or next(iter(actions.values()), {})
        kind = state.get("type")
        if kind == "static_select":
            value = (state.get("selected_option") or {}).get("value")
        elif kind == "datepicker":
            value = state.get("selected_date")
        else:
            value = state.get("value")
        values[block_id] = value or ""
    return values
