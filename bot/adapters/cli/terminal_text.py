"""The reply's Markdown subset as a terminal shows it: no raw ``**`` or backticks, links spelled out."""

from __future__ import annotations

import re

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


def plain(text: str) -> str:
    text = _LINK.sub(r"\1 (\2)", text)
    text = _BOLD.sub(r"\1", text)
    return _CODE.sub(r"\1", text)
