"""What is deployed against development: the same reads, served in each mode, interleaved.

    .venv/bin/python -m bench.run --modes development,token,session --operations Q1,Q2 --rounds 3

- development: QIANSHOU_ENV=development, anonymous requests (the anonymous VIEWER).
- token: QIANSHOU_ENV=production, each request with `Authorization: Bearer` of a VIEWER token.
- session: production, each request with the session cookie of a signed-in VIEWER account (and the
  `X-Requested-With` header the web app sends with it).
One server per mode stays up for the whole run; every cell (operation, concurrency) is measured in
each mode in turn, `--rounds` times, so that the shared machine's changing load falls on all modes
alike. Beside req/s, p50 and p99 it prints the server's CPU per request (its processes' time on a
CPU, /proc/PID/schedstat) and the database's (the PostgreSQL backends of the database, found in
/proc by their titles and read the same way; SQLite runs inside the server, so its share is the server's).
The same interleaving measures the fast paths on and off (`interleave`, bench/paths.py).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bench.load import Request, drive, percentile
from bench.server import Server, process_tree
from db.engine import Database
from db.models import Role
from resolvers.access import SYSTEM
from resolvers.accounts import CreateAccount, create_account
from resolvers.scope import Scope
from resolvers.sessions import SessionPolicy, sign_in
from resolvers.tokens import create_token

MODES = ("development", "token", "session")

MakeRequest = Callable[[int, int], Request]  # (worker, n) -> the worker's n-th request, as bench.load.drive takes
Operation = tuple[str, MakeRequest, str]  # (name, make_request, label)


@dataclass
class Cell:
    """One mode's measurements of one operation at one concurrency, summed over the rounds."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    first_error: str | None = None
    server_ns: int = 0
    database_ns: int | None = None
    # The SQL statements the server ran and the round trips they took, for the requests it counted (its /metrics).
    statements: float = 0.0
    round_trips: float = 0.0
    counted: int = 0

    def per_request_ms(self, nanoseconds: int | None) -> float | None:
        return None if nanoseconds is None or not self.latencies else nanoseconds / len(self.latencies) / 1e6

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "requests": len(ordered),
            "rps": len(ordered) / self.seconds if self.seconds else 0.0,
            "p50_ms": percentile(ordered, 0.5) * 1000,
            "p99_ms": percentile(ordered, 0.99) * 1000,
            "errors": self.errors,
            "cpu_ms": self.per_request_ms(self.server_ns),
            "db_cpu_ms": self.per_request_ms(self.database_ns),
            "statements": self.statements / self.counted if self.counted else None,
            "round_trips": self.round_trips / self.counted if self.counted else None,
        }


async def credentials(database_url: str) -> dict[str, dict[str, str]]:
    """Each mode's request headers: a new VIEWER token, and a session of a new VIEWER account."""
    db = Database.from_url(database_url)
    try:
        name, password = f"bench-{uuid.uuid4().hex[:12]}", secrets.token_urlsafe(16)
        token = await create_token(db, name, Role.VIEWER)
        outcome = await create_account(Scope(db=db, actor=SYSTEM), CreateAccount(name, password, Role.VIEWER))
        if outcome.errors:
            raise RuntimeError(f"bench account: {outcome.errors[0].message}")
        session = (await sign_in(db, name, password, SessionPolicy())).secret
    finally:
        await db.dispose()
    return {
        "development": {},
        "token": {"authorization": f"Bearer {token}"},
        "session": {"cookie": f"qianshou_session={session}", "x-requested-with": "qianshou-web"},
    }


def cpu_ns(pid: int) -> int:
    """The time a process has spent on a CPU, in nanoseconds; 0 once it is gone."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


class Backends:
    """The CPU of the PostgreSQL processes serving one database (none for SQLite): each backend's
    title reads `postgres: CLUSTER: USER DATABASE HOST(PORT) STATE`, so they are found in /proc
    without a connection, which a busy shared server may not have to spare."""

    def __init__(self, database_url: str) -> None:
        parsed = make_url(database_url)
        self.database = parsed.database if parsed.get_backend_name() == "postgresql" else None

    def cpu(self) -> dict[int, int] | None:
        if self.database is None:
            return None
        found = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and self._serves(entry):
                found[int(entry.name)] = cpu_ns(int(entry.name))
        return found

    def _serves(self, entry: Path) -> bool:
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
        except OSError:
            return False
        return len(title) > 3 and title[0] == "postgres:" and title[3] == self.database


def sql_so_far(url: str) -> tuple[float, float, int]:
    """(SQL statements, round trips, GraphQL operations) the server has counted so far, all workers
    together: its qianshou_request_sql_statements and _round_trips histograms (server/metrics.py)."""
    totals = dict.fromkeys(("statements_sum", "round_trips_sum", "statements_count"), 0.0)
    for line in httpx.get(f"{url}/metrics", timeout=30).text.splitlines():
        name, _, value = line.partition(" ")
        for key in totals:
            if name.startswith(f"qianshou_request_sql_{key}"):
                totals[key] += float(value)
    return totals["statements_sum"], totals["round_trips_sum"], int(totals["statements_count"])


def used(before: dict[int, int] | None, after: dict[int, int] | None) -> int | None:
    if before is None or after is None:
        return None
    return sum(max(0, now - before.get(pid, 0)) for pid, now in after.items())


async def measure(
    server: Server,
    backends: Backends,
    make_request: MakeRequest,
    args: argparse.Namespace,
    concurrency: int,
    cell: Cell,
) -> None:
    processes = process_tree(server.pid)  # the supervisor too: with one worker it serves itself
    if args.warmup > 0:  # run apart, so that the CPU counted is the measured requests' alone
        await drive(server.url, make_request, concurrency=concurrency, seconds=args.warmup, warmup=0)
    # Read before the CPU and after it: /metrics runs statements of its own.
    sql_before = sql_so_far(server.url)
    server_before, database_before = {pid: cpu_ns(pid) for pid in processes}, backends.cpu()
    run = await drive(server.url, make_request, concurrency=concurrency, seconds=args.seconds, warmup=0)
    cell.server_ns += sum(max(0, cpu_ns(pid) - server_before[pid]) for pid in processes)
    database = used(database_before, backends.cpu())
    sql_after = sql_so_far(server.url)
    cell.statements += sql_after[0] - sql_before[0]
    cell.round_trips += sql_after[1] - sql_before[1]
    cell.counted += sql_after[2] - sql_before[2]
    cell.database_ns = None if database is None else (cell.database_ns or 0) + database
    for label, latencies in run.latencies.items():
        cell.latencies.extend(latencies)
        cell.errors += run.errors.get(label, 0)
    cell.seconds += args.seconds
    cell.first_error = cell.first_error or run.first_error


def with_headers(make_request: MakeRequest, headers: dict[str, str]) -> MakeRequest:
    def request(worker: int, n: int) -> Request:
        body, extra, label = make_request(worker, n)
        return body, {**headers, **extra}, label

    return request


def compare(
    args: argparse.Namespace, operations_of: Callable[[str], list[Operation]], today: str
) -> dict[tuple[str, str, int], Cell]:
    """Every cell in every mode, `args.rounds` times over; `operations_of(url)` gives the reads as
    bench.over_http's read_operations does."""
    headers = asyncio.run(credentials(args.database_url))
    envs = {mode: {"QIANSHOU_ENV": "development" if mode == "development" else "production"} for mode in args.modes}
    return interleave(args, envs, operations_of, today, headers)


def interleave(
    args: argparse.Namespace,
    envs: Mapping[str, dict[str, str]],
    operations_of: Callable[[str], list[Operation]],
    today: str,
    headers: Mapping[str, dict[str, str]] | None = None,
) -> dict[tuple[str, str, int], Cell]:
    """A server for each variant (its environment over --env), all up at once; every cell is
    measured on each in turn, `args.rounds` times over. Keyed (variant, operation, concurrency)."""
    env = dict(item.split("=", 1) for item in args.env)
    servers = {
        variant: Server(args.database_url, workers=args.workers, today=today, env={**env, **extra})
        for variant, extra in envs.items()
    }
    backends = Backends(args.database_url)
    cells: dict[tuple[str, str, int], Cell] = {}
    try:
        for server in servers.values():
            server.start()
        operations = operations_of(next(iter(servers.values())).url)
        for _ in range(args.rounds):
            for name, make_request, _label in operations:
                for concurrency in args.concurrency:
                    for variant, server in servers.items():
                        cell = cells.setdefault((variant, name, concurrency), Cell())
                        request = with_headers(make_request, (headers or {}).get(variant, {}))
                        asyncio.run(measure(server, backends, request, args, concurrency, cell))
    finally:
        for server in servers.values():
            server.stop()
    return cells


def print_comparison(cells: dict[tuple[str, str, int], Cell], args: argparse.Namespace) -> None:
    print(
        f"\nQianshou by mode: {args.database_url.split('@')[-1]}, scale {args.scale:g}, {args.workers} worker(s), "
        f"{args.rounds} round(s) of {args.seconds:g} s per cell, modes interleaved"
    )
    header = (
        f"{'operation':<12} {'conc':>4} {'mode':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'CPU ms/req':>10} {'DB CPU ms/req':>13} {'vs dev req/s':>12} {'vs dev CPU':>10}"
    )
    print(header)
    print("-" * len(header))
    for (mode, name, concurrency), cell in sorted(cells.items(), key=lambda item: _order(item[0], args)):
        s = cell.summary()
        base = cells.get(("development", name, concurrency))
        ratio_rps = ratio_cpu = ""
        if base is not None and mode != "development":
            b = base.summary()
            ratio_rps = f"{s['rps'] / b['rps']:.3f}" if b["rps"] else ""
            ratio_cpu = f"{s['cpu_ms'] / b['cpu_ms']:.3f}" if b["cpu_ms"] else ""
        database = "-" if s["db_cpu_ms"] is None else f"{s['db_cpu_ms']:.3f}"
        print(
            f"{name:<12} {concurrency:>4} {mode:<12} {s['rps']:>8.1f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} "
            f"{s['errors']:>6} {s['cpu_ms']:>10.3f} {database:>13} {ratio_rps:>12} {ratio_cpu:>10}"
            + (f"  first error: {cell.first_error}" if cell.first_error else "")
        )
    print("CPU ms/req: the server's processes; DB CPU ms/req: PostgreSQL's backends of the database (- on SQLite)")


def _order(key: tuple[str, str, int], args: argparse.Namespace) -> tuple[str, int, int]:
    mode, name, concurrency = key
    return name, concurrency, args.modes.index(mode)
