"""What each fast path buys in CPU time per request, in-process: the figure a busy machine cannot blur.

    .venv/bin/python -m bench.cpu_paths --scale 0.1 [--database-url URL] [--requests 100]

`bench.run --fast-paths` times requests over HTTP, and on a machine whose cores other processes
share, a request's wall time is mostly its wait for a core. Here Q1 and Q2 run through
`schema.execute` in this process (no HTTP, no client) and each is charged the CPU time the process
spent on it (`time.process_time`, all threads: the SQLite driver's too; PostgreSQL's own work is not
counted). Each path is switched off and on in the process (`db.reads.fast_paths.use`), twice in
alternation, and the medians of `--requests` requests per cell are compared: off ÷ on, how many
times the CPU a request costs without the path.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/cpu_paths.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data import TODAY, prepare, q1_variables, q2_variables
from bench.queries import Q1_DASHBOARD, Q2_DETAIL
from bench.report import RESULTS
from db.engine import Database
from db.reads import fast_paths
from db.reads.fast_paths import FastPaths
from resolvers.scope import Scope
from schema.schema import schema

WARMUP = 10


async def cpu_ms(db: Database, document: str, variables: Callable[[], dict[str, Any]], requests: int) -> float:
    """The median CPU time of a request, after a few unmeasured ones (caches, plans)."""
    spent = []
    for index in range(WARMUP + requests):
        chosen = variables()
        started = time.process_time()
        result = await schema.execute(document, variable_values=chosen, context_value=Scope(db=db, today=TODAY))
        if result.errors:
            raise RuntimeError(f"{document.split('(')[0].strip()}: {result.errors[0]}")
        if index >= WARMUP:
            spent.append((time.process_time() - started) * 1000)
    return statistics.median(spent)


async def measure(url: str, scale: float, requests: int) -> None:
    db = Database.from_url(url)
    try:
        fixture, _ = await prepare(db, scale)
        rng = random.Random(2017)
        operations = (
            ("Q1", Q1_DASHBOARD, lambda: q1_variables(fixture, rng, 50)),
            ("Q2", Q2_DETAIL, lambda: q2_variables(fixture, rng)),
        )
        print(f"{'fast path':<18} {'operation':<9} {'on ms':>7} {'off ms':>7} {'off/on':>7}")
        for path in (each.name for each in dataclasses.fields(FastPaths)):
            for name, document, variables in operations:
                on, off = [], []
                for _ in range(2):  # on, off, on, off: a machine that drifts affects both alike
                    fast_paths.use(FastPaths())
                    on.append(await cpu_ms(db, document, variables, requests))
                    fast_paths.use(FastPaths(**{path: False}))
                    off.append(await cpu_ms(db, document, variables, requests))
                fast_paths.use(FastPaths())
                cpu_on, cpu_off = statistics.mean(on), statistics.mean(off)
                print(f"{path:<18} {name:<9} {cpu_on:>7.2f} {cpu_off:>7.2f} {cpu_off / cpu_on:>7.2f}", flush=True)
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: bench.run's SQLite file for the scale")
    parser.add_argument("--scale", type=float, default=0.1, help="national data scale, as bench.run's")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per cell")
    args = parser.parse_args()
    if args.database_url is None:
        RESULTS.mkdir(exist_ok=True)
        args.database_url = f"sqlite:///{RESULTS / f'national-{args.scale:g}.sqlite3'}"
    asyncio.run(measure(args.database_url, args.scale, args.requests))


if __name__ == "__main__":
    main()
