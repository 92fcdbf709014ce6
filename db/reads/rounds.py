"""Rounds: the prepared reads asked for in one turn of the event loop, run together.

Loaders ask for their reads when their keys are queued, not when they are awaited, so the reads a
request needs next (a pairing and its lists) are asked for in the same turn. A round collects them
until the turn is over and then runs them in as few statements as `statements` deals them into: a
read alone when it is the only one of its statement, else a combination (db/reads/combined.py).
A combination that fails is run again read by read, so that each read fails, or not, on its own.

Reads of different requests that meet in one turn may go together too, when they are different
reads: each is a statement of its own outside any transaction, so nothing ties them but the round
trip they share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from db.reads.fast_paths import fell_back
from db.reads.prepared import PreparedRead

# PostgreSQL searches the join orders of a statement's FROM items, exhaustively up to 12 and
# genetically beyond: a combination of 6 reads planned in 0.7 ms here, of 12 in 11 ms, of 24 in 36 ms.
MAX_COMBINED = 8

# A read, its parameters and the future its caller awaits.
_Queued = tuple[PreparedRead, "dict[str, Any] | None", asyncio.Future[list[Any]]]


def statements(queued: list[_Queued], spread: int = 1) -> list[list[_Queued]]:
    """The reads of a turn in statements of distinct reads, at most MAX_COMBINED each, in serial order.

    Reads of concurrent requests meet in one turn, the same reads with other parameters. Kept
    apart, each request's reads make the statement they make alone: a few shapes of statement,
    each prepared and planned once per connection (and under the driver's limit on the size of
    statements it keeps prepared), rather than a new and larger one for each mix of requests.

    Reads that would make a single statement are dealt over `spread` statements instead, which
    PostgreSQL runs side by side (see Rounds)."""
    grouped = _distinct_reads(sorted(queued, key=lambda item: item[0].serial))
    if len(grouped) == 1 and spread > 1:
        reads = grouped[0]
        return [reads[start::spread] for start in range(min(spread, len(reads)))]
    return grouped


def _distinct_reads(queued: list[_Queued]) -> list[list[_Queued]]:
    """Each read into the first statement that has neither the same read nor MAX_COMBINED reads."""
    grouped: list[tuple[set[int], list[_Queued]]] = []
    for item in queued:
        serial = item[0].serial
        for serials, reads in grouped:
            if serial not in serials and len(reads) < MAX_COMBINED:
                serials.add(serial)
                reads.append(item)
                break
        else:
            grouped.append(({serial}, [item]))
    return [reads for _, reads in grouped]


Alone = Callable[[PreparedRead, "dict[str, Any] | None"], Awaitable[list[Any]]]
Together = Callable[[tuple[PreparedRead, ...], "list[dict[str, Any] | None]"], Awaitable[list[list[Any]]]]


class Rounds:
    """Reads asked for in one turn of the event loop, run together once the turn is over, in as
    many statements as `statements` makes of them: alone when a read is the only one of its
    statement, else as one combination (`together`), and alone again, each on its own, if the
    combination fails.

    A turn that finds no other turn's reads running spreads its reads over `idle_spread()`
    statements: when nothing else waits on the database, it has cores to spare, and a pairing's
    detail comes back sooner as two statements run side by side than as one (in-process, about a
    twentieth of the request). Under load, when other reads are running, a turn's reads stay in as
    few statements as they fit: each statement costs a round trip of CPU on both sides."""

    def __init__(self, alone: Alone, together: Together, idle_spread: Callable[[], int]) -> None:
        self._alone, self._together, self._idle_spread = alone, together, idle_spread
        self._queued: list[_Queued] = []
        # Held until done: the event loop keeps only weak references to tasks.
        self._running: set[asyncio.Task[None]] = set()

    def read(self, read: PreparedRead, parameters: dict[str, Any] | None) -> asyncio.Future[list[Any]]:
        """The rows of `read`, once this turn's round has run."""
        if self._queued:
            # The loop of the turn's first read: on Python 3.11 get_running_loop() costs a system
            # call (it checks the process id), once per turn is enough.
            loop = self._queued[0][2].get_loop()
        else:
            loop = asyncio.get_running_loop()
            # Runs after the callbacks already scheduled: the rest of this turn's reads join first.
            loop.call_soon(self._flush, loop)
        future: asyncio.Future[list[Any]] = loop.create_future()
        self._queued.append((read, parameters, future))
        return future

    async def settled(self) -> None:
        """Returns once the reads already running are done, including those whose callers went away."""
        if self._running:
            await asyncio.wait(set(self._running))

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        queued, self._queued = self._queued, []
        spread = 1 if self._running else self._idle_spread()
        # A task for each statement, which runs them side by side.
        for reads in statements(queued, spread):
            task = loop.create_task(self._run_statement(reads))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run_statement(self, queued: list[_Queued]) -> None:
        try:
            if len(queued) == 1 or not await self._read_together(queued):
                await _side_by_side([self._read_alone(*item) for item in queued])
        finally:
            for _, _, future in queued:
                # Only when this task was cancelled: the callers must not wait for ever.
                if not future.done():
                    future.cancel()

    async def _read_together(self, queued: list[_Queued]) -> bool:
        """Whether the reads ran as one combination; a failed one is counted, and each read then
        runs alone, to fail, or not, on its own."""
        try:
            results = await self._together(tuple(read for read, _, _ in queued), [p for _, p, _ in queued])
        except Exception as error:
            fell_back("combined_reads.error", error)
            return False
        for (_, _, future), rows in zip(queued, results, strict=True):
            _settle(future, rows)
        return True

    async def _read_alone(
        self, read: PreparedRead, parameters: dict[str, Any] | None, future: asyncio.Future[list[Any]]
    ) -> None:
        try:
            rows = await self._alone(read, parameters)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            _settle(future, rows)


async def _side_by_side(steps: list[Coroutine[Any, Any, None]]) -> None:
    """All of them at once; the usual single one in place, without a task of its own."""
    if len(steps) == 1:
        await steps[0]
    else:
        await asyncio.gather(*steps)


def _settle(future: asyncio.Future[list[Any]], rows: list[Any]) -> None:
    if not future.done():  # a caller that was cancelled no longer waits
        future.set_result(rows)
