"""Settings from the environment (QIANSHOU_*), validated once at start-up."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.engine import DatabaseUrlError, normalise_url


class SettingsError(Exception):
    """Settings that cannot be used; the message is one line fit for the terminal."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QIANSHOU_", frozen=True)

    database_url: str = "sqlite:///qianshou.sqlite3"
    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Fixes "today" (a China date) for demos and tests; unset means the real date.
    today: dt.date | None = None
    # Pool size per worker process for PostgreSQL.
    db_pool_size: int = 10

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


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"QIANSHOU_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}" for error in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
