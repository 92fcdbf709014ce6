"""Writing the national data set fast: bulk statements (PostgreSQL: COPY; SQLite: executemany) with
ids assigned by the loader, and on PostgreSQL the two costs that grow with every row set aside for
the load: row triggers with foreign-key checks, and index upkeep."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK = 5_000
# Memory for each index built after the load: a build that fits sorts in one pass.
INDEX_BUILD_MEMORY = "256MB"

SECONDARY_INDEXES = text(
    "SELECT pg_get_indexdef(i.indexrelid), c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid::regclass::text = ANY(:tables) AND NOT i.indisprimary AND i.indpred IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid) ORDER BY c.relname"
)


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def next_id(session: AsyncSession, table: Table) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


async def reset_sequence(session: AsyncSession, table: Table) -> None:
    """PostgreSQL: the id sequence continues after the ids the loader assigned."""
    if is_postgres(session):
        await session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))")
        )


@asynccontextmanager
async def triggers_off(session: AsyncSession) -> AsyncIterator[None]:
    """Rows written in the block fire no triggers and check no foreign keys (PostgreSQL's
    session_replication_role, which only a superuser may set; for anyone else this does nothing).
    The loader makes every row's parents itself, and recomputes what the triggers would have
    counted (the program counters; the data version is moved by the rows it writes outside)."""
    if not is_postgres(session) or await session.scalar(text("SELECT current_setting('is_superuser')")) != "on":
        yield
        return
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    yield
    await session.execute(text("SET LOCAL session_replication_role = origin"))


@asynccontextmanager
async def indexes_built_after(session: AsyncSession, tables: Iterable[Table]) -> AsyncIterator[None]:
    """PostgreSQL: the secondary indexes of `tables` are dropped for the block and built again
    after it, each in one sorted pass instead of millions of insertions, with the same definitions.
    Primary keys, indexes behind a constraint and partial indexes stay (the few rows of the partial
    ones cost little, and their conditions would come back spelled differently). The tables stay
    locked until commit."""
    if not is_postgres(session):
        yield
        return
    found = (await session.execute(SECONDARY_INDEXES, {"tables": [table.name for table in tables]})).all()
    for _, name in found:
        await session.execute(text(f'DROP INDEX "{name}"'))
    yield
    await session.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"))
    for definition, _ in found:
        await session.execute(text(definition))


async def bulk_insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if is_postgres(session):
        await _copy(session, table, rows)
        return
    for chunk in _chunks(rows):
        await session.execute(insert(table), chunk)


def _chunks(items: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _as_copied(table: Table, columns: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row as COPY sends it, values as they are: JSON is encoded here; enums are StrEnums, that
    is strings already. Every row of a table is made with its keys in the same order."""
    encoded = {name for name in columns if isinstance(table.c[name].type, JSON)}
    if not encoded:
        return lambda row: tuple(row.values())
    return lambda row: tuple(orjson.dumps(value).decode() if name in encoded else value for name, value in row.items())


async def _copy(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    as_copied = _as_copied(table, columns)
    records = [as_copied(row) for row in rows]
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise RuntimeError("the connection to PostgreSQL is closed")
    await driver.copy_records_to_table(table.name, records=records, columns=columns)
