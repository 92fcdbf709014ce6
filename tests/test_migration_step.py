"""Migrations are a deployment step: production `serve` checks the revision and never migrates,
`qianshou db upgrade` runs one at a time, development keeps migrating on start."""

from __future__ import annotations

import subprocess

import pytest

from db.engine import Database
from db.migrate import current_revision, head_revision, upgrade
from tests.commands import qianshou, qianshou_command, qianshou_environment
from tests.conftest import ROOT, LiveServer, free_port

pytestmark = pytest.mark.slow  # starts qianshou serve against databases at several revisions


async def revision_of(url: str) -> str | None:
    db = Database.from_url(url)
    try:
        return await current_revision(db.write_engine)
    finally:
        await db.dispose()


async def test_production_serve_refuses_a_database_never_migrated_and_leaves_it_alone(databases):
    url = await databases.new_url("prod-empty")
    result = qianshou("serve", "--port", str(free_port()), database_url=url, QIANSHOU_ENV="production")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "no schema yet: run `qianshou db upgrade` first" in result.stderr
    assert await revision_of(url) is None


async def test_production_serve_refuses_a_database_behind_head_naming_both_revisions(databases):
    url = await databases.new_url("prod-behind")
    db = Database.from_url(url)
    try:
        await upgrade(db.write_engine, "0001")
    finally:
        await db.dispose()
    result = qianshou("serve", "--port", str(free_port()), database_url=url, QIANSHOU_ENV="production")
    assert result.returncode == 1
    assert f"at revision 0001 but this version needs {head_revision()}" in result.stderr
    assert await revision_of(url) == "0001"
    assert qianshou("db", "check", database_url=url).returncode == 1
    assert qianshou("db", "upgrade", database_url=url).returncode == 0
    checked = qianshou("db", "check", database_url=url)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "database is at the head revision"


async def test_production_serve_starts_on_a_database_at_head(databases):
    db = await databases.new_database("prod-head")
    await db.dispose()
    server = LiveServer(db.url, env={"QIANSHOU_ENV": "production"}).start()
    try:
        assert server.process.poll() is None
    finally:
        server.stop()


async def test_development_serve_migrates_on_start(databases):
    url = await databases.new_url("dev-start")
    server = LiveServer(url).start()
    server.stop()
    assert await revision_of(url) == head_revision()


@pytest.mark.postgres_only
async def test_two_upgrade_commands_at_once_both_succeed(databases):
    url = await databases.new_url("concurrent-cli")
    command, environment = qianshou_command("db", "upgrade"), qianshou_environment(url)
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    errors = [process.communicate(timeout=60)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], errors
    assert await revision_of(url) == head_revision()
