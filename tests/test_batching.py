"""The batch loader: one fetch per turn of the event loop, each key fetched once, errors shared."""

from __future__ import annotations

import asyncio

import pytest

from resolvers.batching import BatchLoader


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[list[int]] = []
        self.fail_on = fail_on

    async def fetch(self, keys):
        self.calls.append(list(keys))
        await asyncio.sleep(0)
        if self.fail_on in keys:
            raise LookupError(f"no {self.fail_on}")
        return [key * 10 for key in keys]


async def test_concurrent_callers_share_one_fetch_of_distinct_keys():
    recorder = Recorder()
    loader = BatchLoader(recorder.fetch)
    results = await asyncio.gather(loader.load(1), loader.load_many([2, 1, 3]), loader.load(3))
    assert results == [10, [20, 10, 30], 30]
    assert recorder.calls == [[1, 2, 3]]


async def test_keys_are_queued_when_asked_for_not_when_awaited():
    """A caller can ask for several lists at once and then wait for each: one fetch serves them."""
    recorder = Recorder()
    loader = BatchLoader(recorder.fetch)
    one, more = loader.load(1), loader.load_many([2, 3])
    assert await one == 10
    assert await more == [20, 30]
    assert recorder.calls == [[1, 2, 3]]


async def test_values_are_kept_and_only_new_keys_fetched():
    recorder = Recorder()
    loader = BatchLoader(recorder.fetch)
    assert await loader.load_many([1, 2]) == [10, 20]
    assert await loader.load_many([2, 3, 2]) == [20, 30, 20]
    assert await loader.load_many([]) == []
    assert recorder.calls == [[1, 2], [3]]


async def test_a_key_in_flight_is_not_fetched_again():
    recorder = Recorder()
    loader = BatchLoader(recorder.fetch)
    first = asyncio.ensure_future(loader.load(1))
    await asyncio.sleep(0)  # the first batch is dispatched and its fetch is under way
    await asyncio.sleep(0)
    assert await asyncio.gather(first, loader.load_many([1, 2])) == [10, [10, 20]]
    assert recorder.calls == [[1], [2]]


async def test_a_failed_fetch_fails_every_caller_of_the_batch_and_can_be_retried():
    recorder = Recorder(fail_on=2)
    loader = BatchLoader(recorder.fetch)
    results = await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)
    recorder.fail_on = None
    assert await loader.load_many([1, 2]) == [10, 20]


async def test_a_cancelled_caller_does_not_cancel_the_batch_for_others():
    recorder = Recorder()
    loader = BatchLoader(recorder.fetch)
    doomed = asyncio.ensure_future(loader.load(1))
    survivor = asyncio.ensure_future(loader.load(1))
    await asyncio.sleep(0)
    doomed.cancel()
    assert await survivor == 10
    with pytest.raises(asyncio.CancelledError):
        await doomed
