"""``prbot run``: every configured platform adapter, the scheduler and the health endpoints in one
process, stopped cleanly on SIGTERM / SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.adapters.health import Health, default_checks
from bot.adapters.mentions_http import route_for as mentions_route
from bot.adapters.terminal import ConsoleNotifier
from bot.adapters.web import WebServer, WSGIApp
from bot.scheduler import Scheduler

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger("prbot.run")


@dataclass(frozen=True)
class RunOptions:
    slack_mode: str = "socket"
    feishu_mode: str | None = None  # None: settings.feishu.mode
    # Loopback unless told otherwise: Socket Mode and the long connection need no listening port, and
    # HTTP mode belongs behind a load balancer or reverse proxy (the container image binds 0.0.0.0).
    host: str = "127.0.0.1"
    port: int = 3000
    health_port: int = 8080


class Runtime:
    """Starts and stops the pieces; ``health`` lists what /readyz checks."""

    def __init__(self, services: Services, options: RunOptions) -> None:
        self.services = services
        self.options = options
        self.adapters: dict[str, Any] = {}
        self.scheduler = Scheduler(services.settings.timezone)
        self.health = Health(default_checks(services))
        self.web: WebServer | None = None
        self.health_server: WebServer | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        services = self.services
        services.notifiers["console"] = ConsoleNotifier(output=lambda text: print(text, flush=True))
        routes: dict[str, WSGIApp] = {}
        self._start_slack(routes)
        self._start_feishu(routes)
        routes.update(mentions_route(services))  # POST /mentions (early warning), when its secret is set
        if routes:
            self.web = WebServer("events", self.options.host, self.options.port, routes)
            self.web.start()
        for provider in services.job_providers:
            self.scheduler.add_provider(provider)
        self.scheduler.start()
        self.health_server = WebServer(
            "health",
            self.options.host,
            self.options.health_port,
            {"/healthz": self.health.healthz, "/readyz": self.health.readyz},
        )
        self.health_server.start()
        on = ", ".join(sorted(self.adapters)) or "none"
        log.info("prbot running: platforms on: %s; scheduler jobs: %s", on, self.scheduler.job_ids() or "none")

    def _start_slack(self, routes: dict[str, WSGIApp]) -> None:
        slack = self.services.settings.slack
        mode = self.options.slack_mode
        if not slack.configured:
            log.warning(
                "Slack is off: set SLACK_BOT_TOKEN plus SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET "
                "(--slack-mode http) to turn it on"
            )
            return
        missing = "SLACK_APP_TOKEN" if mode == "socket" and not slack.app_token else None
        if mode == "http" and not slack.signing_secret:
            missing = "SLACK_SIGNING_SECRET"
        if missing:
            reason = f"{mode} mode needs {missing}"
            log.error("Slack is off: %s", reason)
            self.health.checks["slack"] = lambda: (False, reason)
            return
        from bot.adapters.slack.app import SlackAdapter

        adapter = SlackAdapter(self.services, slack, mode)
        self._add("slack", adapter)  # before start(): a refused start-up still closes the pools
        # Bad credentials raise SlackConfigError (a ValueError: one line, exit 2); an outage is retried.
        adapter.start()
        if mode == "http":
            routes["/slack/events"] = adapter.wsgi()
            log.info("Slack on (HTTP mode): POST /slack/events on port %d", self.options.port)
        else:
            log.info("Slack on (Socket Mode)")

    def _start_feishu(self, routes: dict[str, WSGIApp]) -> None:
        feishu = self.services.settings.feishu
        if not feishu.configured:
            log.warning(
                "Feishu is off: set FEISHU_APP_ID and FEISHU_APP_SECRET (and FEISHU_DOMAIN=lark for Lark) to turn it on"
            )
            return
        from bot.adapters.feishu.app import FeishuAdapter

        adapter = FeishuAdapter(self.services, feishu, self.options.feishu_mode)
        if adapter.mode == "http":
            routes["/feishu/events"] = adapter.wsgi
            log.info("Feishu on (HTTP callbacks): POST /feishu/events on port %d", self.options.port)
        else:
            adapter.connect()
            log.info("Feishu on (long connection to %s)", adapter.domain)
        self._add("feishu", adapter)

    def _add(self, name: str, adapter: Any) -> None:
        self.adapters[name] = adapter
        self.services.notifiers[name] = adapter.notifier
        self.health.checks[name] = adapter.ready

    def wait(self) -> None:
        """Block until SIGTERM or SIGINT (or ``stop_soon``)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self._stop.set())
        while not self._stop.wait(1.0):
            pass

    def stop_soon(self) -> None:
        self._stop.set()

    def stop(self) -> None:
        """Stop taking events first, then let answers in flight finish, then the rest."""
        log.info("prbot stopping")
        if self.web is not None:
            self.web.stop()
        for name, adapter in self.adapters.items():
            try:
                adapter.close()
            except Exception:
                log.exception("closing %s failed", name)
        self.scheduler.shutdown(wait=True)
        if self.health_server is not None:
            self.health_server.stop()
        self.services.engine.dispose()
        log.info("prbot stopped")
