"""Settings, read from `KOORDINAT_*` environment variables (documented in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from backend.core.oidc_providers import OidcProvider


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOORDINAT_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./koordinat.sqlite3",
        description="SQLAlchemy URL. sqlite+aiosqlite:///file or postgresql+asyncpg://...",
    )
    dev_mode: bool = Field(
        default=False,
        description="Development mode: introspection, unmasked errors, dev sign-in.",
    )
    secret_key: str = Field(
        default="",
        description="Signs session cookies. Required outside dev mode.",
    )
    allow_synthetic_ids: bool | None = Field(
        default=None,
        description="Accept synthetic test national ids (month + 80). Defaults to dev_mode.",
    )
    default_language: str = Field(default="nb", description="nb or en")
    max_query_depth: int = Field(default=12)
    max_aliases: int = Field(default=30)
    max_tokens: int = Field(default=4000)
    validation_cache_size: int = Field(default=256)
    max_body_bytes: int = Field(default=1_000_000, description="Largest GraphQL POST body.")

    # --- what one person or address may cost (api/limits.py); buckets refill per minute
    rate_limit_enabled: bool = Field(default=True, description="Rate limits on GraphQL POSTs.")
    rate_limit_person_requests: int = Field(
        default=600, gt=0, description="GraphQL POSTs per person and minute."
    )
    rate_limit_person_cost: int = Field(
        default=30_000, gt=0, description="Document tokens per person and minute."
    )
    rate_limit_ip_requests: int = Field(
        default=3000, gt=0, description="GraphQL POSTs per client address and minute."
    )
    rate_limit_ip_cost: int = Field(
        default=100_000, gt=0, description="Document tokens per client address and minute."
    )
    rate_limit_prefix: str = Field(
        default="koordinat:limits",
        description="Key prefix of the shared budgets in Redis; one per installation.",
    )
    sockets_per_person: int = Field(
        default=20, gt=0, description="Open websockets per person (per app process)."
    )
    sockets_per_ip: int = Field(
        default=100, gt=0, description="Open websockets per client address (per app process)."
    )
    socket_init_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A websocket without connection_init this long closes."
    )
    sql_echo: bool = Field(default=False)
    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8000)

    # --- login and sessions (identity)
    public_url: str = Field(
        default="",
        description="Origin users reach the app at (https://koordinat.example.no); builds the"
        " OpenID redirect URIs and is the default allowed Origin. Empty: taken from the request.",
    )
    oidc_providers: list[OidcProvider] = Field(
        default_factory=list,
        description="JSON list of OpenID providers (ID-porten, HelseID, Ansattporten, kommune).",
    )
    oidc_leeway_seconds: int = Field(
        default=60, ge=0, description="Clock skew tolerated when checking ID token times."
    )
    session_idle_minutes: int = Field(
        default=480, gt=0, description="A session unused this long ends."
    )
    session_max_hours: int = Field(
        default=12, gt=0, description="A session ends this long after login, used or not."
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to send cookie-authenticated POSTs and websockets"
        " (comma-separated). Empty: public_url, or else the request's own origin.",
    )

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    # --- live updates (events, subscriptions)
    # Fan-out uses `redis_url` (below): empty means the in-process broker.
    events_channel: str = Field(
        default="koordinat:events",
        description="Redis pub/sub channel for commit hints; one per deployment.",
    )
    events_recheck_seconds: float = Field(
        default=1.5,
        gt=0,
        le=4,
        description="How often an open socket re-checks the caller's session or token, and"
        " at most how often a busy stream writes its access-log rows.",
    )
    events_sweep_seconds: float = Field(
        default=30,
        gt=0,
        le=300,
        description="The one safety sweep per process (lost hints, expired sessions, access):"
        " idle subscriptions cost nothing in between.",
    )
    event_retention_days: int = Field(
        default=0,
        ge=0,
        description="Prune events older than this (0: keep all). Older cursors get ResyncRequired.",
    )
    events_render_cache_size: int = Field(
        default=2048,
        ge=0,
        description="Rendered events kept for reuse by subscribers with the same view.",
    )
    read_cache_size: int = Field(
        default=512,
        ge=0,
        description="Rendered query answers kept per process, checked against the database on"
        " every use (backend/api/result_cache.py); 0 turns the cache off.",
    )

    # --- jobs and notifications
    redis_url: str = Field(
        default="",
        description="redis://host:6379/0. Empty: no Redis; the app runs jobs in process.",
    )
    jobs_queue: str = Field(default="koordinat:jobs", description="arq queue name in Redis.")
    jobs_in_process: bool = Field(
        default=True,
        description="Without Redis, run the job runner inside the app process.",
    )
    jobs_sweep_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often due notifications and digests are looked for (and re-enqueued).",
    )
    jobs_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="How long one send may take before another worker may try it again.",
    )
    smtp_host: str = Field(default="", description="SMTP server. Empty: e-mail goes to the log.")
    smtp_port: int = Field(default=587)
    smtp_username: str = Field(default="")
    smtp_password: str = Field(default="")
    smtp_security: Literal["starttls", "tls", "none"] = Field(default="starttls")
    smtp_from: str = Field(default="Koordinat <ikke-svar@koordinat.invalid>")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    digest_hour: int = Field(default=7, ge=0, le=23, description="Daily digest hour, Oslo time.")
    notify_max_attempts: int = Field(default=6, ge=1)
    notify_retry_base_seconds: float = Field(default=60.0, gt=0)
    notify_retry_max_seconds: float = Field(default=3600.0, gt=0)

    @property
    def synthetic_ids_allowed(self) -> bool:
        return self.dev_mode if self.allow_synthetic_ids is None else self.allow_synthetic_ids

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def effective_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        if self.dev_mode:
            return "koordinat-dev-only-secret"
        raise RuntimeError("KOORDINAT_SECRET_KEY must be set outside dev mode")


@lru_cache
def get_settings() -> Settings:
    return Settings()


PROJECT_ROOT = Path(__file__).resolve().parents[2]
