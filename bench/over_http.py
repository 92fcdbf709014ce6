"""What bench.run measures over HTTP: a real server driven by clients, each operation at each
concurrency, Q1 and Q2 also timed in alternation with their floor."""

from __future__ import annotations

import argparse
import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from bench import floor, writes
from bench.data import TODAY, Fixture, q1_variables, q2_variables
from bench.load import ALTERNATE, Request, drive
from bench.modes import MakeRequest, Operation
from bench.queries import Q1_DASHBOARD, Q2_DETAIL, Q3_STATS
from bench.report import Row
from bench.server import MemorySampler, Server
from db.engine import Database

Skipped = tuple[str, None, str]  # (name, None, why): a row with no figures, only the reason
FetchFloor = Callable[[Database], Awaitable[bytes]]


def over_http(args: argparse.Namespace, fixture: Fixture, info: dict[str, Any], rows: dict[str, Row]) -> list[Row]:
    """A row per operation and concurrency; `rows` holds what was counted in-process (bench.in_process)."""
    env = dict(item.split("=", 1) for item in args.env)
    server = Server(args.database_url, workers=args.workers, today=TODAY.isoformat(), env=env).start()
    sampler = MemorySampler(server.pid).start()
    results: list[Row] = []
    try:
        operations: list[Operation | Skipped] = [*read_operations(args, fixture)]
        if "M1" in args.operations:
            operations.append(m1_operation(info))
        for name, make_request, label in operations:
            if make_request is None:
                results.append(Row(name, note=label))
                continue
            for concurrency in args.concurrency:
                results.extend(measure_cell(args, fixture, server, (name, make_request, label), concurrency, rows))
    finally:
        sampler.stop()
        server.stop()
    info["memory"] = sampler.summary()
    return results


def measure_cell(
    args: argparse.Namespace,
    fixture: Fixture,
    server: Server,
    operation: Operation,
    concurrency: int,
    rows: dict[str, Row],
) -> list[Row]:
    name, make_request, label = operation
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
        row.paired_ms, row.floor_ms = asyncio.run(against_floor(args, server.url, make_request, fetch_floor))
    if run.first_error:
        row.note = f"first error: {run.first_error}"
    if name != "M1":
        return [row]
    writes.check_accepted(run)
    return [row, Row("M1 return", concurrency, run.stats(writes.REVIEW), note="the update returned")]


def worker_split(cpu_used: list[int], workers: int) -> str:
    """The share of the CPU that each of the busiest `workers` processes used, largest first ("71:29").
    Each keep-alive connection stays with the worker that accepted it, and the kernel does not
    spread a few connections evenly: a cell whose connections all went to one worker measures one."""
    busiest = sorted(cpu_used, reverse=True)[:workers]
    total = sum(busiest) or 1
    return ":".join(f"{100 * used / total:.0f}" for used in busiest)


def floor_of(name: str, args: argparse.Namespace, fixture: Fixture) -> FetchFloor | None:
    """The floor of Q1 or Q2 for a random page or pairing, as the requests ask; None for the others."""
    rng = random.Random(3)
    if name == "Q1":
        return lambda db: floor.q1_floor(db, TODAY, args.page_size, q1_variables(fixture, rng, args.page_size)["after"])
    if name == "Q2":
        return lambda db: floor.q2_floor(db, rng.choice(fixture.pairing_pks))
    return None


async def against_floor(
    args: argparse.Namespace, url: str, make_request: MakeRequest, fetch_floor: FetchFloor
) -> tuple[float, float]:
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


def read_operations(args: argparse.Namespace, fixture: Fixture) -> list[Operation]:
    """Q1, Q2 and Q3 (of the program, and of one province), those of `args.operations`."""
    rng = random.Random(2)

    def q1(worker: int, n: int) -> Request:
        return {"query": Q1_DASHBOARD, "variables": q1_variables(fixture, rng, args.page_size)}, {}, "all"

    def q2(worker: int, n: int) -> Request:
        return {"query": Q2_DETAIL, "variables": q2_variables(fixture, rng)}, {}, "all"

    def q3(variables: dict[str, Any]) -> MakeRequest:
        return lambda worker, n: ({"query": Q3_STATS, "variables": variables}, {}, "all")

    operations: list[Operation] = []
    if "Q1" in args.operations:
        operations.append(("Q1", q1, "all"))
    if "Q2" in args.operations:
        operations.append(("Q2", q2, "all"))
    if "Q3" in args.operations:
        operations.append(("Q3 program", q3({"programId": fixture.program_id}), "all"))
        operations.append(
            ("Q3 province", q3({"programId": fixture.program_id, "regionId": fixture.province_id}), "all")
        )
    return operations


def m1_operation(info: dict[str, Any]) -> Operation | Skipped:
    """M1 (bench/writes.py), skipped (with the reason) when there are not enough mentor agencies to
    write as."""
    fixture = info.get("m1_writers")
    if not isinstance(fixture, writes.WriteFixture):
        return "M1", None, f"skipped: {fixture}"
    return "M1", writes.M1Requests(fixture), writes.WRITE
