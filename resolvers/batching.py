"""A batch loader: the DataLoader pattern, with a future per call instead of one per key.

strawberry's DataLoader makes a future and its callbacks for every key, about 6 µs each, and a
dashboard page asks for some 500 keys. Here a call waits on one future for all its keys. As with
any DataLoader, the keys that every caller asks for before the event loop turns again are fetched
together in one call of `fetch`, and each key is fetched at most once per loader.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")  # what `loaded` answers for a key not fetched


class BatchLoader(Generic[K, V]):
    def __init__(self, fetch: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> None:
        """`fetch` takes distinct keys and returns their values in the same order."""
        self._fetch = fetch
        self._values: dict[K, V] = {}
        # Keys asked for and not yet fetched, by the future that their batch will resolve.
        self._pending: dict[K, asyncio.Future[None]] = {}
        self._queued: dict[K, None] = {}
        self._next: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @overload
    def loaded(self, key: K) -> V | None: ...
    @overload
    def loaded(self, key: K, default: D) -> V | D: ...
    def loaded(self, key: K, default: object = None) -> object:
        """The value of a key fetched already, without waiting: `default` if it was not."""
        return self._values.get(key, default)

    def prime(self, key: K, value: V) -> None:
        """Hold `value` for `key`, fetched by someone else, unless the key has one already."""
        self._values.setdefault(key, value)

    # Keys are queued when asked for, not when the answer is awaited: a caller can ask for several
    # lists at once, then wait for each.

    def load(self, key: K) -> Coroutine[Any, Any, V]:
        """The value of this key, to be awaited."""
        batches = () if key in self._values else (self._pending.get(key) or self._queue(key),)
        return self._value_of(key, batches)

    def load_many(self, keys: Iterable[K]) -> Coroutine[Any, Any, list[V]]:
        """The values of these keys, in their order, to be awaited."""
        keys = list(keys)
        batches = {self._pending.get(key) or self._queue(key) for key in keys if key not in self._values}
        return self._values_of(keys, batches)

    async def _value_of(self, key: K, batches: Iterable[asyncio.Future[None]]) -> V:
        await self._wait(batches)
        return self._values[key]

    async def _values_of(self, keys: list[K], batches: Iterable[asyncio.Future[None]]) -> list[V]:
        await self._wait(batches)
        return [self._values[key] for key in keys]

    @staticmethod
    async def _wait(batches: Iterable[asyncio.Future[None]]) -> None:
        for batch in batches:
            # Shielded: a caller that is cancelled must not cancel the batch for the others.
            await asyncio.shield(batch)

    def _queue(self, key: K) -> asyncio.Future[None]:
        if self._next is None:
            # Looked up once per loader: on Python 3.11 get_running_loop() checks the process id
            # with a system call, and a request's loaders queue a dozen batches between them.
            loop = self._loop = self._loop or asyncio.get_running_loop()
            self._next = loop.create_future()
            # Runs after every callback already scheduled, so after the other resolvers of this
            # turn of the loop have queued their keys too.
            loop.call_soon(self._dispatch, loop, self._next)
        self._queued[key] = None
        self._pending[key] = self._next
        return self._next

    def _dispatch(self, loop: asyncio.AbstractEventLoop, batch: asyncio.Future[None]) -> None:
        keys = list(self._queued)
        self._queued, self._next = {}, None
        loop.create_task(self._run(keys, batch))

    async def _run(self, keys: list[K], batch: asyncio.Future[None]) -> None:
        try:
            values = await self._fetch(keys)
            self._values.update(zip(keys, values, strict=True))
        except Exception as exc:
            batch.set_exception(exc)
        else:
            batch.set_result(None)
        finally:
            for key in keys:
                self._pending.pop(key, None)
