"""Feishu / Lark: lark-oapi's long connection (``lark.ws.Client``, default) or HTTP callbacks on
``POST /feishu/events``.

lark-oapi is imported only inside this module's functions: the import takes seconds, and its
websocket module grabs an event loop at import time. Event handlers return at once (Feishu, like
Slack, expects an answer within 3 s) and the work happens in a pool (fair per user); deliveries are
recorded by ``header.event_id`` as received, then answered, and every message is sent with a ``uuid``
derived from the event, so a resend after a timeout never doubles a message. A form card is
submitted once: the first submission updates the card to show what was sent. Events the bot does
not subscribe to are acknowledged (200) with one log line, so Feishu does not keep resending them.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from bot import messages as msg
from bot.adapters.chat import Inbound, Workers, clean_inbound, failure_text, respond
from bot.adapters.feishu.cards import render, submitted_card
from bot.core import Action, Destination, NotifyError, Reply, Request
from bot.settings import FeishuSettings
from storage.events import EventLog

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

PLATFORM = "feishu"
_PLACEHOLDER = re.compile(r"@_user_\d+")
_AT_ALL = re.compile(r"@_all\b")
_UNSUPPORTED = {"image", "file", "audio", "media", "sticker", "folder", "merge_forward", "share_chat", "share_user"}
# Feishu codes worth trying again: rate limits and internal errors.
_RETRYABLE_CODES = {99991400, 99991401, 230020, 1000004, 1000005}
# The tenant access token is invalid or expired (revoked, app secret reset): fetch a new one and retry.
_TOKEN_CODES = {99991663, 99991661, 99991668}
# Waits between the attempts of one send (the uuid makes a repeat after a lost answer harmless).
SEND_RETRY_WAITS_S = (0.5, 1.0, 2.0)
# Documented card picker values: "2025-06-10 +0800", "2025-06-10 10:00 +0800", "10:00 +0800".
_PICKED = re.compile(r"^(\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?|\d{2}:\d{2})(?::\d{2})? ?[+-]\d{2}:?\d{2}$")
# Events acknowledged on purpose although nothing is done with them.
_IGNORED_EVENTS = ("p2.im.message.message_read_v1", "p2.im.chat.member.bot.deleted_v1")
# A form submission is answered inside Feishu's 3 s when the handler is this quick (else posted later).
SUBMIT_BUDGET_S = 2.0
_UUID_NAMESPACE = uuid.UUID("6f1c2a34-9c35-4a4e-8d0a-5b2f1f0b7a11")


def resolve_domain(domain: str) -> str:
    """feishu | lark | a base URL → the open-platform base URL."""
    value = domain.strip()
    if value.lower() in ("", "feishu"):
        return "https://open.feishu.cn"
    if value.lower() == "lark":
        return "https://open.larksuite.com"
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"FEISHU_DOMAIN must be feishu, lark or a URL, not {domain!r}")
    return value.rstrip("/")


def make_client(settings: FeishuSettings) -> Any:
    import lark_oapi as lark

    secret = settings.app_secret.get_secret_value() if settings.app_secret else ""
    return (
        lark.Client.builder()
        .app_id(settings.app_id or "")
        .app_secret(secret)
        .domain(resolve_domain(settings.domain))
        .timeout(30)
        .log_level(lark.LogLevel.WARNING)
        .build()
    )


def send_uuid(key: str) -> str:
    """A stable id per logical message: Feishu drops a second send with the same uuid (1 h window)."""
    return str(uuid.uuid5(_UUID_NAMESPACE, key))


def message_text(message_type: str, content: str) -> tuple[str, bool]:
    """The text of a message and whether it carried something the bot does not read."""
    try:
        body = json.loads(content or "{}")
    except json.JSONDecodeError:
        return "", False
    if message_type == "text":
        return str(body.get("text", "")), False
    if message_type == "post":
        # Rich text: {"title": …, "content": [[{"tag": "text", "text": …}, …], …]} (possibly per locale).
        post = body if "content" in body else next(iter(body.values()), {}) if body else {}
        lines, other = [post.get("title") or ""], False
        for paragraph in post.get("content") or []:
            parts = []
            for element in paragraph:
                tag = element.get("tag")
                if tag in ("text", "a", "md"):
                    parts.append(element.get("text", ""))
                elif tag == "at":
                    parts.append(element.get("user_id", "") if element.get("user_id", "").startswith("@_user") else "")
                elif tag in ("img", "media"):
                    other = True
            lines.append("".join(parts))
        return "\n".join(line for line in lines if line), other
    return "", message_type in _UNSUPPORTED


def picked_value(value: str) -> str:
    """A card picker's value without its UTC offset ("2025-06-10 +0800" → "2025-06-10")."""
    match = _PICKED.match(value.strip())
    return match.group(1) if match else value


def event_key(body: dict[str, Any]) -> str:
    """lark's processor key of a decrypted event: "p2.<event_type>" or "p1.<event.type>"."""
    if body.get("schema"):
        return f"p2.{(body.get('header') or {}).get('event_type', '')}"
    if body.get("uuid"):
        return f"p1.{(body.get('event') or {}).get('type', '')}"
    return str(body.get("type") or "")


class FeishuConfigError(ValueError):
    """The Feishu configuration cannot work: one clear line, and ``prbot run`` exits 2."""


class _Tolerant:
    """The long connection's view of lark's dispatcher: an event type without a handler is logged in
    one line and acknowledged instead of raising (which lark reports back as a failure)."""

    def __init__(self, handler: Any) -> None:
        self._handler = handler

    def known(self, key: str) -> bool:
        return key in self._handler._processorMap or key in self._handler._callback_processor_map

    def _do_without_validation(self, payload: bytes) -> Any:
        try:
            key = event_key(json.loads(payload))
        except (ValueError, AttributeError):
            key = ""
        if not self.known(key):
            log.info("feishu event %s is not subscribed to; acknowledged and ignored", key or "(unknown)")
            return None
        return self._handler._do_without_validation(payload)


class FeishuAdapter:
    """The Feishu side of the bot: ``connect`` opens the long connection, ``wsgi`` serves callbacks."""

    def __init__(self, services: Services, settings: FeishuSettings, mode: str | None = None) -> None:
        import lark_oapi as lark

        self.services = services
        self.engine = services.engine
        self.events = EventLog(services.engine)
        self.router = services.router
        self.settings = settings
        self.mode = mode or settings.mode
        if self.mode not in ("ws", "http"):
            raise ValueError(f"unknown Feishu mode {self.mode!r}")
        self.domain = resolve_domain(settings.domain)
        self.client = make_client(settings)
        self._encrypt_key = settings.encrypt_key.get_secret_value() if settings.encrypt_key else ""
        self._token = settings.verification_token.get_secret_value() if settings.verification_token else ""
        if self.mode == "http" and not (self._token or self._encrypt_key):
            # Without either, anyone could post forged events to /feishu/events.
            raise FeishuConfigError(
                "Feishu HTTP callbacks need FEISHU_VERIFICATION_TOKEN or FEISHU_ENCRYPT_KEY "
                "(开发者后台 → 事件与回调 → 加密策略); set one, or use the long connection (FEISHU_MODE=ws)"
            )
        builder = (
            lark.EventDispatcherHandler.builder(self._encrypt_key, self._token)
            .register_p2_im_message_receive_v1(self._on_message)
            .register_p2_card_action_trigger(self._on_card_action)
            .register_p2_im_chat_member_bot_added_v1(self._on_bot_added)
        )
        self.handler = builder.build()
        self.tolerant = _Tolerant(self.handler)
        self.workers = Workers("feishu", settings.workers)
        self.notifier = FeishuNotifier(self.client)
        self._bot_open_id: str | None = None
        self._ws: Any = None
        self._ws_loop: Any = None
        self._ws_thread: threading.Thread | None = None
        self._checked: tuple[float, bool, str] = (0.0, False, "not checked yet")
        self._lock = threading.Lock()

    # ---- lifecycle -------------------------------------------------------------------------------

    def connect(self) -> None:
        """Start the long connection on its own thread with its own event loop."""
        import lark_oapi as lark

        # lark-oapi adds its own stdout handler to the "Lark" logger; ours already prints, so stop the
        # record from also reaching the root handler (every line appeared twice).
        logging.getLogger("Lark").propagate = False
        secret = self.settings.app_secret.get_secret_value() if self.settings.app_secret else ""
        self._ws = lark.ws.Client(
            self.settings.app_id or "",
            secret,
            event_handler=self.tolerant,
            domain=self.domain,
            log_level=lark.LogLevel.INFO,
        )
        self._ws_thread = threading.Thread(target=self._run_ws, name="feishu-ws", daemon=True)
        self._ws_thread.start()

    def _run_ws(self) -> None:
        import asyncio

        import lark_oapi.ws.client as ws_module

        # lark's ws module runs everything on a module-level loop taken at import; give it this
        # thread's own loop so the main thread (and Slack, the scheduler) stay untouched.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws_module.loop = loop
        self._ws_loop = loop
        try:
            self._ws.start()
        except RuntimeError:
            pass  # the loop was stopped by close()
        except Exception:
            log.exception("feishu long connection stopped")

    def close(self) -> None:
        if self._ws_loop is not None and self._ws_loop.is_running():
            self._ws_loop.call_soon_threadsafe(self._ws_loop.stop)
        if self._ws_thread is not None:
            self._ws_thread.join(timeout=5)
        self.workers.shutdown(wait=True)

    def ready(self) -> tuple[bool, str]:
        if self.mode == "ws" and (self._ws is None or getattr(self._ws, "_conn", None) is None):
            return False, "long connection not connected"
        with self._lock:
            checked_at, ok, detail = self._checked
            if time.monotonic() - checked_at > 30:
                # A live call each time: a cached open id says nothing about whether the token still works.
                ok, detail = self._fetch_bot_info()
                self._checked = (time.monotonic(), ok, detail)
        return ok, detail

    def bot_open_id(self, refresh: bool = False) -> str | None:
        """The bot's own open_id (GET /open-apis/bot/v3/info), to tell its @-mention from others'."""
        if self._bot_open_id and not refresh:
            return self._bot_open_id
        self._fetch_bot_info()
        return self._bot_open_id  # on failure the last known id: degrade to "any mention is ours"

    def _fetch_bot_info(self) -> tuple[bool, str]:
        import lark_oapi as lark

        request = (
            lark.BaseRequest.builder()
            .http_method(lark.HttpMethod.GET)
            .uri("/open-apis/bot/v3/info")
            .token_types({lark.AccessTokenType.TENANT})
            .build()
        )
        body: dict[str, Any] = {}
        for attempt in range(2):
            try:
                response = self.client.request(request)
                body = json.loads(response.raw.content or b"{}") if response.raw is not None else {}
            except Exception as exc:  # network, token or parse failure
                log.warning("feishu bot info failed: %s", exc.__class__.__name__)
                return False, f"bot info unavailable: {exc.__class__.__name__}"
            if body.get("code") in _TOKEN_CODES and attempt == 0:
                forget_tenant_token(self.settings.app_id or "")
                continue
            break
        open_id = (body.get("bot") or {}).get("open_id")
        if not open_id:
            log.warning("feishu bot info refused: code=%s msg=%s", body.get("code"), body.get("msg"))
            return False, f"bot info refused: code={body.get('code')}"
        self._bot_open_id = open_id
        return True, f"bot {open_id}"

    # ---- HTTP callbacks ----------------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """POST /feishu/events: refuse bad tokens and signatures with 401, then let lark dispatch."""
        import lark_oapi as lark

        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, 405, {"msg": "POST only"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        problem, plain = self._check_callback(body, headers)
        if problem:
            log.warning("feishu callback refused: %s", problem)
            return _respond(start_response, 401, {"msg": problem})
        key = event_key(plain)
        if key != "url_verification" and not self.tolerant.known(key):
            log.info("feishu event %s is not subscribed to; acknowledged and ignored", key or "(unknown)")
            return _respond(start_response, 200, {"msg": "success"})
        raw = lark.RawRequest()
        raw.uri = environ.get("PATH_INFO", "/feishu/events")
        raw.headers = headers
        raw.body = body
        response = self.handler.do(raw)
        return _respond(start_response, response.status_code or 200, response.content or b"")

    def _check_callback(self, body: bytes, headers: dict[str, str]) -> tuple[str | None, dict[str, Any]]:
        """(None, the plain event) when the request is authentic; otherwise (why it is refused, {})."""
        from lark_oapi.core.utils.decryptor import AESCipher

        try:
            outer = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return "body is not JSON", {}
        if not isinstance(outer, dict):
            return "body is not a JSON object", {}
        plain = outer
        if "encrypt" in outer:
            if not self._encrypt_key:
                return "encrypted event but FEISHU_ENCRYPT_KEY is not set", {}
            try:
                plain = json.loads(AESCipher(self._encrypt_key).decrypt_str(outer["encrypt"]))
            except Exception:
                return "cannot decrypt the event (wrong encrypt key?)", {}
            if not isinstance(plain, dict):
                return "the decrypted event is not a JSON object", {}
        token = (plain.get("header") or {}).get("token") or plain.get("token")
        if self._token and not (isinstance(token, str) and hmac.compare_digest(token, self._token)):
            return "verification token does not match", {}
        if self._encrypt_key and plain.get("type") != "url_verification":
            ts, nonce = headers.get("X-Lark-Request-Timestamp"), headers.get("X-Lark-Request-Nonce")
            signature = headers.get("X-Lark-Signature")
            if not (ts and nonce and signature):
                return "signature headers missing", {}
            expected = hashlib.sha256((ts + nonce + self._encrypt_key).encode() + body).hexdigest()
            if not hmac.compare_digest(expected, signature):
                return "signature does not match", {}
        return None, plain

    # ---- events (return at once) -------------------------------------------------------------------

    def _on_message(self, data: Any) -> None:
        event, header = data.event, data.header
        sender = event.sender
        if sender is None or sender.sender_type != "user":
            return  # the bot's own and other apps' messages
        event_id = header.event_id if header else None
        message = event.message
        user = (sender.sender_id.open_id if sender.sender_id else "") or ""
        self.workers.submit(self._answer, message, sender, event_id, tell=self._teller(message, event_id), user=user)

    def _on_bot_added(self, data: Any) -> None:
        """Added to a group: say hello once (the uuid from the event id makes a resend harmless)."""
        chat_id = getattr(data.event, "chat_id", None) if data.event else None
        event_id = data.header.event_id if data.header else None
        if not chat_id:
            return
        lang = "zh"
        text = json.dumps({"text": msg.t("chat_group_greeting", lang)}, ensure_ascii=False)
        try:
            self.notifier.send(chat_id, None, "text", text, send_uuid(f"{event_id or chat_id}:hello"))
        except NotifyError as exc:
            log.warning("feishu greeting to %s failed: %s", chat_id, exc)

    def _on_card_action(self, data: Any) -> Any:
        from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTriggerResponse

        header, event = data.header, data.event
        value = (event.action.value if event and event.action else None) or {}
        routed = value.get("action")
        lang = value.get("lang") or "zh"
        if not routed:
            return P2CardActionTriggerResponse({})
        if header is not None and header.event_id and not self.events.first_delivery(PLATFORM, header.event_id):
            return P2CardActionTriggerResponse({})
        card_id = event.context.open_message_id if event.context else None
        form_value = event.action.form_value if event.action else None
        request = Request(
            text="click" if lang == "en" else "点击",  # only for the reply's language
            user_id=(event.operator.open_id if event.operator else "") or "",
            channel_id=(event.context.open_chat_id if event.context else "") or "",
            platform=PLATFORM,
            thread_id=card_id,
            event_id=header.event_id if header else None,
            action=Action(routed, str(value.get("value") or ""), _form_values(form_value)),
        )
        if routed.startswith("feedback:"):
            # A database write: quick enough to answer inside the callback, as a toast.
            reply = self.router.handle(request)
            return P2CardActionTriggerResponse({"toast": {"type": "info", "content": reply.text}})
        if form_value is not None and card_id:
            return self._submit_form(request, card_id, lang)
        self.workers.submit(self._deliver_action, request, lang, user=request.user_id)
        return P2CardActionTriggerResponse({"toast": {"type": "info", "content": msg.t("chat_searching", lang)}})

    def _submit_form(self, request: Request, card_id: str, lang: str) -> Any:
        """One submission per form card: the first one is handled and the card updated to show it (no
        more submit button); a refusal inside the 3 s keeps the form for fixing, with the reason as a toast."""
        from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTriggerResponse

        action = request.action or Action("")
        key = f"form:{card_id}:{action.action}"
        if not self.events.first_delivery(PLATFORM, key):
            toast = {"type": "warning", "content": msg.t("chat_form_already", lang)}
            return P2CardActionTriggerResponse({"toast": toast})
        handled = self.workers.submit(self.router.handle, request, user=request.user_id)
        try:
            reply = handled.result(timeout=SUBMIT_BUDGET_S)
        except FutureTimeout:
            handled.add_done_callback(lambda done: self._after_submit(done, request, lang))
            card = submitted_card(action.values, msg.t("chat_searching", lang), lang)
            toast = {"type": "info", "content": msg.t("chat_searching", lang)}
            return P2CardActionTriggerResponse({"toast": toast, "card": {"type": "raw", "data": card}})
        if not isinstance(reply, Reply) or reply.refused:
            self.events.forget(PLATFORM, key)  # nothing happened: the same card may be sent again, fixed
            text = reply.text if isinstance(reply, Reply) else failure_text(lang)[1]
            return P2CardActionTriggerResponse({"toast": {"type": "error", "content": text}})
        self._after_submit(handled, request, lang)
        card = submitted_card(action.values, msg.t("chat_form_done", lang, result=_first_line(reply.text)), lang)
        toast = {"type": "success", "content": _first_line(reply.text) or msg.t("chat_form_done", lang, result="")}
        return P2CardActionTriggerResponse({"toast": toast, "card": {"type": "raw", "data": card}})

    def _after_submit(self, done: Future[Any], request: Request, lang: str) -> None:
        reply = done.result() if not done.cancelled() else None
        if isinstance(reply, Reply):
            try:
                self.workers.submit(self._deliver_reply, request, reply, lang, user=request.user_id)
            except RuntimeError:  # shutting down: deliver it here rather than drop it
                self._deliver_reply(request, reply, lang)

    def _teller(self, message: Any, event_id: str | None) -> Callable[[str], None]:
        def tell(line: str) -> None:
            text = json.dumps({"text": line}, ensure_ascii=False)
            key = send_uuid(f"{event_id or message.message_id}:failed")
            self.notifier.send(message.chat_id or "", message.message_id, "text", text, key)

        return tell

    # ---- the slow part (worker pool) ----------------------------------------------------------------

    def _answer(self, message: Any, sender: Any, event_id: str | None) -> None:
        text, other = message_text(message.message_type or "", message.content or "")
        group = message.chat_type != "p2p"
        mentions = message.mentions or []
        bot = self.bot_open_id() if group else self._bot_open_id
        to_bot = [m for m in mentions if m.id is not None and (bot is None or m.id.open_id == bot)]
        root = message.root_id or None
        if group and not to_bot and not (root and self.events.is_bot_thread(PLATFORM, message.chat_id, root)):
            return  # a group message not addressed to the bot: not recorded either
        if event_id:
            delivery = self.events.receive(PLATFORM, event_id)
            if not delivery.process:
                log.info("feishu event %s already delivered; ignoring the redelivery", event_id)
                return
        bot_keys = {m.key for m in to_bot}
        names = {m.key: f"@{m.name}" for m in mentions if m.key not in bot_keys}
        text = _PLACEHOLDER.sub(lambda m: names.get(m.group(0), ""), text)
        text = clean_inbound(_AT_ALL.sub("", text)).strip()
        user = (sender.sender_id.open_id if sender.sender_id else "") or ""
        inbound = Inbound(
            platform=PLATFORM,
            user_id=user,
            channel_id=message.chat_id or "",
            text=text,
            thread_id=root or message.message_id,
            event_id=event_id,
            has_attachments=other,
            private=not group,
        )
        reply = respond(self.router, inbound)
        if event_id and not self.events.mark_answered(PLATFORM, event_id):
            log.info("feishu event %s was taken over by another process; not answering it here", event_id)
            return
        if group and not reply.private:
            self.events.remember_thread(PLATFORM, inbound.channel_id, inbound.thread_id or "")
        self._send(reply, msg.detect_language(text), inbound, message.message_id, key=event_id or message.message_id)

    def _deliver_action(self, request: Request, lang: str) -> None:
        self._deliver_reply(request, self.router.handle(request), lang)

    def _deliver_reply(self, request: Request, reply: Reply, lang: str) -> None:
        # A card callback does not say whether the chat is a group: quote the card rather than open a thread.
        inbound = Inbound(
            PLATFORM, request.user_id, request.channel_id, "", request.thread_id, request.event_id, private=True
        )
        self._send(reply, lang, inbound, request.thread_id, key=request.event_id or uuid.uuid4().hex)

    def _send(self, reply: Reply, lang: str, inbound: Inbound, reply_to: str | None, key: str) -> None:
        # In groups the answer opens (or continues) a thread under the question; in a p2p chat it quotes it.
        in_thread = not inbound.private
        try:
            answer_id = self.events.record_answer(
                platform=PLATFORM,
                channel_id=inbound.channel_id,
                thread_id=inbound.thread_id,
                user_id=inbound.user_id,
                question=inbound.text,
                text=reply.text,
                citation_ids=[c.id for c in reply.citations],
            )
            feedback = bool(reply.citations) or "answer" in reply.data
            cards = render(reply, lang, answer_id=answer_id, feedback=feedback)
            for index, card in enumerate(cards):
                content = json.dumps(card, ensure_ascii=False)
                self.notifier.send(
                    inbound.channel_id, reply_to, "interactive", content, send_uuid(f"{key}:{index}"), in_thread
                )
            for index, attachment in enumerate(reply.files):
                self.notifier.send_file(
                    inbound.channel_id, reply_to, attachment, send_uuid(f"{key}:file{index}"), in_thread
                )
        except NotifyError as exc:
            ref, line = failure_text(lang)
            log.error("feishu send failed ref=%s chat=%s error=%s", ref, inbound.channel_id, exc)
            try:
                text = json.dumps({"text": line}, ensure_ascii=False)
                self.notifier.send(inbound.channel_id, reply_to, "text", text, send_uuid(f"{key}:failed"), in_thread)
            except NotifyError as again:
                log.error("feishu could not tell the user about failure ref=%s: %s", ref, again)


def _form_values(form_value: dict[str, Any] | None) -> dict[str, str]:
    values = {}
    for name, value in (form_value or {}).items():
        text = ",".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value)
        values[name] = clean_inbound(picked_value(text))
    return values


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]


def _respond(start_response: Callable[..., Any], status: int, body: Any) -> list[bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    reason = {200: "OK", 401: "Unauthorized", 405: "Method Not Allowed", 500: "Internal Server Error"}
    start_response(
        f"{status} {reason.get(status, 'OK')}",
        [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _receive_id_type(target: str) -> str:
    if target.startswith("ou_"):
        return "open_id"
    if target.startswith("on_"):
        return "union_id"
    if "@" in target:
        return "email"
    return "chat_id"


class FeishuNotifier:
    """Sends messages: replies in a thread (``reply_to`` a message id) or new messages to a chat/user."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        """Post a reply; ``key`` names the logical post (a job and its period, e.g. "digest:2025-W42").

        Feishu drops a second message with the same uuid for an hour, so the uuids come from ``key``:
        a caller's retry of the same post cannot double it, while two posts that merely say the same
        thing (two reminders) both arrive. Without a key every call is a new post; the retries inside
        one call reuse its uuids.
        """
        lang = msg.detect_language(reply.text)
        seed = f"{destination.channel_id}|{destination.thread_id}|{key}" if key else uuid.uuid4().hex
        key = hashlib.sha256(seed.encode()).hexdigest()[:40]
        first = ""
        for index, card in enumerate(render(reply, lang)):
            content = json.dumps(card, ensure_ascii=False)
            message_id = self.send(
                destination.channel_id, destination.thread_id, "interactive", content, f"{key}-{index}", True
            )
            first = first or message_id
        for index, attachment in enumerate(reply.files):
            try:
                self.send_file(destination.channel_id, destination.thread_id, attachment, f"{key}-f{index}", True)
            except NotifyError as exc:
                # The cards are out; retrying the whole post would not help the file and could repeat text.
                log.warning("feishu: %s not sent to %s: %s", attachment.filename, destination.channel_id, exc)
        return first

    def send(
        self, chat_id: str, reply_to: str | None, msg_type: str, content: str, send_id: str, in_thread: bool = False
    ) -> str:
        """Reply to ``reply_to`` (in its thread when ``in_thread``) or post a new message to ``chat_id``."""
        from lark_oapi.api.im.v1 import (
            CreateMessageRequest,
            CreateMessageRequestBody,
            ReplyMessageRequest,
            ReplyMessageRequestBody,
        )

        if reply_to:
            body = (
                ReplyMessageRequestBody.builder()
                .content(content)
                .msg_type(msg_type)
                .uuid(send_id)
                .reply_in_thread(in_thread)
            )
            request = ReplyMessageRequest.builder().message_id(reply_to).request_body(body.build()).build()
            response = self._call(lambda: self.client.im.v1.message.reply(request))
        else:
            body = (
                CreateMessageRequestBody.builder().receive_id(chat_id).msg_type(msg_type).content(content).uuid(send_id)
            )
            request = (
                CreateMessageRequest.builder()
                .receive_id_type(_receive_id_type(chat_id))
                .request_body(body.build())
                .build()
            )
            response = self._call(lambda: self.client.im.v1.message.create(request))
        return str(getattr(response.data, "message_id", "") or "")

    def send_file(
        self, chat_id: str, reply_to: str | None, attachment: Any, send_id: str, in_thread: bool = False
    ) -> str:
        from lark_oapi.api.im.v1 import (
            CreateFileRequest,
            CreateFileRequestBody,
            CreateImageRequest,
            CreateImageRequestBody,
        )

        if attachment.mime.startswith("image/"):
            body = CreateImageRequestBody.builder().image_type("message").image(io.BytesIO(attachment.content)).build()
            response = self._call(
                lambda: self.client.im.v1.image.create(CreateImageRequest.builder().request_body(body).build())
            )
            content, msg_type = {"image_key": response.data.image_key}, "image"
        else:
            body = (
                CreateFileRequestBody.builder()
                .file_type("stream")
                .file_name(attachment.filename)
                .file(io.BytesIO(attachment.content))
                .build()
            )
            response = self._call(
                lambda: self.client.im.v1.file.create(CreateFileRequest.builder().request_body(body).build())
            )
            content, msg_type = {"file_key": response.data.file_key}, "file"
        return self.send(chat_id, reply_to, msg_type, json.dumps(content), send_id, in_thread)

    def _call(self, fn: Callable[[], Any]) -> Any:
        """One API call, tried again on a rate limit or internal error (after 0.5, 1, 2 s) and once with
        a fresh tenant token when Feishu says the cached one is no longer valid (revoked, secret reset)."""
        waits = list(SEND_RETRY_WAITS_S)
        refreshed = False
        while True:
            try:
                response = fn()
            except Exception as exc:  # lark raises plain exceptions for transport failures
                error = NotifyError(f"feishu unreachable: {exc.__class__.__name__}", retryable=True)
            else:
                if response.success():
                    return response
                if response.code in _TOKEN_CODES and not refreshed:
                    log.warning("feishu tenant token refused (code %s); fetching a new one", response.code)
                    forget_tenant_token(getattr(self.client.config, "app_id", "") or "")
                    refreshed = True
                    continue
                retryable = response.code in _RETRYABLE_CODES or response.code in _TOKEN_CODES
                error = NotifyError(f"feishu refused: code={response.code} msg={response.msg}", retryable=retryable)
                if response.code in _TOKEN_CODES:
                    raise error
            if not error.retryable or not waits:
                raise error
            time.sleep(waits.pop(0))


def forget_tenant_token(app_id: str) -> None:
    """Drop lark's cached tenant access token, so the next call fetches a new one."""
    from lark_oapi.core.token.manager import TokenManager

    TokenManager.cache.set(f"self_tenant_token:{app_id}", "", 0)
