"""Who is who in drills and incidents: configured ids, where to reach them, who may do what.

People are configured as ``platform:id`` (``slack:U123``, ``feishu:ou_abc``, ``cli:wang``). A request
from Slack carries ``platform="slack"`` and the bare id, so both spellings are matched.
"""

from __future__ import annotations

from bot.core import Destination, Request
from bot.settings import Settings, SeverityLevel

PLATFORMS = {"slack": "slack", "feishu": "feishu", "lark": "feishu", "console": "console"}


def identities(request: Request) -> set[str]:
    return {request.user_id, f"{request.platform}:{request.user_id}"}


def destination(address: str, default_platform: str = "console") -> Destination:
    """``slack:U1`` → Destination("slack", "U1"); ``cli:wang`` is a terminal user; bare ids use the default."""
    prefix, sep, rest = address.partition(":")
    if sep and prefix in PLATFORMS and rest:
        return Destination(PLATFORMS[prefix], rest)
    if sep and prefix == "cli":
        return Destination("console", address)
    return Destination(default_platform, address)


def channel_destination(channel: str, thread_id: str | None = None) -> Destination:
    dest = destination(channel)
    return Destination(dest.platform, dest.channel_id, thread_id)


class People:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        incidents = settings.incidents
        self.default_platform = destination(incidents.channel).platform
        self.managers = list(dict.fromkeys([*settings.roles.managers, *incidents.managers]))
        self.teams = {team: list(ids) for team, ids in incidents.teams.items()}

    # -- lookups ------------------------------------------------------------------------------------

    def everyone(self) -> list[str]:
        ids = [uid for ids in self.teams.values() for uid in ids]
        ids += self.managers + [s.lead_id for s in self.settings.incidents.severity if s.lead_id]
        if self.settings.drills.lead_id:
            ids.append(self.settings.drills.lead_id)
        return list(dict.fromkeys(ids))

    def resolve(self, text: str) -> str | None:
        """The configured id ``text`` names (with or without its platform prefix), or None."""
        text = text.strip().lstrip("@")
        for uid in self.everyone():
            if text == uid or uid.partition(":")[2] == text:
                return uid
        return None

    def who(self, request: Request) -> str:
        """The configured id of the sender, or a platform-qualified id for someone not configured."""
        ids = identities(request)
        for uid in self.everyone():
            if uid in ids:
                return uid
        if request.platform in ("console", "cli") or ":" in request.user_id:
            return request.user_id
        return f"{request.platform}:{request.user_id}"

    def team_of(self, user_id: str) -> str | None:
        for team, ids in self.teams.items():
            if user_id in ids:
                return team
        return None

    def severity(self, level: int) -> SeverityLevel:
        return next(s for s in self.settings.incidents.severity if s.level == level)

    def drill_lead(self) -> str:
        return self.settings.drills.lead_id or self.severity(self.settings.drills.level).lead_id

    def drill_teams(self) -> dict[str, list[str]]:
        wanted = self.settings.drills.teams or list(self.teams)
        return {team: self.teams.get(team, []) for team in wanted}

    def to(self, user_id: str) -> Destination:
        return destination(user_id, self.default_platform)

    # -- roles --------------------------------------------------------------------------------------

    def is_manager(self, request: Request) -> bool:
        """A configured manager; with no manager configured, the person at the terminal (the
        installation's operator) — chat users then cannot manage, and are told the setting."""
        if not self.managers:
            return request.platform == "console"
        return bool(identities(request) & set(self.managers))

    def is_known(self, request: Request) -> bool:
        """Anyone configured; with nobody configured at all, everyone (a fresh install still works)."""
        everyone = self.everyone()
        return not everyone or bool(identities(request) & set(everyone))

    def is_person(self, request: Request, user_id: str) -> bool:
        return bool(user_id) and user_id in identities(request)
