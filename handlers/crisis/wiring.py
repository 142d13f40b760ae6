"""Drills and incidents on one timer service: the services, their commands on the router, the timer
jobs. Called by the composition root (bot.app); tests and benchmarks build a crisis team with it."""

from __future__ import annotations

from typing import Any

from bot.core import Notifier
from bot.router import Router
from bot.settings import Settings
from handlers.crisis.commands import CrisisCommands
from handlers.crisis.drills import DrillService, compliance_check
from handlers.crisis.incidents import IncidentService
from handlers.crisis.timers import TimerService
from storage.db import DbEngine


def register(
    router: Router,
    engine: DbEngine,
    settings: Settings,
    notifiers: dict[str, Notifier],
    job_providers: list[Any],
) -> DrillService:
    """The drill and incident services on one timer service, their commands, and the timer jobs."""
    timers = TimerService(engine, notifiers)
    incidents = IncidentService(engine, settings, notifiers, timers, compliance_check(settings))
    drills = DrillService(engine, settings, notifiers, timers, incidents)
    router.scan(CrisisCommands(drills, incidents))
    job_providers.append(timers.provider)
    return drills
