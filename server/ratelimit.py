"""Requests per minute per caller, in the memory of each worker process (a token bucket).

With several workers each keeps its own buckets, so a caller may get up to `workers` times the
rate; put a shared limiter in front of the server where that matters."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

# Past this many callers, buckets that are full again (idle callers) are dropped to bound memory.
MAX_TRACKED_CALLERS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def hit(self, key: str) -> float | None:
        """Take one request from `key`'s bucket: None when allowed, else the seconds to wait."""
        if not self.enabled:
            return None
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            self._prune(now)
            bucket = self.buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / self.per_second

    def _prune(self, now: float) -> None:
        if len(self.buckets) < MAX_TRACKED_CALLERS:
            return
        full_after = self.capacity / self.per_second
        self.buckets = {key: b for key, b in self.buckets.items() if now - b.updated < full_after}
        if len(self.buckets) >= MAX_TRACKED_CALLERS:
            # Many callers at once: forget the least recent half rather than grow without bound.
            recent = sorted(self.buckets.items(), key=lambda item: item[1].updated)[len(self.buckets) // 2 :]
            self.buckets = dict(recent)


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
