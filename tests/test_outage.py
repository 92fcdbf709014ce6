"""A database that is away answers 503 SERVICE_UNAVAILABLE with Retry-After at every endpoint, and
the server recovers by itself when it is back (server/outage.py, server/refusals.py).

PostgreSQL: a throwaway cluster of the test's own (initdb, pg_ctl on a free port in a temporary
directory) behind a real `qianshou serve`, stopped and started again; the machine's cluster is never
touched. SQLite: the directory of the database file disappears and comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from glob import glob
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from db.engine import Database
from db.migrate import upgrade
from db.models import Role
from resolvers.tokens import create_token
from server.app import create_app
from server.settings import load_settings
from tests.conftest import POSTGRES_URL, TODAY, LiveServer, free_port
from tests.test_subscriptions import open_connection, receive

pytestmark = pytest.mark.slow  # stops and starts PostgreSQL under a real server

QUERY = {"query": "{ viewer { role } pairings(first: 1) { totalCount } }"}
PG_BIN = sorted(glob("/usr/lib/postgresql/*/bin"))


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert int(response.headers["retry-after"]) >= 1
    request_id = response.headers["x-request-id"]
    body = response.json()
    assert [error["extensions"]["code"] for error in body["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert body["errors"][0]["extensions"]["messageZh"]
    assert body["extensions"] == {"requestId": request_id}


# --- SQLite ------------------------------------------------------------------------------------


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the SQLite case; the PostgreSQL run restarts a cluster instead")
async def test_a_sqlite_file_that_cannot_be_opened_is_503_until_it_is_back(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    url = f"sqlite:///{home / 'qianshou.sqlite3'}"
    db = Database.from_url(url)
    await upgrade(db.write_engine)
    secret = await create_token(db, "outage-admin", Role.ADMIN)
    await db.dispose()
    app = create_app(load_settings(database_url=url, today=TODAY, rate_limit_per_minute=0))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {secret}"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            home.rename(tmp_path / "away")
            # Token authentication, an anonymous query's resolvers, a report and the probe alike.
            assert_unavailable(await client.post("/graphql", json=QUERY, headers=headers))
            assert_unavailable(await client.post("/graphql", json=QUERY))
            assert_unavailable(await client.get("/graphql", params=QUERY))
            assert_unavailable(await client.get("/reports/pairings.csv", headers=headers))
            assert_unavailable(await client.get("/readyz"))
            (tmp_path / "away").rename(home)
            back = await client.post("/graphql", json=QUERY, headers=headers)
            assert back.status_code == 200 and back.json()["data"]["viewer"]["role"] == "ADMIN"
            assert (await client.get("/reports/pairings.csv", headers=headers)).status_code == 200
    finally:
        await app.state.service.db.dispose()


# --- PostgreSQL --------------------------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster in a temporary directory, run as the `postgres` user when we are root
    (initdb refuses root)."""

    def __init__(self, root: Path, settings: tuple[str, ...] = ()) -> None:
        self.bin = Path(PG_BIN[-1])
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.root = root
        self.settings = settings  # more `-c name=value` for the server, e.g. log_statement=all

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    def init(self) -> Cluster:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def standby_of(self, primary: Cluster) -> Cluster:
        """A streaming standby of `primary`: its copy by pg_basebackup, with -R to follow it."""
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.run(
            str(self.bin / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {setting}" for setting in self.settings)
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


def cluster_skip_reason() -> str | None:
    if not PG_BIN:
        return "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists("postgres")):
        return "running as root without runuser and a `postgres` user to run initdb as"
    return None


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if reason := cluster_skip_reason():
        pytest.skip(reason)
    # Not under pytest's temporary directory, which the postgres user may not enter.
    with tempfile.TemporaryDirectory(prefix="qianshou-cluster-") as root:
        cluster = Cluster(Path(root)).init()
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
                cluster.stop()


@pytest.mark.postgres_only
async def test_a_postgresql_restart_is_503_everywhere_then_recovers_by_itself(cluster: Cluster) -> None:
    db = Database.from_url(cluster.url)
    await upgrade(db.write_engine)
    secret = await create_token(db, "outage-admin", Role.ADMIN)
    await db.dispose()
    server = LiveServer(cluster.url, env={"QIANSHOU_RATE_LIMIT_PER_MINUTE": "0"}).start()
    headers = {"Authorization": f"Bearer {secret}"}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.post("/graphql", json=QUERY, headers=headers).status_code == 200
            websocket = await open_connection(server, {"token": secret})
            # Requests in flight while the database goes down each get an answer, none a cut.
            statuses = await requests_while(server, headers, asyncio.to_thread(cluster.stop))
            assert set(statuses) <= {200, 503} and 503 in statuses, statuses
            # Pooled connections are dead and new ones are refused: every door says so alike.
            for _ in range(3):
                assert_unavailable(client.post("/graphql", json=QUERY, headers=headers))
            assert_unavailable(client.post("/graphql", json=QUERY))
            assert_unavailable(client.get("/graphql", params=QUERY))
            assert_unavailable(client.get("/reports/pairings.csv", headers=headers))
            assert_unavailable(client.get("/readyz"))
            assert await websocket_close_code(server, secret) == 1013
            # An open connection's operation gets the code in its errors.
            await websocket.send(json.dumps({"id": "q", "type": "subscribe", "payload": QUERY}))
            answer = await receive(websocket)
            await websocket.close()
            assert answer["type"] in ("next", "error"), answer
            errors = answer["payload"]["errors"] if answer["type"] == "next" else answer["payload"]
            assert {error["extensions"]["code"] for error in errors} == {"SERVICE_UNAVAILABLE"}
            cluster.start()
            started = time.monotonic()
            statuses = []
            while time.monotonic() - started < 15:
                response = client.post("/graphql", json=QUERY, headers=headers)
                statuses.append(response.status_code)
                if response.status_code == 200:
                    break
                assert_unavailable(response)
                time.sleep(0.1)
            recovered_in = time.monotonic() - started
            assert statuses[-1] == 200, statuses
            print(f"recovered {recovered_in:.2f} s after the database was back")
            assert client.get("/reports/pairings.csv", headers=headers).status_code == 200
    finally:
        output = server.stop()
    assert "Exception in ASGI application" not in output, output  # nothing escaped unanswered


async def websocket_close_code(server: LiveServer, secret: str) -> int | None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"]) as websocket:
        await websocket.send(json.dumps({"type": "connection_init", "payload": {"token": secret}}))
        with contextlib.suppress(Exception):  # the close arrives as ConnectionClosed
            await asyncio.wait_for(websocket.recv(), 10)
        await asyncio.wait_for(websocket.wait_closed(), 10)
        return websocket.close_code


async def requests_while(server: LiveServer, headers: dict[str, str], happening) -> list[int]:
    """The statuses of requests sent by a few clients at once until `happening` is done and a
    moment after; a lost connection fails the test (httpx raises)."""
    done = asyncio.Event()
    statuses: list[int] = []
    slowest = 0.0

    async def keep_asking(client: httpx.AsyncClient) -> None:
        nonlocal slowest
        while not done.is_set():
            started = time.monotonic()
            statuses.append((await client.post("/graphql", json=QUERY, headers=headers)).status_code)
            slowest = max(slowest, time.monotonic() - started)

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        askers = [asyncio.create_task(keep_asking(client)) for _ in range(4)]
        await happening
        await asyncio.sleep(0.5)
        done.set()
        await asyncio.gather(*askers)
    print(f"{len(statuses)} requests while the database stopped, the slowest answered in {slowest:.2f} s")
    return statuses
