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
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import answers, modes, paths, writes
from bench.data import TODAY, Fixture
from bench.in_process import before_http
from bench.over_http import over_http, read_operations
from bench.report import RESULTS, Row, print_table, write_json
from db.demo.national import NationalDemoError
from db.engine import Database

ALL_OPERATIONS = ("Q1", "Q2", "Q3", "M1")


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
        "--rounds",
        type=int,
        help="with --modes, --fast-paths or --answer-cache: interleaved rounds per cell (default 1, 3, 3)",
    )
    parser.add_argument(
        "--fast-paths", metavar="all|PATH,...", help="run on/off pairs of these fast paths (bench/paths.py)"
    )
    parser.add_argument(
        "--answer-cache",
        action="store_true",
        help="run on/off pairs of the answer cache in each of --modes (bench/answers.py)",
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
    args.rounds = args.rounds or (3 if args.fast_paths or args.answer_cache else 1)
    if set(args.modes) - set(modes.MODES) or not args.modes or args.rounds < 1:
        parser.error(f"--modes takes some of {','.join(modes.MODES)}; --rounds at least 1")
    if args.database_url is None:
        RESULTS.mkdir(exist_ok=True)
        args.database_url = f"sqlite:///{RESULTS / f'national-{args.scale:g}.sqlite3'}"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = {name: Row(name) for name in ("Q1", "Q2", "Q3 program", "Q3 province")}
    try:
        fixture, info = asyncio.run(before_http(args, rows))
    except NationalDemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        if args.fast_paths:
            paths.print_pairs(paths.compare(args, lambda url: read_operations(args, fixture), TODAY.isoformat()), args)
            return 0
        if args.answer_cache:
            answers.print_pairs(
                answers.compare(args, lambda url: read_operations(args, fixture), TODAY.isoformat()), args
            )
            return 0
        if args.modes != ["development"]:
            cells = modes.compare(args, lambda url: read_operations(args, fixture), TODAY.isoformat())
            modes.print_comparison(cells, args)
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
