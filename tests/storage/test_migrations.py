"""Migrations on SQLite and PostgreSQL: replicas starting together migrate once (the lock), the
claim-lease migration upgrades claims left by the old code, and ``db check`` checks the configured
database (and works on a fresh machine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from storage.claims import acquire, get_claim
from storage.db import alembic_config, applied_revisions, check_database, head_revisions, make_engine, migrate

ROOT = Path(__file__).resolve().parents[2]
MIGRATE = "import sys; from storage.db import make_engine, migrate; migrate(make_engine(sys.argv[1])); print('ok')"


@pytest.mark.full  # two migrating processes
def test_replicas_starting_together_migrate_once(db_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, db_url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [replica.communicate(timeout=120) for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0, 0], [err.decode()[-800:] for _out, err in results]
    engine = make_engine(db_url)
    assert applied_revisions(engine) == head_revisions()
    engine.dispose()


def test_claims_left_by_the_old_code_can_be_taken_over_after_the_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config(db_url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO claims (job, period, owner, status, detail, claimed_at) "
                "VALUES ('digest', 'W1/slack:C', 'dead', 'claimed', '', '2025-01-01 00:00:00')"
            )
        )
    migrate(engine)
    claim = get_claim(engine=engine, job="digest", period="W1/slack:C")
    assert claim is not None and claim.token == 1 and claim.lease_until is None
    lease = acquire(engine=engine, job="digest", period="W1/slack:C", owner="survivor")
    assert lease is not None and lease.token == 2
    engine.dispose()


def test_db_check_checks_the_configured_database(db_url: str) -> None:
    summary = check_database(db_url)
    assert "matches the models" in summary and "0008" in summary
    engine = make_engine(db_url)
    assert applied_revisions(engine) == head_revisions()  # it is the configured database that was checked
    engine.dispose()
    assert "upgraded" not in check_database(db_url)


def test_db_check_on_a_fresh_machine_creates_the_data_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'data' / 'prbot.db'}"
    assert "upgraded to" in check_database(url)
    assert (tmp_path / "fresh" / "data" / "prbot.db").is_file()
