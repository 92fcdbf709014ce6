"""The whole comparison: data, peer, our server, the answer check, then wrk on every cell in turn."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import orjson

import bench.peer
from bench.data import TODAY, prepare
from bench.modes import Backends, credentials
from bench.peer import check, postgraphile, wrk
from bench.server import Server
from db.engine import Database

SERVERS = ("ours", "peer")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peer",
        description=bench.peer.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/bench_peer")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds of every cell on each server")
    parser.add_argument("--seconds", type=float, default=8.0, help="wrk's time per cell and server in a round")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per cell and server of the warm-up round")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated numbers of wrk connections")
    parser.add_argument("--queries", default="Q1,Q2", help="subset of Q1,Q2")
    parser.add_argument("--workers", type=int, default=2, help="our Uvicorn worker processes")
    parser.add_argument(
        "--our-env", action="append", default=[], metavar="KEY=VALUE", help="extra environment of our server"
    )
    parser.add_argument("--our-port", type=int, help="default: a free port")
    parser.add_argument("--peer-port", type=int, help="default: a free port")
    args = parser.parse_args(argv)
    args.concurrency = [int(part) for part in args.concurrency.split(",")]
    args.queries = [part.strip().upper() for part in args.queries.split(",")]
    if unknown := set(args.queries) - {"Q1", "Q2"}:
        parser.error(f"unknown queries: {', '.join(sorted(unknown))}")
    if bad := [item for item in args.our_env if "=" not in item]:
        parser.error(f"--our-env takes KEY=VALUE, not {bad[0]!r}")
    return args


@dataclass
class Cell:
    """One server's rounds of one query at one concurrency."""

    runs: list[wrk.Run] = field(default_factory=list)

    def rps(self) -> float:
        return statistics.median(run.requests / run.seconds for run in self.runs)

    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    def cpu_ms(self) -> float:
        return sum(run.server_ns for run in self.runs) / max(1, self._requests()) / 1e6

    def database_ms(self) -> float | None:
        if any(run.database_ns is None for run in self.runs):
            return None
        return sum(run.database_ns or 0 for run in self.runs) / max(1, self._requests()) / 1e6

    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

    def _requests(self) -> int:
        return sum(run.requests for run in self.runs)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    wrk.install()
    postgraphile.install()
    database = Database.from_url(args.database_url)
    asyncio.run(_prepare(database, args.database_url))
    token = asyncio.run(credentials(args.database_url))["token"]["authorization"].removeprefix("Bearer ")
    env = {"QIANSHOU_ENV": "production", **dict(item.split("=", 1) for item in args.our_env)}
    ours = Server(args.database_url, workers=args.workers, today=TODAY.isoformat(), env=env, port=args.our_port)
    peer = postgraphile.Peer(args.database_url, args.peer_port)
    try:
        peer.start()
        ours.start()
        print(f"ours: {ours.url} (pid {ours.pid}), PostGraphile: {peer.url} (pid {peer.pid})", flush=True)
        differences = check.compare_answers(ours.url, {"authorization": f"Bearer {token}"}, peer)
        if differences:
            print(f"The answers differ in {len(differences)} place(s):", *differences[:30], sep="\n")
            raise SystemExit(1)
        print("Answers: the same, field by field (Q1: 7 pages, Q2: 17 pairings).", flush=True)
        cells = measure(args, ours, peer, token)
    finally:
        ours.stop()
        peer.stop()
    print_table(cells, args)


async def _prepare(database: Database, database_url: str) -> None:
    """The scale-1 data (loaded if missing), and the peer's views over it."""
    try:
        await prepare(database, 1.0)
    finally:
        await database.dispose()
    await postgraphile.apply_views(database_url)


def measure(
    args: argparse.Namespace, ours: Server, peer: postgraphile.Peer, token: str
) -> dict[tuple[str, int, str], Cell]:
    """A warm-up round, then `args.rounds` rounds; in each, every cell on both servers in turn."""
    backends = Backends(args.database_url)
    servers = {"ours": (ours.url, ours.pid, token), "peer": (peer.url, peer.pid, "")}
    cells: dict[tuple[str, int, str], Cell] = {}
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        bodies = {}
        for name, pair in check.measured_bodies(peer).items():
            for server in SERVERS:
                bodies[name, server] = Path(folder) / f"{name}-{server}.json"
                bodies[name, server].write_bytes(orjson.dumps(getattr(pair, server)))
        for round_number in range(args.rounds + 1):
            seconds = args.warmup if round_number == 0 else args.seconds
            for name in args.queries:
                for connections in args.concurrency:
                    for server, (url, pid, secret) in servers.items():
                        run = wrk.run(
                            url,
                            bodies[name, server],
                            secret,
                            pid=pid,
                            backends=backends,
                            connections=connections,
                            seconds=seconds,
                        )
                        if round_number:
                            cells.setdefault((name, connections, server), Cell()).runs.append(run)
            print(f"round {round_number}/{args.rounds} done" + (" (warm-up)" if not round_number else ""), flush=True)
    return cells


def print_table(cells: dict[tuple[str, int, str], Cell], args: argparse.Namespace) -> None:
    print(
        f"\nOurs ({args.workers} workers, production, VIEWER token{', ' + ', '.join(args.our_env) if args.our_env else ''}) "
        f"against PostGraphile 5: {args.database_url.split('@')[-1]}, {args.rounds} round(s) of {args.seconds:g} s "
        "per cell and server, interleaved; medians of the rounds"
    )
    header = (
        f"{'query':<5} {'conc':>4} {'ours req/s':>10} {'peer req/s':>10} {'ours/peer':>9} {'ours p50':>8} "
        f"{'peer p50':>8} {'ours CPU':>8} {'peer CPU':>8} {'ours PG':>7} {'peer PG':>7} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for name in args.queries:
        for connections in args.concurrency:
            mine, theirs = cells[name, connections, "ours"], cells[name, connections, "peer"]
            print(
                f"{name:<5} {connections:>4} {mine.rps():>10.1f} {theirs.rps():>10.1f} "
                f"{mine.rps() / theirs.rps():>9.3f} {mine.p50_ms():>8.2f} {theirs.p50_ms():>8.2f} "
                f"{mine.cpu_ms():>8.3f} {theirs.cpu_ms():>8.3f} {_ms(mine.database_ms()):>7} "
                f"{_ms(theirs.database_ms()):>7} {mine.errors() + theirs.errors():>6}"
            )
    print(
        "p50 in ms; CPU: ms per request of the server's processes (all their threads); PG: of PostgreSQL's "
        "backends of the database"
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
