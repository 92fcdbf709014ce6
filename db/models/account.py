"""People who sign in to the web app: accounts, their sessions and every sign-in attempt.

An account has the role and scope a token has (db/models/token.py); only an Argon2 hash of its
password and the SHA-256 of each session cookie are stored.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Id, IdMixin, UTCDateTime, utcnow
from db.models.token import Role


class Account(IdMixin, Base):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=24, create_constraint=True))
    agency_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agencies.id"))
    region_id: Mapped[int | None] = mapped_column(Id, ForeignKey("regions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AccountSession(IdMixin, Base):
    """A signed-in browser. Ends when idle too long, when too old, or on sign-out."""

    __tablename__ = "account_sessions"

    account_id: Mapped[int] = mapped_column(Id, ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SignInAttempt(IdMixin, Base):
    """Append-only: one row per sign-in attempt, successful or not; never the password.
    Failures are counted by the name as typed, so a name that does not exist locks like one that
    does and the lockout reveals nothing."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (Index("ix_sign_in_attempts_name_occurred_at", "name", "occurred_at"),)

    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    name: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int | None] = mapped_column(Id)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # OK, BAD_CREDENTIALS, DISABLED or LOCKED: why it failed, for whoever reads the trail.
    outcome: Mapped[str] = mapped_column(String(32))
    client: Mapped[str | None] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
