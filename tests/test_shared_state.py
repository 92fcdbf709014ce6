"""The rate limit and persisted queries shared through a real Redis, and what happens when it goes."""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from server.persisted_queries import PersistedQueries
from server.ratelimit import RateLimiter
from server.shared_state import RETRY_SECONDS, RedisBuckets, RedisDocuments, SharedState
from tests.conftest import LiveServer, free_port
from tests.redis_support import REDIS_URL, PrivateRedis, needs_redis, needs_redis_server, unique_prefix

pytestmark = pytest.mark.slow  # two servers sharing Redis

QUERY = "{ programs(first: 1) { totalCount } }"


@pytest.fixture
async def two_processes():
    """What two workers (or servers) hold: each its own client, the same Redis and prefix."""
    prefix = unique_prefix()
    states = [SharedState(REDIS_URL, prefix), SharedState(REDIS_URL, prefix)]
    yield states
    keys = [key async for key in states[0].client.scan_iter(f"{prefix}*")]
    if keys:
        await states[0].client.delete(*keys)
    for state in states:
        await state.close()


@needs_redis
async def test_two_processes_spend_one_budget(two_processes):
    first, second = (RateLimiter(per_minute=5, buckets=RedisBuckets(state)) for state in two_processes)
    allowed = [await first.take("token:7") for _ in range(3)] + [await second.take("token:7") for _ in range(2)]
    assert allowed == [None] * 5
    wait = await second.take("token:7")
    assert wait is not None and 11 < wait <= 12  # one token comes back every 12 s at 5 a minute
    assert await first.take("token:7") is not None
    assert await first.take("token:8") is None  # another caller, another budget
    # An idle caller's bucket does not stay in Redis for ever.
    ttl = await two_processes[0].client.pttl(f"{two_processes[0].prefix}rate:token:7")
    assert 0 < ttl <= 61_000


@needs_redis
async def test_a_document_registered_in_one_process_is_known_to_the_other(two_processes):
    first, second = (PersistedQueries(shared=RedisDocuments(state)) for state in two_processes)
    sha256 = hashlib.sha256(QUERY.encode()).hexdigest()
    assert await second.get(sha256) is None
    await first.put(sha256, QUERY)
    assert await second.get(sha256) == QUERY
    assert sha256 in second.documents  # kept in memory too, so the next lookup stays local


async def test_redis_away_fails_open_and_is_logged_once(caplog):
    now = [0.0]
    state = SharedState(f"redis://127.0.0.1:{free_port()}/0", unique_prefix(), clock=lambda: now[0])
    limiter = RateLimiter(per_minute=1, buckets=RedisBuckets(state))
    documents = PersistedQueries(shared=RedisDocuments(state))
    try:
        with caplog.at_level(logging.WARNING, logger="qianshou.redis"):
            assert [await limiter.take("ip:10.0.0.1") for _ in range(5)] == [None] * 5
            now[0] = RETRY_SECONDS + 0.1  # tried again after a second: still away, not logged again
            assert await limiter.take("ip:10.0.0.1") is None
            await documents.put("a" * 64, QUERY)
            assert await documents.get("a" * 64) == QUERY  # this process's memory still serves
    finally:
        await state.close()
    assert [record.message.split(" (")[0] for record in caplog.records] == ["Redis is not answering"]
    assert not state.available


@needs_redis
async def test_servers_share_the_rate_limit_and_persisted_queries(databases):
    db = await databases.new_database("shared", demo=True)
    await db.dispose()
    env = {
        "QIANSHOU_REDIS_URL": REDIS_URL,
        "QIANSHOU_REDIS_PREFIX": unique_prefix(),
        "QIANSHOU_RATE_LIMIT_PER_MINUTE": "4",
    }
    with ThreadPoolExecutor() as pool:  # start both at once
        servers = list(pool.map(LiveServer.start, [LiveServer(db.url, env=env), LiveServer(db.url, env=env)]))
    sha256 = hashlib.sha256(QUERY.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256}}
    try:
        registered = httpx.post(f"{servers[0].url}/graphql", json={"query": QUERY, "extensions": persisted})
        by_hash = httpx.post(f"{servers[1].url}/graphql", json={"extensions": persisted})
        more = [httpx.post(f"{server.url}/graphql", json={"query": QUERY}) for server in servers]
        refused = httpx.post(f"{servers[0].url}/graphql", json={"query": QUERY})
    finally:
        for server in servers:
            server.stop()
    assert registered.status_code == 200 and by_hash.json() == registered.json()
    assert [response.status_code for response in more] == [200, 200]
    assert refused.status_code == 429 and refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


@needs_redis_server
async def test_a_server_keeps_serving_while_redis_is_away_and_shares_again_when_it_returns(databases):
    db = await databases.new_database("redis-away", demo=True)
    await db.dispose()
    redis = PrivateRedis().start()
    env = {"QIANSHOU_REDIS_URL": redis.url, "QIANSHOU_RATE_LIMIT_PER_MINUTE": "3"}
    server = LiveServer(db.url, env={**env, "QIANSHOU_ACCESS_LOG": "false"}).start()
    try:
        before = [httpx.post(f"{server.url}/graphql", json={"query": QUERY}).status_code for _ in range(4)]
        redis.stop()
        away = [httpx.post(f"{server.url}/graphql", json={"query": QUERY}).status_code for _ in range(6)]
        redis.start()  # empty again: the budget starts afresh
        time.sleep(RETRY_SECONDS + 0.2)
        back = [httpx.post(f"{server.url}/graphql", json={"query": QUERY}).status_code for _ in range(4)]
    finally:
        output = server.stop()
        redis.stop()
    assert before == [200, 200, 200, 429]
    assert away == [200] * 6  # fails open: never refused, never a 5xx
    assert back == [200, 200, 200, 429]
    assert output.count("Redis is not answering") == 1, output
    assert output.count("Redis is back") == 1, output
