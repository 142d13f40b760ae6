"""What a terminal shows: the reply's Markdown subset as plain lines (no raw ``**`` or backticks, links
spelled out), and the console destination's notifier. Shared by the terminal chat, the one-shot
commands and the runtime that posts when no chat platform is configured."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot import messages as msg
from bot.core import Destination, Reply

Output = Callable[[str], None]

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


def plain(text: str) -> str:
    text = _LINK.sub(r"\1 (\2)", text)
    text = _BOLD.sub(r"\1", text)
    return _CODE.sub(r"\1", text)


def render(reply: Reply) -> str:
    lines = [plain(reply.text)] if reply.text else []
    if reply.citations:
        lang = reply.lang or msg.detect_language(reply.text)
        lines.append(f"\n{msg.t('sources', lang)}:")
        for number, c in enumerate(reply.citations, start=1):
            lines.append(f"  [{number}] {c.id} 《{c.title}》 — {c.snippet[:80]}")
    for index, button in enumerate(reply.buttons, start=1):
        lines.append(f"  (b{index}) {button.label}")
    for attachment in reply.files:
        lines.append(f"  [附件 / file] {attachment.filename}")
    return "\n".join(lines)


class ConsoleNotifier:
    """Proactive posts when no chat platform is configured: printed to the terminal."""

    def __init__(self, output: Output = print) -> None:
        self.output = output
        self._count = 0

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        self._count += 1
        self.output(f"── 发往 / to {destination.platform}:{destination.channel_id} ──\n{render(reply)}")
        return f"console-{self._count}"
