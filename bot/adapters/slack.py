"""Slack: slack-bolt's sync ``App`` in Socket Mode (default) or HTTP mode (``POST /slack/events``).

Listeners only parse the payload and hand the slow part (routing, answering, posting) to a worker
pool, so Slack always gets its ack at once. Deliveries are deduplicated by ``event_id`` through a
unique database row before anything else happens, so a retried event never gets a second reply.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import messages as msg
from bot.adapters.chat import Inbound, Workers, failure_text, respond, subcommand_reply
from bot.adapters.slack_blocks import (
    FORM_ACTION,
    FORM_CALLBACK,
    SHARE_ACTION,
    SlackMessage,
    form_view,
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
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)[^>]*>")


def make_client(settings: SlackSettings) -> WebClient:
    """A WebClient for the configured token and base URL that waits out rate limits (Retry-After)."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    base_url = settings.api_url or WebClient.BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    client = WebClient(token=token, base_url=base_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def clean_text(text: str, bot_user_id: str | None) -> str:
    """Slack markup to plain text: the bot's mention removed, links, channels and entities decoded."""
    text = _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else f"@{m.group(1)}", text or "")
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _CHANNEL.sub(r"#\1", text)
    text = _SPECIAL.sub(r"@\1", text)
    return html.unescape(text).strip()


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
            logger=logging.getLogger("slack_bolt"),
        )
        self.notifier = SlackNotifier(self.client)
        self._socket: SocketModeHandler | None = None
        self._checked: tuple[float, bool, str] = (0.0, False, "not checked yet")
        self._lock = threading.Lock()
        self._register()

    # ---- lifecycle -----------------------------------------------------------------------------

    def wsgi(self) -> SlackRequestHandler:
        return SlackRequestHandler(self.app, path="/slack/events")

    def connect(self) -> None:
        """Open the Socket Mode connection (returns once connected; events arrive on its threads)."""
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if not self.settings.app_token:
            raise ValueError("Socket Mode needs SLACK_APP_TOKEN (an xapp- token)")
        self._socket = SocketModeHandler(self.app, self.settings.app_token.get_secret_value())
        self._socket.connect()

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._ack_pool.shutdown(wait=True)  # listeners only hand over; this is quick
        self.workers.shutdown(wait=True)

    def ready(self) -> tuple[bool, str]:
        """Connected (Socket Mode) and the token accepted (auth.test, re-checked every 30 s)."""
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
        self.app.middleware(self._dedupe)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.command(SLASH_COMMAND)(self._on_command)
        self.app.action(re.compile(".*"))(self._on_action)
        self.app.view(FORM_CALLBACK)(self._on_view)

    def _dedupe(self, body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id and not self.events.first_delivery(PLATFORM, event_id):
            log.info("slack event %s already delivered; ignoring the redelivery", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def _on_mention(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        bot = context.bot_user_id
        if _is_from_bot(event, bot):
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
        self.workers.submit(self._answer, inbound, event["ts"], tell=self._teller(inbound))

    def _on_message(self, event: dict[str, Any], body: dict[str, Any], context: Any) -> None:
        bot = context.bot_user_id
        if event.get("subtype") not in _USER_SUBTYPES or _is_from_bot(event, bot):
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
        self.workers.submit(self._answer, inbound, ts, tell=self._teller(inbound))

    def _on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        text = command.get("text", "")
        ack(text=msg.t("chat_searching", msg.detect_language(text) if text.strip() else "zh"))
        request = Request(
            text=clean_text(text, None),
            user_id=command.get("user_id", ""),
            channel_id=command.get("channel_id", ""),
            platform=PLATFORM,
            private=True,
        )
        self.workers.submit(self._run_command, request, command.get("trigger_id"), respond, tell=_responder(respond))

    def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        ack()
        action_id = action.get("action_id", "")
        if action_id == SHARE_ACTION:
            self.workers.submit(self._share, body, action.get("value", ""), respond, tell=_responder(respond))
        elif action_id == FORM_ACTION:
            self.workers.submit(self._open_stored_form, body, action.get("value", ""))
        elif (routed := parse_button(action)) is not None:
            self.workers.submit(self._click, body, routed, action, respond, tell=_responder(respond))

    def _on_view(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except json.JSONDecodeError:
            meta = {}
        if not meta.get("action"):
            return
        user = body.get("user", {}).get("id", "")
        title = (view.get("title") or {}).get("text", "")
        request = Request(
            text=title,
            user_id=user,
            channel_id=meta.get("channel") or user,
            platform=PLATFORM,
            thread_id=meta.get("thread"),
            action=Action(meta["action"], values=view_values(view)),
            private=bool(meta.get("private")),
        )
        self.workers.submit(self._deliver_request, request, tell=lambda line: self._tell(user, None, user, line, False))

    # ---- the slow part (worker pool) -------------------------------------------------------------

    def _answer(self, inbound: Inbound, message_ts: str) -> None:
        self._call("reactions_add", channel=inbound.channel_id, timestamp=message_ts, name="eyes")
        reply = respond(self.router, inbound)
        dm = inbound.private
        if not dm and inbound.thread_id:
            self.events.remember_thread(PLATFORM, inbound.channel_id, inbound.thread_id)
        self._post_reply(
            reply,
            lang=msg.detect_language(inbound.text),
            channel=inbound.channel_id,
            thread=inbound.thread_id,
            user=inbound.user_id,
            question=inbound.text,
            ephemeral=reply.private and not dm,
        )

    def _run_command(self, request: Request, trigger_id: str | None, respond: Any) -> None:
        reply = subcommand_reply(self.router, request)
        lang = msg.detect_language(request.text) if request.text.strip() else "zh"
        if reply.form is not None and trigger_id:
            meta = {"channel": request.channel_id, "private": True}
            self._call("views_open", trigger_id=trigger_id, view=form_view(reply.form, meta))
            respond(delete_original=True)
            return
        answer_id, _public, private = self._rendered(
            reply, lang, request.channel_id, None, request.user_id, request.text
        )
        try:
            first, *rest = private
            respond(text=first.text, blocks=first.blocks, response_type="ephemeral", replace_original=True)
            for message in rest:
                respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
        except (SlackClientError, OSError) as exc:
            ref, _ = failure_text(lang)
            log.error("slack respond failed ref=%s answer=%s error=%s", ref, answer_id, _error_code(exc))

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
            meta = {"channel": channel, "thread": thread, "private": reply.private}
            self._call("views_open", trigger_id=body["trigger_id"], view=form_view(reply.form, meta))
        elif reply.private:
            try:
                respond(text=reply.text, response_type="ephemeral", replace_original=False)
            except (SlackClientError, OSError) as exc:
                log.error("slack respond failed ref=%s error=%s", failure_text(lang)[0], _error_code(exc))
        else:
            self._post_reply(reply, lang=lang, channel=channel, thread=thread, user=user, question=label)

    def _deliver_request(self, request: Request) -> None:
        reply = self.router.handle(request)
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
        )

    def _share(self, body: dict[str, Any], answer_id: str, respond: Any) -> None:
        user = body.get("user", {}).get("id", "")
        channel = (body.get("channel") or {}).get("id")
        answer = get_answer(self.engine, answer_id)
        if answer is None or not channel:
            respond(text=msg.t("chat_expired"), response_type="ephemeral", replace_original=False)
            return
        lang = msg.detect_language(answer.text)
        messages = [SlackMessage(**m) for m in answer_payload(answer).get("public", [])]
        intro = msg.t("chat_shared_by", lang, user=user)
        try:
            for index, message in enumerate(messages):
                text = f"{intro}\n{message.text}" if index == 0 else message.text
                blocks = message.blocks
                if index == 0:
                    blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": intro}]}, *blocks][:50]
                self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            respond(delete_original=True)
        except SlackClientError as exc:
            ref, line = failure_text(lang)
            log.error("slack share failed ref=%s answer=%s error=%s", ref, answer_id, _error_code(exc))
            self._tell(channel, None, user, line, ephemeral=True)

    def _open_stored_form(self, body: dict[str, Any], answer_id: str) -> None:
        answer = get_answer(self.engine, answer_id)
        form = answer_payload(answer).get("form") if answer else None
        if not form or not body.get("trigger_id"):
            return
        view = form["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        meta["private"] = False
        view["private_metadata"] = json.dumps(meta, ensure_ascii=False)
        self._call("views_open", trigger_id=body["trigger_id"], view=view)

    # ---- posting ---------------------------------------------------------------------------------

    def _rendered(
        self, reply: Reply, lang: str, channel: str, thread: str | None, user: str, question: str
    ) -> tuple[str, list[SlackMessage], list[SlackMessage]]:
        """Record the answer (feedback and sharing refer to it) and render its public and private forms."""
        form_meta = {"channel": channel, "thread": thread, "private": reply.private}
        form = {"view": form_view(reply.form, form_meta)} if reply.form is not None else None
        answer_id = uuid.uuid4().hex
        feedback = bool(reply.citations) or "answer" in reply.data
        options = {"answer_id": answer_id, "feedback": feedback, "form_button": form is not None}
        public = render(reply, lang, **options)
        private = render(reply, lang, share=True, **options)
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
            ref, line = failure_text(lang)
            log.error("slack post failed ref=%s channel=%s error=%s", ref, channel, _error_code(exc))
            self._tell(channel, thread, user, line, ephemeral=ephemeral)

    def _tell(self, channel: str, thread: str | None, user: str, text: str, ephemeral: bool) -> None:
        """Last resort after a failed post: a plain line, so the user is not left waiting."""
        try:
            if ephemeral:
                self.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, text=text)
            else:
                self.client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
        except (SlackClientError, OSError) as exc:
            log.error("slack could not tell the user about a failure: %s", _error_code(exc))

    def _teller(self, inbound: Inbound) -> Callable[[str], None]:
        def tell(line: str) -> None:
            self._tell(inbound.channel_id, inbound.thread_id, inbound.user_id, line, ephemeral=False)

        return tell

    def _call(self, method: str, **kwargs: Any) -> None:
        """A side call whose failure must not stop the answer (a reaction, a modal)."""
        try:
            getattr(self.client, method)(**kwargs)
        except (SlackClientError, OSError) as exc:
            log.warning("slack %s failed: %s", method, _error_code(exc))


def _responder(respond: Any) -> Callable[[str], None]:
    return lambda line: respond(text=line, response_type="ephemeral", replace_original=False)


def _error_code(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return exc.__class__.__name__


class SlackNotifier:
    """Proactive posts (digests, reminders) to a channel, a user's DM or a thread."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        lang = msg.detect_language(reply.text)
        first_ts = ""
        # With a key, each message carries it in its metadata; a repeat of the post (a replica
        # taking over a crashed one's claim) finds the messages already out and sends only the rest.
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
