"""User-facing text in one place: one ``t()``, one language rule, a catalogue per capability.

Each capability keeps its strings in its own module and registers them under a namespace
(``catalogue("changes", STRINGS)``); ``t("changes.list_header", lang)`` then finds them anywhere, and
the translator ``catalogue`` returns looks keys up in that namespace first. Rule values (notice
days, the digest weekday) are format fields filled from settings, never written into the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Strings = Mapping[str, Mapping[str, str]]
Translator = Callable[..., str]

_HAN = re.compile(r"[\u4e00-\u9fff]")
_CATALOGUES: dict[str, Strings] = {}


def detect_language(text: str, command: bool = True) -> str:
    """'zh' unless the text is plainly English (no Han characters).

    For a whole message (``command``), the leading command word and ``--options`` say nothing about
    the reader, so three English words must remain (``cr list --status approved`` stays Chinese).
    For free text alone (a title, a comment) any English word counts.
    """
    if _HAN.search(text):
        return "zh"
    if not command:
        return "en" if re.search(r"[A-Za-z]{2,}", text) else "zh"
    without_options = re.sub(r"(?<!\S)--?[A-Za-z][\w-]*", " ", text)
    english = re.findall(r"[A-Za-z]{2,}", without_options)[1:]
    return "en" if len(english) >= 3 else "zh"


def register(namespace: str, strings: Strings) -> None:
    _CATALOGUES[namespace] = strings


def t(key: str, lang: str = "zh", /, **values: object) -> str:
    """The text of ``namespace.key`` in ``lang`` (Chinese where no English exists), formatted."""
    namespace, _, name = key.partition(".")
    entry = _CATALOGUES[namespace][name]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


def catalogue(namespace: str, strings: Strings) -> Translator:
    """Register ``strings`` and return the capability's translator: ``t("key", lang, **values)``."""
    register(namespace, strings)

    def translate(key: str, lang: str = "zh", /, **values: object) -> str:
        return t(f"{namespace}.{key}", lang, **values)

    return translate
