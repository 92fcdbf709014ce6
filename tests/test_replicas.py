"""Read replicas on a real streaming standby (db/replicas.py, docs/operations.md).

The test makes its own primary and standby clusters (initdb, then pg_basebackup -R) on free ports in
a temporary directory, both logging every statement, and runs real `qianshou serve` processes with
QIANSHOU_DATABASE_REPLICA_URLS naming the standby. What each cluster's log shows is which one read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest

from db.engine import Database
from db.migrate import upgrade
from db.models import Role
from db.replicas import UNKNOWN_POSITION
from resolvers.tokens import create_token
from server.settings import SettingsError, load_settings
from server.shared_state import RedisPositions, SharedState
from tests.conftest import POSTGRES_URL, LiveServer, free_port
from tests.redis_support import needs_redis, unique_prefix
from tests.test_observability import sample, samples
from tests.test_outage import Cluster, cluster_skip_reason
from tests.test_subscriptions import open_connection, receive

pytestmark = pytest.mark.slow  # a primary and a standby PostgreSQL under real servers

# Programs by a prepared read, notification settings through a session: both read paths.
PROGRAMS = "query Programs { programs(first: 100) { edges { node { name } } } notificationSettings { emailDigest } }"
CREATE = "mutation Create($input: CreateProgramInput!) { createProgram(input: $input) { program { name } userErrors { code } } }"
MAX_LAG = 3
# A statement that reads the programs table, as log_statement=all writes it (simple or extended protocol).
READS_PROGRAMS = re.compile(r"LOG:\s+(statement|execute [^:]*): SELECT .*\bprograms\b")


class Pair:
    """A primary and its streaming standby, and a writer's and a reader's tokens."""

    def __init__(self, root: Path) -> None:
        (root / "primary").mkdir()
        (root / "standby").mkdir()
        self.primary = Cluster(root / "primary", settings=("log_statement=all",))
        self.standby = Cluster(root / "standby", settings=("log_statement=all",))
        self.writer = self.reader = ""

    @property
    def replica_name(self) -> str:
        return f"127.0.0.1:{self.standby.port}/postgres"

    def reads(self, cluster: Cluster) -> int:
        """Statements on `programs` that the cluster has run."""
        return len(READS_PROGRAMS.findall((cluster.root / "log").read_text(errors="replace")))

    async def on_standby(self, sql: str) -> None:
        connection = await asyncpg.connect(self.standby.url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()


@pytest.fixture(scope="module")
async def pair() -> AsyncIterator[Pair]:
    if not POSTGRES_URL:
        pytest.skip("read replicas are PostgreSQL's: run with QIANSHOU_TEST_DATABASE_URL")
    if reason := cluster_skip_reason():
        pytest.skip(reason)
    with tempfile.TemporaryDirectory(prefix="qianshou-replicas-") as root:
        os.chmod(root, 0o755)  # the clusters' own directories below are the postgres user's when we are root
        pair = Pair(Path(root))
        pair.primary.init().start()
        try:
            db = Database.from_url(pair.primary.url)
            await upgrade(db.write_engine)
            pair.writer = await create_token(db, "replica-writer", Role.ADMIN)
            pair.reader = await create_token(db, "replica-reader", Role.ADMIN)
            await db.dispose()
            pair.standby.standby_of(pair.primary).start()
            try:
                yield pair
            finally:
                with contextlib.suppress(subprocess.CalledProcessError):
                    pair.standby.stop()
        finally:
            pair.primary.stop()


def serve(pair: Pair, **env: str) -> LiveServer:
    return LiveServer(
        pair.primary.url,
        env={
            "QIANSHOU_DATABASE_REPLICA_URLS": pair.standby.url,
            "QIANSHOU_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
            "QIANSHOU_REPLICA_CHECK_SECONDS": "0.2",
            "QIANSHOU_RATE_LIMIT_PER_MINUTE": "0",
            "QIANSHOU_WEBHOOK_WORKER": "false",
            # These tests count where reads run: a poll answered from the answer cache runs none.
            "QIANSHOU_ANSWER_CACHE_MB": "0",
            **env,
        },
    ).start()


def program_names(server: LiveServer, token: str) -> set[str]:
    response = httpx.post(f"{server.url}/graphql", json={"query": PROGRAMS}, headers=_auth(token), timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return {edge["node"]["name"] for edge in body["data"]["programs"]["edges"]}


def create_program(server: LiveServer, token: str, name: str) -> None:
    variables = {"input": {"name": name, "startsOn": "2026-01-01"}}
    response = httpx.post(
        f"{server.url}/graphql", json={"query": CREATE, "variables": variables}, headers=_auth(token), timeout=30
    )
    assert response.json()["data"]["createProgram"] == {"program": {"name": name}, "userErrors": []}, response.text


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def replica_in_use(server: LiveServer, pair: Pair) -> float | None:
    return samples(server).get(("qianshou_replica_in_use", frozenset({("replica", pair.replica_name)})))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20) -> float:
    """Seconds until `condition` held; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.mark.postgres_only
async def test_reads_go_to_the_replica_writes_are_read_back_and_a_late_or_stopped_replica_is_skipped(pair: Pair):
    server = serve(pair)
    try:
        wait_until(lambda: replica_in_use(server, pair) == 1, "the replica is in use")
        # A read is the replica's, not the primary's.
        on_primary, on_standby = pair.reads(pair.primary), pair.reads(pair.standby)
        assert program_names(server, pair.reader) == set()
        assert pair.reads(pair.standby) > on_standby and pair.reads(pair.primary) == on_primary
        # So is a query over a WebSocket.
        websocket = await open_connection(server, {"token": pair.reader})
        await websocket.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": PROGRAMS}}))
        answer = await receive(websocket)
        await websocket.close()
        assert answer["type"] == "next" and answer["payload"]["data"]["programs"]["edges"] == [], answer
        assert pair.reads(pair.standby) > on_standby + 1 and pair.reads(pair.primary) == on_primary

        # Replay paused: the writer reads its own write (from the primary), another caller reads the
        # replica, which has not replayed it yet and is within the lag allowed.
        await pair.on_standby("SELECT pg_wal_replay_pause()")
        create_program(server, pair.writer, "暂停期间的计划")
        assert "暂停期间的计划" in program_names(server, pair.writer)
        assert "暂停期间的计划" not in program_names(server, pair.reader)
        # A dashboard's GET is tagged with the data version of the replica that answered it, not the
        # primary's: otherwise its next poll would be 304 on this stale answer once the replica caught up.
        stale = httpx.get(f"{server.url}/graphql", params={"query": PROGRAMS}, headers=_auth(pair.reader))
        assert stale.status_code == 200 and "暂停期间的计划" not in stale.text and stale.headers["etag"]

        # Past the limit the replica is skipped and every read is the primary's.
        waited = wait_until(lambda: replica_in_use(server, pair) == 0, "the paused replica is skipped")
        found = samples(server)
        assert sample(found, "qianshou_replica_lag_seconds", replica=pair.replica_name) > MAX_LAG
        print(f"paused replica skipped {waited:.1f} s after the write (limit {MAX_LAG} s)")
        on_primary, on_standby = pair.reads(pair.primary), pair.reads(pair.standby)
        assert "暂停期间的计划" in program_names(server, pair.reader)
        assert pair.reads(pair.primary) > on_primary and pair.reads(pair.standby) == on_standby

        # Replay resumed: in use again, and it has the program.
        await pair.on_standby("SELECT pg_wal_replay_resume()")
        wait_until(lambda: replica_in_use(server, pair) == 1, "the resumed replica is in use again")
        on_standby = pair.reads(pair.standby)
        assert "暂停期间的计划" in program_names(server, pair.reader)
        assert pair.reads(pair.standby) > on_standby
        polled = httpx.get(
            f"{server.url}/graphql",
            params={"query": PROGRAMS},
            headers={**_auth(pair.reader), "If-None-Match": stale.headers["etag"]},
        )
        assert polled.status_code == 200 and "暂停期间的计划" in polled.text

        # Stopped: reads already under way and those after keep being answered, from the primary.
        pair.standby.stop()
        for _ in range(5):
            assert "暂停期间的计划" in program_names(server, pair.reader)
        wait_until(lambda: replica_in_use(server, pair) == 0, "the stopped replica is skipped")
        assert "暂停期间的计划" in program_names(server, pair.reader)

        # Started again: back in use.
        pair.standby.start()
        wait_until(lambda: replica_in_use(server, pair) == 1, "the restarted replica is in use again")
        on_standby = pair.reads(pair.standby)
        assert "暂停期间的计划" in program_names(server, pair.reader)
        assert pair.reads(pair.standby) > on_standby
    finally:
        output = server.stop()
    assert "Exception in ASGI application" not in output, output
    assert "is skipped" in output and "is in use" in output  # each change of state is logged


@needs_redis
@pytest.mark.postgres_only
async def test_a_write_through_one_server_is_read_back_through_another(pair: Pair):
    """The write position is kept in Redis, so the caller's next request on another server reads
    from the primary while the replica lacks the write."""
    env = {"QIANSHOU_REDIS_URL": "redis://127.0.0.1:6379/0", "QIANSHOU_REDIS_PREFIX": unique_prefix()}
    first, second = await asyncio.gather(asyncio.to_thread(serve, pair, **env), asyncio.to_thread(serve, pair, **env))
    try:
        for server in (first, second):
            wait_until(lambda server=server: replica_in_use(server, pair) == 1, "the replica is in use")
        await pair.on_standby("SELECT pg_wal_replay_pause()")
        try:
            create_program(first, pair.writer, "另一台服务器写入的计划")
            assert "另一台服务器写入的计划" in program_names(second, pair.writer)
            assert "另一台服务器写入的计划" not in program_names(second, pair.reader)
        finally:
            await pair.on_standby("SELECT pg_wal_replay_resume()")
        wait_until(lambda: "另一台服务器写入的计划" in program_names(second, pair.reader), "the replica replays it")
    finally:
        first.stop()
        second.stop()


def test_replicas_are_refused_with_sqlite():
    with pytest.raises(SettingsError, match="read replicas need QIANSHOU_DATABASE_URL to be PostgreSQL"):
        load_settings(database_url="sqlite:///x.sqlite3", database_replica_urls="postgresql://replica/db")
    with pytest.raises(SettingsError, match="each replica must be a postgresql:// URL"):
        load_settings(database_url="postgresql://primary/db", database_replica_urls="sqlite:///x.sqlite3")
    settings = load_settings(
        database_url="postgresql://primary/db", database_replica_urls=" postgresql://a/db, postgresql://b/db "
    )
    assert settings.replica_urls == ["postgresql://a/db", "postgresql://b/db"]


@needs_redis
async def test_write_positions_in_redis_keep_the_later_and_send_callers_to_the_primary_while_it_is_away():
    shared = SharedState("redis://127.0.0.1:6379/0", unique_prefix())
    positions = RedisPositions(shared)
    try:
        assert await positions.get("token:1") is None
        await positions.put("token:1", 500, ttl=30)
        await positions.put("token:1", 400, ttl=30)  # a write that reported late on another server
        assert await positions.get("token:1") == 500
        assert await RedisPositions(shared).get("token:1") == 500  # as another server sees it
    finally:
        await shared.client.delete(f"{shared.prefix}wal:token:1")
        await shared.close()
    away = SharedState(f"redis://127.0.0.1:{free_port()}/0", unique_prefix())
    try:
        assert await RedisPositions(away).get("token:1") == UNKNOWN_POSITION
    finally:
        await away.close()
