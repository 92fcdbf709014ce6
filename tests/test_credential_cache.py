"""Verified tokens and sessions are remembered by each server process (resolvers/credentials.py):
a request they authenticate runs no query for it, and any change to them (revoked, signed out,
disabled, a new role) reaches every worker within a second. Their last use is written in the
background, and at shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select, update

from db.base import utcnow
from db.engine import Database
from db.models import Account, AccountSession, Agency, ApiToken, Region, RegionLevel, Role
from db.statements import recording
from resolvers.access import SYSTEM
from resolvers.accounts import DEMO_PASSWORD, AccountRequest, disable_account, ensure_demo_accounts
from resolvers.credentials import Credentials
from resolvers.ids import encode_id
from resolvers.scope import Scope
from resolvers.sessions import SessionPolicy, sign_in
from resolvers.tokens import create_token, demo_scopes, revoke_token
from server.app import create_app
from server.settings import load_settings
from tests.conftest import TODAY, LiveServer

VIEWER = "{ viewer { name role } }"
# Connections enough that the kernel hands some to each of two workers (all on one: 1 in 32,768).
CONNECTIONS = 16
# The promise: a change reaches every process within a second.
WITHIN = 1.0


@pytest.fixture
async def db(databases) -> AsyncIterator[Database]:
    db = await databases.new_database("credentials", demo=True)
    await ensure_demo_accounts(db, await demo_scopes(db))
    yield db
    await db.dispose()


@pytest.fixture
async def two_workers(db: Database) -> AsyncIterator[LiveServer]:
    # No access log: nobody reads the server's output until it stops, and a full pipe would stall it.
    env = {"QIANSHOU_ENV": "production", "QIANSHOU_ACCESS_LOG": "false"}
    server = await asyncio.to_thread(LiveServer(db.url, workers=2, env=env).start)
    yield server
    await asyncio.to_thread(server.stop)


def clients(server: LiveServer, headers: dict[str, str]) -> list[httpx.Client]:
    return [httpx.Client(base_url=server.url, headers=headers) for _ in range(CONNECTIONS)]


def statuses(connections: list[httpx.Client], query: str = VIEWER) -> set[int]:
    return {client.get("/graphql", params={"query": query}).status_code for client in connections}


def roles(connections: list[httpx.Client]) -> set[str]:
    return {client.get("/graphql", params={"query": VIEWER}).json()["data"]["viewer"]["role"] for client in connections}


async def after_a_second(connections: list[httpx.Client], check) -> None:
    """`check` holds on every connection (so on both workers) a second after a change."""
    await asyncio.sleep(WITHIN)
    assert await asyncio.to_thread(check, connections)


async def test_a_revoked_token_is_refused_on_every_worker_within_a_second(db, two_workers) -> None:
    secret = await create_token(db, "soon-revoked", Role.MINISTRY)
    connections = clients(two_workers, {"Authorization": f"Bearer {secret}"})
    try:
        assert statuses(connections) == {200}  # now remembered by both workers
        await revoke_token(db, "soon-revoked")
        await after_a_second(connections, lambda cs: statuses(cs) == {401})
    finally:
        for client in connections:
            client.close()


async def test_a_new_role_takes_effect_on_every_worker_within_a_second(db, two_workers) -> None:
    secret = await create_token(db, "changing-role", Role.ADMIN)
    connections = clients(two_workers, {"Authorization": f"Bearer {secret}"})
    try:
        assert roles(connections) == {"ADMIN"}
        async with db.writing() as session:  # as an operator would in psql: no code of ours runs
            await session.execute(update(ApiToken).where(ApiToken.name == "changing-role").values(role=Role.VIEWER))
        await after_a_second(connections, lambda cs: roles(cs) == {"VIEWER"})
    finally:
        for client in connections:
            client.close()


async def test_disabled_accounts_and_ended_sessions_are_refused_on_every_worker(db, two_workers) -> None:
    policy = SessionPolicy()
    leaving = (await sign_in(db, "demo-viewer", DEMO_PASSWORD, policy)).secret
    signing_out = (await sign_in(db, "demo-ministry", DEMO_PASSWORD, policy)).secret
    staying = (await sign_in(db, "demo-admin", DEMO_PASSWORD, policy)).secret
    groups = {
        secret: clients(two_workers, {"Cookie": f"qianshou_session={secret}"})
        for secret in (leaving, signing_out, staying)
    }
    try:
        assert all(statuses(connections) == {200} for connections in groups.values())
        async with db.reading() as session:
            viewer = await session.scalar(select(Account.id).where(Account.name == "demo-viewer"))
        outcome = await disable_account(Scope(db=db, actor=SYSTEM), AccountRequest(encode_id("Account", viewer)))
        assert not outcome.errors
        # Signed out through one connection: every other one, whichever worker, is refused.
        response = groups[signing_out][0].post("/auth/sign-out", headers={"X-Requested-With": "qianshou-web"})
        assert response.status_code == 204
        await asyncio.sleep(WITHIN)
        assert statuses(groups[leaving]) == {401}
        assert statuses(groups[signing_out][1:]) == {401}
        assert statuses(groups[staying]) == {200}
    finally:
        for connections in groups.values():
            for client in connections:
                client.close()


async def test_last_use_is_written_in_the_background(db, two_workers) -> None:
    secret = await create_token(db, "used-once", Role.VIEWER)
    session_secret = (await sign_in(db, "demo-mentor-agency", DEMO_PASSWORD, SessionPolicy())).secret
    async with db.writing() as session:  # as if signed in long ago, so that this use is news
        await session.execute(update(AccountSession).values(last_seen_at=utcnow() - dt.timedelta(hours=1)))
    async with db.reading() as session:
        before = await session.scalar(select(AccountSession.last_seen_at))
    for headers in ({"Authorization": f"Bearer {secret}"}, {"Cookie": f"qianshou_session={session_secret}"}):
        assert httpx.get(f"{two_workers.url}/graphql", params={"query": VIEWER}, headers=headers).status_code == 200

    async def written() -> bool:
        async with db.reading() as session:
            used = await session.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "used-once"))
            seen = await session.scalar(select(AccountSession.last_seen_at))
        return used is not None and seen > before

    deadline = time.monotonic() + 10
    while not await written() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert await written()


async def test_a_remembered_token_costs_no_statement(db: Database) -> None:
    secret = await create_token(db, "counted", Role.MINISTRY)
    app = create_app(load_settings(database_url=db.url, today=TODAY, rate_limit_per_minute=0))
    service = app.state.service
    await service.credentials.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:

            async def count(headers: dict[str, str]) -> int:
                with recording(service.db) as statements:
                    response = await client.get("/graphql", params={"query": VIEWER}, headers=headers)
                assert response.status_code == 200, response.text
                return statements.count

            token = {"Authorization": f"Bearer {secret}"}
            anonymous = await count({})
            first = await count(token)
            assert first > anonymous  # the first request verifies the token
            assert await count(token) == anonymous  # the next ones ask nothing about it
            await revoke_token(db, "counted")
            await asyncio.sleep(WITHIN)
            assert (await client.get("/graphql", params={"query": VIEWER}, headers=token)).status_code == 401
    finally:
        await service.credentials.stop()
        await service.db.dispose()


async def test_scope_changes_and_shutdown(db: Database) -> None:
    """A regional token's agencies are remembered with it: a new agency in its region is a change.
    The last uses still pending are written when the process stops."""
    async with db.reading() as session:
        region = await session.scalar(
            select(Region).where(Region.level == RegionLevel.CITY).order_by(Region.id).limit(1)
        )
    secret = await create_token(db, "regional", Role.REGIONAL_STAFF, region_id=encode_id("Region", region.id))
    credentials = Credentials(db)
    credentials.last_use.interval = 3600  # only the stop writes
    await credentials.start()
    try:
        before = await credentials.token_actor(secret)
        assert len(credentials.cache) == 1
        with recording(db) as statements:
            assert await credentials.token_actor(secret) is before
        assert statements.count == 0
        async with db.writing() as session:
            session.add(Agency(name="新成立的社工机构", region_id=region.id))
        await asyncio.sleep(WITHIN)
        assert len(credentials.cache) == 0
        after = await credentials.token_actor(secret)
        assert len(after.region_agency_ids) == len(before.region_agency_ids) + 1
    finally:
        await credentials.stop()
    async with db.reading() as session:
        assert await session.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "regional")) is not None
