"""Early warning (舆情预警): mentions from a webhook, RSS/Atom feeds and exports, scored offline,
grouped into stories, checked against three levels of rules, alerted once per story and level."""

from __future__ import annotations

from typing import Any

from handlers.watch.service import IncidentOpener, WatchService


def register(services: Any, incidents: IncidentOpener | None = None) -> WatchService:
    """Adds the ``watch`` command, the alert buttons and the scheduler tick; returns the service
    (the HTTP adapter serves POST /mentions with it)."""
    from handlers.watch.commands import register_chat

    service = WatchService(services.engine, services.settings, services.notifiers, incidents=incidents)
    register_chat(services.router, service)
    services.job_providers.append(service.provider)
    return service
