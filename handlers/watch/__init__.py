"""Early warning (舆情预警): mentions from a webhook, RSS/Atom feeds and exports, scored offline,
grouped into stories, checked against three levels of rules, alerted once per story and level."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the commands (for `prbot --help`) must not load the storage
    from handlers.watch.service import IncidentOpener, WatchService


def register(services: Any, incidents: IncidentOpener | None = None) -> WatchService:
    """Adds the ``watch`` commands, the alert buttons and the scheduler tick; returns the service.
    ``incidents`` is the incident clock's port (the 「启动响应」 button opens an incident with it)."""
    from handlers.watch.commands import WatchCommands
    from handlers.watch.service import WatchService

    service = WatchService(services.engine, services.settings, services.notifiers, incidents=incidents)
    services.router.scan(WatchCommands(service))
    services.job_providers.append(service.provider)
    return service
