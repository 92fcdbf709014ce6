"""Settings from the environment (QIANSHOU_*), validated once at start-up."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from db.engine import DatabaseUrlError, normalise_url
from db.reads.fast_paths import FastPaths


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
    # Read replicas (docs/operations.md): comma-separated PostgreSQL URLs of streaming standbys of
    # the database. A replica more than `replica_max_lag_seconds` behind, or not answering, is
    # skipped; each is checked every `replica_check_seconds`.
    database_replica_urls: str = ""
    replica_max_lag_seconds: float = Field(default=10.0, gt=0)
    replica_check_seconds: float = Field(default=1.0, gt=0, le=60)
    # Events a live subscriber may have waiting before it is dropped as too slow (close 4429).
    subscriber_queue_size: int = Field(default=1000, ge=1)

    # Limits on a request; refusals are LIMIT_EXCEEDED errors that name the limit (see docs/user-guide.md).
    max_query_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=0)
    max_query_tokens: int = Field(default=2000, ge=10)
    # Objects a query could return, connection page sizes multiplied down the nesting.
    max_query_cost: int = Field(default=50_000, ge=1)
    max_body_bytes: int = Field(default=100_000, ge=1_000)
    # Requests per minute per token (per client IP without one), in each worker's memory; 0 = off.
    rate_limit_per_minute: int = Field(default=600, ge=0)
    # Seconds a client has to send a request's headers whole, and then each piece of its body after
    # the last; a slower client (or a connection that sends nothing) is cut off: 408 before the
    # headers are in.
    request_read_timeout: float = Field(default=10.0, gt=0)
    # Seconds between re-checks of open WebSocket connections' tokens: a revoked token's
    # connections are closed within this time, on every worker.
    credential_recheck_seconds: float = Field(default=5.0, gt=0)
    # A verified token or session is remembered by each process this long, at most this many
    # (resolvers/credentials.py); any change to one reaches every process within a second anyway.
    # 0 seconds: every request asks the database.
    credential_cache_seconds: float = Field(default=60.0, ge=0)
    credential_cache_size: int = Field(default=10_000, ge=0)
    # Megabytes of query answers each process keeps to answer the same query again while the data
    # stays the same (server/answer_cache.py); 0 = off.
    answer_cache_mb: float = Field(default=32, ge=0)
    # Spreadsheet imports (docs/user-guide.md: Import from spreadsheets): the largest file, the most data rows,
    # and the size above which importRecords runs as a background job.
    import_max_bytes: int = Field(default=20_000_000, ge=1_000)
    import_max_rows: int = Field(default=200_000, ge=1)
    import_background_bytes: int = Field(default=1_000_000, ge=0)
    # Redis shared by every worker and server for the rate limit and persisted queries
    # (server/shared_state.py); unset keeps both in each process's memory.
    redis_url: str | None = None
    # Prepended to every Redis key, so that deployments (or test runs) can share one Redis.
    redis_prefix: str = "qianshou:"
    # A JSON object per log line (one per request among them); unset means JSON in production only.
    log_format: Literal["text", "json"] | None = None

    # Notifications (docs/user-guide.md: Notifications). Webhook deliveries are sent by a worker in each
    # server process; private and loopback targets are refused unless allowed here.
    webhook_worker: bool = True
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    # The hour (China time, 0-23) at which `serve` runs the daily job itself; unset: only by cron.
    daily_job_hour: int | None = Field(default=None, ge=0, le=23)
    # SMTP for the daily digests; without a host no digest is sent.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    # STARTTLS: true requires it, false never tries it, unset uses it when the server offers it.
    smtp_starttls: bool | None = None
    smtp_tls: bool = False
    mail_from: str = "qianshou@localhost"
    # Sign-in (docs/user-guide.md: Sign-in and accounts): a session ends after this long unused, or this long
    # after it began; a name is locked after this many failures within the lockout window.
    session_idle_minutes: int = Field(default=120, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    sign_in_max_failures: int = Field(default=5, ge=1)
    sign_in_lockout_minutes: int = Field(default=15, ge=1)
    # Origins (comma-separated, e.g. https://dash.example.org) whose pages may call the API; empty: none.
    cors_origins: str = ""
    # Evidence files (docs/user-guide.md "Evidence files"): where blobs live, and the limits on uploads.
    # Unset: a `files` directory beside the SQLite file, or ./files with PostgreSQL.
    files_dir: Path | None = None
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    max_upload_files: int = Field(default=20, ge=1)

    # The fast paths, each of which can be switched off to measure or rule it out (db/reads/fast_paths.py).
    fast_execution: bool = True
    prepared_reads: bool = True
    combined_reads: bool = True
    fetch_ahead: bool = True
    sql_answers: bool = True

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        try:
            normalise_url(url)
        except DatabaseUrlError as exc:
            raise ValueError(str(exc)) from None
        return url

    @field_validator("database_replica_urls")
    @classmethod
    def _replicas_of_postgresql(cls, urls: str, info: ValidationInfo) -> str:
        for url in _split(urls):
            try:
                if not normalise_url(url).startswith("postgresql"):
                    raise ValueError("each replica must be a postgresql:// URL")
            except DatabaseUrlError as exc:
                raise ValueError(str(exc)) from None
        primary = info.data.get("database_url")
        if _split(urls) and primary is not None and not normalise_url(primary).startswith("postgresql"):
            raise ValueError("read replicas need QIANSHOU_DATABASE_URL to be PostgreSQL too")
        return urls

    @field_validator("redis_url")
    @classmethod
    def _known_redis(cls, url: str | None) -> str | None:
        if url is not None and url.split("://")[0] not in ("redis", "rediss", "unix"):
            raise ValueError("must be redis://host:port/db, rediss:// (TLS) or unix:///path")
        return url or None

    @field_validator("today", mode="before")
    @classmethod
    def _empty_today_is_unset(cls, value: object) -> object:
        # `QIANSHOU_TODAY=` (set but empty, as env files and CI templates leave it) means unset.
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def replica_urls(self) -> list[str]:
        return _split(self.database_replica_urls)

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" or (self.log_format is None and self.production)

    @property
    def is_sqlite(self) -> bool:
        return normalise_url(self.database_url).startswith("sqlite")

    @property
    def files_path(self) -> Path:
        """Where evidence files are stored: QIANSHOU_FILES_DIR, else beside the SQLite file, else ./files."""
        if self.files_dir is not None:
            return self.files_dir
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).resolve().parent / "files"
        return Path("files").resolve()

    @property
    def fast_paths(self) -> FastPaths:
        return FastPaths(**{each.name: getattr(self, each.name) for each in dataclasses.fields(FastPaths)})


def _split(urls: str) -> list[str]:
    return [url.strip() for url in urls.split(",") if url.strip()]


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"QIANSHOU_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}" for error in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
