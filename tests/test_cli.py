"""The `qianshou` command line, run as a real process."""

from __future__ import annotations

import pytest

from schema.schema import schema
from tests.commands import qianshou

pytestmark = pytest.mark.slow  # runs the qianshou command


def test_malformed_database_url_is_one_line_error():
    result = qianshou("db", "upgrade", database_url="mysql://nobody@nowhere/x")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "unsupported database 'mysql'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line_error():
    result = qianshou("db", "upgrade", database_url="postgresql://postgres@127.0.0.1:9/nowhere")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: cannot reach the database at postgresql+asyncpg://postgres@127.0.0.1:9/nowhere"
    )
    assert result.stderr.strip().count("\n") == 0, result.stderr


async def test_demo_loads_once_and_upgrade_is_idempotent(databases):
    url = await databases.new_url("cli")
    assert qianshou("db", "upgrade", database_url=url).stdout.strip() == "database is up to date"
    first = qianshou("demo", database_url=url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "demo data loaded"
    assert "demo-admin             password: qianshou-demo" in first.stdout
    second = qianshou("demo", database_url=url)
    assert second.stdout.splitlines()[0] == "demo data already present; nothing changed"
    # The demo accounts are printed again, and the same.
    assert second.stdout.splitlines()[1:] == first.stdout.splitlines()[1:]


def test_schema_export_writes_the_served_schema(tmp_path):
    target = tmp_path / "schema.graphql"
    result = qianshou("schema", "export", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == str(schema) + "\n"
