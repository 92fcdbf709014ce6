"""Drives the server with N concurrent HTTP clients for a fixed time and measures each request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
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


def problem(response: httpx.Response) -> str | None:
    """Why a response is not a clean answer, or None: HTTP errors, GraphQL errors, userErrors."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = orjson.loads(response.content)
    if body.get("errors"):
        return orjson.dumps(body["errors"][0]).decode()[:300]
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and value.get("userErrors"):
            return orjson.dumps(value["userErrors"][0]).decode()[:300]
    return None


async def drive(
    url: str, make_request: Callable[[int, int], Request], *, concurrency: int, seconds: float, warmup: float
) -> Run:
    """`make_request(worker, n)` gives the n-th request of a worker. Requests during the warm-up are
    made but not measured."""
    run = Run(seconds=seconds)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        started = time.perf_counter()
        measure_from = started + warmup
        stop_at = measure_from + seconds

        async def worker(number: int) -> None:
            n = 0
            while (now := time.perf_counter()) < stop_at:
                body, headers, label = make_request(number, n)
                n += 1
                response = await client.post("/graphql", content=orjson.dumps(body), headers={
                    "content-type": "application/json", **headers,
                })
                done = time.perf_counter()
                # Counted when it started inside the window, so that a slow request is never left out.
                if now >= measure_from:
                    run.record(label, done - now, problem(response))

        await asyncio.gather(*(worker(number) for number in range(concurrency)))
    return run
