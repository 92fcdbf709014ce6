from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, UTCDateTime, utcnow

# An external ID (外部编号) names a record in the system it came from; the import matches by it.
EXTERNAL_ID_LENGTH = 100


class ImportJobStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ImportJob(IdMixin, Base):
    """A spreadsheet import run in the background: its progress while it runs and its report after."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_actor_name_id", "actor_name", "id"),)

    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ImportJobStatus] = mapped_column(
        Enum(ImportJobStatus, native_enum=False, length=16, create_constraint=True), default=ImportJobStatus.QUEUED
    )
    actor_token_id: Mapped[int | None] = mapped_column(Id)
    actor_name: Mapped[str] = mapped_column(String(100))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
