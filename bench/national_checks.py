"""Times the national-scale reads that have targets of their own, over HTTP against a real server,
and prints PostgreSQL's plans of their statements: `programStats` for the whole program and for a
province, `overdueMilestones` (first page), and the first byte of GET /reports/pairings.csv.

    .venv/bin/python -m bench.national_checks --database-url postgresql://postgres@127.0.0.1/qianshou_bench30 --explain
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import select

from bench.data import PROVINCE_CODE, TODAY
from bench.in_process import explain
from bench.queries import Q3_STATS
from bench.server import Server
from db.demo.national import PROGRAM_NAME
from db.engine import Database
from db.models import Program, Region
from db.statements import recording
from resolvers.ids import encode_id
from resolvers.scope import Scope

OVERDUE = """
query Overdue($programId: ID) {
  overdueMilestones(programId: $programId, first: 50) {
    totalCount edges { node { id title dueOn status } }
  }
}
"""


async def ids(url: str) -> tuple[str, str]:
    db = Database.from_url(url)
    try:
        async with db.reading() as session:
            program = await session.scalar(select(Program.id).where(Program.name == PROGRAM_NAME))
            province = await session.scalar(select(Region.id).where(Region.code == PROVINCE_CODE))
    finally:
        await db.dispose()
    return encode_id("Program", program), encode_id("Region", province)


async def plans(url: str, cases: list[tuple[str, str, dict[str, Any]]]) -> None:
    from schema.schema import schema  # noqa: PLC0415

    db = Database.from_url(url)
    try:
        for name, query, variables in cases:
            with recording(db) as statements:
                result = await schema.execute(query, variable_values=variables, context_value=Scope(db=db, today=TODAY))
            assert not result.errors, result.errors
            print(f"\n==== {name}")
            await explain(db, statements.recorded, name)
    finally:
        await db.dispose()


def timed(client: httpx.Client, repeat: int, call: Callable[[httpx.Client], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call(client)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def first_byte(client: httpx.Client) -> None:
    with client.stream("GET", "/reports/pairings.csv") as response:
        assert response.status_code == 200, response.status_code
        next(response.iter_raw())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.national_checks", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    program_id, province_id = asyncio.run(ids(args.database_url))
    cases = [
        ("programStats, whole program", Q3_STATS, {"programId": program_id}),
        ("programStats, province", Q3_STATS, {"programId": program_id, "regionId": province_id}),
        ("overdueMilestones, first 50", OVERDUE, {"programId": program_id}),
    ]
    server = Server(args.database_url, workers=1, today=TODAY.isoformat(), env={}).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for name, query, variables in cases:

                def post(c: httpx.Client, q: str = query, v: dict[str, Any] = variables) -> dict[str, Any]:
                    answer: dict[str, Any] = c.post("/graphql", json={"query": q, "variables": v}).json()
                    return answer

                assert "errors" not in post(client), post(client)
                print(f"{name:<32} p50 {timed(client, args.repeat, post):8.1f} ms")
            print(f"{'report CSV, first byte':<32} p50 {timed(client, args.repeat, first_byte):8.1f} ms")
    finally:
        server.stop()
    if args.explain:
        asyncio.run(plans(args.database_url, cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
