"""Requests per minute per caller: a token bucket per caller, refilled continuously.

Where the buckets live is the limiter's storage: in this process's memory by default (each worker
keeps its own, so a caller may get up to `workers` times the rate), or in Redis shared by every
worker and server when QIANSHOU_REDIS_URL is set (server/shared_state.py). Taking a token is a
coroutine either way, since shared buckets are a network round trip away."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

# Past this many callers, buckets that are full again (idle callers) are dropped to bound memory.
MAX_TRACKED_CALLERS = 10_000


class Buckets(Protocol):
    async def take(self, key: str, capacity: float, per_second: float) -> float | None:
        """Take one token from `key`'s bucket: None when there was one, else the seconds to wait."""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class MemoryBuckets:
    """The buckets of one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    async def take(self, key: str, capacity: float, per_second: float) -> float | None:
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            self._prune(now, capacity / per_second)
            bucket = self.buckets[key] = _Bucket(capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / per_second

    def _prune(self, now: float, full_after: float) -> None:
        if len(self.buckets) < MAX_TRACKED_CALLERS:
            return
        self.buckets = {key: b for key, b in self.buckets.items() if now - b.updated < full_after}
        if len(self.buckets) >= MAX_TRACKED_CALLERS:
            # Many callers at once: forget the least recent half rather than grow without bound.
            recent = sorted(self.buckets.items(), key=lambda item: item[1].updated)[len(self.buckets) // 2 :]
            self.buckets = dict(recent)


class RateLimiter:
    def __init__(self, per_minute: int, buckets: Buckets | None = None) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self.buckets = buckets if buckets is not None else MemoryBuckets()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    async def take(self, key: str) -> float | None:
        """One request from `key`'s budget: None when allowed, else the seconds to wait."""
        if not self.enabled:
            return None
        return await self.buckets.take(key, self.capacity, self.per_second)


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
