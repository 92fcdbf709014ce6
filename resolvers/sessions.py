"""Signing in with a name and password, the sessions that follow, and signing out.

A session is a random secret the browser keeps in a cookie; only its SHA-256 is stored. It ends
after `idle` without use, `absolute` after it began, on sign-out, or when its account is disabled or
given a new password. Every attempt to sign in is written to `sign_in_attempts` (never the
password). After `max_failures` failures for one name within `window`, that name is locked until
the oldest of them leaves the window: counted by name as typed, so that a name with no account
locks like one with an account and the answer never tells which names exist.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.engine import Database
from db.models import Account, AccountSession, Region, SignInAttempt
from resolvers.access import Actor
from resolvers.passwords import hash_password, needs_rehash, verify_password
from resolvers.principals import record_use, scoped_actor

# last_seen_at is written at most this often per session, not on every request.
SEEN_RESOLUTION = dt.timedelta(minutes=1)
MAX_NAME = 100


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta = dt.timedelta(hours=2)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)


class Outcome(enum.StrEnum):
    OK = "OK"
    BAD_CREDENTIALS = "BAD_CREDENTIALS"
    DISABLED = "DISABLED"
    LOCKED = "LOCKED"


@dataclass(frozen=True)
class SignIn:
    """What an attempt came to: with OK, the account and the session's secret (for the cookie);
    with LOCKED, how long until the name may try again."""

    outcome: Outcome
    account: Account | None = None
    secret: str | None = None
    retry_after: dt.timedelta | None = None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def sign_in(
    db: Database,
    name: str,
    password: str,
    policy: SessionPolicy,
    *,
    client: str | None = None,
    user_agent: str | None = None,
) -> SignIn:
    name = name.strip()[:MAX_NAME]
    now = utcnow()
    async with db.reading() as session:
        locked_for = await _locked_for(session, name, policy, now)
        account = None if locked_for else await session.scalar(select(Account).where(Account.name == name))
    started: tuple[Account, str] | None = None
    if locked_for:
        result = SignIn(Outcome.LOCKED, retry_after=locked_for)
    # Without an account, verify_password checks a dummy hash and fails: as slow as a wrong password.
    elif not await verify_password(None if account is None else account.password_hash, password) or account is None:
        result = SignIn(Outcome.BAD_CREDENTIALS)
    elif account.disabled_at is not None:
        result = SignIn(Outcome.DISABLED)
    else:
        started = account, secrets.token_urlsafe(32)
        result = SignIn(Outcome.OK, *started)
    async with db.writing() as session:
        session.add(
            SignInAttempt(
                occurred_at=now,
                name=name,
                account_id=account and account.id,
                succeeded=result.outcome is Outcome.OK,
                outcome=result.outcome.value,
                client=client and client[:100],
                user_agent=user_agent and user_agent[:300],
            )
        )
        if started is not None:
            await _begin(session, *started, password, policy, now)
    return result


async def _locked_for(session: AsyncSession, name: str, policy: SessionPolicy, now: dt.datetime) -> dt.timedelta | None:
    """How long `name` stays locked, or None: failures since its last success within the window."""
    since = now - policy.window
    last_success = await session.scalar(
        select(func.max(SignInAttempt.occurred_at)).where(
            SignInAttempt.name == name, SignInAttempt.succeeded.is_(True), SignInAttempt.occurred_at > since
        )
    )
    failures = (
        await session.scalars(
            select(SignInAttempt.occurred_at)
            .where(
                SignInAttempt.name == name,
                SignInAttempt.outcome.in_((Outcome.BAD_CREDENTIALS.value, Outcome.DISABLED.value)),
                SignInAttempt.occurred_at > max(since, last_success or since),
            )
            .order_by(SignInAttempt.occurred_at.desc())
            .limit(policy.max_failures)
        )
    ).all()
    if len(failures) < policy.max_failures:
        return None
    return failures[-1] + policy.window - now


async def _begin(
    session: AsyncSession, account: Account, secret: str, password: str, policy: SessionPolicy, now: dt.datetime
) -> None:
    # The account's sessions that ended unseen go now, so that the table holds live ones only.
    await session.execute(
        delete(AccountSession).where(
            AccountSession.account_id == account.id,
            (AccountSession.expires_at <= now) | (AccountSession.last_seen_at <= now - policy.idle),
        )
    )
    session.add(
        AccountSession(
            account_id=account.id,
            token_hash=hash_secret(secret),
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
        )
    )
    values: dict[str, object] = {"last_sign_in_at": now}
    if needs_rehash(account.password_hash):
        # Hashing parameters were raised since the password was set: store it under the new ones.
        values["password_hash"] = await hash_password(password)
    await session.execute(update(Account).where(Account.id == account.id).values(**values))


@dataclass(frozen=True)
class SessionCheck:
    """A session found by its secret; `actor` None when it has ended (too old, idle too long, its
    account disabled), and is to be deleted."""

    actor: Actor | None
    session_id: int
    last_seen_at: dt.datetime
    expires_at: dt.datetime


async def check_session(db: Database, secret: str, policy: SessionPolicy, now: dt.datetime) -> SessionCheck | None:
    """The session of a secret and its account's Actor, read and nothing written; None when there
    is no such session."""
    statement = (
        select(AccountSession, Account, Region.path)
        .join(Account, Account.id == AccountSession.account_id)
        .outerjoin(Region, Region.id == Account.region_id)
        .where(AccountSession.token_hash == hash_secret(secret))
    )
    async with db.reading() as session:
        found = (await session.execute(statement)).first()
        if found is None:
            return None
        live, account, region_path = found
        expired = now >= live.expires_at or now - live.last_seen_at >= policy.idle or account.disabled_at is not None
        actor = (
            None
            if expired
            else await scoped_actor(
                session,
                name=account.name,
                role=account.role,
                account_id=account.id,
                agency_id=account.agency_id,
                region_id=account.region_id,
                region_path=region_path,
            )
        )
    return SessionCheck(actor, live.id, live.last_seen_at, live.expires_at)


async def session_actor(db: Database, secret: str, policy: SessionPolicy) -> Actor | None:
    """check_session, with an ended session deleted and the last use written at once (at most once
    a minute). The server goes through resolvers/credentials.py instead."""
    now = utcnow()
    checked = await check_session(db, secret, policy, now)
    if checked is None:
        return None
    if checked.actor is None:
        await sign_out(db, secret)
        return None
    if now - checked.last_seen_at >= SEEN_RESOLUTION:
        await record_use(db, AccountSession.last_seen_at, checked.session_id, now, SEEN_RESOLUTION)
    return checked.actor


async def ended_among(db: Database, secret_hashes: Collection[str]) -> set[str]:
    """Those of the sessions (by their secrets' hashes) that have ended since they were accepted:
    signed out, their account disabled or given a new password, or past their absolute end.
    Connections that outlive a request (WebSockets) ask this now and then; an open connection is a
    page in use, so the idle limit, which HTTP requests reset, is not applied to it."""
    if not secret_hashes:
        return set()
    statement = (
        select(AccountSession.token_hash)
        .join(Account, Account.id == AccountSession.account_id)
        .where(
            AccountSession.token_hash.in_(secret_hashes),
            AccountSession.expires_at > utcnow(),
            Account.disabled_at.is_(None),
        )
    )
    async with db.reading() as session:
        live = set((await session.scalars(statement)).all())
    return set(secret_hashes) - live


async def sign_out(db: Database, secret: str) -> None:
    async with db.writing() as session:
        await session.execute(delete(AccountSession).where(AccountSession.token_hash == hash_secret(secret)))
