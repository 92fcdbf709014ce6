"""What bench.run measures in-process before it starts a server: SQL statements per operation, the
floor's answers checked against the server's, and PostgreSQL's plans of Q1."""

from __future__ import annotations

import argparse
import random
import sys
from typing import Any

import orjson

from bench import floor, writes
from bench.data import TODAY, Fixture, prepare, q2_variables
from bench.queries import Q1_DASHBOARD, Q2_DETAIL, Q3_STATS
from bench.report import Row
from db.engine import Database
from db.statements import recording
from resolvers.ids import encode_id
from resolvers.scope import Scope


async def before_http(args: argparse.Namespace, rows: dict[str, Row]) -> tuple[Fixture, dict[str, Any]]:
    """The data loaded, each read's statement count set in `rows`, and what the report adds (`info`)."""
    db = Database.from_url(args.database_url)
    info: dict[str, Any] = {}
    try:
        fixture, load_seconds = await prepare(db, args.scale)
        info["load_seconds"] = load_seconds
        rng = random.Random(1)
        q1_vars = {"first": args.page_size, "after": None}
        info["q1_statements_by_page_size"] = {
            size: (await count_statements(db, Q1_DASHBOARD, {"first": size, "after": None}))[0]
            for size in (10, 50, 100)
        }
        rows["Q1"].statements, q1_statements = await count_statements(db, Q1_DASHBOARD, q1_vars)
        rows["Q2"].statements, _ = await count_statements(db, Q2_DETAIL, q2_variables(fixture, rng))
        rows["Q3 program"].statements, _ = await count_statements(db, Q3_STATS, {"programId": fixture.program_id})
        rows["Q3 province"].statements, _ = await count_statements(
            db, Q3_STATS, {"programId": fixture.program_id, "regionId": fixture.province_id}
        )
        info["floor_problems"] = await check_floor(db, fixture, args.page_size)
        if args.explain:
            await explain(db, q1_statements)
        if "M1" in args.operations:
            info["m1_writers"] = await writes.prepare_writers(db, fixture.program_pk, max(args.concurrency))
    finally:
        await db.dispose()
    return fixture, info


async def execute_in_process(db: Database, query: str, variables: dict[str, Any]) -> Any:
    from schema.schema import schema  # noqa: PLC0415 - imported late: the server process does not need it here

    result = await schema.execute(query, variable_values=variables, context_value=Scope(db=db, today=TODAY))
    if result.errors:
        raise RuntimeError(f"{query.split('(')[0].strip()}: {result.errors[0]}")
    return result.data


async def count_statements(db: Database, query: str, variables: dict[str, Any]) -> tuple[int, list[tuple[str, Any]]]:
    await execute_in_process(db, query, variables)  # warm the parse cache and the plans
    with recording(db) as statements:
        await execute_in_process(db, query, variables)
    return statements.count, statements.recorded


async def check_floor(db: Database, fixture: Fixture, first: int) -> list[str]:
    """The floor must return what the server returns, or its speed means nothing."""
    problems = []
    q1 = {"first": first, "after": None}
    q2 = {"id": encode_id("Pairing", fixture.pairing_pks[0])}
    floor_q1 = orjson.loads(await floor.q1_floor(db, TODAY, first, None))["data"]
    floor_q2 = orjson.loads(await floor.q2_floor(db, fixture.pairing_pks[0]))["data"]
    if floor_q1 != orjson.loads(orjson.dumps(await execute_in_process(db, Q1_DASHBOARD, q1))):
        problems.append("Q1 floor answer differs from the server's")
    if floor_q2 != orjson.loads(orjson.dumps(await execute_in_process(db, Q2_DETAIL, q2))):
        problems.append("Q2 floor answer differs from the server's")
    return problems


async def explain(db: Database, statements: list[tuple[str, Any]], name: str = "Q1") -> None:
    """Prints PostgreSQL's EXPLAIN ANALYZE of each statement, as recorded (the driver's own SQL)."""
    if db.is_sqlite:
        print("--explain: SQLite has no comparable plans; run against PostgreSQL", file=sys.stderr)
        return
    async with db.read_engine.connect() as connection:
        # asyncpg's connection, untyped; SQLAlchemy types it optional for a connection already closed.
        driver: Any = (await connection.get_raw_connection()).driver_connection
        for number, (statement, parameters) in enumerate(statements, start=1):
            plan = await driver.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *(parameters or ()))
            print(f"\n-- {name} statement {number}:\n{statement}\n-- parameters: {parameters}")
            print("\n".join(row[0] for row in plan))
