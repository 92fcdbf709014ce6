"""API tokens: create, list, revoke, and turn a presented secret into an Actor.

Only the SHA-256 of a secret is stored, so a lost token cannot be shown again: make a new one.
A token's name is never reused, so audit events that name it stay unambiguous.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.engine import Database
from db.models import Agency, ApiToken, Milestone, MilestoneUpdate, Pairing, PairingStatus, Region, Role, UpdateStatus
from resolvers.access import Actor
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_typed_id, encode_id
from resolvers.principals import record_use, scope_problem, scoped_actor

PREFIX = "qs_"
# 32 random bytes, URL-safe base64 without padding: 43 characters.
SECRET_PATTERN = re.compile(r"qs_[A-Za-z0-9_-]{43}")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
DEMO_PREFIX = "demo-"
DEMO_SUPPORTED_AGENCY = "叶县心天地社会工作服务中心"


class TokenError(Exception):
    """A token command that cannot be done; the message is fit for the terminal."""


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never its secret."""

    name: str
    role: Role
    agency: str | None
    region: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


async def create_token(
    db: Database, name: str, role: Role, *, agency_id: str | None = None, region_id: str | None = None
) -> str:
    """Store a new token and return its secret, the only time it exists in clear.
    `agency_id` and `region_id` are GraphQL global IDs."""
    if not NAME_PATTERN.fullmatch(name):
        raise TokenError(
            f"token name {name!r}: 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    if problem := scope_problem(role, agency_id, region_id, noun="token", agency="--agency", region="--region"):
        raise TokenError(problem.message)
    secret = new_secret()
    async with db.writing() as session:
        if await session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise TokenError(f"a token named {name!r} exists already (names are never reused)")
        agency_pk = await _existing(session, Agency, agency_id, "Agency")
        region_pk = await _existing(session, Region, region_id, "Region")
        session.add(
            ApiToken(name=name, role=role, agency_id=agency_pk, region_id=region_pk, token_hash=hash_secret(secret))
        )
    return secret


async def _existing(
    session: AsyncSession, model: type[Agency | Region], global_id: str | None, type_name: str
) -> int | None:
    if global_id is None:
        return None
    try:
        pk = decode_typed_id(global_id, type_name)
    except ApiError as exc:
        raise TokenError(str(exc)) from None
    if await session.get(model, pk) is None:
        raise TokenError(f"no {type_name.lower()} with ID {global_id!r}")
    return pk


async def list_tokens(db: Database) -> list[TokenInfo]:
    statement = (
        select(ApiToken, Agency.name, Region.name)
        .outerjoin(Agency, Agency.id == ApiToken.agency_id)
        .outerjoin(Region, Region.id == ApiToken.region_id)
        .order_by(ApiToken.id)
    )
    async with db.reading() as session:
        rows = (await session.execute(statement)).all()
    return [
        TokenInfo(
            name=token.name,
            role=token.role,
            agency=agency and f"{agency} ({encode_id('Agency', token.agency_id)})",
            region=region and f"{region} ({encode_id('Region', token.region_id)})",
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )
        for token, agency, region in rows
    ]


async def revoke_token(db: Database, name: str) -> None:
    async with db.writing() as session:
        token = await session.scalar(select(ApiToken).where(ApiToken.name == name))
        if token is None:
            raise TokenError(f"no token named {name!r}")
        if token.revoked_at is not None:
            raise TokenError(f"token {name!r} was revoked already")
        token.revoked_at = utcnow()


@dataclass(frozen=True)
class TokenCheck:
    actor: Actor
    token_id: int
    last_used_at: dt.datetime | None


def refused_token() -> ApiError:
    # One message for a malformed, an unknown and a revoked token, so that a guess learns nothing.
    return ApiError(ErrorCode.UNAUTHENTICATED, "the token is invalid or revoked", message_zh="令牌无效或已被吊销")


async def check_token(db: Database, secret: str) -> TokenCheck:
    """The Actor a presented secret stands for, read from the database and nothing written;
    ApiError UNAUTHENTICATED when it is malformed, unknown or revoked."""
    if not SECRET_PATTERN.fullmatch(secret):
        raise refused_token()
    statement = (
        select(ApiToken, Region.path)
        .outerjoin(Region, Region.id == ApiToken.region_id)
        .where(ApiToken.token_hash == hash_secret(secret), ApiToken.revoked_at.is_(None))
    )
    async with db.reading() as session:
        found = (await session.execute(statement)).first()
        if found is None:
            raise refused_token()
        token, region_path = found
        actor = await scoped_actor(
            session,
            name=token.name,
            role=token.role,
            token_id=token.id,
            agency_id=token.agency_id,
            region_id=token.region_id,
            region_path=region_path,
        )
    return TokenCheck(actor, token.id, token.last_used_at)


async def authenticate(db: Database, secret: str, *, now: dt.datetime | None = None) -> Actor:
    """check_token, and the token's last use written at once (at most once a minute). The server
    goes through resolvers/credentials.py instead, which remembers and writes in the background."""
    checked = await check_token(db, secret)
    now = now or utcnow()
    last = checked.last_used_at
    if last is None or now - last >= LAST_USED_RESOLUTION:
        await record_use(db, ApiToken.last_used_at, checked.token_id, now, LAST_USED_RESOLUTION)
    return checked.actor


async def rotate_demo_tokens(db: Database, roles: dict[Role, tuple[str | None, str | None]]) -> dict[str, str]:
    """Revoke every demo-* token and make one new token per role; returns {name: secret}.
    `roles` gives each role its (agency ID, region ID). A revoked demo token keeps a row, renamed
    with its ID, so that the demo name is free again while audit events still find it."""
    async with db.writing() as session:
        old = (await session.scalars(select(ApiToken).where(ApiToken.name.startswith(DEMO_PREFIX)))).all()
        for token in old:
            if token.revoked_at is None:
                token.revoked_at = utcnow()
            if "#" not in token.name:
                token.name = f"{token.name}#{token.id}"
    return {
        name: await create_token(db, name, role, agency_id=agency, region_id=region)
        for role, (agency, region) in roles.items()
        for name in [demo_name(role)]
    }


def demo_name(role: Role) -> str:
    return DEMO_PREFIX + role.value.lower().replace("_", "-")


async def demo_scopes(db: Database) -> dict[Role, tuple[str | None, str | None]]:
    """(agency ID, region ID) for a demo token of each role: the agencies of the seed's Ye County
    pairing (or the first pairing); for regional staff, the city of the first ACTIVE pairing with
    an update waiting for review (the Ye County pairing is finished), so that it has work to do."""
    statement = (
        select(Pairing.mentor_id, Pairing.supported_id, Region.id, Region.parent_id)
        .join(Agency, Agency.id == Pairing.supported_id)
        .join(Region, Region.id == Agency.region_id)
        .order_by((Agency.name == DEMO_SUPPORTED_AGENCY).desc(), Pairing.id)
        .limit(1)
    )
    async with db.reading() as session:
        found = (await session.execute(statement)).first()
    scopes: dict[Role, tuple[str | None, str | None]] = {
        Role.ADMIN: (None, None),
        Role.MINISTRY: (None, None),
        Role.VIEWER: (None, None),
    }
    to_review = (
        select(Region.id, Region.parent_id)
        .join(Agency, Agency.region_id == Region.id)
        .join(Pairing, Pairing.supported_id == Agency.id)
        .join(Milestone, Milestone.pairing_id == Pairing.id)
        .join(MilestoneUpdate, MilestoneUpdate.milestone_id == Milestone.id)
        .where(Pairing.status == PairingStatus.ACTIVE, MilestoneUpdate.status == UpdateStatus.PENDING_REVIEW)
        .order_by(Pairing.id)
        .limit(1)
    )
    async with db.reading() as session:
        busy = (await session.execute(to_review)).first()
    if found is not None:
        mentor, supported, region, parent = found
        region, parent = busy or (region, parent)
        scopes[Role.REGIONAL_STAFF] = (None, encode_id("Region", parent or region))
        scopes[Role.MENTOR_AGENCY] = (encode_id("Agency", mentor), None)
        scopes[Role.SUPPORTED_AGENCY] = (encode_id("Agency", supported), None)
    return scopes


async def revoked_among(db: Database, token_ids: Collection[int]) -> set[int]:
    """Those of `token_ids` that may no longer be used: revoked (or gone) since they were accepted.
    Connections that outlive a request (WebSockets) ask this now and then."""
    if not token_ids:
        return set()
    statement = select(ApiToken.id).where(ApiToken.id.in_(token_ids), ApiToken.revoked_at.is_(None))
    async with db.reading() as session:
        usable = set((await session.scalars(statement)).all())
    return set(token_ids) - usable
