"""Conditional requests (server/etag.py) on a real server with two workers: a poll after a write
always gets the new data, an unchanged poll gets 304 with no body, and no caller is ever answered
304 on another caller's tag. The data version they rest on (db/data_version.py) moves with every
committed change to a table a query reads, and only then."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import orjson
import pytest
from sqlalchemy import text

from bench.server import cpu_ticks
from db import data_version
from db.backup import backup, restore
from db.engine import Database
from db.models import Base, Program, Role
from resolvers.data_version import current_version
from resolvers.ids import encode_id
from resolvers.tokens import create_token, revoke_token
from server.workers import reuse_port_available
from tests.conftest import TODAY, LiveServer
from tests.test_workers import workers_of

POLLED = encode_id("Pairing", 9)  # ACTIVE in the demo's program
POLL = """
query Poll($id: ID!) {
  pairing(id: $id) { id status serviceTotals { homeVisits } milestones(first: 3) { edges { node { id status } } } }
}
"""
RECORD = """
mutation Record($input: RecordServiceActivityInput!) {
  recordServiceActivity(input: $input) { userErrors { code message } }
}
"""
_dates = itertools.count(1)


@dataclass
class World:
    server: LiveServer
    db: Database
    tokens: dict[str, str]

    def poll(self, tag: str | None = None, *, caller: str = "ministry", **headers: str) -> httpx.Response:
        """The poll as a dashboard sends it, on a new connection: either worker may answer."""
        if tag is not None:
            headers["If-None-Match"] = tag
        params = {"query": POLL, "variables": orjson.dumps({"id": POLLED}).decode()}
        return httpx.get(f"{self.server.url}/graphql", params=params, headers=self.auth(caller, headers), timeout=30)

    def post(self, body: dict, *, caller: str = "admin", **headers: str) -> httpx.Response:
        return httpx.post(f"{self.server.url}/graphql", json=body, headers=self.auth(caller, headers), timeout=30)

    def record(self, pairing_id: str = POLLED) -> None:
        """One home visit more in the pairing, written by a request of its own."""
        day = f"2026-11-{next(_dates) % 28 + 1:02d}"
        request = {"pairingId": pairing_id, "kind": "HOME_VISIT", "occurredOn": day, "count": 1}
        answer = self.post({"query": RECORD, "variables": {"input": request}}).json()
        assert answer["data"]["recordServiceActivity"]["userErrors"] == [], answer

    def auth(self, caller: str, headers: dict[str, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[caller]}", **headers}


def home_visits(response: httpx.Response) -> int:
    return response.json()["data"]["pairing"]["serviceTotals"]["homeVisits"]


@asynccontextmanager
async def running_world(databases, name: str, **env: str) -> AsyncIterator[World]:
    """A demo database of its own, a token per caller (named `{name}-{caller}`), and a real server
    with two workers on it; `env` over the tests' settings. Both are gone on leaving."""
    db = await databases.new_database(name, demo=True)
    tokens = {
        "admin": await create_token(db, f"{name}-admin", Role.ADMIN),
        "ministry": await create_token(db, f"{name}-ministry", Role.MINISTRY),
        "ministry-2": await create_token(db, f"{name}-ministry-2", Role.MINISTRY),
        "mentor": await create_token(db, f"{name}-mentor", Role.MENTOR_AGENCY, agency_id=encode_id("Agency", 6)),
        "revoked": await create_token(db, f"{name}-revoked", Role.MINISTRY),
    }
    env = {"QIANSHOU_ACCESS_LOG": "false", "QIANSHOU_RATE_LIMIT_PER_MINUTE": "0", **env}
    world = World(LiveServer(db.url, workers=2, env=env).start(), db, tokens)
    try:
        yield world
    finally:
        world.server.stop()
        await world.db.dispose()


@pytest.fixture(scope="module")
async def world(databases) -> AsyncIterator[World]:
    async with running_world(databases, "etag") as world:
        yield world


@pytest.mark.slow  # two real workers
@pytest.mark.skipif(not reuse_port_available(), reason="a socket per worker needs Linux's SO_REUSEPORT")
def test_writes_and_polls_alternate_across_two_workers(world: World) -> None:
    workers = workers_of(world.server)
    assert len(workers) == 2
    before = {pid: cpu_ticks(pid) for pid in workers}
    first = world.poll()
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    tag, visits = first.headers["ETag"], home_visits(first)
    for _ in range(10):
        unchanged = world.poll(tag)
        assert unchanged.status_code == 304 and unchanged.content == b""
        assert unchanged.headers["ETag"] == tag and unchanged.headers["Cache-Control"] == "private, no-cache"
        world.record()
        fresh = world.poll(tag)
        assert fresh.status_code == 200, "a poll after a write is never answered 304"
        assert home_visits(fresh) == visits + 1
        assert fresh.headers["ETag"] != tag
        tag, visits = fresh.headers["ETag"], visits + 1
    busy = [cpu_ticks(pid) - before[pid] for pid in workers]
    assert min(busy) > 0, f"both workers answered polls: {busy}"


@pytest.mark.slow  # two real workers
def test_no_caller_is_answered_on_another_callers_tag(world: World) -> None:
    polled = world.poll()
    tag = polled.headers["ETag"]
    assert world.poll(tag).status_code == 304
    # Another scope (the pairing's mentor agency), and another token of the same role: the same data,
    # each under a tag of its own.
    for caller in ("mentor", "ministry-2"):
        other = world.poll(tag, caller=caller)
        assert other.status_code == 200 and other.headers["ETag"] != tag
        assert other.json() == polled.json()
    chinese = world.poll(tag, **{"Accept-Language": "zh-CN"})
    assert chinese.status_code == 200 and chinese.headers["ETag"] != tag
    graphql_response = world.poll(tag, Accept="application/graphql-response+json")
    assert graphql_response.status_code == 200 and graphql_response.headers["ETag"] != tag


@pytest.mark.slow  # two real workers
def test_a_write_in_another_program_ends_the_304s_too(world: World) -> None:
    """By design: the data version is one for all data (resolvers/data_version.py)."""
    program = world.post(
        {
            "query": """mutation { createProgram(input: {name: "第二期牵手计划", startsOn: "2026-01-01"}) {
        program { id } userErrors { code } } }"""
        }
    ).json()["data"]["createProgram"]["program"]["id"]
    create_pairing = """mutation($p: ID!, $m: ID!, $s: ID!) { createPairing(input: {programId: $p, mentorId: $m,
        supportedId: $s, startsOn: "2026-01-01", status: ACTIVE}) { pairing { id } userErrors { code } } }"""
    variables = {"p": program, "m": encode_id("Agency", 1), "s": encode_id("Agency", 10)}
    pairing = world.post({"query": create_pairing, "variables": variables}).json()
    other_pairing = pairing["data"]["createPairing"]["pairing"]["id"]
    polled = world.poll()
    tag, visits = polled.headers["ETag"], home_visits(polled)
    assert world.poll(tag).status_code == 304
    world.record(other_pairing)
    after = world.poll(tag)
    assert after.status_code == 200 and home_visits(after) == visits, "the same data under a new tag"
    assert world.poll(after.headers["ETag"]).status_code == 304


@pytest.mark.slow  # two real workers
def test_persisted_queries_by_hash_are_conditional_by_post_too(world: World) -> None:
    sha256 = hashlib.sha256(POLL.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256}}
    variables = {"id": POLLED}
    # One connection, so one worker: without Redis each worker knows the documents it was sent.
    with httpx.Client(base_url=world.server.url, headers=world.auth("ministry", {}), timeout=30) as client:
        registered = client.post("/graphql", json={"query": POLL, "variables": variables, "extensions": extensions})
        tag = registered.headers["ETag"]
        by_hash = {"variables": variables, "extensions": extensions}
        unchanged = client.post("/graphql", json=by_hash, headers={"If-None-Match": tag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        plain = client.post("/graphql", json={"query": POLL, "variables": variables}, headers={"If-None-Match": tag})
        assert plain.status_code == 200 and "ETag" not in plain.headers, "a plain POST is not conditional"
        world.record()
        changed = client.post("/graphql", json=by_hash, headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["ETag"] != tag


@pytest.mark.slow  # two real workers
def test_mutations_and_errors_get_no_tag(world: World) -> None:
    request = {"pairingId": POLLED, "kind": "HOME_VISIT", "occurredOn": "2026-11-01", "count": 1}
    written = world.post({"query": RECORD, "variables": {"input": request}})
    assert written.status_code == 200 and "ETag" not in written.headers
    params = {"query": '{ node(id: "bm90IGFuIGlk") { id } }'}
    failed = httpx.get(f"{world.server.url}/graphql", params=params, headers=world.auth("ministry", {}))
    assert failed.json().get("errors") and "ETag" not in failed.headers


@pytest.mark.slow  # two real workers
async def test_a_revoked_token_gets_no_304(world: World) -> None:
    tag = world.poll(caller="revoked").headers["ETag"]
    assert world.poll(tag, caller="revoked").status_code == 304
    await revoke_token(world.db, "etag-revoked")
    await asyncio.sleep(1)  # every process forgets a revoked token within a second (resolvers/credentials.py)
    assert world.poll(tag, caller="revoked").status_code == 401


async def test_every_table_a_query_reads_moves_the_version(fresh_db: Database) -> None:
    async with fresh_db.write_engine.connect() as connection:
        watched = await connection.run_sync(data_version.watched)
    assert watched == set(Base.metadata.tables) - data_version.UNWATCHED


async def test_the_version_moves_once_per_committed_transaction(fresh_db: Database) -> None:
    start = await current_version(fresh_db)

    async def write(sleep: float) -> None:
        async with fresh_db.writing() as session:
            await session.execute(text("UPDATE programs SET name = name"))
            await session.execute(text("UPDATE pairings SET status = status"))  # many rows, one step
            await asyncio.sleep(sleep)

    # On PostgreSQL these run at once (on SQLite one after another): none waits for another's slot.
    await asyncio.gather(*(write(0.05) for _ in range(6)))
    moved = await current_version(fresh_db) - start
    # PostgreSQL moves it once per transaction; SQLite's triggers once per row changed.
    assert moved == 6 if not fresh_db.is_sqlite else moved >= 6
    with pytest.raises(RuntimeError):
        async with fresh_db.writing() as session:
            await session.execute(text("UPDATE programs SET name = name"))
            raise RuntimeError("rolled back")
    async with fresh_db.writing() as session:
        await session.execute(text("UPDATE pairings SET status = status WHERE id = -1"))  # no row
        await session.execute(text("UPDATE api_tokens SET last_used_at = NULL"))  # UNWATCHED
    assert await current_version(fresh_db) == start + moved


async def test_a_restored_database_never_goes_back_to_a_version_seen(databases, tmp_path) -> None:
    db = await databases.new_database("etag_restore")
    url = db.url
    try:
        backup(url, tmp_path / "before.backup")
        async with db.writing() as session:
            session.add(Program(name="恢复前写入的计划", starts_on=TODAY))
        seen = await current_version(db)
    finally:
        await db.dispose()
    restore(url, tmp_path / "before.backup")
    db = Database.from_url(url)
    try:
        assert await current_version(db) > seen
    finally:
        await db.dispose()
