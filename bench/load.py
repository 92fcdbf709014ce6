"""Drives the server with N concurrent HTTP clients for a fixed time and measures each request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlsplit

import orjson

# A request to make: (JSON body, extra headers, label). The label separates writes from reads in a mix.
Request = tuple[dict[str, Any], dict[str, str], str]


@dataclass
class Run:
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None

    def record(self, label: str, latency: float, error: str | None) -> None:
        self.latencies.setdefault(label, []).append(latency)
        if error is not None:
            self.errors[label] = self.errors.get(label, 0) + 1
            self.first_error = self.first_error or error

    def stats(self, label: str) -> dict[str, float]:
        values = sorted(self.latencies.get(label, []))
        return {
            "requests": len(values),
            "rps": len(values) / self.seconds,
            "p50_ms": percentile(values, 0.50) * 1000,
            "p99_ms": percentile(values, 0.99) * 1000,
            "errors": self.errors.get(label, 0),
        }


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))]


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads answers with a Content-Length.
    The load is made with this rather than httpx: on a 2-core machine httpx spends about 2 ms of
    CPU on each request, more than the server's whole HTTP layer, so the latency would largely be
    the client's. (The server's own answers always carry a Content-Length.)"""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Self:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, f"{parts.hostname}:{parts.port}")

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        lines = [
            f"POST {path} HTTP/1.1",
            f"host: {self.host}",
            "content-type: application/json",
            f"content-length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        self.writer.write("\r\n".join(lines).encode() + b"\r\n\r\n" + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = dict(line.lower().split(": ", 1) for line in header_lines if line)
        if "content-length" not in fields:
            raise RuntimeError(f"an answer without a Content-Length: {status_line} {fields}")
        return int(status_line.split(" ", 2)[1]), await self.reader.readexactly(int(fields["content-length"]))

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def problem(status: int, content: bytes) -> str | None:
    """Why a response is not a clean answer, or None: HTTP errors, GraphQL errors, userErrors."""
    if status != 200:
        return f"HTTP {status}: {content[:300].decode(errors='replace')}"
    body = orjson.loads(content)
    if body.get("errors"):
        return orjson.dumps(body["errors"][0]).decode()[:300]
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and value.get("userErrors"):
            return orjson.dumps(value["userErrors"][0]).decode()[:300]
    return None


# The label under which `drive` records the step it alternates with each request.
ALTERNATE = "alternate"


async def drive(
    url: str,
    make_request: Callable[[int, int], Request],
    *,
    concurrency: int,
    seconds: float,
    warmup: float,
    alternate_with: Callable[[], Awaitable[Any]] | None = None,
    answered: Callable[[int, str, int, bytes], None] | None = None,
) -> Run:
    """`make_request(worker, n)` gives the n-th request of a worker, each worker on a connection of
    its own. Requests during the warm-up are made but not measured.

    With `alternate_with`, each request is followed by that step, timed too (label ALTERNATE): the
    server and the floor then see the same machine, which on a shared 2-core machine changes speed
    from minute to minute, so that their ratio holds still.

    `answered(worker, label, status, body)` is told each answer, for requests that depend on the
    previous one's (a write's id) or that must check it."""
    run = Run(seconds=seconds)
    connections = [await Connection.open(url) for _ in range(concurrency)]
    started = time.perf_counter()
    measure_from = started + warmup
    stop_at = measure_from + seconds

    async def worker(number: int) -> None:
        connection, n = connections[number], 0
        while time.perf_counter() < stop_at:
            body, headers, label = make_request(number, n)
            n += 1
            payload = orjson.dumps(body)
            # Timed from here: making the request is the client's work, not the server's.
            now = time.perf_counter()
            status, content = await connection.post("/graphql", payload, headers)
            done = time.perf_counter()
            if answered is not None:
                answered(number, label, status, content)
            if alternate_with is not None:
                await alternate_with()
            # Counted when it started inside the window, so that a slow request is never left out.
            if now >= measure_from:
                run.record(label, done - now, problem(status, content))
                if alternate_with is not None:
                    run.record(ALTERNATE, time.perf_counter() - done, None)

    try:
        await asyncio.gather(*(worker(number) for number in range(concurrency)))
    finally:
        for connection in connections:
            await connection.close()
    return run
