"""A replica killed with SIGKILL mid-post, on SQLite and PostgreSQL: two replica processes fire
scheduled posts through the real timer service, claims, Slack notifier and slack_sdk client (to a
loopback fake of the Slack Web API); replica A dies after taking a post's claim, after Slack accepted
its post, or just before marking it done. Replica B, online throughout, takes the post over when A's
lease runs out: every post exactly once, nothing lost, and no restart needed."""

from __future__ import annotations

import pytest

from bench.faults import CRASH_POINTS, run_point

LEASE_S = 2.0


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_killed_replica_loses_nothing_and_doubles_nothing(point: str, db_url: str) -> None:
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    result = run_point(point, posts=4, lease_s=LEASE_S, backend=backend, timeout_s=120)
    assert result.crashed, "replica A was never killed (it handled no post)"
    assert (result.expected, result.delivered, result.duplicated, result.lost) == (4, 4, 0, 0)
    assert result.timer_status == {"fired": 4}
    # The post A died on was finished by the survivor, which took the claim over (a new fencing token).
    assert result.crashed_claim is not None
    status, owner, token = result.crashed_claim
    assert (status, owner) == ("done", "replica-b") and token >= 2
