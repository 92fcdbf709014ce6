"""What a dashboard's unchanged poll costs: the server CPU of a 304 against that of a full Q1 answer.

    .venv/bin/python -m bench.etag --scale 1 --rounds 4 --seconds 5
    .venv/bin/python -m bench.etag --database-url postgresql://postgres@127.0.0.1/qianshou_bench --modes production

Loads the national data as bench.run does, starts `python -m server serve --workers W`, and sends Q1
(one page, `first` 50) as a GET query, in rounds that alternate: full answers (no If-None-Match) and
revalidations (the tag of the full answer in If-None-Match, answered 304 without running the query).
Each round counts the CPU ticks of the server's processes, and on PostgreSQL of the database's
backends serving it, and divides by the requests. Rounds alternate so that both kinds see the same
machine; the ratio is taken per pair of rounds and its median printed. In production mode the
requests carry a MINISTRY token, as a deployed dashboard's do; development mode is anonymous.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __package__ in (None, ""):  # `python bench/etag.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
import orjson

from bench.data import TODAY, prepare, q1_variables
from bench.load import Connection, percentile
from bench.queries import Q1_DASHBOARD
from bench.report import RESULTS
from bench.server import Server, cpu_ticks, process_tree
from db.engine import Database
from db.listen import asyncpg_dsn
from db.models import Role
from resolvers.tokens import create_token

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


class GetConnection(Connection):
    """A keep-alive connection (bench.load's) that GETs too; reads 304s, which have no body."""

    async def get(self, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        lines = [f"GET {target} HTTP/1.1", f"host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write("\r\n".join(lines).encode() + b"\r\n\r\n")
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = {name.lower(): value for name, value in (line.split(": ", 1) for line in header_lines if line)}
        status = int(status_line.split(" ", 2)[1])
        length = 0 if status == 304 else int(fields["content-length"])
        return status, fields, await self.reader.readexactly(length)


@dataclass
class Round:
    kind: str  # "full" or "304"
    requests: int
    seconds: float
    server_ms: float  # server CPU per request
    database_ms: float | None  # PostgreSQL backends' CPU per request
    p50_ms: float
    unexpected: int  # answers other than the kind's (a 200 among 304s means the data changed)


async def database_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the bench's database (the server's pools)."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


async def run_round(
    server: Server,
    database_url: str,
    target: str,
    headers: dict[str, str],
    kind: str,
    *,
    concurrency: int,
    seconds: float,
    warmup: float,
) -> Round:
    connections = [await GetConnection.open(server.url) for _ in range(concurrency)]
    latencies: list[float] = []
    unexpected = 0
    expected = 304 if kind == "304" else 200

    async def client(connection: GetConnection, until: float, measured: bool) -> None:
        nonlocal unexpected
        while time.perf_counter() < until:
            started = time.perf_counter()
            status, _fields, body = await connection.get(target, headers)
            if measured:
                latencies.append(time.perf_counter() - started)
                bad = status != expected or (status == 200 and b'"errors"' in body)
                unexpected += bad

    try:
        await asyncio.gather(*(client(c, time.perf_counter() + warmup, False) for c in connections))
        postgres = database_url.startswith("postgres")
        db_pids = await database_pids(database_url) if postgres else []
        server_before = sum(cpu_ticks(pid) for pid in process_tree(server.pid))
        db_before = {pid: cpu_ticks(pid) for pid in db_pids}
        started = time.perf_counter()
        await asyncio.gather(*(client(c, started + seconds, True) for c in connections))
        elapsed = time.perf_counter() - started
        server_used = sum(cpu_ticks(pid) for pid in process_tree(server.pid)) - server_before
        db_used = sum(cpu_ticks(pid) - before for pid, before in db_before.items())
    finally:
        for connection in connections:
            await connection.close()
    count = max(1, len(latencies))
    return Round(
        kind,
        len(latencies),
        elapsed,
        server_used * TICK_MS / count,
        db_used * TICK_MS / count if postgres else None,
        percentile(sorted(latencies), 0.5) * 1000,
        unexpected,
    )


def measure_mode(args: argparse.Namespace, target: str, token: str | None, production: bool) -> list[Round]:
    env = {"QIANSHOU_ENV": "production"} if production else {}
    server = Server(args.database_url, workers=args.workers, today=TODAY.isoformat(), env=env).start()
    headers = {"accept": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    try:
        tag = asyncio.run(first_tag(server, target, headers))
        revalidating = {**headers, "if-none-match": tag}
        rounds = []
        for _ in range(args.rounds):
            for kind, sent in (("full", headers), ("304", revalidating)):
                rounds.append(
                    asyncio.run(
                        run_round(
                            server,
                            args.database_url,
                            target,
                            sent,
                            kind,
                            concurrency=args.concurrency,
                            seconds=args.seconds,
                            warmup=args.warmup,
                        )
                    )
                )
    finally:
        server.stop()
    return rounds


async def first_tag(server: Server, target: str, headers: dict[str, str]) -> str:
    connection = await GetConnection.open(server.url)
    try:
        status, fields, body = await connection.get(target, headers)
    finally:
        await connection.close()
    if status != 200 or "etag" not in fields:
        raise SystemExit(f"Q1 by GET answered {status} without an ETag: {body[:300]!r}")
    return fields["etag"]


def print_rounds(mode: str, rounds: list[Round]) -> None:
    print(f"\n{mode}")
    print(
        f"{'round':>5} {'kind':>5} {'req/s':>8} {'p50 ms':>7} {'server CPU ms/req':>18} {'db CPU ms/req':>14} "
        f"{'other':>6}"
    )
    for number, row in enumerate(rounds):
        database = f"{row.database_ms:.3f}" if row.database_ms is not None else "-"
        print(
            f"{number // 2 + 1:>5} {row.kind:>5} {row.requests / row.seconds:>8.0f} {row.p50_ms:>7.2f} "
            f"{row.server_ms:>18.3f} {database:>14} {row.unexpected:>6}"
        )
    full = [row for row in rounds if row.kind == "full"]
    revalidated = [row for row in rounds if row.kind == "304"]
    ratios = [r.server_ms / f.server_ms for f, r in zip(full, revalidated, strict=True) if f.server_ms]
    print(
        f"median server CPU per request: full Q1 {statistics.median(r.server_ms for r in full):.3f} ms, "
        f"304 {statistics.median(r.server_ms for r in revalidated):.3f} ms; "
        f"304 / full per round pair: {', '.join(f'{x:.1%}' for x in ratios) or 'n/a'}; "
        f"median {f'{statistics.median(ratios):.1%}' if ratios else 'n/a'}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.etag", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="default: a SQLite file per scale in bench/results/")
    parser.add_argument("--scale", type=float, default=1.0, help="national data scale (1 = 1,500 pairings)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=4, help="pairs of rounds (full, 304)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per round")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--page-size", type=int, default=50, help="`first` of Q1")
    parser.add_argument("--modes", default="development,production", help="development, production or both")
    args = parser.parse_args(argv)
    args.modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if args.database_url is None:
        RESULTS.mkdir(exist_ok=True)
        args.database_url = f"sqlite:///{RESULTS / f'national-{args.scale:g}.sqlite3'}"
    return args


async def setup(args: argparse.Namespace) -> tuple[str, str]:
    """The loaded data's Q1 request target, and a MINISTRY token for production mode."""
    db = Database.from_url(args.database_url)
    try:
        fixture, _ = await prepare(db, args.scale)
        token = await create_token(db, f"bench-etag-{uuid.uuid4().hex[:12]}", Role.MINISTRY)
    finally:
        await db.dispose()
    variables: dict[str, Any] = q1_variables(fixture, random.Random(1), args.page_size)
    target = "/graphql?" + urlencode({"query": Q1_DASHBOARD, "variables": orjson.dumps(variables).decode()})
    return target, token


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target, token = asyncio.run(setup(args))
    print(
        f"Q1 by GET ({len(target)} bytes of request target), {args.workers} workers, concurrency {args.concurrency}, "
        f"{args.rounds} × ({args.seconds:g} s full, {args.seconds:g} s 304), {args.database_url.split('://')[0]}"
    )
    for mode in args.modes:
        production = mode == "production"
        print_rounds(mode, measure_mode(args, target, token if production else None, production))
    return 0


if __name__ == "__main__":
    sys.exit(main())
