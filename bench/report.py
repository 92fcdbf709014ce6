"""The benchmark's table, and its JSON file in bench/results/."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    """One line of the table: an operation at one concurrency (or, without stats, why it was skipped)."""

    name: str
    concurrency: int | None = None
    stats: dict[str, float] = field(default_factory=dict)
    floor_ms: float | None = None
    # The server's p50 timed in alternation with the floor (bench.load.drive): the ratio's numerator.
    paired_ms: float | None = None
    statements: int | None = None
    note: str = ""
    # The busiest workers' shares of the server's CPU (bench.over_http.worker_split); None at concurrency 1.
    worker_split: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.floor_ms is None or self.paired_ms is None:
            return None
        return self.paired_ms / self.floor_ms


def print_table(results: list[Row], info: dict[str, Any], args: argparse.Namespace, today: dt.date) -> None:
    print(
        f"\nQianshou benchmark: {args.database_url.split('@')[-1]}, scale {args.scale:g}, {args.workers} worker(s), "
        f"{args.seconds:g} s per cell, today {today}"
    )
    if info.get("load_seconds") is not None:
        print(f"national data loaded in {info['load_seconds']:.1f} s")
    header = (
        f"{'operation':<12} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'alt p50':>8} {'floor ms':>8} {'x floor':>7} {'SQL/req':>7} {'workers':>7}  note"
    )
    print(header)
    print("-" * len(header))
    for row in results:
        if not row.stats:
            print(
                f"{row.name:<12} {'':>4} {'-':>8} {'-':>8} {'-':>8} {'-':>6} {'-':>8} {'-':>8} {'-':>7} {'-':>7} "
                f"{'-':>7}  {row.note}"
            )
            continue
        s = row.stats
        paired_ms = f"{row.paired_ms:.2f}" if row.paired_ms is not None else ""
        floor_ms = f"{row.floor_ms:.2f}" if row.floor_ms is not None else ""
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        statements = "" if row.statements is None else str(row.statements)
        print(
            f"{row.name:<12} {row.concurrency:>4} {s['rps']:>8.1f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} "
            f"{s['errors']:>6} {paired_ms:>8} {floor_ms:>8} {ratio:>7} {statements:>7} {row.worker_split or '':>7}  "
            f"{row.note}"
        )
    if any(row.ratio is not None for row in results):
        print("alt p50 and floor ms: the server's p50 and the floor's, timed in alternation; x floor: their ratio")
    if any(row.worker_split for row in results):
        print("workers: each worker's share of the server's CPU in the cell; its connections stay with one worker")
    by_size = info.get("q1_statements_by_page_size", {})
    print(f"\nQ1 SQL statements by page size: {', '.join(f'first {k}: {v}' for k, v in by_size.items())}")
    memory = info.get("memory")
    if memory:
        print(
            f"server RSS (all processes): start {memory['start_mib']:.1f} MiB, halfway {memory['half_mib']:.1f} MiB, "
            f"peak {memory['peak_mib']:.1f} MiB, end {memory['end_mib']:.1f} MiB over {memory['samples']} samples"
        )
    for problem in info.get("floor_problems", []):
        print(f"warning: {problem}")


def write_json(results: list[Row], info: dict[str, Any], args: argparse.Namespace) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    info = {key: value for key, value in info.items() if key != "m1_writers"}
    payload = {
        "database": args.database_url.split("@")[-1],
        "scale": args.scale,
        "workers": args.workers,
        "seconds": args.seconds,
        "info": info,
        "rows": [
            {
                "operation": row.name,
                "concurrency": row.concurrency,
                **row.stats,
                "floor_ms": row.floor_ms,
                "paired_ms": row.paired_ms,
                "ratio": row.ratio,
                "statements": row.statements,
                "worker_split": row.worker_split,
                "note": row.note,
            }
            for row in results
        ],
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    return path
