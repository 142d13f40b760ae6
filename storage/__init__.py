"""Relational storage: SQLModel tables, query functions, the engine factory and migrations."""
