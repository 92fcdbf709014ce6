from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    MINISTRY = "MINISTRY"
    REGIONAL_STAFF = "REGIONAL_STAFF"
    MENTOR_AGENCY = "MENTOR_AGENCY"
    SUPPORTED_AGENCY = "SUPPORTED_AGENCY"
    VIEWER = "VIEWER"


class ApiToken(IdMixin, Base):
    """A named credential. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=24, create_constraint=True))
    agency_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agencies.id"))
    region_id: Mapped[int | None] = mapped_column(Id, ForeignKey("regions.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CredentialChanges(Base):
    """One row whose `version` the SQLite triggers of migration 0009_authcache bump whenever what a
    credential stands for may have changed; each process watches it (resolvers/credentials.py).
    On PostgreSQL the same triggers NOTIFY instead, and the row stays at 0."""

    __tablename__ = "credential_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
