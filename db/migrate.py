"""Apply the Alembic migrations from code (the CLI, the server's first start, the tests), and tell
whether a database is at the head revision (production servers start only then)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db import data_version

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The PostgreSQL advisory lock that upgrades of a database take in turn (any fixed 64-bit number;
# these are the bytes of "qianshou"). Advisory locks belong to one database, so upgrades of
# different databases on one server never wait for each other.
UPGRADE_LOCK = int.from_bytes(b"qianshou", "big") & 0x7FFF_FFFF_FFFF_FFFF


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate to `revision`. On PostgreSQL the migration's transaction first takes UPGRADE_LOCK:
    a second upgrade started meanwhile (servers deployed together) waits for the first to commit,
    then finds nothing left to do, rather than racing it to create the same tables."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        # Tables added since the data version's migration get its trigger too (db/data_version.py).
        data_version.watch_all(connection)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        await connection.run_sync(run)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migration history is empty"
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def revision_problem(engine: AsyncEngine) -> str | None:
    """Why this code may not serve the database, one line for the terminal; None when it is at head."""
    current, head = await current_revision(engine), head_revision()
    if current == head:
        return None
    if current is None:
        return f"the database has no schema yet: run `qianshou db upgrade` first (head is {head})"
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        return f"the database is at revision {current}, which this version of qianshou does not know: upgrade qianshou"
    return f"the database is at revision {current} but this version needs {head}: run `qianshou db upgrade` first"
