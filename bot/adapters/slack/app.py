"""Slack: slack-bolt's sync ``App`` in Socket Mode (default) or HTTP mode (``POST /slack/events``).

Listeners only parse the payload and hand the slow part to a pool, so Slack always gets its ack at
once. Questions go to the answer pool (fair per user); slash commands naming a command and button
clicks go to a separate interactive lane, so a form opens within Slack's 3-second ``trigger_id``
window even while every answer worker is busy.

Events are recorded as received (only those the bot acts on), then as answered just before the
answer is posted: a redelivery of an answered event is dropped, one whose owner died is answered.
Slash commands and clicks are deduplicated by their trigger id (or the body's hash) within Slack's
replay window. User text, model output and library text are escaped once, in ``slack_blocks``.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest as RetryRequest
from slack_sdk.http_retry.response import HttpResponse as RetryResponse

from bot import messages as msg
from bot.adapters.chat import Inbound, Workers, clean_inbound, failure_text, respond, subcommand_reply
from bot.adapters.slack.blocks import (
    FORM_ACTION,
    FORM_CALLBACK,
    SHARE_ACTION,
    SlackMessage,
    clip,
    error_block,
    form_view,
    input_problems,
    parse_button,
    render,
    view_values,
)
from bot.core import Action, Destination, NotifyError, Reply, Request
from bot.settings import SlackSettings
from storage.events import EventLog, answer_payload, get_answer

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import Services

log = logging.getLogger(__name__)

PLATFORM = "slack"
SLASH_COMMAND = "/prbot"
# Message subtypes that are a person writing; edits, joins, bot posts and the like are not for us.
_USER_SUBTYPES = (None, "file_share", "thread_broadcast")
# The metadata event type of scheduled posts; its payload's key makes a repeated post find the first.
POST_EVENT = "prbot_post"
_RETRYABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# Transient failures the Web API client itself retries (with backoff) before anyone sees them.
_TRANSIENT_STATUS = {500, 502, 503, 504}
_TRANSIENT_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# auth.test / apps.connections.open answers that mean the configuration is wrong, not Slack down.
_BAD_CONFIG = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}
_NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found"}
# Seconds between start-up retries (auth.test, the Socket Mode connection): first wait, longest wait.
RECONNECT_BACKOFF_S = (1.0, 60.0)
# A modal submission is answered inside Slack's 3 s when the handler is this quick (else acked, posted later).
SUBMIT_BUDGET_S = 2.0
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)[^>]*>")


class SlackConfigError(ValueError):
    """Slack refused the configured credentials: one clear line, and ``prbot run`` exits 2."""


class TransientErrorRetryHandler(RetryHandler):
    """Retries what Slack says is transient: HTTP 500/502/503/504 and ``ok: false`` with
    ``service_unavailable``, ``internal_error``, ``fatal_error`` or ``request_timeout`` (slack_sdk's own
    ServerErrorRetryHandler covers only 500 and 503 and never looks at the body)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: RetryRequest,
        response: RetryResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None:
            return False
        if response.status_code in _TRANSIENT_STATUS:
            return True
        body = response.body or {}
        return body.get("ok") is False and body.get("error") in _TRANSIENT_ERRORS


def make_client(settings: SlackSettings) -> WebClient:
    """A WebClient for the configured token and base URL that retries connection errors, transient
    server errors (with backoff) and rate limits (after Retry-After)."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    base_url = settings.api_url or WebClient.BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    client = WebClient(token=token, base_url=base_url, timeout=30)
    # The handlers share one attempt counter: the largest count is the budget for a call.
    client.retry_handlers.append(TransientErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=10))
    return client


def clean_text(text: str, bot_user_id: str | None) -> str:
    """Slack markup to plain text: the bot's mention removed, links, channels and entities decoded."""
    text = _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else f"@{m.group(1)}", text or "")
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _CHANNEL.sub(r"#\1", text)
    text = _SPECIAL.sub(r"@\1", text)
    # Decoded to what the user typed; the renderer escapes it again for whatever it is shown in.
    return clean_inbound(html.unescape(text)).strip()


def _is_from_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id") or event.get("subtype") == "bot_message" or event.get("user") == bot_user_id)


class SlackAdapter:
    """The Slack side of the bot. ``wsgi`` serves HTTP mode; ``connect`` opens Socket Mode."""

    def __init__(self, services: Services, settings: SlackSettings, mode: str = "socket") -> None:
        if mode not in ("socket", "http"):
            raise ValueError(f"unknown Slack mode {mode!r}")
        self.services = services
        self.engine = services.engine
        self.events = EventLog(services.engine)
        self.router = services.router
        self.settings = settings
        self.mode = mode
        self.client = make_client(settings)
        self.workers = Workers("slack", settings.workers)
        # Commands that name a command and clicks: quick, and a form must open within 3 s of the click.
        self.interactive = Workers("slack-forms", max(2, settings.workers // 2))
        self._ack_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack-ack")
        signing_secret = settings.signing_secret.get_secret_value() if settings.signing_secret else ""
        self.app = App(
            client=self.client,
            signing_secret=signing_secret,
            # Socket Mode payloads arrive over an authenticated socket; HTTP ones carry a signature.
            request_verification_enabled=mode == "http",
            process_before_response=False,
            # Listeners only parse and hand over, so a small pool keeps acks instant.
            listener_executor=self._ack_pool,
            logger=_bolt_logger(),
            # auth.test runs in start(): a bad token is one clear line, an outage a degraded /readyz.
            token_verification_enabled=False,
        )
        self.notifier = SlackNotifier(self.client)
        self._socket: SocketModeHandler | None = None
        self._checked: tuple[float, bool, str] = (0.0, False, "not checked yet")
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._starter: threading.Thread | None = None
        self._startup: str | None = None  # why start-up is still being retried
        self._register()

    # ---- lifecycle -----------------------------------------------------------------------------

    def wsgi(self) -> SlackRequestHandler:
        return SlackRequestHandler(self.app, path="/slack/events")

    def start(self) -> None:
        """Check the token (auth.test) and, in Socket Mode, connect.

        Bad credentials raise ``SlackConfigError`` (one line; ``prbot run`` exits 2). An outage or a
        refused first connection is logged once and retried in the background with backoff, while
        ``/readyz`` says why Slack is not ready; the rest of the process keeps running.
        """
        if self.mode == "socket" and not self.settings.app_token:
            raise SlackConfigError("Socket Mode needs SLACK_APP_TOKEN (an xapp- token)")
        problem = self._try_start()
        if problem is not None:
            log.warning("Slack not ready yet (%s); retrying in the background", problem)
            self._startup = problem
            self._starter = threading.Thread(target=self._retry_start, name="slack-start", daemon=True)
            self._starter.start()

    def connect(self) -> None:
        """Start-up for callers that only want Socket Mode (kept for ``start``'s old name)."""
        self.start()

    def _try_start(self) -> str | None:
        """One start-up attempt: None when done, else what failed (raises on bad configuration)."""
        try:
            auth = self.client.auth_test()
        except SlackApiError as exc:
            code = _error_code(exc)
            if code in _BAD_CONFIG:
                raise SlackConfigError(
                    f"Slack refused SLACK_BOT_TOKEN ({code}): check the xoxb- token of the installed app"
                ) from None
            return f"auth.test failed: {code}"
        except (SlackClientError, OSError) as exc:
            return f"auth.test failed: {exc.__class__.__name__}"
        self._seed_authorization(auth)
        if self.mode != "socket":
            return None
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if self._socket is None:
            self._socket = SocketModeHandler(self.app, self.settings.app_token.get_secret_value())  # type: ignore[union-attr]
        try:
            self._socket.connect()
        except SlackApiError as exc:
            code = _error_code(exc)
            if code in _BAD_CONFIG:
                raise SlackConfigError(
                    f"Slack refused SLACK_APP_TOKEN ({code}): use an xapp- token with connections:write"
                ) from None
            return f"socket mode not connected: {code}"
        except Exception as exc:  # the websocket library raises its own kinds
            return f"socket mode not connected: {exc.__class__.__name__}"
        return None

    def _seed_authorization(self, auth: Any) -> None:
        """Hand bolt the auth.test result, so the first events do not each call auth.test before their ack."""
        from slack_bolt.middleware.authorization import SingleTeamAuthorization

        for middleware in getattr(self.app, "_middleware_list", []):
            if isinstance(middleware, SingleTeamAuthorization) and not middleware.auth_test_result:
                middleware.auth_test_result = auth

    def _retry_start(self) -> None:
        wait, longest = RECONNECT_BACKOFF_S
        while not self._closing.wait(wait):
            try:
                problem = self._try_start()
            except SlackConfigError as exc:
                problem = str(exc)
            if problem is None:
                log.info("Slack is ready after retrying")
                self._startup = None
                with self._lock:
                    self._checked = (0.0, False, "not checked yet")
                return
            if problem != self._startup:
                log.warning("Slack still not ready: %s", problem)
            self._startup = problem
            wait = min(longest, wait * 2)

    def close(self) -> None:
        self._closing.set()
        if self._starter is not None:
            self._starter.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        self._ack_pool.shutdown(wait=True)  # listeners only hand over; this is quick
        self.interactive.shutdown(wait=True)
        self.workers.shutdown(wait=True)

    def ready(self) -> tuple[bool, str]:
        """Started, connected (Socket Mode) and the token accepted (auth.test, re-checked every 30 s)."""
        if self._startup is not None:
            return False, f"{self._startup} (retrying)"
        if self.mode == "socket" and (self._socket is None or not self._socket.client.is_connected()):
            return False, "socket mode not connected"
        with self._lock:
            checked_at, ok, detail = self._checked
            if time.monotonic() - checked_at > 30:
                try:
                    auth = self.client.auth_test()
                    ok, detail = True, f"team {auth.get('team')} as {auth.get('user')}"
                except SlackClientError as exc:
                    ok, detail = False, f"auth.test failed: {_error_code(exc)}"
                self._checked = (time.monotonic(), ok, detail)
        return ok, detail

    # ---- listeners (fast: parse, drop what is not for us, hand over) -------------------------------

    def _register(self) -> None:
        self.app.middleware(self._dedupe_replays)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.command(SLASH_COMMAND)(self._on_command)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.view(FORM_CALLBACK)(self._on_view)
        # Anything else Slack sends (a subscription added in the app config later): 200 and one line,
        # not bolt's 404, which Slack answers with retries.
        self.app.event(re.compile(".*"))(self._on_other_event)

    def _dedupe_replays(self, request: BoltRequest, body: dict[str, Any], next: Any) -> BoltResponse | None:
        """A slash command, click or submission runs once: a replay (the same signed body again, within
        the five minutes a signature is accepted; or a redelivered Socket Mode envelope) is dropped.

        The key is the body's hash: it covers the trigger id, the response_url and the timestamp.
        Events are not keyed here: they are recorded only once a listener decides to act on them.
        """
        kind = body.get("type") or ("slash_command" if body.get("command") else None)
        if kind in (None, "event_callback", "url_verification"):
            return next()
        raw = request.raw_body or json.dumps(body, sort_keys=True)
        key = hashlib.sha256(raw.encode()).hexdigest()
        if not self.events.first_delivery(PLATFORM, f"{kind}:{key}"):
            log.info("slack %s %s already handled; ignoring the replay", kind, body.get("trigger_id") or key[:16])
            return BoltResponse(status=200, body="")
        return next()

    def _take(self, body: dict[str, Any]) -> bool:
        """Record an event the bot will act on; False for a redelivery that must not be answered again."""
        event_id = body.get("event_id")
        if not event_id:
            return True
        delivery = self.events.receive(PLATFORM, event_id)
        if not delivery.process:
            log.info("slack event %s already delivered; ignoring the redelivery", event_id)
        elif delivery.decision == "retry":
            log.info("slack event %s redelivered after its first owner stopped; answering it", event_id)
        return delivery.process

    def _on_mention(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        bot = context.bot_user_id
        # Slack re-sends app_mention (new event id, an "edited" field) each time such a message is edited.
        if _is_from_bot(event, bot) or event.get("edited") or not self._take(body):
            return
        inbound = Inbound(
            platform=PLATFORM,
            user_id=event.get("user", ""),
            channel_id=event["channel"],
            text=clean_text(event.get("text", ""), bot),
            thread_id=event.get("thread_ts") or event["ts"],
            event_id=body.get("event_id"),
            has_attachments=bool(event.get("files")),
        )
        self.workers.submit(self._answer, inbound, event["ts"], tell=self._teller(inbound), user=inbound.user_id)

    def _on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        bot = context.bot_user_id
        if event.get("subtype") not in _USER_SUBTYPES or _is_from_bot(event, bot) or event.get("edited"):
            return
        channel, ts, thread = event["channel"], event["ts"], event.get("thread_ts")
        text = event.get("text", "")
        if event.get("channel_type") == "im":
            thread_id = thread  # in a DM the answer goes right below, not into a new thread
            private = True
        elif thread and thread != ts:
            # A mention is answered by app_mention; other thread replies only where the bot answered.
            if (bot and f"<@{bot}" in text) or not self.events.is_bot_thread(PLATFORM, channel, thread):
                return
            thread_id, private = thread, False
        else:
            return
        if not self._take(body):
            return
        inbound = Inbound(
            platform=PLATFORM,
            user_id=event.get("user", ""),
            channel_id=channel,
            text=clean_text(text, bot),
            thread_id=thread_id,
            event_id=body.get("event_id"),
            has_attachments=bool(event.get("files")),
            private=private,
        )
        self.workers.submit(self._answer, inbound, ts, tell=self._teller(inbound), user=inbound.user_id)

    def _on_other_event(self, event: dict[str, Any]) -> None:
        log.info("slack event %s is not handled; acknowledged and ignored", event.get("type"))

    def _on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        text = command.get("text", "")
        ack(text=msg.t("chat_searching", msg.detect_language(text) if text.strip() else "zh"))
        user = command.get("user_id", "")
        request = Request(
            text=clean_text(text, None),
            user_id=user,
            channel_id=command.get("channel_id", ""),
            platform=PLATFORM,
            private=True,
        )
        group = self.router.resolve_text(request.text).group
        # A question is slow (the answer pool); a named command is quick and may open a form.
        pool = self.interactive if group is not None and group.name != "ask" else self.workers
        pool.submit(
            self._run_command,
            request,
            command.get("trigger_id"),
            respond,
            command.get("response_url"),
            tell=_responder(respond),
            user=user,
        )

    def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        ack()
        action_id = action.get("action_id", "")
        user = body.get("user", {}).get("id", "")
        if action_id == SHARE_ACTION:
            self.interactive.submit(self._share, body, action.get("value", ""), respond, tell=_responder(respond))
        elif action_id == FORM_ACTION:
            self._open_stored_form(body, action.get("value", ""), respond)  # here: the trigger lives 3 s
        elif (routed := parse_button(action)) is not None:
            self.interactive.submit(self._click, body, routed, action, respond, tell=_responder(respond), user=user)

    def _on_view(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except json.JSONDecodeError:
            meta = {}
        if not meta.get("action"):
            ack()
            return
        user = body.get("user", {}).get("id", "")
        title = (view.get("title") or {}).get("text", "")
        lang = msg.detect_language(title) if title else "zh"
        problems = input_problems(view, lang)
        if problems:
            ack(response_action="errors", errors=problems)  # the modal stays open, the input kept
            return
        values = {name: clean_inbound(value) for name, value in view_values(view).items()}
        request = Request(
            text=title,
            user_id=user,
            channel_id=meta.get("channel") or user,
            platform=PLATFORM,
            thread_id=meta.get("thread"),
            action=Action(meta["action"], values=values),
            private=bool(meta.get("private")),
        )
        # Within the budget, a refusal keeps the modal open with the field marked; a slower handler is
        # acked and its result (refusal or not) posted when it is done.
        handled: Future[Any] = self.interactive.submit(self.router.handle, request, user=user)
        try:
            reply = handled.result(timeout=SUBMIT_BUDGET_S)
        except FutureTimeout:
            ack()
            handled.add_done_callback(lambda done: self._after_submit(done, request, meta))
            return
        if isinstance(reply, Reply) and reply.refused and (block := error_block(view, reply.text)):
            ack(response_action="errors", errors={block: clip(reply.text, 300)})
            return
        ack()
        self._after_submit(handled, request, meta)

    def _after_submit(self, done: Future[Any], request: Request, meta: dict[str, Any]) -> None:
        reply = done.result() if not done.cancelled() else None
        if isinstance(reply, Reply):
            user = request.user_id
            tell = lambda line: self._tell(user, None, user, line, False)  # noqa: E731
            try:
                self.interactive.submit(
                    self._deliver_reply, request, reply, meta.get("response_url"), tell=tell, user=user
                )
            except RuntimeError:  # shutting down: deliver it here rather than drop it
                self._deliver_reply(request, reply, meta.get("response_url"))

    # ---- the slow part (worker pools) -------------------------------------------------------------

    def _answer(self, inbound: Inbound, message_ts: str) -> None:
        self._call("reactions_add", channel=inbound.channel_id, timestamp=message_ts, name="eyes")
        reply = respond(self.router, inbound)
        if inbound.event_id and not self.events.mark_answered(PLATFORM, inbound.event_id):
            log.info("slack event %s was taken over by another process; not answering it here", inbound.event_id)
            return
        dm = inbound.private
        ephemeral = reply.private and not dm
        # Only a public answer makes the thread the bot's: after a private help, chatter there is not for us.
        if not dm and inbound.thread_id and not ephemeral:
            self.events.remember_thread(PLATFORM, inbound.channel_id, inbound.thread_id)
        self._post_reply(
            reply,
            lang=msg.detect_language(inbound.text),
            channel=inbound.channel_id,
            thread=inbound.thread_id,
            user=inbound.user_id,
            question=inbound.text,
            ephemeral=ephemeral,
        )

    def _run_command(self, request: Request, trigger_id: str | None, respond: Any, response_url: str | None) -> None:
        reply = subcommand_reply(self.router, request)
        lang = msg.detect_language(request.text) if request.text.strip() else "zh"
        channel, user = request.channel_id, request.user_id
        if reply.form is not None and trigger_id:
            meta = {"channel": channel, "private": True, "response_url": response_url}
            if self._open_view(trigger_id, form_view(reply.form, meta)):
                self._respond(respond, lang, channel, user, delete_original=True)
                return
            reply.text = "\n".join(t for t in (msg.t("chat_form_not_opened", lang), reply.text) if t)
        _answer_id, _public, private = self._rendered(reply, lang, channel, None, user, request.text)
        first, *rest = private
        kwargs = {"response_type": "ephemeral"}
        if self._respond(
            respond, lang, channel, user, text=first.text, blocks=first.blocks, replace_original=True, **kwargs
        ):
            for message in rest:
                self._respond(respond, lang, channel, user, text=message.text, blocks=message.blocks, **kwargs)

    def _click(self, body: dict[str, Any], routed: Action, action: dict[str, Any], respond: Any) -> None:
        user = body.get("user", {}).get("id", "")
        channel = (body.get("channel") or {}).get("id") or user
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        label = (action.get("text") or {}).get("text", "")
        request = Request(
            text=label, user_id=user, channel_id=channel, platform=PLATFORM, thread_id=thread, action=routed
        )
        reply = self.router.handle(request)
        lang = msg.detect_language(label)
        if reply.form is not None and body.get("trigger_id"):
            meta = {
                "channel": channel,
                "thread": thread,
                "private": reply.private,
                "response_url": body.get("response_url"),
            }
            if self._open_view(body["trigger_id"], form_view(reply.form, meta)):
                return
            reply.text = "\n".join(t for t in (msg.t("chat_form_not_opened", lang), reply.text) if t)
            reply.private = True
        if reply.private:
            _answer_id, _public, private = self._rendered(reply, lang, channel, thread, user, label)
            for message in private:
                if not self._respond(
                    respond,
                    lang,
                    channel,
                    user,
                    text=message.text,
                    blocks=message.blocks,
                    response_type="ephemeral",
                    replace_original=False,
                ):
                    break
        else:
            self._post_reply(reply, lang=lang, channel=channel, thread=thread, user=user, question=label)

    def _deliver_reply(self, request: Request, reply: Reply, response_url: str | None) -> None:
        # The reply decides: a form's result is for the channel unless the capability says it is private.
        ephemeral = reply.private and request.channel_id != request.user_id
        self._post_reply(
            reply,
            lang=request.lang,
            channel=request.channel_id,
            thread=request.thread_id,
            user=request.user_id,
            question=request.text,
            ephemeral=ephemeral,
            response_url=response_url,
        )

    def _share(self, body: dict[str, Any], answer_id: str, respond: Any) -> None:
        user = body.get("user", {}).get("id", "")
        channel = (body.get("channel") or {}).get("id")
        answer = get_answer(engine=self.engine, answer_id=answer_id)
        if answer is None or not channel:
            self._respond(
                respond,
                "zh",
                channel or user,
                user,
                text=msg.t("chat_expired"),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        lang = msg.detect_language(answer.text)
        messages = [SlackMessage(**m) for m in answer_payload(answer).get("public", [])]
        intro = msg.t("chat_shared_by", lang, user=user)
        shaped = []
        for index, message in enumerate(messages):
            text, blocks = message.text, message.blocks
            if index == 0:
                text = f"{intro}\n{message.text}"
                blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": intro}]}, *blocks][:50]
            shaped.append(SlackMessage(text, blocks))
        try:
            for message in shaped:
                self.client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks)
            self._respond(respond, lang, channel, user, delete_original=True)
        except SlackApiError as exc:
            if _error_code(exc) in _NOT_IN_CHANNEL:
                # The bot is not in this channel; the command's response_url can still post into it.
                for index, message in enumerate(shaped):
                    if not self._respond(
                        respond,
                        lang,
                        channel,
                        user,
                        text=message.text,
                        blocks=message.blocks,
                        response_type="in_channel",
                        replace_original=index == 0,
                        delete_original=False,
                    ):
                        return
                return
            ref, line = failure_text(lang)
            log.error("slack share failed ref=%s answer=%s error=%s", ref, answer_id, _error_code(exc))
            self._tell(channel, None, user, line, ephemeral=True)
        except (SlackClientError, OSError) as exc:
            ref, line = failure_text(lang)
            log.error("slack share failed ref=%s answer=%s error=%s", ref, answer_id, _error_code(exc))
            self._tell(channel, None, user, line, ephemeral=True)

    def _open_stored_form(self, body: dict[str, Any], answer_id: str, respond: Any) -> None:
        answer = get_answer(engine=self.engine, answer_id=answer_id)
        form = answer_payload(answer).get("form") if answer else None
        if not form or not body.get("trigger_id"):
            return
        view = form["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        meta["private"] = False
        meta["response_url"] = meta.get("response_url") or body.get("response_url")
        view["private_metadata"] = json.dumps(meta, ensure_ascii=False)[:3000]
        if not self._open_view(body["trigger_id"], view):
            user = body.get("user", {}).get("id", "")
            channel = (body.get("channel") or {}).get("id") or user
            lang = msg.detect_language(answer.text) if answer else "zh"
            self._respond(
                respond,
                lang,
                channel,
                user,
                text=msg.t("chat_form_not_opened", lang),
                response_type="ephemeral",
                replace_original=False,
            )

    # ---- posting ---------------------------------------------------------------------------------

    def _rendered(
        self, reply: Reply, lang: str, channel: str, thread: str | None, user: str, question: str
    ) -> tuple[str, list[SlackMessage], list[SlackMessage]]:
        """Record the answer (feedback and sharing refer to it) and render its public and private forms."""
        form_meta = {"channel": channel, "thread": thread, "private": reply.private}
        form = {"view": form_view(reply.form, form_meta)} if reply.form is not None else None
        answer_id = uuid.uuid4().hex
        feedback = bool(reply.citations) or "answer" in reply.data
        form_button = form is not None
        public = render(reply, lang, answer_id=answer_id, feedback=feedback, form_button=form_button)
        private = render(reply, lang, share=True, answer_id=answer_id, feedback=feedback, form_button=form_button)
        self.events.record_answer(
            answer_id=answer_id,
            platform=PLATFORM,
            channel_id=channel,
            thread_id=thread,
            user_id=user,
            question=question,
            text=reply.text,
            citation_ids=[c.id for c in reply.citations],
            payload={"public": [m.__dict__ for m in public], **({"form": form} if form else {})},
        )
        return answer_id, public, private

    def _post_reply(
        self,
        reply: Reply,
        *,
        lang: str,
        channel: str,
        thread: str | None,
        user: str,
        question: str,
        ephemeral: bool = False,
        response_url: str | None = None,
    ) -> None:
        try:
            _answer_id, public, private = self._rendered(reply, lang, channel, thread, user, question)
            if ephemeral:
                for message in private:
                    self.client.chat_postEphemeral(
                        channel=channel, user=user, thread_ts=thread, text=message.text, blocks=message.blocks
                    )
                return
            for message in public:
                self.client.chat_postMessage(
                    channel=channel, thread_ts=thread, text=message.text, blocks=message.blocks
                )
            for attachment in reply.files:
                self.client.files_upload_v2(
                    channel=channel,
                    thread_ts=thread,
                    content=attachment.content,
                    filename=attachment.filename,
                    title=attachment.title or attachment.filename,
                )
        except (SlackClientError, OSError) as exc:
            code = _error_code(exc)
            # A form opened by /prbot in a channel the bot is not in: its response_url still posts there.
            sent = code in _NOT_IN_CHANNEL and bool(response_url) and not ephemeral
            if sent and self._post_to_response_url(response_url or "", public, lang, channel, user):
                return
            ref, line = failure_text(lang)
            log.error("slack post failed ref=%s channel=%s error=%s", ref, channel, code)
            if code in _NOT_IN_CHANNEL:
                line = f"{msg.t('chat_invite_bot', lang)} ({ref})"
            self._tell(channel, thread, user, line, ephemeral=ephemeral or code in _NOT_IN_CHANNEL)

    def _post_to_response_url(
        self, response_url: str, messages: list[SlackMessage], lang: str, channel: str, user: str
    ) -> bool:
        from slack_sdk.webhook import WebhookClient

        webhook = WebhookClient(response_url, timeout=15)
        for message in messages:
            try:
                sent = webhook.send(text=message.text, blocks=message.blocks, response_type="in_channel")
            except OSError as exc:
                log.error("slack response_url failed channel=%s error=%s", channel, exc.__class__.__name__)
                return False
            if sent.status_code != 200:
                log.error(
                    "slack response_url refused channel=%s status=%s body=%s",
                    channel,
                    sent.status_code,
                    clip(sent.body or "", 100),
                )
                return False
        return True

    def _respond(self, respond: Any, lang: str, channel: str, user: str, **kwargs: Any) -> bool:
        """``respond()`` whose failure is logged with a reference and surfaced to the user.

        bolt's ``respond`` returns the response_url's status instead of raising; an expired or
        refused response_url would otherwise leave the user looking at "正在查找…" forever.
        """
        try:
            sent = respond(**kwargs)
            status, detail = getattr(sent, "status_code", 200), clip(str(getattr(sent, "body", "") or ""), 100)
        except (SlackClientError, OSError) as exc:
            status, detail = 0, _error_code(exc)
        if status == 200:
            return True
        ref, line = failure_text(lang)
        log.error("slack response_url failed ref=%s channel=%s status=%s detail=%s", ref, channel, status, detail)
        if user and channel:
            self._tell(channel, None, user, line, ephemeral=True)
        return False

    def _open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        try:
            self.client.views_open(trigger_id=trigger_id, view=view)
            return True
        except (SlackClientError, OSError) as exc:
            log.warning("slack views.open failed: %s", _error_code(exc))
            return False

    def _tell(self, channel: str, thread: str | None, user: str, text: str, ephemeral: bool) -> None:
        """Last resort after a failed post: a plain line, so the user is not left waiting."""
        try:
            if ephemeral:
                self.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=text)
            else:
                self.client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        except SlackApiError as exc:
            if _error_code(exc) not in _NOT_IN_CHANNEL or channel == user:
                log.error("slack could not tell the user about a failure: %s", _error_code(exc))
                return
            self._tell(user, None, user, text, ephemeral=False)  # not in the channel: say it in a DM
        except (SlackClientError, OSError) as exc:
            log.error("slack could not tell the user about a failure: %s", _error_code(exc))

    def _teller(self, inbound: Inbound) -> Callable[[str], None]:
        def tell(line: str) -> None:
            self._tell(inbound.channel_id, inbound.thread_id, inbound.user_id, line, ephemeral=False)

        return tell

    def _call(self, method: str, **kwargs: Any) -> None:
        """A side call whose failure must not stop the answer (a reaction)."""
        try:
            getattr(self.client, method)(**kwargs)
        except (SlackClientError, OSError) as exc:
            log.warning("slack %s failed: %s", method, _error_code(exc))


def _responder(respond: Any) -> Callable[[str], None]:
    return lambda line: respond(text=line, response_type="ephemeral", replace_original=False)


def _bolt_logger() -> logging.Logger:
    """bolt's logger, without the request bodies it logs at INFO (a forged 20 MB body went to the log)."""
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _NoBodies) for f in logger.filters):
        logger.addFilter(_NoBodies())
    return logger


class _NoBodies(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "body:" in message or len(message) > 2000:
            record.msg, record.args = clip(message.split("body:")[0].rstrip(" ,(") + " (body not logged)", 500), ()
        return True


def _error_code(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return exc.__class__.__name__


class SlackNotifier:
    """Proactive posts (digests, reminders) to a channel, a user's DM or a thread."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        """Post a reply; ``key`` (a job and its period) travels in each message's metadata
        (``prbot_post``), so a repeat of the post (a replica taking over a crashed one's claim) finds
        the messages already out and sends only the rest."""
        lang = msg.detect_language(reply.text)
        first_ts = ""
        already = self._posted_with(destination, key) if key else {}
        try:
            for index, message in enumerate(render(reply, lang)):
                part = f"{key}#{index}" if key else None
                ts = already.get(part or "")
                if ts is None:
                    response = self.client.chat_postMessage(
                        channel=destination.channel_id,
                        thread_ts=destination.thread_id,
                        text=message.text,
                        blocks=message.blocks,
                        metadata={"event_type": POST_EVENT, "event_payload": {"key": part}} if part else None,
                    )
                    ts = str(response.get("ts", ""))
                first_ts = first_ts or ts
        except SlackApiError as exc:
            code = _error_code(exc)
            retryable = code in _RETRYABLE or exc.response.status_code >= 500
            if code in _NOT_IN_CHANNEL:
                raise NotifyError(
                    f"slack refused the post to {destination.channel_id}: {code}; invite the bot "
                    f"(/invite @prbot in that channel) or, for a public channel, grant chat:write.public",
                    retryable=False,
                ) from None
            raise NotifyError(f"slack refused the post to {destination.channel_id}: {code}", retryable) from None
        except (SlackClientError, OSError) as exc:
            raise NotifyError(f"slack unreachable: {exc.__class__.__name__}", retryable=True) from None
        if already:
            return first_ts  # a repeat: the files went with the first attempt (or are not worth a repeat)
        # The message is out: a failed upload must not make the caller retry (and post the text twice).
        for attachment in reply.files:
            try:
                self.client.files_upload_v2(
                    channel=destination.channel_id,
                    thread_ts=destination.thread_id or first_ts or None,
                    content=attachment.content,
                    filename=attachment.filename,
                    title=attachment.title or attachment.filename,
                )
            except (SlackApiError, SlackClientError, OSError) as exc:
                log.warning(
                    "slack: %s not uploaded to %s: %s",
                    attachment.filename,
                    destination.channel_id,
                    _error_code(exc) if isinstance(exc, SlackApiError) else exc.__class__.__name__,
                )
        return first_ts

    def _posted_with(self, destination: Destination, key: str) -> dict[str, str]:
        """The bot's recent messages in the destination whose metadata carries ``key``: part -> ts.
        A lookup that fails (a missing scope) is logged and treated as "nothing posted yet"."""
        try:
            channel = destination.channel_id
            if channel[:1] in ("U", "W"):  # a user: the DM conversation holds the posts
                channel = str(self.client.conversations_open(users=channel)["channel"]["id"])
            if destination.thread_id:
                response = self.client.conversations_replies(
                    channel=channel, ts=destination.thread_id, include_all_metadata=True, limit=200
                )
            else:
                response = self.client.conversations_history(channel=channel, include_all_metadata=True, limit=100)
        except (SlackApiError, SlackClientError, OSError) as exc:
            code = _error_code(exc) if isinstance(exc, SlackApiError) else exc.__class__.__name__
            log.warning("slack: cannot look for an earlier post %s in %s (%s)", key, destination.channel_id, code)
            return {}
        found: dict[str, str] = {}
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            part = str((metadata.get("event_payload") or {}).get("key", ""))
            if message.get("bot_id") and metadata.get("event_type") == POST_EVENT and part.rpartition("#")[0] == key:
                found[part] = str(message.get("ts", ""))
        return found
