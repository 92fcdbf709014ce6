"""What each fast path buys: the server with every path on against the server with one path off.

    .venv/bin/python -m bench.run --database-url postgresql://... --fast-paths all --operations Q1,Q2,Q3

Path by path, two servers stay up, all on and that one off, and every cell (operation, concurrency)
is measured on each in turn, `--rounds` times (bench/modes.py's interleave), so that the shared
machine's changing load falls on both alike. Req/s and latency are mostly a wait for a core on a
busy machine; what a path buys is read from what the load cannot blur: the server's CPU per request,
PostgreSQL's CPU per request (its backends of the database), and the SQL statements and round trips
per request that the server counted (its /metrics): a round trip costs wall time when the database is
across a network even where the CPU is equal. A path that saves neither CPU nor statements no longer pays.
The paths that graphql-core's execution takes are measured with PostgreSQL's answers (sql_answers),
which take the place of all of them, off on both servers.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable, Iterator

from bench.modes import Cell, Operation, interleave
from db.reads.fast_paths import FastPaths

FAST_PATHS = tuple(each.name for each in dataclasses.fields(FastPaths))


def chosen(names: str) -> list[str]:
    """The paths named on the command line (`all`: every path)."""
    picked = list(FAST_PATHS) if names == "all" else [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in picked if name not in FAST_PATHS]
    if unknown:
        raise SystemExit(f"unknown fast path(s) {', '.join(unknown)}; known: {', '.join(FAST_PATHS)}")
    return picked


def compare(
    args: argparse.Namespace, operations_of: Callable[[str], list[Operation]], today: str
) -> Iterator[tuple[str, str, int, Cell, Cell]]:
    """(path, operation, concurrency, on, off) for each cell, path by path as each is measured."""
    for path in args.fast_paths:
        # Where PostgreSQL writes the answer (sql_answers) no other path runs: each of them is
        # measured beneath it, with it off on both servers.
        beneath = {} if path == "sql_answers" else {"QIANSHOU_SQL_ANSWERS": "false"}
        envs = {"on": beneath, "off": {**beneath, f"QIANSHOU_{path.upper()}": "false"}}
        cells = interleave(args, envs, operations_of, today)
        for (variant, name, concurrency), cell in cells.items():
            if variant == "on":
                yield path, name, concurrency, cell, cells["off", name, concurrency]


def print_pairs(pairs: Iterable[tuple[str, str, int, Cell, Cell]], args: argparse.Namespace) -> None:
    """The table, a row as each pair is measured: a long run that stops halfway keeps what it had."""
    print(
        f"\nWhat each fast path buys: {args.database_url.split('@')[-1]}, scale {args.scale:g}, "
        f"{args.workers} worker(s), {args.rounds} round(s) of {args.seconds:g} s per cell, on and off interleaved"
    )
    header = (
        f"{'fast path':<18} {'operation':<12} {'conc':>4} {'req/s on/off':>12} {'CPU ms on':>9} {'off':>7} "
        f"{'saved':>6} {'DB ms on':>8} {'off':>7} {'saved':>6} {'stmts on':>8} {'off':>6} {'trips on':>8} {'off':>6} "
        f"{'errors':>6}"
    )
    print(header)
    print("-" * len(header), flush=True)
    for path, name, concurrency, on_cell, off_cell in pairs:
        on, off = on_cell.summary(), off_cell.summary()
        print(
            f"{path:<18} {name:<12} {concurrency:>4} {ratio(on['rps'], off['rps']):>12} "
            f"{ms(on['cpu_ms']):>9} {ms(off['cpu_ms']):>7} {saved(on['cpu_ms'], off['cpu_ms']):>6} "
            f"{ms(on['db_cpu_ms']):>8} {ms(off['db_cpu_ms']):>7} {saved(on['db_cpu_ms'], off['db_cpu_ms']):>6} "
            f"{count(on['statements']):>8} {count(off['statements']):>6} "
            f"{count(on['round_trips']):>8} {count(off['round_trips']):>6} {on['errors'] + off['errors']:>6}"
            + (f"  first error: {on_cell.first_error or off_cell.first_error}" if on["errors"] + off["errors"] else ""),
            flush=True,
        )
    print(
        "CPU ms: the server's processes per request; DB ms: PostgreSQL's backends per request (- on SQLite);\n"
        "saved: the share of the CPU with the path off that it saves; stmts: SQL statements per request;\n"
        "trips: the statements sent to the database per request (reads combined into one count once)"
    )
    if "postgresql" not in args.database_url and "combined_reads" in args.fast_paths:
        print("combined_reads combines reads on PostgreSQL only: on SQLite its pair measures noise")


def ratio(on: float, off: float) -> str:
    return f"{on / off:.2f}" if off else "-"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def saved(on: float | None, off: float | None) -> str:
    return "-" if on is None or not off else f"{100 * (off - on) / off:.0f}%"


def count(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
