"""What the answer cache buys (server/answer_cache.py): the server with it on, at its default size,
against the server with it off (as bench/server.py starts every other run), in each of `--modes`.

    .venv/bin/python -m bench.run --database-url postgresql://... --answer-cache --modes token --operations Q1,Q2

Two servers stay up per mode and every cell is measured on each in turn, `--rounds` times
(bench/modes.py's interleave). Q1 and Q2 are sent as bench.run sends them, a random page or pairing
each time, so that the cache is hit only as often as a request repeats one already answered (it fills
over the rounds); "same" sends one request over and over, as a polling dashboard (or wrk with one
body) does: with the cache on every request but each worker's first is a hit, so its row is the cost
of a hit against that of a full answer.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterable, Iterator

from bench.load import Request
from bench.modes import Cell, MakeRequest, Operation, credentials, interleave
from bench.paths import count, ms, ratio, saved
from server.settings import Settings

# The size a deployment gets; bench/server.py switches the cache off everywhere else.
CACHE_MB = Settings.model_fields["answer_cache_mb"].default


def compare(
    args: argparse.Namespace, operations_of: Callable[[str], list[Operation]], today: str
) -> Iterator[tuple[str, str, int, Cell, Cell]]:
    """(mode, operation, concurrency, on, off) for each cell, mode by mode as each is measured."""
    headers = asyncio.run(credentials(args.database_url))
    for mode in args.modes:
        env = {"QIANSHOU_ENV": "development" if mode == "development" else "production"}
        envs = {"on": {**env, "QIANSHOU_ANSWER_CACHE_MB": f"{CACHE_MB:g}"}, "off": env}
        cells = interleave(
            args, envs, lambda url: with_same(operations_of(url)), today, dict.fromkeys(envs, headers[mode])
        )
        for (variant, name, concurrency), cell in cells.items():
            if variant == "on":
                yield mode, name, concurrency, cell, cells["off", name, concurrency]


def with_same(operations: list[Operation]) -> list[Operation]:
    """Each operation, then the same again sending its first request every time."""
    return [
        each for name, make, label in operations for each in ((name, make, label), (f"{name} same", same(make), label))
    ]


def same(make_request: MakeRequest) -> MakeRequest:
    first: Request = make_request(0, 0)
    return lambda worker, n: first


def print_pairs(pairs: Iterable[tuple[str, str, int, Cell, Cell]], args: argparse.Namespace) -> None:
    """The table, a row as each pair is measured."""
    print(
        f"\nWhat the answer cache buys: {args.database_url.split('@')[-1]}, scale {args.scale:g}, "
        f"{args.workers} worker(s), {args.rounds} round(s) of {args.seconds:g} s per cell, on and off interleaved"
    )
    header = (
        f"{'mode':<12} {'operation':<10} {'conc':>4} {'req/s on':>8} {'off':>7} {'on/off':>6} {'p50 on':>7} {'off':>6} "
        f"{'CPU ms on':>9} {'off':>6} {'saved':>6} {'DB ms on':>8} {'off':>6} {'stmts on':>8} {'off':>5} {'errors':>6}"
    )
    print(header)
    print("-" * len(header), flush=True)
    for mode, name, concurrency, on_cell, off_cell in pairs:
        on, off = on_cell.summary(), off_cell.summary()
        print(
            f"{mode:<12} {name:<10} {concurrency:>4} {on['rps']:>8.1f} {off['rps']:>7.1f} "
            f"{ratio(on['rps'], off['rps']):>6} {on['p50_ms']:>7.2f} {off['p50_ms']:>6.2f} "
            f"{ms(on['cpu_ms']):>9} {ms(off['cpu_ms']):>6} {saved(on['cpu_ms'], off['cpu_ms']):>6} "
            f"{ms(on['db_cpu_ms']):>8} {ms(off['db_cpu_ms']):>6} {count(on['statements']):>8} {count(off['statements']):>5} "
            f"{on['errors'] + off['errors']:>6}"
            + (f"  first error: {on_cell.first_error or off_cell.first_error}" if on["errors"] + off["errors"] else ""),
            flush=True,
        )
    print(
        "CPU ms: the server's processes per request; DB ms: PostgreSQL's backends per request (- on SQLite);\n"
        "saved: the share of the CPU with the cache off that it saves; stmts: SQL statements per request (a hit\n"
        "runs one, the data version's, fewer than a full answer: their gap shows how often the cache was hit);\n"
        "`same`: one request repeated"
    )
