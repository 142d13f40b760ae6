"""The plan's scoreboard (KPI): the year's targets measured from the bot's own records, in chat, as a
monthly post and as a self-contained HTML report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the commands (for `prbot --help`) must not load the storage
    from handlers.kpi.service import KpiService


def register(services: Any) -> KpiService:
    """Adds ``kpi``, ``case used-in-bid``, the 「用于投标」 button, the question rule and the monthly post."""
    from handlers.kpi.commands import KPI_QUESTION, USED_IN_BID, KpiCommands
    from handlers.kpi.monthly import MonthlyPost
    from handlers.kpi.service import KpiService

    service = KpiService(services.engine, services.settings)
    services.router.scan(KpiCommands(service))
    services.router.on_intent(KPI_QUESTION, "kpi")
    services.router.on_intent(USED_IN_BID, "case")
    services.job_providers.append(MonthlyPost(service, services.notifiers).provider)
    return service
