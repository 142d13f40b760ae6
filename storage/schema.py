"""Imports every table module so ``SQLModel.metadata`` is complete (for migrations and checks)."""

from sqlmodel import SQLModel

from storage import changes, claims, conversation, drafting, drills, events, kpi, library, notes, watch  # noqa: F401

metadata = SQLModel.metadata
