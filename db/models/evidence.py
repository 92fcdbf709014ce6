from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, UTCDateTime, utcnow


class EvidenceFile(IdMixin, Base):
    """佐证材料: a file attached to a milestone update or a record, read under its owner's scope.

    The owner is named by its model's name and id (MilestoneUpdate, TrainingSession, ...): records
    are voided, never deleted, so an owner outlives its files. The bytes are a blob in the file
    store named by `sha256` (db/blobs.py); rows are written in the transaction of the write that
    attaches them, so a blob is referenced only once that write has committed."""

    __tablename__ = "evidence_files"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        Index("ix_evidence_files_owner", "owner_type", "owner_id", "id"),
        # What `qianshou files gc` asks: is this blob still referenced?
        Index("ix_evidence_files_sha256", "sha256"),
        Index("ix_evidence_files_thumbnail_sha256", "thumbnail_sha256"),
    )

    owner_type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int] = mapped_column(Id)
    name: Mapped[str] = mapped_column(String(255))
    caption: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    content_type: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
