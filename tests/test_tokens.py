"""API tokens: creation (hash only), authentication, revocation, last use, demo rotation, CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import ApiToken, Role
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import encode_id
from resolvers.tokens import (
    TokenError,
    authenticate,
    create_token,
    demo_scopes,
    list_tokens,
    revoke_token,
    rotate_demo_tokens,
)
from tests.commands import qianshou


@pytest.fixture
async def db(databases) -> AsyncIterator[Database]:
    database = await databases.new_database("tokens", demo=True)
    yield database
    await database.dispose()


async def token_rows(db: Database) -> list[ApiToken]:
    async with db.reading() as session:
        return list((await session.scalars(select(ApiToken).order_by(ApiToken.id))).all())


async def refused(db: Database, secret: str) -> bool:
    try:
        await authenticate(db, secret)
    except ApiError as exc:
        assert exc.code is ErrorCode.UNAUTHENTICATED
        return True
    return False


async def test_only_the_hash_is_stored(db: Database) -> None:
    secret = await create_token(db, "dashboard", Role.VIEWER)
    [row] = await token_rows(db)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(vars(row))
    actor = await authenticate(db, secret)
    assert (actor.name, actor.role, actor.token_id) == ("dashboard", Role.VIEWER, row.id)


async def test_agency_and_region_scopes(db: Database) -> None:
    agency, region = encode_id("Agency", 10), encode_id("Region", 6)
    mentor = await authenticate(db, await create_token(db, "m", Role.MENTOR_AGENCY, agency_id=agency))
    regional = await authenticate(db, await create_token(db, "r", Role.REGIONAL_STAFF, region_id=region))
    assert mentor.agency_id == 10 and mentor.region_id is None
    assert regional.region_id == 6 and regional.region_path and 10 in regional.region_agency_ids


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        (Role.MENTOR_AGENCY, {}, "needs --agency"),
        (Role.SUPPORTED_AGENCY, {"region_id": encode_id("Region", 6)}, "needs --agency"),
        (Role.REGIONAL_STAFF, {}, "needs --region"),
        (Role.VIEWER, {"agency_id": encode_id("Agency", 10)}, "no agency"),
        (Role.ADMIN, {"region_id": encode_id("Region", 6)}, "no region"),
        (Role.MENTOR_AGENCY, {"agency_id": encode_id("Region", 6)}, "not a Agency"),
        (Role.MENTOR_AGENCY, {"agency_id": encode_id("Agency", 99_999)}, "no agency with ID"),
        (Role.MENTOR_AGENCY, {"agency_id": "not-an-id"}, "malformed ID"),
    ],
)
async def test_bad_scopes_are_refused(db: Database, role: Role, scope: dict, message: str) -> None:
    with pytest.raises(TokenError, match=message):
        await create_token(db, "bad", role, **scope)
    assert await token_rows(db) == []


async def test_names_are_unique_and_never_reused(db: Database) -> None:
    await create_token(db, "ops", Role.ADMIN)
    await revoke_token(db, "ops")
    with pytest.raises(TokenError, match="exists already"):
        await create_token(db, "ops", Role.ADMIN)
    with pytest.raises(TokenError, match="1-100 letters"):
        await create_token(db, "has space", Role.ADMIN)


async def test_unknown_malformed_and_revoked_tokens_are_refused(db: Database) -> None:
    secret = await create_token(db, "ops", Role.ADMIN)
    assert await refused(db, "qs_" + "A" * 43)  # well-formed, unknown
    assert await refused(db, "not a token")
    assert await refused(db, secret + "x")
    assert not await refused(db, secret)
    await revoke_token(db, "ops")
    assert await refused(db, secret)
    with pytest.raises(TokenError, match="revoked already"):
        await revoke_token(db, "ops")
    with pytest.raises(TokenError, match="no token named"):
        await revoke_token(db, "nobody")


async def test_last_use_is_written_at_most_once_a_minute(db: Database) -> None:
    secret = await create_token(db, "ops", Role.ADMIN)
    start = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
    await authenticate(db, secret, now=start)
    await authenticate(db, secret, now=start + dt.timedelta(seconds=59))
    assert (await token_rows(db))[0].last_used_at == start
    later = start + dt.timedelta(seconds=61)
    await authenticate(db, secret, now=later)
    assert (await token_rows(db))[0].last_used_at == later


async def test_list_shows_scope_and_state_never_the_secret(db: Database) -> None:
    secret = await create_token(db, "ops", Role.MENTOR_AGENCY, agency_id=encode_id("Agency", 10))
    await revoke_token(db, "ops")
    [info] = await list_tokens(db)
    assert info.name == "ops" and info.role is Role.MENTOR_AGENCY
    assert "叶县心天地" in info.agency and info.revoked_at is not None
    assert secret not in repr(info)


@pytest.mark.slow
async def test_demo_tokens_rotate(db: Database) -> None:
    scopes = await demo_scopes(db)
    assert set(scopes) == set(Role)
    first = await rotate_demo_tokens(db, scopes)
    assert set(first) == {
        "demo-admin",
        "demo-ministry",
        "demo-regional-staff",
        "demo-mentor-agency",
        "demo-supported-agency",
        "demo-viewer",
    }
    supported = await authenticate(db, first["demo-supported-agency"])
    assert supported.agency_id == 10  # the seed's Ye County agency
    second = await rotate_demo_tokens(db, scopes)
    assert set(second) == set(first)
    for name in first:
        assert await refused(db, first[name])
        assert (await authenticate(db, second[name])).name == name


@pytest.mark.slow
async def test_cli_create_list_revoke(db: Database) -> None:
    created = qianshou(
        "token",
        "create",
        "--name",
        "xintiandi",
        "--role",
        "SUPPORTED_AGENCY",
        "--agency",
        encode_id("Agency", 10),
        database_url=db.url,
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert created.stdout.count(secret) == 1
    assert (await authenticate(db, secret)).agency_id == 10

    listed = qianshou("token", "list", database_url=db.url)
    assert listed.returncode == 0 and "xintiandi" in listed.stdout and "SUPPORTED_AGENCY" in listed.stdout
    assert secret not in listed.stdout and "active" in listed.stdout

    assert qianshou("token", "revoke", "xintiandi", database_url=db.url).returncode == 0
    assert await refused(db, secret)
    again = qianshou("token", "revoke", "xintiandi", database_url=db.url)
    assert again.returncode == 1 and "revoked already" in again.stderr


@pytest.mark.slow
async def test_cli_refuses_a_token_without_its_scope(db: Database) -> None:
    result = qianshou("token", "create", "--name", "m", "--role", "MENTOR_AGENCY", database_url=db.url)
    assert result.returncode == 1 and "needs --agency" in result.stderr
    assert await token_rows(db) == []
