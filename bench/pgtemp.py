"""A scratch PostgreSQL schema for tests and benchmarks: created fresh, dropped afterwards, so a run
never touches a configured store. The server is the local one the CI machine provides unless
``TEST_POSTGRES_URL`` names another."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def scratch_server() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL)


def unreachable_reason(url: str | None = None) -> str | None:
    """None if the server answers; else why not (no driver, no server), for a skip message."""
    url = url or scratch_server()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'prbot[postgres]')"
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"no PostgreSQL at {make_url(url).render_as_string(hide_password=True)} ({exc.__class__.__name__})"
    finally:
        engine.dispose()
    return None


@contextmanager
def scratch_schema(url: str | None = None, prefix: str = "prbot_scratch") -> Iterator[str]:
    """Yield a database URL whose search_path is a new empty schema; the schema is dropped after."""
    base = make_url(url or scratch_server())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        query = dict(base.query)
        query["options"] = f"-csearch_path={name}"
        yield base.set(query=query).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
