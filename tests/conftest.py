"""Fixtures shared by the suite. The same tests run on SQLite (default) and on PostgreSQL when
QIANSHOU_TEST_DATABASE_URL names one; every database under test is new and migrated."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url

from db.demo.henan import load_henan_demo
from db.engine import Database
from db.listen import asyncpg_dsn
from db.migrate import upgrade
from db.models import Pairing, PairingStatus
from resolvers.access import ANONYMOUS, Actor
from resolvers.scope import Scope
from schema.schema import schema

# Tests fix "today" so that overdue and health do not drift with the calendar.
TODAY = dt.date(2026, 11, 30)
ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("QIANSHOU_TEST_DATABASE_URL")


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite'}"


def pytest_collection_modifyitems(config, items) -> None:
    if POSTGRES_URL:
        # The run on SQLite checks these; running them again on PostgreSQL would check nothing new.
        marker, reason = "database_free", "uses no database: the run on SQLite checks it"
    else:
        marker, reason = "postgres_only", "needs PostgreSQL (set QIANSHOU_TEST_DATABASE_URL)"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)


async def _postgres_admin(statement: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(POSTGRES_URL))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class DatabaseFactory:
    """Makes new empty databases: SQLite files, or PostgreSQL databases beside the given one."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.created: list[str] = []
        self._templates: dict[bool, str] = {}

    async def new_url(self, name: str) -> str:
        suffix = uuid.uuid4().hex[:8]
        if not POSTGRES_URL:
            return f"sqlite:///{self.tmp_dir / f'{name}-{suffix}.sqlite3'}"
        database = f"{make_url(POSTGRES_URL).database}_{name}_{suffix}"
        await _postgres_admin(f'CREATE DATABASE "{database}"')
        self.created.append(database)
        return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)

    async def new_database(self, name: str, *, demo: bool = False) -> Database:
        """A new migrated database (with the demo data if `demo`), copied from one made once per
        session: migrating and loading the demo took most of a small test's time. The demo is the
        same on every load (its dates are set against a fixed day), so a copy is what loading it
        again would give. SQLite: a file copy; PostgreSQL: CREATE DATABASE ... TEMPLATE."""
        template = await self._template(demo)
        if not POSTGRES_URL:
            target = self.tmp_dir / f"{name}-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(make_url(template).database or "", target)
            return Database.from_url(f"sqlite:///{target}")
        database = f"{make_url(POSTGRES_URL).database}_{name}_{uuid.uuid4().hex[:8]}"
        await _postgres_admin(f'CREATE DATABASE "{database}" TEMPLATE "{make_url(template).database}"')
        self.created.append(database)
        return Database.from_url(make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False))

    async def _template(self, demo: bool) -> str:
        if demo not in self._templates:
            url = await self.new_url("demo-template" if demo else "template")
            template = Database.from_url(url)
            await upgrade(template.write_engine)
            if demo:
                await load_henan_demo(template)
            await template.dispose()  # SQLite checkpoints its WAL; PostgreSQL copies only an unused template
            self._templates[demo] = url
        return self._templates[demo]

    async def drop_all(self) -> None:
        for database in self.created:
            await _postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def databases(tmp_path_factory) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    await factory.drop_all()


@pytest.fixture(scope="session")
async def demo_db(databases: DatabaseFactory) -> AsyncIterator[Database]:
    """The demo data, shared by tests that only read. Tests that write use `fresh_db`."""
    db = await databases.new_database("demo", demo=True)
    yield db
    await db.dispose()


@pytest.fixture
async def fresh_db(databases: DatabaseFactory) -> AsyncIterator[Database]:
    """A database of its own with the demo data, for a test that writes."""
    db = await databases.new_database("write", demo=True)
    yield db
    await db.dispose()


async def reopen_ye_county(db: Database) -> None:
    """Set the demo's Ye County pairing (id 1) ACTIVE again. Its term is over (COMPLETED), and a
    closed pairing takes no more records (resolvers/pairing_state.py): tests about something else
    that write into it use it as an open pairing, the closed rule having tests of its own."""
    async with db.writing() as session:
        await session.execute(update(Pairing).where(Pairing.id == 1).values(status=PairingStatus.ACTIVE))


@pytest.fixture
async def open_db(fresh_db: Database) -> Database:
    """`fresh_db` with the Ye County pairing open (see `reopen_ye_county`)."""
    await reopen_ye_county(fresh_db)
    return fresh_db


def make_scope(db: Database, actor: Actor = ANONYMOUS) -> Scope:
    return Scope(db=db, actor=actor, today=TODAY)


async def run_graphql(db: Database, query: str, variables: dict[str, Any] | None = None, actor: Actor = ANONYMOUS):
    """Execute in-process (no HTTP) with a fresh request scope; returns the ExecutionResult."""
    return await schema.execute(query, variable_values=variables, context_value=make_scope(db, actor))


async def gql(db: Database, query: str, variables: dict[str, Any] | None = None, actor: Actor = ANONYMOUS) -> Any:
    """Execute and return `data`, failing the test on any GraphQL error."""
    result = await run_graphql(db, query, variables, actor)
    assert result.errors is None, result.errors
    return result.data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real `qianshou serve` process (Uvicorn) on a free port."""

    def __init__(self, database_url: str, *, env: dict[str, str] | None = None, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            **os.environ,
            "QIANSHOU_DATABASE_URL": database_url,
            "QIANSHOU_TODAY": TODAY.isoformat(),
            **(env or {}),
        }
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.output: list[bytes] = []
        self.reader: threading.Thread | None = None

    def start(self) -> LiveServer:
        command = [sys.executable, "-m", "server", "serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        # The server's log is read as it comes: a pipe nobody reads fills at 64 KB, and the
        # server's next log line then blocks its event loop, every request with it.
        self.output = []
        self.reader = threading.Thread(target=_collect, args=(self.process.stdout, self.output), daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 60  # a busy 2-core CI machine
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self._output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become ready in 60 s")

    def stop(self) -> str:
        """Stops the server (SIGTERM, then SIGKILL after 15 s); everything it printed."""
        if self.process is None:
            return ""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self._output()

    def _output(self) -> str:
        self.reader.join(10)
        return b"".join(self.output).decode(errors="replace")


def _collect(stream, chunks: list[bytes]) -> None:
    for line in stream:
        chunks.append(line)


@pytest.fixture(scope="session")
def live_server(demo_db: Database) -> Iterator[LiveServer]:
    server = LiveServer(demo_db.url).start()
    yield server
    server.stop()


# The write tests' world (tests/test_mutations_support.py): a migrated database of its own with a
# program, agencies, a pairing and a milestone, and `api`, a client of the app in-process with a token
# per role. Modules with a `world` of their own override these.
@pytest.fixture
async def world(databases: DatabaseFactory) -> AsyncIterator[Any]:
    from tests.test_mutations_support import build_world

    db = await databases.new_database("writes")
    try:
        yield await build_world(db)
    finally:
        await db.dispose()


@pytest.fixture
async def api(world: Any) -> AsyncIterator[Any]:
    from tests.test_mutations_support import Api, app_for, make_tokens

    tokens = await make_tokens(world)
    app = app_for(world.db, rate_limit_per_minute=0)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield Api(client, tokens)
    finally:
        await app.state.service.db.dispose()


@pytest.fixture
def allow_private() -> Iterator[None]:
    """Webhook URLs on loopback allowed (the tests' receivers listen there), then refused again."""
    from resolvers.webhook_targets import POLICY

    POLICY.allow_private = True
    yield
    POLICY.allow_private = False
