"""Split a document into lean chunks: by Markdown section, then by whole sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.text import split_sentences

_HEADING_LINE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SOFT_BREAK = re.compile(r"(?<=[，,、：:])")


@dataclass(frozen=True)
class TextChunk:
    ordinal: int
    section: str
    text: str


def sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) pairs in order; text before the first heading has an empty heading."""
    result: list[tuple[str, str]] = []
    heading, lines = "", []
    for line in body.splitlines():
        match = _HEADING_LINE.match(line)
        if match:
            if "".join(lines).strip():
                result.append((heading, "\n".join(lines).strip()))
            heading, lines = match.group(2).strip(), []
        else:
            lines.append(line)
    if "".join(lines).strip():
        result.append((heading, "\n".join(lines).strip()))
    return result


def chunk_document(body: str, target_chars: int = 360, max_chars: int = 480) -> list[TextChunk]:
    """Pack whole sentences into chunks of about ``target_chars``; never cut inside a word.

    A sentence longer than ``max_chars`` is split at commas, and only as a last resort by length.
    """
    chunks: list[TextChunk] = []
    for heading, text in sections(body):
        pieces = [p for s in split_sentences(text) for p in _fit(s, max_chars)]
        current = ""
        for piece in pieces:
            if current and len(current) + len(piece) > target_chars:
                chunks.append(TextChunk(len(chunks), heading, current))
                current = ""
            current += piece
        if current:
            chunks.append(TextChunk(len(chunks), heading, current))
    return chunks


def _fit(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    out, current = [], ""
    for clause in _SOFT_BREAK.split(sentence):
        while len(clause) > max_chars:
            out.append(clause[:max_chars])
            clause = clause[max_chars:]
        if current and len(current) + len(clause) > max_chars:
            out.append(current)
            current = ""
        current += clause
    if current:
        out.append(current)
    return out
