"""`qianshou db backup` while a server writes, and `qianshou db restore` into a new database that a
server then serves: SQLite through its backup API, PostgreSQL through pg_dump/pg_restore."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from sqlalchemy import func, select

from db.backup import BackupError, backup
from db.engine import Database
from db.migrate import current_revision, head_revision
from db.models import Program, Role
from resolvers.tokens import create_token
from tests.commands import qianshou
from tests.conftest import POSTGRES_URL, LiveServer

pytestmark = pytest.mark.slow  # backs up a real server under writes

WRITE = (
    """mutation($input: CreateProgramInput!) { createProgram(input: $input) { program { id } userErrors { code } } }"""
)


async def programs_in(url: str) -> tuple[int, str | None]:
    db = Database.from_url(url)
    try:
        async with db.reading() as session:
            count = (await session.execute(select(func.count()).select_from(Program))).scalar_one()
        return count, await current_revision(db.write_engine)
    finally:
        await db.dispose()


class Writer(threading.Thread):
    """Creates programs through the server until stopped, counting those it was told were made."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.stopping = threading.Event()
        self.created = 0

    def run(self) -> None:
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {self.token}"}) as client:
            while not self.stopping.is_set():
                variables = {"input": {"name": f"备份期间 {self.created}", "startsOn": "2026-01-01"}}
                payload = client.post(self.url, json={"query": WRITE, "variables": variables}).json()
                assert payload["data"]["createProgram"]["userErrors"] == []
                self.created += 1


async def test_backup_while_serving_and_restore_into_a_new_database(databases, tmp_path):
    db = await databases.new_database("backup", demo=True)
    token = await create_token(db, "backup-admin", Role.ADMIN)
    await db.dispose()
    before, _ = await programs_in(db.url)
    server = LiveServer(db.url, env={"QIANSHOU_ACCESS_LOG": "false"}).start()
    writer = Writer(f"{server.url}/graphql", token)
    writer.start()
    try:
        while writer.created < 3:
            await asyncio.sleep(0.1)
        made = qianshou("db", "backup", str(tmp_path / "nightly.backup"), database_url=db.url)
        written_by_then = writer.created
    finally:
        writer.stopping.set()
        writer.join(30)
        server.stop()
    assert made.returncode == 0, made.stderr
    target = await databases.new_url("restored")
    restored = qianshou("db", "restore", str(tmp_path / "nightly.backup"), database_url=target)
    assert restored.returncode == 0, restored.stderr
    count, revision = await programs_in(target)
    assert revision == head_revision()
    # A snapshot taken during the writes: those made before it, perhaps one in flight, none after.
    assert before + 3 <= count <= before + written_by_then + 1
    served = LiveServer(target, env={"QIANSHOU_ENV": "production"}).start()  # at head: no migration needed
    try:
        answer = httpx.post(
            f"{served.url}/graphql",
            json={"query": "{ programs { totalCount } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        served.stop()
    assert answer.json()["data"]["programs"]["totalCount"] == count


async def test_restore_refuses_a_file_that_is_not_a_backup(databases, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"hello")
    target = await databases.new_url("bogus")
    result = qianshou("db", "restore", str(bogus), database_url=target)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    expected = "is not a Qianshou SQLite backup" if not POSTGRES_URL else "pg_restore failed"
    assert expected in result.stderr


@pytest.mark.database_free
def test_an_in_memory_sqlite_database_has_no_file_to_back_up(tmp_path):
    with pytest.raises(BackupError, match="names no SQLite database file"):
        backup("sqlite://", tmp_path / "backup")
    assert not (tmp_path / "backup").exists()
