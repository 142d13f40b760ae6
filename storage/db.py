"""Engine factory and migrations. SQLite (WAL, busy timeout) by default; any SQLAlchemy URL works."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from storage.text import install as install_text_cleaning

# The engine and session types, for handlers to annotate with without importing the ORM themselves.
DbEngine = Engine
DbSession = Session

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key held while migrating: replicas starting together migrate one at a time
# (the first upgrades, the others wait, then find the schema current). Any fixed 64-bit number works.
MIGRATION_LOCK_KEY = 0x70726274_6D696772  # "prbt" "migr"


class DatabaseError(Exception):
    """The database cannot be reached or opened; the message says which and how to fix it."""


def make_engine(url: str) -> Engine:
    install_text_cleaning()  # no null byte or control character reaches a table through the ORM
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        raise DatabaseError(
            f"数据库驱动未安装 / the database driver is not installed for {_redact(url)} ({exc.name}). "
            "For PostgreSQL install the extra: pip install 'prbot[postgres]' (psycopg), and use a URL "
            "such as postgresql+psycopg://user:pass@host/db."
        ) from None
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(
            f"数据库地址无法使用 / the database URL is not usable: {_redact(url)} ({exc.__class__.__name__}). "
            "Set PRBOT_DATABASE_URL to a SQLAlchemy URL such as sqlite:///data/prbot.db "
            "or postgresql+psycopg://user:pass@host/db."
        ) from None
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migrations (idempotent). Each capability owns a branch off
    0002, so upgrading to "heads" applies them all."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        if applied_revisions(engine) == head_revisions():
            return  # the usual start: nothing to apply, so no lock and no migration environment
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Released at commit; PostgreSQL DDL is transactional, so the waiter sees it all or nothing.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            elif connection.dialect.name == "sqlite":
                # The driver runs DDL outside a transaction; take the write lock first, so a second
                # process (the bot and a CLI starting together) waits and then finds nothing to do.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "heads")
    except OperationalError as exc:
        raise DatabaseError(
            f"无法连接数据库 / cannot open the database at {_redact(str(engine.url))}: {exc.orig}. "
            "Check PRBOT_DATABASE_URL (or that PRBOT_DATA_DIR is writable)."
        ) from None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing half-written."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def _redact(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def check_migrations(url: str) -> None:
    """Fail if the models and the migrations disagree (``alembic check`` on a fresh database)."""
    engine = make_engine(url)
    try:
        migrate(engine)
        cfg = alembic_config(url)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.check(cfg)
    finally:
        engine.dispose()


def applied_revisions(engine: Engine) -> set[str]:
    """The revisions recorded in the database's ``alembic_version`` table (empty if never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check_database(url: str) -> str:
    """``prbot db check``: the models agree with the migrations (on a throwaway SQLite database), and
    the configured database at ``url`` is reachable, brought to the newest migrations (as the bot does
    at start, under the lock) and matches the models. Returns a one-line summary; raises
    DatabaseError (reachability) or alembic's AutoGenerateDiffsDetected (drift)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        check_migrations(f"sqlite:///{tmp}/check.db")
    _make_sqlite_dir(url)
    engine = make_engine(url)
    try:
        before = applied_revisions(engine) if _reachable(engine) else set()
        migrate(engine)
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.check(cfg)
        heads = applied_revisions(engine)
    finally:
        engine.dispose()
    upgraded = sorted(heads - before)
    note = f"; upgraded to {', '.join(upgraded)}" if upgraded else ""
    return f"{_redact(url)}: at {', '.join(sorted(heads))}, matches the models{note}"


def _reachable(engine: Engine) -> bool:
    try:
        with engine.connect():
            return True
    except OperationalError as exc:
        raise DatabaseError(
            f"无法连接数据库 / cannot open the database at {_redact(str(engine.url))}: {exc.orig}. "
            "Check PRBOT_DATABASE_URL (or that PRBOT_DATA_DIR is writable)."
        ) from None


def _make_sqlite_dir(url: str) -> None:
    """A fresh machine has no data directory yet; the bot creates it at start, so does the check."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
