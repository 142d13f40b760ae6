"""Split a document into lean chunks: by Markdown section, then by whole sentences.

No chunk is a crumb: a piece shorter than ``min_chars`` (a leftover such as 「[需要引证]」 or a one-line
section) joins its neighbour, so it never stands alone as a search result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.text import split_sentences

_HEADING_LINE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SOFT_BREAK = re.compile(r"(?<=[，,、：:])")
_CLOSED = re.compile(r"[。！？!?；;…」』”’）).，,、：:]\s*$")  # ends a sentence or a clause


@dataclass(frozen=True)
class TextChunk:
    ordinal: int
    section: str
    text: str


def sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) pairs in order; text before the first heading has an empty heading."""
    result: list[tuple[str, str]] = []
    heading, lines = "", list[str]()
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


def chunk_document(body: str, target_chars: int = 360, max_chars: int = 480, min_chars: int = 40) -> list[TextChunk]:
    """Pack whole sentences into chunks of about ``target_chars``; never cut inside a word.

    A sentence longer than ``max_chars`` is split at commas, and only as a last resort by length.
    A chunk under ``min_chars`` is merged into the chunk before it in its section (or the next one),
    and a section that is a crumb as a whole joins the previous section's last chunk.
    """
    packed: list[tuple[str, str]] = []
    for heading, text in sections(body):
        pieces = [p for s in split_sentences(text) for p in _fit(s, max_chars)]
        section_chunks: list[str] = []
        current = ""
        for piece in pieces:
            if current and len(current) + len(piece) > target_chars:
                section_chunks.append(current)
                current = ""
            current = _joined(current, piece)
        if current:
            section_chunks.append(current)
        for text_chunk in _absorb_crumbs(section_chunks, min_chars):
            if len(text_chunk) < min_chars and packed:
                previous_heading, previous = packed[-1]
                packed[-1] = (previous_heading, f"{previous}\n{text_chunk}")
            else:
                packed.append((heading, text_chunk))
    if len(packed) > 1 and len(packed[0][1]) < min_chars:
        # A crumb at the very start (text before the first heading) joins what follows.
        (_, first), (heading, second) = packed[0], packed[1]
        packed[:2] = [(heading, f"{first}\n{second}")]
    return [TextChunk(i, heading, text) for i, (heading, text) in enumerate(packed)]


def _absorb_crumbs(chunks: list[str], min_chars: int) -> list[str]:
    out: list[str] = []
    for text in chunks:
        if (out and len(text) < min_chars) or (out and len(out[-1]) < min_chars):
            out[-1] = _joined(out[-1], text)
        else:
            out.append(text)
    return out


def _joined(text: str, piece: str) -> str:
    """Sentences run on; a line without closing punctuation (a list item, a table row) keeps its line
    break, so 「- 观众超过80万人次」 and the next item do not run together."""
    if not text or _CLOSED.search(text):
        return text + piece
    return f"{text}\n{piece}"


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
