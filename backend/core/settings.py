"""Settings, read from `KOORDINAT_*` environment variables (documented in README.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KOORDINAT_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./koordinat.sqlite3",
        description="SQLAlchemy URL. sqlite+aiosqlite:///file or postgresql+asyncpg://...",
    )
    dev_mode: bool = Field(
        default=False,
        description="Development mode: GraphiQL, introspection, unmasked errors, dev sign-in.",
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
    sql_echo: bool = Field(default=False)
    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8000)

    # --- login and sessions (identity)

    # --- live updates (events, subscriptions)

    # --- jobs and notifications

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
