"""What a request costs the server's Python, through the whole application, in-process.

    .venv/bin/python -m bench.cpu_app --database-url postgresql://postgres@127.0.0.1/bench_x --scale 1

The ASGI application that `qianshou serve` runs in production mode (QIANSHOU_ENV=production, a VIEWER
token on every request, metrics kept in a multiprocess directory as the workers keep them) is called
in this process with each request as Uvicorn hands it over: reading the body, authentication,
metrics, execution and the JSON answer are counted (`time.process_time`), Uvicorn's protocol and
the client's sockets are not, and neither is PostgreSQL's own work. On a shared machine a figure
over HTTP moves by ±10% from one minute to the next, with a request's wall time mostly its wait
for a core; this one moves by about 2%, which is what a change of a few percent needs. Compare two
trees by running it in each in turn (`cd /work/main && .venv/bin/python -m bench.cpu_app ...`).

With `--concurrency 8`, eight requests run at once, so that their reads meet in rounds
(db/reads/rounds.py) as they do in a busy worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import uvloop

if __package__ in (None, ""):  # `python bench/cpu_app.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.data import TODAY, prepare, q1_variables, q2_variables
from bench.queries import Q1_DASHBOARD, Q2_DETAIL
from db.engine import Database
from db.models import Role
from resolvers.tokens import create_token

# Unmeasured requests before each cell: caches, plans and prepared statements are made on the first.
WARMUP = 20


async def token_and_operations(url: str, scale: float) -> tuple[str, list[tuple[str, Callable[[], bytes]]]]:
    """A new VIEWER token, and each operation's request bodies (Q1 a page of 50 anywhere, Q2 any pairing)."""
    db = Database.from_url(url)
    try:
        fixture, _ = await prepare(db, scale)
        token = await create_token(db, f"bench-cpu-app-{os.getpid()}", Role.VIEWER)
    finally:
        await db.dispose()
    rng = random.Random(2017)

    def body(document: str, variables: Callable[[], dict[str, Any]]) -> Callable[[], bytes]:
        return lambda: orjson.dumps({"query": document, "variables": variables()})

    return token, [
        ("Q1", body(Q1_DASHBOARD, lambda: q1_variables(fixture, rng, 50))),
        ("Q2", body(Q2_DETAIL, lambda: q2_variables(fixture, rng))),
    ]


def http_scope(token: str, body: bytes) -> dict[str, Any]:
    """A POST to /graphql as Uvicorn's HTTP protocol hands it to the application."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def answer(app: Any, token: str, body: bytes) -> None:
    """One request through the application; a status other than 200 stops the measurement."""
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the answer is sent
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(http_scope(token, body), receive, send)
    if sent[0]["status"] != 200 or b'"errors"' in sent[1]["body"]:
        raise RuntimeError(f"answered {sent[0]['status']}: {sent[1]['body'][:300]!r}")


async def cpu_ms(app: Any, token: str, bodies: Callable[[], bytes], requests: int, concurrency: int) -> float:
    """The CPU time per request of `requests` requests, `concurrency` at a time."""

    async def client(count: int) -> None:
        for _ in range(count):
            await answer(app, token, bodies())

    each = max(1, requests // concurrency)
    started = time.process_time()
    await asyncio.gather(*(client(each) for _ in range(concurrency)))
    return (time.process_time() - started) * 1000 / (each * concurrency)


async def measure(args: argparse.Namespace) -> None:
    token, operations = await token_and_operations(args.database_url, args.scale)
    with tempfile.TemporaryDirectory(prefix="qianshou-cpu-app-") as metrics:
        os.environ.update(
            QIANSHOU_DATABASE_URL=args.database_url,
            QIANSHOU_TODAY=TODAY.isoformat(),
            QIANSHOU_ENV="production",
            QIANSHOU_RATE_LIMIT_PER_MINUTE="0",
            QIANSHOU_ACCESS_LOG="false",
            # As `qianshou serve` keeps them: prometheus_client picks its kind of value when imported.
            PROMETHEUS_MULTIPROC_DIR=metrics,
        )
        from server.app import create_app

        app = create_app()
        starlette: Any = app
        while not hasattr(starlette, "router"):  # inside the tracing middleware when traces are on
            starlette = starlette.app
        async with starlette.router.lifespan_context(starlette):
            print(f"{'operation':<9} {'conc':>4} {'CPU ms/req':>10}   rounds")
            for name, bodies in operations:
                if name in args.operations:
                    for concurrency in args.concurrency:
                        await measure_cell(app, token, name, bodies, concurrency, args)


async def measure_cell(
    app: Any, token: str, name: str, bodies: Callable[[], bytes], concurrency: int, args: argparse.Namespace
) -> None:
    await cpu_ms(app, token, bodies, WARMUP, concurrency)
    rounds = [await cpu_ms(app, token, bodies, args.requests, concurrency) for _ in range(args.rounds)]
    shown = " ".join(f"{value:.3f}" for value in rounds)
    print(f"{name:<9} {concurrency:>4} {statistics.median(rounds):>10.3f}   {shown}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL as production runs it (SQLite works too)")
    parser.add_argument("--scale", type=float, default=1, help="national data scale, as bench.run's")
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per cell; the median is printed")
    parser.add_argument("--concurrency", default="1,8", help="comma-separated requests at a time")
    parser.add_argument("--operations", default="Q1,Q2", help="subset of Q1,Q2")
    args = parser.parse_args()
    args.concurrency = [int(each) for each in args.concurrency.split(",")]
    args.operations = args.operations.split(",")
    # On uvloop, as Uvicorn runs the application when it is installed (uvicorn[standard]).
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(measure(args))


if __name__ == "__main__":
    main()
