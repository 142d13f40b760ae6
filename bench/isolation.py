"""Benchmarks never touch a configured store: their child processes get an environment without the
operator's PRBOT_* settings, pointed at the benchmark's own throw-away data directory."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def isolated_env(data_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PRBOT_")}
    env["PRBOT_DATA_DIR"] = str(data_dir)
    env["PRBOT_DATABASE_URL"] = f"sqlite:///{(data_dir / 'prbot.db').as_posix()}"
    env["PYTHONPATH"] = os.pathsep.join(part for part in (str(REPO), env.get("PYTHONPATH", "")) if part)
    return env
