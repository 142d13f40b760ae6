"""Prompt files: YAML with declared ``variables``, a ``system`` and a ``user`` template.

Templates use ``{name}`` placeholders; rendering refuses missing or undeclared variables, so a
prompt and its callers cannot drift apart silently.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PROMPTS_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Prompt:
    name: str
    variables: tuple[str, ...]
    system: str
    user: str

    def placeholders(self) -> set[str]:
        names: set[str] = set()
        for template in (self.system, self.user):
            names.update(field for _, field, _, _ in string.Formatter().parse(template) if field)
        return names

    def render(self, **values: str) -> tuple[str, str]:
        missing = set(self.variables) - set(values)
        extra = set(values) - set(self.variables)
        if missing or extra:
            raise ValueError(f"prompt {self.name}: missing {sorted(missing)}, undeclared {sorted(extra)}")
        return self.system.format(**values), self.user.format(**values)


@cache
def load_prompt(name: str) -> Prompt:
    data = yaml.safe_load((PROMPTS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return Prompt(name, tuple(data["variables"]), data["system"], data["user"])


def prompt_names() -> list[str]:
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.yaml") if p.stem != "personas")
