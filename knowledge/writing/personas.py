"""Audience personas and output formats: YAML data in ``prompts/``, plus the team's own files.

A persona or format is looked up by name or alias; an unknown name raises ``UnknownName`` carrying the
known names and the nearest one, so the user sees the list and a suggestion instead of a silent default.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from prompts import PROMPTS_DIR

PERSONAS_FILE = PROMPTS_DIR / "personas.yaml"
FORMATS_FILE = PROMPTS_DIR / "lexicon" / "formats.yaml"


class DataFileError(Exception):
    """A persona/format/word-list file cannot be read; the message names the file and the problem."""


class UnknownName(Exception):
    def __init__(self, kind: str, name: str, known: list[str], suggestion: str | None) -> None:
        super().__init__(f"unknown {kind} {name!r}")
        self.kind = kind
        self.name = name
        self.known = known
        self.suggestion = suggestion


@dataclass(frozen=True)
class Persona:
    name: str
    who: str
    tone: str
    use: tuple[str, ...]
    avoid: tuple[str, ...]
    formats: tuple[str, ...]
    example: str
    aliases: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    custom: bool = False
    lead: tuple[str, ...] = ()  # words of the results this audience reads first
    audience: tuple[str, ...] = ()  # words that show a source is about this audience
    audience_templates: tuple[str, ...] = ()  # offline patterns addressing it, only for such a source

    def templates_for(self, source: str, title: str = "") -> tuple[str, ...]:
        """The offline templates that fit a source: the audience's own only if the source is about it (an
        audience word in the title, or said at least twice; one mention in passing is not the subject)."""
        about_them = any(word in title or source.count(word) >= 2 for word in self.audience)
        return (*self.audience_templates, *self.templates) if about_them else self.templates

    def profile(self) -> str:
        """The persona as the prompt shows it to a language model."""
        return (
            f"名称：{self.name}\n人群：{self.who}\n语气：{self.tone}\n"
            f"常用词：{'、'.join(self.use)}\n忌用词：{'、'.join(self.avoid)}\n"
            f"偏好形式：{'、'.join(self.formats)}\n示例标题：{self.example}"
        )


@dataclass(frozen=True)
class Format:
    name: str
    max_chars: int
    headline_max_chars: int
    counter: str = "plain"
    guide: str = ""
    aliases: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()


@dataclass
class Catalog:
    personas: dict[str, Persona] = field(default_factory=dict)
    formats: dict[str, Format] = field(default_factory=dict)

    def persona(self, name: str) -> Persona:
        return _lookup("persona", name, self.personas)

    def format(self, name: str) -> Format:
        return _lookup("format", name, self.formats)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"文件不存在 / file not found: {path}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path} 不是合法的 YAML / is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: 顶层应是一个映射 / the top level must be a mapping")
    return data


def _strs(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value)
    return (str(value),)


def _persona(entry: dict[str, Any], path: Path, custom: bool) -> Persona:
    missing = [k for k in ("name", "who", "tone", "example") if not str(entry.get(k) or "").strip()]
    if missing:
        raise DataFileError(f"{path}: persona {entry.get('name', '?')!r} 缺少字段 / is missing {', '.join(missing)}")
    return Persona(
        name=str(entry["name"]).strip(),
        who=str(entry["who"]).strip(),
        tone=str(entry["tone"]).strip(),
        use=_strs(entry.get("use")),
        avoid=_strs(entry.get("avoid")),
        formats=_strs(entry.get("formats")),
        example=str(entry["example"]).strip(),
        aliases=_strs(entry.get("aliases")),
        templates=_strs(entry.get("templates")),
        custom=custom,
        lead=_strs(entry.get("lead")),
        audience=_strs(entry.get("audience")),
        audience_templates=_strs(entry.get("audience_templates")),
    )


def load_catalog(personas_file: Path | None = None) -> Catalog:
    """The bundled personas and formats, then the team's persona file (same name replaces)."""
    catalog = Catalog()
    sources = [(PERSONAS_FILE, False)] + ([(personas_file, True)] if personas_file else [])
    for path, custom in sources:
        entries = read_yaml(path).get("personas") or []
        if not isinstance(entries, list):
            raise DataFileError(f"{path}: personas 应是列表 / personas must be a list")
        for entry in entries:
            persona = _persona(entry, path, custom)
            catalog.personas[persona.name] = persona
    for entry in read_yaml(FORMATS_FILE).get("formats") or []:
        fmt = Format(
            name=str(entry["name"]),
            max_chars=int(entry["max_chars"]),
            headline_max_chars=int(entry.get("headline_max_chars", 40)),
            counter=str(entry.get("counter", "plain")),
            guide=str(entry.get("guide", "")),
            aliases=_strs(entry.get("aliases")),
            sections=_strs(entry.get("sections")),
        )
        catalog.formats[fmt.name] = fmt
    return catalog


def _norm(text: str) -> str:
    return "".join(text.lower().split())


def _lookup(kind: str, name: str, items: dict[str, Persona] | dict[str, Format]):  # type: ignore[no-untyped-def]
    wanted = _norm(name)
    names: dict[str, str] = {}
    for item in items.values():
        for alias in (item.name, *item.aliases):
            names[_norm(alias)] = item.name
    if wanted in names:
        return items[names[wanted]]
    # 「银发群体」 contains the alias 「银发」; 「微博 ≤140字」 starts with 「微博」.
    contained = [names[a] for a in sorted(names, key=len, reverse=True) if len(a) >= 2 and (a in wanted)]
    if contained and kind == "format":
        return items[contained[0]]
    suggestion = contained[0] if contained else None
    if suggestion is None:
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.4)
        suggestion = names[close[0]] if close else None
    raise UnknownName(kind, name, list(items), suggestion)


# Used when no persona is named: neutral tone, only the generic headline templates.
GENERAL = Persona(
    name="通用",
    who="不限定受众的一般读者",
    tone="客观、简洁、信息完整",
    use=(),
    avoid=(),
    formats=(),
    example="某城商行智能客服上线一年：人工坐席成本下降 32%",
)
