"""State the workers and servers share through Redis when QIANSHOU_REDIS_URL is set: the rate
limit's buckets, the persisted-query documents and each caller's last write position (read replicas).

Redis is a help, never a dependency: when it does not answer, the rate limit lets requests through
(fails open) and persisted queries fall back to each process's memory. The outage is logged once
when it starts and once when Redis answers again, not on every request, and while it lasts Redis is
tried again at most once a second, so requests do not each wait out a connection timeout."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from db.replicas import UNKNOWN_POSITION, LocalPositions

log = logging.getLogger("qianshou.redis")

T = TypeVar("T")
# Redis on the local network answers in well under a millisecond; past this it counts as away.
TIMEOUT_SECONDS = 0.25
RETRY_SECONDS = 1.0
# A persisted document is kept this long after it was last registered.
DOCUMENT_TTL_SECONDS = 7 * 24 * 3600

# A token bucket, refilled continuously at `per_second` up to `capacity`, timed by Redis's clock so
# that servers whose clocks differ agree. Returns the seconds to wait as text ("0" when allowed):
# Redis would cut a Lua number to an integer. The key expires once the bucket would be full again.
TAKE_TOKEN = """
local capacity, per_second = tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * per_second)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / per_second end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_second * 1000) + 1000)
return tostring(wait)
"""


class SharedState:
    """One Redis client for the process, with its keys under `prefix`."""

    def __init__(self, url: str, prefix: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS, decode_responses=True
        )
        self.prefix = prefix
        self.clock = clock
        self.take_token = self.client.register_script(TAKE_TOKEN)
        self.away_since: float | None = None
        self.retry_at = 0.0

    @property
    def available(self) -> bool:
        return self.away_since is None

    async def call(self, what: Callable[[], Awaitable[T]]) -> T | None:
        """`what`'s answer, or None when Redis is away (just now or still)."""
        now = self.clock()
        if self.away_since is not None and now < self.retry_at:
            return None
        try:
            answer = await what()
        except (RedisError, OSError) as exc:
            if self.away_since is None:
                self.away_since = now
                log.warning(
                    "Redis is not answering (%s): rate limits are off and persisted queries are per process until it is back",
                    exc,
                )
            self.retry_at = now + RETRY_SECONDS
            return None
        if self.away_since is not None:
            log.warning(
                "Redis is back after %.0f s: rate limits and persisted queries are shared again", now - self.away_since
            )
            self.away_since = None
        return answer

    async def close(self) -> None:
        await self.client.aclose()


# Keeps the later of two positions: writes of one caller on two servers may report out of order.
KEEP_LATER = """
local kept = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > kept then kept = tonumber(ARGV[1]) end
redis.call('SET', KEYS[1], string.format('%.0f', kept), 'PX', ARGV[2])
"""


class RedisPositions:
    """Each caller's last write position (db/replicas.py) for every server. Kept in the process too:
    while Redis is away a caller's reads go to the primary, and its writes are remembered here."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared
        self.local = LocalPositions(shared.clock)
        self.keep_later = shared.client.register_script(KEEP_LATER)

    async def get(self, caller: str) -> int | None:
        kept = await self.shared.call(lambda: self.shared.client.get(f"{self.shared.prefix}wal:{caller}"))
        if not self.shared.available:
            return UNKNOWN_POSITION
        positions = [int(kept)] if kept is not None else []
        if (local := self.local.known(caller)) is not None:
            positions.append(local)
        return max(positions, default=None)

    async def put(self, caller: str, position: int, ttl: float) -> None:
        await self.local.put(caller, position, ttl)
        keys = [f"{self.shared.prefix}wal:{caller}"]
        await self.shared.call(lambda: self.keep_later(keys=keys, args=[position, int(ttl * 1000)]))


class RedisBuckets:
    """The rate limit's buckets (server/ratelimit.py) in Redis: one budget per caller for all servers."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared

    async def take(self, key: str, capacity: float, per_second: float) -> float | None:
        keys = [f"{self.shared.prefix}rate:{key}"]
        wait = await self.shared.call(lambda: self.shared.take_token(keys=keys, args=[capacity, per_second]))
        if wait is None:  # Redis is away: fail open
            return None
        seconds = float(wait)
        return seconds if seconds > 0 else None


class RedisDocuments:
    """Persisted-query documents by their SHA-256, for every server (server/persisted_queries.py)."""

    def __init__(self, shared: SharedState) -> None:
        self.shared = shared

    async def get(self, sha256: str) -> str | None:
        async def read() -> str | None:
            # The client decodes answers (decode_responses=True), which its typing (bytes | str) cannot know.
            return cast("str | None", await self.shared.client.get(f"{self.shared.prefix}apq:{sha256}"))

        return await self.shared.call(read)

    async def put(self, sha256: str, query: str) -> None:
        key = f"{self.shared.prefix}apq:{sha256}"
        await self.shared.call(lambda: self.shared.client.set(key, query, ex=DOCUMENT_TTL_SECONDS))
