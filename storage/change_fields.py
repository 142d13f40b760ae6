"""The values the change-request table holds, without the ORM: cheap to import, so the chat
commands (and ``prbot --help``) can check a status without loading SQLAlchemy."""

from __future__ import annotations

SIZES = ("big", "small")
STATUSES = ("submitted", "approved", "rejected", "done", "withdrawn")
OPEN_STATUSES = ("submitted", "approved")
TITLE_MAX = 200
