"""The plan's scoreboard (KPI): the year's targets measured from the bot's own records, in chat, as a
monthly post and as a self-contained HTML report."""

from __future__ import annotations

from typing import Any

from handlers.kpi.service import KpiService


def register(services: Any) -> KpiService:
    """Adds ``kpi``, ``case used-in-bid``, the 「用于投标」 button and the monthly post."""
    from handlers.kpi.commands import register_chat
    from handlers.kpi.monthly import MonthlyPost

    service = KpiService(services.engine, services.settings)
    register_chat(services.router, service)
    services.job_providers.append(MonthlyPost(service, services.notifiers).provider)
    return service
