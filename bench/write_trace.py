"""The statements one write runs, in order, with the time each took: what M1 costs, round trip by round trip.

    .venv/bin/python -m bench.write_trace --database-url postgresql://postgres@127.0.0.1/qianshou_bench
    .venv/bin/python -m bench.write_trace --repeat 50          # SQLite, national data at scale 1

Loads the national data (once), then runs `submitMilestoneUpdate` and `reviewMilestoneUpdate`
(RETURN) in turn on one milestone through the GraphQL schema in this process, as the mentor agency
and as ministry staff would, and prints the statements of the last of `--repeat` submissions and
returns with the median time of each (over all repeats), transaction control included. The rest
of a write's time, outside the database, is shown as "Python".
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/write_trace.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor, ExecutionContext
from sqlalchemy.pool import ConnectionPoolEntry

from bench.data import TODAY
from bench.queries import M1_RETURN, M1_SUBMIT
from bench.report import RESULTS
from db.demo.national import PROGRAM_NAME, load_national_demo
from db.engine import Database
from db.migrate import upgrade
from db.models import Milestone, MilestoneStatus, Pairing, PairingStatus, Program, Role
from resolvers.access import Actor
from resolvers.ids import encode_id
from resolvers.scope import Scope


@dataclass
class Trace:
    """The statements of one write, with their times, and the write's time from first to last."""

    statements: list[tuple[str, float]] = field(default_factory=list)
    total: float = 0.0
    # CPU time of this process (the write's Python, the driver's, the GraphQL execution's): unlike
    # the wall time, barely changed by other processes competing for the machine.
    cpu: float = 0.0


def _shorten(statement: str, width: int = 110) -> str:
    line = " ".join(statement.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def listen(db: Database, traces: list[Trace]) -> None:
    """Time every statement and transaction end of `db` into the last trace."""
    started: dict[int, float] = {}

    def before(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        started[id(conn)] = time.perf_counter()

    def after(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if traces:
            traces[-1].statements.append((statement, time.perf_counter() - started.pop(id(conn))))

    def commit(conn: Connection) -> None:
        started[id(conn)] = time.perf_counter()

    for engine in db.engines:
        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
        event.listen(engine.sync_engine, "commit", commit)

    # The connection event fires before the driver commits; the pool's checkin follows the commit.
    def checkin(dbapi_connection: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        for key, value in list(started.items()):
            if traces:
                traces[-1].statements.append(("COMMIT (and back to the pool)", time.perf_counter() - value))
            del started[key]

    for engine in db.engines:
        event.listen(engine.sync_engine.pool, "checkin", checkin)


async def find_milestone(db: Database) -> tuple[int, int, int]:
    """(milestone pk, its version, its mentor agency pk): an IN_PROGRESS milestone of an ACTIVE pairing."""
    async with db.reading() as session:
        row = (
            await session.execute(
                select(Milestone.id, Milestone.version, Pairing.mentor_id)
                .join(Pairing, Pairing.id == Milestone.pairing_id)
                .join(Program, Program.id == Pairing.program_id)
                .where(
                    Program.name == PROGRAM_NAME,
                    Pairing.status == PairingStatus.ACTIVE,
                    Milestone.status == MilestoneStatus.IN_PROGRESS,
                )
                .order_by(Milestone.id.desc())
                .limit(1)
            )
        ).one()
    return row[0], row[1], row[2]


async def run(db: Database, repeat: int) -> dict[str, list[Trace]]:
    from schema.schema import schema  # noqa: PLC0415 - the schema is big: imported once the data is there

    milestone_pk, version, mentor_pk = await find_milestone(db)
    mentor = Actor(name=f"bench-trace-mentor-{mentor_pk}", role=Role.MENTOR_AGENCY, agency_id=mentor_pk)
    staff = Actor(name="bench-trace-staff", role=Role.MINISTRY)
    traces: dict[str, list[Trace]] = defaultdict(list)
    current: list[Trace] = []
    listen(db, current)

    async def execute(name: str, actor: Actor, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        current.clear()
        current.append(Trace())
        started, cpu_started = time.perf_counter(), time.process_time()
        result = await schema.execute(
            query, variable_values=variables, context_value=Scope(db=db, actor=actor, today=TODAY)
        )
        current[0].total = time.perf_counter() - started
        current[0].cpu = time.process_time() - cpu_started
        traces[name].append(current[0])
        if result.errors:
            raise RuntimeError(f"{name}: {result.errors[0]}")
        if result.data is None:
            raise RuntimeError(f"{name}: no data")
        payload: dict[str, Any] = next(iter(result.data.values()))
        if payload["userErrors"]:
            raise RuntimeError(f"{name} refused: {payload['userErrors']}")
        return payload

    for _ in range(repeat):
        submitted = await execute(
            "submitMilestoneUpdate",
            mentor,
            M1_SUBMIT,
            {
                "input": {
                    "milestoneId": encode_id("Milestone", milestone_pk),
                    "note": "基准测试进展报告",
                    "progressPercent": 50,
                    "idempotencyKey": uuid.uuid4().hex,
                }
            },
        )
        version += 1
        await execute(
            "reviewMilestoneUpdate",
            staff,
            M1_RETURN,
            {
                "input": {
                    "updateId": submitted["milestoneUpdate"]["id"],
                    "decision": "RETURN",
                    "milestoneVersion": version,
                    "reviewNote": "基准测试：请补充材料",
                }
            },
        )
        version += 1
    return traces


def report(name: str, traces: list[Trace]) -> None:
    last = traces[-1]
    # Each statement's median over the repeats, matched by position (every repeat runs the same list).
    same = [trace for trace in traces if len(trace.statements) == len(last.statements)]
    medians = [statistics.median(trace.statements[i][1] for trace in same) for i in range(len(last.statements))]
    total = statistics.median(trace.total for trace in traces)
    cpu = statistics.median(trace.cpu for trace in traces)
    print(
        f"\n{name}: {len(last.statements)} round trips; median of {len(traces)} writes: {total * 1000:.2f} ms, "
        f"of which this process's CPU {cpu * 1000:.2f} ms"
    )
    for number, ((statement, _), seconds) in enumerate(zip(last.statements, medians, strict=True), start=1):
        print(f"{number:>3} {seconds * 1000:>7.2f} ms  {_shorten(statement)}")
    print(f"    {(total - sum(medians)) * 1000:>7.2f} ms  Python (resolvers, GraphQL, SQLAlchemy) and waits between")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.write_trace", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: the benchmark's SQLite file at scale 1")
    parser.add_argument("--scale", type=float, default=1.0, help="national data scale, if it must be loaded")
    parser.add_argument("--repeat", type=int, default=30, help="submissions and returns to time")
    args = parser.parse_args(argv)
    if args.database_url is None:
        RESULTS.mkdir(exist_ok=True)
        args.database_url = f"sqlite:///{RESULTS / f'national-{args.scale:g}.sqlite3'}"

    async def go() -> dict[str, list[Trace]]:
        db = Database.from_url(args.database_url)
        try:
            await upgrade(db.write_engine)
            await load_national_demo(db, args.scale)
            return await run(db, args.repeat)
        finally:
            await db.dispose()

    for name, traces in asyncio.run(go()).items():
        report(name, traces)
    return 0


if __name__ == "__main__":
    sys.exit(main())
