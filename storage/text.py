"""Text as the database can keep it: null bytes, control characters and lone surrogates removed from
every string an ORM write carries (titles, descriptions, comments, library text, JSON values).

PostgreSQL refuses a null byte in text and a lone surrogate in UTF-8; on SQLite they are stored and
later break an export (openpyxl refuses control characters). Tabs and line breaks stay. ``install``
hooks the cleaning into every session's flush, so no write path can forget it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

# C0 controls except \t \n \r, DEL, C1 controls, and lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(value: str) -> str:
    return _UNSAFE.sub("", value) if _UNSAFE.search(value) else value


def clean_value(value: Any) -> Any:
    """``clean`` applied to a string, or to every string inside a JSON-like value."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    return value


def clean_row(obj: Any) -> None:
    """Clean the string and JSON attributes of a mapped object in place."""
    state = getattr(obj, "__dict__", {})
    for name in list(state):
        if name.startswith("_"):
            continue
        value = state[name]
        if isinstance(value, str | dict | list):
            cleaned = clean_value(value)
            if cleaned != value:
                setattr(obj, name, cleaned)


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    for obj in list(session.new) + list(session.dirty):
        clean_row(obj)


def install() -> None:
    """Clean every ORM write (idempotent; called by ``storage.db.make_engine``)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
