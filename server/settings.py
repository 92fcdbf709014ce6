"""Settings from the environment (QIANSHOU_*), validated once at start-up."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.engine import DatabaseUrlError, normalise_url
from db.fast_paths import FastPaths


class SettingsError(Exception):
    """Settings that cannot be used; the message is one line fit for the terminal."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QIANSHOU_", frozen=True)

    database_url: str = "sqlite:///qianshou.sqlite3"
    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Uvicorn's line per request on standard output; a proxy in front usually keeps its own.
    access_log: bool = True
    # Fixes "today" (a China date) for demos and tests; unset means the real date.
    today: dt.date | None = None
    # Pool size per worker process for PostgreSQL.
    db_pool_size: int = 10
    # Events a live subscriber may have waiting before it is dropped as too slow (close 4429).
    subscriber_queue_size: int = Field(default=1000, ge=1)

    # Limits on a request; refusals are LIMIT_EXCEEDED errors that name the limit (see README).
    max_query_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_query_tokens: int = Field(default=2000, ge=10)
    # Objects a query could return, connection page sizes multiplied down the nesting.
    max_query_cost: int = Field(default=50_000, ge=1)
    max_body_bytes: int = Field(default=100_000, ge=1_000)
    # Requests per minute per token (per client IP without one), in each worker's memory; 0 = off.
    rate_limit_per_minute: int = Field(default=600, ge=0)

    # The fast paths, each of which can be switched off to measure or rule it out (db/fast_paths.py).
    fast_execution: bool = True
    prepared_reads: bool = True
    combined_reads: bool = True
    fetch_ahead: bool = True
    validation_cache: bool = True

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        try:
            normalise_url(url)
        except DatabaseUrlError as exc:
            raise ValueError(str(exc)) from None
        return url

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return normalise_url(self.database_url).startswith("sqlite")

    @property
    def fast_paths(self) -> FastPaths:
        return FastPaths(**{each.name: getattr(self, each.name) for each in dataclasses.fields(FastPaths)})


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"QIANSHOU_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}" for error in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
