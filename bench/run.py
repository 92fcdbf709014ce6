"""Benchmark the GraphQL server on the national data set against the in-process floor.

    .venv/bin/python -m bench.run --scale 1 --workers 2 --concurrency 1,8 --seconds 10
    .venv/bin/python -m bench.run --database-url postgresql://postgres@127.0.0.1/qianshou_bench --explain

Loads the national data at `--scale` (once; a second run reuses it), counts the SQL statements of each
operation in-process, checks that the floor of Q1 and Q2 answers as the server does, starts
`python -m server serve --workers W`, drives it with HTTP clients, times Q1 and Q2 in alternation
with their floor, and prints a table (and, with --json, writes it to bench/results/).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson
from sqlalchemy import select

from bench import floor, modes, paths, writes
from bench.load import ALTERNATE, Request, drive
from bench.queries import MUTATION_FIELDS, Q1_DASHBOARD, Q2_DETAIL, Q3_STATS
from bench.report import RESULTS, print_table, write_json
from bench.server import MemorySampler, Server
from db.demo.national import PROGRAM_NAME, NationalDemoError, load_national_demo
from db.engine import Database
from db.migrate import upgrade
from db.models import Pairing, Program, Region
from db.statements import recording
from resolvers.ids import encode_id
from resolvers.pagination import encode_cursor
from resolvers.scope import Scope

TODAY = dt.date(2026, 11, 30)
PROVINCE_CODE = "410000"  # Q3 for one province: 河南省
ALL_OPERATIONS = ("Q1", "Q2", "Q3", "M1")


@dataclass
class Fixture:
    """What the requests are about, read from the loaded data."""

    program_id: str
    province_id: str
    pairing_pks: list[int]
    program_pk: int


@dataclass
class Row:
    name: str
    concurrency: int | None = None
    stats: dict[str, float] = field(default_factory=dict)
    floor_ms: float | None = None
    # The server's p50 timed in alternation with the floor (bench.load.drive): the ratio's numerator.
    paired_ms: float | None = None
    statements: int | None = None
    note: str = ""
    # The busiest workers' shares of the server's CPU (worker_split); None at concurrency 1.
    worker_split: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.floor_ms is None or self.paired_ms is None:
            return None
        return self.paired_ms / self.floor_ms


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a SQLite file per scale in bench/results/")
    parser.add_argument("--scale", type=float, default=1.0, help="national data scale (1 = 1,500 pairings)")
    parser.add_argument("--workers", type=int, default=2, help="Uvicorn worker processes")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated numbers of concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per operation and concurrency")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each measurement")
    parser.add_argument("--operations", default=",".join(ALL_OPERATIONS), help="subset of Q1,Q2,Q3,M1")
    parser.add_argument("--page-size", type=int, default=50, help="`first` of Q1")
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL EXPLAIN ANALYZE of Q1's statements")
    parser.add_argument("--json", action="store_true", help="also write the results to bench/results/*.json")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra server environment")
    parser.add_argument(
        "--modes",
        default="development",
        help="development,token,session: compare the reads in these modes (bench/modes.py)",
    )
    parser.add_argument(
        "--rounds", type=int, help="with --modes or --fast-paths: interleaved rounds per cell (default 1, 3)"
    )
    parser.add_argument(
        "--fast-paths", metavar="all|PATH,...", help="run on/off pairs of these fast paths (bench/paths.py)"
    )
    args = parser.parse_args(argv)
    args.concurrency = [int(part) for part in args.concurrency.split(",") if part.strip()]
    args.operations = [part.strip().upper() for part in args.operations.split(",") if part.strip()]
    unknown = set(args.operations) - set(ALL_OPERATIONS)
    if unknown or not args.concurrency or min(args.concurrency) < 1:
        parser.error(f"bad --operations {sorted(unknown)} or --concurrency")
    args.fast_paths = paths.chosen(args.fast_paths) if args.fast_paths else None
    args.modes = [part.strip() for part in args.modes.split(",") if part.strip()]
    # One on/off pair measures the load of its minute as much as the path.
    args.rounds = args.rounds or (3 if args.fast_paths else 1)
    if set(args.modes) - set(modes.MODES) or not args.modes or args.rounds < 1:
        parser.error(f"--modes takes some of {','.join(modes.MODES)}; --rounds at least 1")
    if args.database_url is None:
        RESULTS.mkdir(exist_ok=True)
        args.database_url = f"sqlite:///{RESULTS / f'national-{args.scale:g}.sqlite3'}"
    return args


# --- in-process: data, statement counts, floor, plans ---------------------------------------------


async def prepare(db: Database, scale: float) -> tuple[Fixture, float | None]:
    await upgrade(db.write_engine)
    started = time.perf_counter()
    loaded = await load_national_demo(db, scale)
    load_seconds = time.perf_counter() - started if loaded else None
    async with db.reading() as session:
        program_pk = await session.scalar(select(Program.id).where(Program.name == PROGRAM_NAME))
        province_pk = await session.scalar(select(Region.id).where(Region.code == PROVINCE_CODE))
        if program_pk is None or province_pk is None:
            raise RuntimeError(f"the national demo holds no program {PROGRAM_NAME!r} or no region {PROVINCE_CODE!r}")
        pairing_pks = list(await session.scalars(select(Pairing.id).where(Pairing.program_id == program_pk)))
    fixture = Fixture(encode_id("Program", program_pk), encode_id("Region", province_pk), pairing_pks, program_pk)
    return fixture, load_seconds


def q1_variables(fixture: Fixture, rng: random.Random, first: int) -> dict[str, Any]:
    """A page starting anywhere in the list: keyset pages cost the same wherever they start."""
    start = rng.randrange(max(1, len(fixture.pairing_pks) - first))
    return {"first": first, "after": encode_cursor((fixture.pairing_pks[start - 1],)) if start else None}


def q2_variables(fixture: Fixture, rng: random.Random) -> dict[str, Any]:
    return {"id": encode_id("Pairing", rng.choice(fixture.pairing_pks))}


async def execute_in_process(db: Database, query: str, variables: dict[str, Any]) -> Any:
    from schema.schema import schema  # noqa: PLC0415 - imported late: the server process does not need it here

    result = await schema.execute(query, variable_values=variables, context_value=Scope(db=db, today=TODAY))
    if result.errors:
        raise RuntimeError(f"{query.split('(')[0].strip()}: {result.errors[0]}")
    return result.data


async def count_statements(db: Database, query: str, variables: dict[str, Any]) -> tuple[int, list[tuple[str, Any]]]:
    await execute_in_process(db, query, variables)  # warm the parse and validation caches
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
    if db.is_sqlite:
        print("--explain: SQLite has no comparable plans; run against PostgreSQL", file=sys.stderr)
        return
    async with db.read_engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        for number, (statement, parameters) in enumerate(statements, start=1):
            plan = await raw.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *(parameters or ()))
            print(f"\n-- {name} statement {number}:\n{statement}\n-- parameters: {parameters}")
            print("\n".join(row[0] for row in plan))


async def in_process(args: argparse.Namespace, rows: dict[str, Row]) -> tuple[Fixture, dict[str, Any]]:
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


# --- over HTTP --------------------------------------------------------------------------------------


def m1_input_type(url: str) -> str | None:
    """The input type of submitMilestoneUpdate, or None when the schema has no such mutation yet."""
    import httpx  # noqa: PLC0415

    query = MUTATION_FIELDS.replace("fields { name }", "fields { name args { name type { name ofType { name } } } }")
    body = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30).json()
    mutation_type = ((body.get("data") or {}).get("__schema") or {}).get("mutationType") or {}
    for field_ in mutation_type.get("fields") or []:
        if field_["name"] == "submitMilestoneUpdate":
            for arg in field_["args"]:
                if arg["name"] == "input":
                    return arg["type"]["name"] or arg["type"]["ofType"]["name"]
    return None


def over_http(args: argparse.Namespace, fixture: Fixture, info: dict[str, Any], rows: dict[str, Row]) -> list[Row]:
    env = dict(item.split("=", 1) for item in args.env)
    server = Server(args.database_url, workers=args.workers, today=TODAY.isoformat(), env=env).start()
    sampler = MemorySampler(server.pid).start()
    results: list[Row] = []
    try:
        operations = http_operations(args, fixture, info, server.url, rows)
        for name, make_request, label in operations:
            if make_request is None:
                results.append(Row(name, note=label))
                continue
            for concurrency in args.concurrency:
                cpu_before = server.cpu_by_process()
                run = asyncio.run(
                    drive(
                        server.url,
                        make_request,
                        concurrency=concurrency,
                        seconds=args.seconds,
                        warmup=args.warmup,
                        answered=getattr(make_request, "answered", None),
                    )
                )
                cpu_used = server.cpu_by_process()
                template = rows.get(name, Row(name))
                row = Row(name, concurrency, run.stats(label), statements=template.statements, note=template.note)
                if concurrency > 1 and args.workers > 1:
                    used = [cpu_used[pid] - cpu_before.get(pid, 0) for pid in cpu_used]
                    row.worker_split = worker_split(used, args.workers)
                fetch_floor = floor_of(name, args, fixture) if concurrency == 1 else None
                if fetch_floor is not None:
                    paired_with_floor = against_floor(args, server.url, make_request, fetch_floor)
                    row.paired_ms, row.floor_ms = asyncio.run(paired_with_floor)
                if run.first_error:
                    row.note = f"first error: {run.first_error}"
                results.append(row)
                if name == "M1":
                    writes.check_accepted(run)
                    results.append(Row("M1 return", concurrency, run.stats(writes.REVIEW), note="the update returned"))
    finally:
        sampler.stop()
        server.stop()
    info["memory"] = sampler.summary()
    return results


def worker_split(cpu_used: list[int], workers: int) -> str:
    """The share of the CPU that each of the busiest `workers` processes used, largest first ("71:29").
    Each keep-alive connection stays with the worker that accepted it, and the kernel does not
    spread a few connections evenly: a cell whose connections all went to one worker measures one."""
    busiest = sorted(cpu_used, reverse=True)[:workers]
    total = sum(busiest) or 1
    return ":".join(f"{100 * used / total:.0f}" for used in busiest)


def floor_of(name: str, args: argparse.Namespace, fixture: Fixture):
    """The floor of Q1 or Q2 for a random page or pairing, as the requests ask; None for the others."""
    rng = random.Random(3)
    if name == "Q1":
        return lambda db: floor.q1_floor(db, TODAY, args.page_size, q1_variables(fixture, rng, args.page_size)["after"])
    if name == "Q2":
        return lambda db: floor.q2_floor(db, rng.choice(fixture.pairing_pks))
    return None


async def against_floor(args: argparse.Namespace, url: str, make_request, fetch_floor) -> tuple[float, float]:
    """(server p50, floor p50) in ms, timed in alternation (bench.load.drive), for the same
    seconds as a cell; the floor on pooled connections of an in-process engine, as the server."""
    db = Database.from_url(args.database_url)
    try:
        run = await drive(
            url,
            make_request,
            concurrency=1,
            seconds=args.seconds,
            warmup=args.warmup,
            alternate_with=lambda: fetch_floor(db),
        )
    finally:
        await db.dispose()
    return run.stats("all")["p50_ms"], run.stats(ALTERNATE)["p50_ms"]


def http_operations(args, fixture: Fixture, info: dict[str, Any], url: str, rows: dict[str, Row]):
    rng = random.Random(2)

    def q1(worker: int, n: int) -> Request:
        return {"query": Q1_DASHBOARD, "variables": q1_variables(fixture, rng, args.page_size)}, {}, "all"

    def q2(worker: int, n: int) -> Request:
        return {"query": Q2_DETAIL, "variables": q2_variables(fixture, rng)}, {}, "all"

    def q3(variables: dict[str, Any]):
        return lambda worker, n: ({"query": Q3_STATS, "variables": variables}, {}, "all")

    operations = []
    if "Q1" in args.operations:
        operations.append(("Q1", q1, "all"))
    if "Q2" in args.operations:
        operations.append(("Q2", q2, "all"))
    if "Q3" in args.operations:
        operations.append(("Q3 program", q3({"programId": fixture.program_id}), "all"))
        operations.append(
            ("Q3 province", q3({"programId": fixture.program_id, "regionId": fixture.province_id}), "all")
        )
    if "M1" in args.operations:
        operations.append(m1_operation(args, info, url))
    return operations


def m1_operation(args: argparse.Namespace, info: dict[str, Any], url: str):
    """M1 (bench/writes.py), skipped (with the reason) when the schema has no such mutation or
    there are not enough mentor agencies to write as."""
    input_type = m1_input_type(url)
    if input_type is None:
        return "M1", None, "skipped: the schema has no submitMilestoneUpdate mutation yet"
    fixture = info.get("m1_writers")
    if not isinstance(fixture, writes.WriteFixture):
        return "M1", None, f"skipped: {fixture}"
    return "M1", writes.M1Requests(fixture, input_type), writes.WRITE


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = {name: Row(name) for name in ("Q1", "Q2", "Q3 program", "Q3 province")}
    try:
        fixture, info = asyncio.run(in_process(args, rows))
    except NationalDemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        # The comparisons are of reads: a write changes what the next variant reads.
        reads = argparse.Namespace(**{**vars(args), "operations": [op for op in args.operations if op != "M1"]})
        operations_of = lambda url: http_operations(reads, fixture, info, url, rows)  # noqa: E731
        if args.fast_paths:
            paths.print_pairs(paths.compare(reads, operations_of, TODAY.isoformat()), args)
            return 0
        if args.modes != ["development"]:
            modes.print_comparison(modes.compare(reads, operations_of, TODAY.isoformat()), args)
            return 0
        return measure_and_report(args, fixture, info, rows)
    except writes.Refused as exc:
        print(f"error: M1 measures accepted writes only, and {exc}", file=sys.stderr)
        return 1
    finally:
        if isinstance(info.get("m1_writers"), writes.WriteFixture):
            asyncio.run(revoke_writers(args.database_url, info["m1_writers"]))


def measure_and_report(args: argparse.Namespace, fixture: Fixture, info: dict[str, Any], rows: dict[str, Row]) -> int:
    results = over_http(args, fixture, info, rows)
    print_table(results, info, args, TODAY)
    if args.json:
        print(f"wrote {write_json(results, info, args)}")
    return 0


async def revoke_writers(database_url: str, fixture: writes.WriteFixture) -> None:
    db = Database.from_url(database_url)
    try:
        await writes.revoke_writers(db, fixture)
    finally:
        await db.dispose()


if __name__ == "__main__":
    sys.exit(main())
