"""The answer cache (server/answer_cache.py) on a real server with two workers: every poll, by plain
POST, GET or persisted query, answers what a fresh computation answers, writes in between; callers
never see each other's answers; answers with errors and mutations are always computed; and the
byte bound evicts the least recently used."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import AsyncIterator

import httpx
import pytest

from bench.server import cpu_ticks
from server.answer_cache import LARGEST_SHARE, Answer, AnswerCache
from server.workers import reuse_port_available
from tests.test_etag import POLL, POLLED, RECORD, World, home_visits, running_world
from tests.test_observability import sample, samples
from tests.test_workers import workers_of

VARIABLES = {"id": POLLED}
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(POLL.encode()).hexdigest()}}
_nonces = itertools.count()


@pytest.fixture(scope="module")
async def world(databases) -> AsyncIterator[World]:
    async with running_world(databases, "answers") as world:
        yield world


def hits_and_misses(world: World) -> tuple[float, float]:
    found = samples(world.server)
    return sample(found, "qianshou_answer_cache_hits_total"), sample(found, "qianshou_answer_cache_misses_total")


def polls(world: World, caller: str = "ministry") -> dict[str, httpx.Response]:
    """The poll sent each way a client sends it, none with If-None-Match, each on a new connection."""
    return {
        "plain POST": world.post({"query": POLL, "variables": VARIABLES}, caller=caller),
        "GET": world.poll(caller=caller),
        # With the document, so that either worker knows it (without Redis each knows its own).
        "persisted": world.post({"query": POLL, "variables": VARIABLES, "extensions": PERSISTED}, caller=caller),
    }


def fresh(world: World, caller: str = "ministry") -> bytes:
    """The poll's answer computed anew: a variable the query does not declare makes a key never seen."""
    variables = {**VARIABLES, "nonce": next(_nonces)}
    response = world.post({"query": POLL, "variables": variables}, caller=caller)
    assert response.status_code == 200
    return response.content


@pytest.mark.slow  # two real workers
@pytest.mark.skipif(not reuse_port_available(), reason="a socket per worker needs Linux's SO_REUSEPORT")
def test_every_poll_answers_fresh_data_with_writes_in_between(world: World) -> None:
    workers = workers_of(world.server)
    before = {pid: cpu_ticks(pid) for pid in workers}
    hits_before, _ = hits_and_misses(world)
    visits = home_visits(world.poll())
    for _ in range(6):
        world.record()
        visits += 1
        # Each way's first request on a worker computes (a plain POST's first two): of four, at least
        # two reach the same worker, so each round has a kept answer by GET and by hash at least.
        for _ in range(4):
            expected = fresh(world)
            for way, response in polls(world).items():
                assert response.status_code == 200, way
                assert home_visits(response) == visits, f"{way} after a write answered old data"
                assert response.content == expected, way
                assert response.headers["content-type"] == "application/json"
                if way == "plain POST":
                    assert "ETag" not in response.headers, "a plain POST is not conditional"
                else:
                    assert response.headers["Cache-Control"] == "private, no-cache" and response.headers["ETag"]
    hits, _ = hits_and_misses(world)
    assert hits - hits_before >= 6 * 2, "polls were answered from the cache"
    busy = [cpu_ticks(pid) - before[pid] for pid in workers]
    assert min(busy) > 0, f"both workers answered polls: {busy}"


@pytest.mark.slow  # two real workers
def test_a_kept_get_answer_carries_the_tag_a_304_confirms(world: World) -> None:
    first, second = world.poll(), world.poll()
    assert second.content == first.content and second.headers["ETag"] == first.headers["ETag"]
    assert world.poll(second.headers["ETag"]).status_code == 304


@pytest.mark.slow  # two real workers
def test_no_caller_is_answered_another_callers_answer(world: World) -> None:
    query = {"query": "query Who { viewer { name role } pairings(first: 1) { totalCount } }"}
    seen = {}
    for _ in range(4):  # enough for each caller's answer to be kept on both workers
        for caller in ("ministry", "ministry-2", "mentor"):
            data = world.post(query, caller=caller).json()["data"]
            assert data["viewer"]["name"] == f"answers-{caller}"
            assert seen.setdefault(caller, data) == data
    assert seen["mentor"]["pairings"]["totalCount"] < seen["ministry"]["pairings"]["totalCount"]


@pytest.mark.slow  # two real workers
def test_answers_with_errors_and_mutations_are_always_computed(world: World) -> None:
    failing = {"query": 'query Missing { node(id: "bm90IGFuIGlk") { id } }'}
    request_ids = set()
    for _ in range(4):  # by GET too, which is always looked up
        by_get = httpx.get(f"{world.server.url}/graphql", params=failing, headers=world.auth("ministry", {}))
        for answer in (world.post(failing, caller="ministry").json(), by_get.json()):
            assert answer["errors"]
            request_ids.add(answer["extensions"]["requestId"])
    assert len(request_ids) == 8, "each answer with errors is made for its own request"
    visits = home_visits(world.poll())
    before = hits_and_misses(world)
    same = {"pairingId": POLLED, "kind": "HOME_VISIT", "occurredOn": "2026-11-02", "count": 1}
    for _ in range(4):
        written = world.post({"query": RECORD, "variables": {"input": same}}).json()
        assert written["data"]["recordServiceActivity"]["userErrors"] == [], written
    assert hits_and_misses(world) == before, "a mutation is never looked up, so never answered from the cache"
    assert home_visits(world.poll()) == visits + 4


@pytest.mark.slow  # a real server
async def test_switched_off_it_keeps_nothing(databases) -> None:
    async with running_world(databases, "answers_off", QIANSHOU_ANSWER_CACHE_MB="0") as world:
        for _ in range(4):
            polls(world)
        assert hits_and_misses(world) == (0, 0)


def answer(size: int) -> Answer:
    return Answer(b"x" * size, "application/json", None)


def test_the_bound_evicts_the_least_recently_used() -> None:
    cache = AnswerCache(max_bytes=1000)
    for key in "abcd":
        cache.put(key, answer(100))
    assert cache.get("a") is not None  # now the most recently used
    for key in "efghijk":
        cache.put(key, answer(100))
    assert cache.size <= 1000
    assert cache.get("b") is None, "the least recently used went first"
    assert all(cache.get(key) is not None for key in "acdefghijk")
    cache.put("l", answer(100))  # "a" was looked up first of those just looked up
    assert cache.get("a") is None and cache.get("c") is not None and cache.size == 1000


def test_an_answer_over_its_share_of_the_bound_is_not_kept() -> None:
    cache = AnswerCache(max_bytes=800)
    cache.put("small", answer(800 // LARGEST_SHARE))
    cache.put("large", answer(800 // LARGEST_SHARE + 1))
    assert cache.get("small") is not None and cache.get("large") is None
    assert cache.size == 800 // LARGEST_SHARE


def test_a_post_is_looked_up_only_once_its_document_answered_as_a_query() -> None:
    cache = AnswerCache(max_bytes=1000)
    assert not cache.is_query(POLL, None)
    cache.note_query(POLL, None)
    assert cache.is_query(POLL, None)
    assert not cache.is_query(POLL, "Poll") and not cache.is_query(POLL + " ", None)
