"""What each fast path buys: the server run with all paths on, then with one off, path by path.

`python -m bench.run --fast-paths all` (or a comma-separated subset of FAST_PATHS). Each path is
measured as an on/off pair, the two runs one after the other, so that a machine that slows down
over minutes (a shared one does) affects both alike; its ratio is req/s on ÷ req/s off for each
operation and concurrency. A path whose ratio stays near 1 no longer pays for itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from db.reads.fast_paths import FastPaths

FAST_PATHS = tuple(each.name for each in dataclasses.fields(FastPaths))


def chosen(names: str) -> list[str]:
    """The paths named on the command line (`all`: every path)."""
    picked = list(FAST_PATHS) if names == "all" else [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in picked if name not in FAST_PATHS]
    if unknown:
        raise SystemExit(f"unknown fast path(s) {', '.join(unknown)}; known: {', '.join(FAST_PATHS)}")
    return picked


def switched_off(path: str) -> list[str]:
    """The server environment (KEY=VALUE) that switches `path` off."""
    return [f"QIANSHOU_{path.upper()}=false"]


@dataclass
class Pair:
    path: str
    operation: str
    concurrency: int
    on: dict[str, float]
    off: dict[str, float]

    @property
    def ratio(self) -> float | None:
        return self.on["rps"] / self.off["rps"] if self.off.get("rps") else None


def compare(measure: Callable[[list[str]], list[Any]], paths: list[str]) -> list[Pair]:
    """`measure(extra_env)` runs the server once and returns its rows (bench.report.Row)."""
    pairs: list[Pair] = []
    for path in paths:
        on, off = measure([]), measure(switched_off(path))
        off_by_cell = {(row.name, row.concurrency): row for row in off if row.stats}
        for row in on:
            other = off_by_cell.get((row.name, row.concurrency))
            if row.stats and other is not None:
                pairs.append(Pair(path, row.name, row.concurrency, row.stats, other.stats))
    return pairs


def print_pairs(pairs: list[Pair], postgresql: bool) -> None:
    print("\nWhat each fast path buys (on/off pairs, run one after the other; a shared machine is noisy)")
    header = (
        f"{'fast path':<18} {'operation':<12} {'conc':>4} {'on req/s':>9} {'off req/s':>9} "
        f"{'on p50':>8} {'off p50':>8} {'on/off':>7}"
    )
    print(header)
    print("-" * len(header))
    for pair in pairs:
        ratio = f"{pair.ratio:.2f}" if pair.ratio is not None else "-"
        print(
            f"{pair.path:<18} {pair.operation:<12} {pair.concurrency:>4} {pair.on['rps']:>9.1f} "
            f"{pair.off['rps']:>9.1f} {pair.on['p50_ms']:>8.2f} {pair.off['p50_ms']:>8.2f} {ratio:>7}"
        )
    if not postgresql and any(pair.path == "combined_reads" for pair in pairs):
        print("combined_reads combines reads on PostgreSQL only: on SQLite its pair measures noise")
