"""Prepared reads asked for in the same turn of the event loop, sent to PostgreSQL as one statement.

A request for a pairing's detail asks for the pairing, its milestones, training sessions, stations
and incubated organizations at once (loaders queue their keys, schema/pairings.py fetches ahead).
Each read as a statement of its own costs the driver a round trip, about 100 µs of CPU on a small
machine, and PostgreSQL a bind, an execute and a sync; on two cores the five then mostly wait for
one another rather than run side by side.

Combined, each read becomes a few columns of a single row: for each of its columns the array of
that column's values, and the array of its ordinals,

    (SELECT array_agg(r.c0), ..., array_agg(r.ordinal) FROM (<the read + its ordinal>) AS r(c0, ..., ordinal))

where the ordinal is row_number() over the read's own ORDER BY. Every aggregate of one query level
takes the rows in the same sequence, so the arrays line up row for row; the ordinals say whether
that sequence is the read's order, and the rows are put back in it when it is not. Typed arrays
cost the driver one codec per column, where arrays of records cost it a codec lookup for every
value. Each read's rows pass through its own result processors: every caller gets the rows it
would have got alone. A combination that fails is run again read by read, so that each read fails,
or not, on its own. Reads of different requests that meet in one turn may go together too, when
they are different reads (`statements`): each is a statement of its own outside any transaction,
so nothing ties them but the round trip they share.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ARRAY, Dialect, Select, func

from db.fast_paths import fell_back
from db.prepared import Listener, Plan, PreparedRead, make_plan

ORDINAL = "ordinal"
_PLACEHOLDER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=1024)  # asked for every read; reads are built once and run many times
def combinable(read: PreparedRead) -> bool:
    """Whether a read keeps its meaning with an ordinal column added, not under DISTINCT, which the
    ordinal would defeat; and whether its values fit in arrays: an array column would not."""
    statement = read.statement
    return (
        isinstance(statement, Select)
        and not statement._distinct
        and not any(isinstance(column.type, ARRAY) for column in statement.selected_columns)
    )


@dataclass(frozen=True)
class _Part:
    plan: Plan  # the read as it is, for its rows and for listeners
    ordered: Plan  # the read with its ordinal last, whose SQL goes into the combination
    columns: slice  # where its arrays are in the combination's row, its ordinals last
    keeps_order: bool  # whether the read has an ORDER BY to put its rows back in

    def rows(self, record: Sequence[Any]) -> list[Any]:
        *columns, ordinals = record[self.columns]
        if ordinals is None:  # array_agg over no rows
            return []
        if self.keeps_order and ordinals != sorted(ordinals):
            order = sorted(range(len(ordinals)), key=ordinals.__getitem__)
            columns = [[column[index] for index in order] for column in columns]
        return self.plan.rows_of_columns(columns)


class CombinedRead:
    """Several prepared reads run as one PostgreSQL statement (see the module's note)."""

    def __init__(self, reads: tuple[PreparedRead, ...]) -> None:
        self.reads = reads
        self._sql: str | None = None
        self._parts: tuple[_Part, ...] = ()

    async def run(
        self,
        driver: Any,
        dialect: Dialect,
        parameter_sets: Sequence[dict[str, Any] | None],
        listeners: Sequence[Listener] = (),
    ) -> list[list[Any]]:
        """The rows of each read, in the order of `reads`, read on an asyncpg connection."""
        if self._sql is None:
            await self._prepare(driver, dialect)
        arguments: list[Any] = []
        for part, parameters in zip(self._parts, parameter_sets, strict=True):
            arguments += part.ordered.arguments(parameters)
            for listener in listeners:
                listener(part.plan.sql, part.plan.arguments(parameters))
        record = await driver.fetchrow(self._sql, *arguments)
        return [part.rows(record) for part in self._parts]

    async def _prepare(self, driver: Any, dialect: Dialect) -> None:
        parts, selects, offset, width = [], [], 0, 0
        for index, read in enumerate(self.reads):
            plan, ordered = await read.plan(driver, dialect), await _ordered_plan(read, driver, dialect)
            sql, offset = _renumbered(ordered.sql, offset)
            # Named by position: a read may select two columns of the same name (two tables' ids).
            names = [f"c{column}" for column in range(len(read.statement.selected_columns))] + [ORDINAL]
            aggregates = ", ".join(f"array_agg(r{index}.{name})" for name in names)
            selects.append(f"(SELECT {aggregates} FROM ({sql}) AS r{index}({', '.join(names)})) AS q{index}")
            keeps_order = bool(read.statement._order_by_clauses)
            parts.append(_Part(plan, ordered, slice(width, width + len(names)), keeps_order))
            width += len(names)
        self._parts = tuple(parts)
        self._sql = "SELECT * FROM " + ", ".join(selects)


# Each read with its ordinal, planned once whatever it is combined with: a new combination then
# costs no round trip of its own to plan. Combinations are made on PostgreSQL alone.
_ordered_plans: WeakKeyDictionary[PreparedRead, Plan] = WeakKeyDictionary()


async def _ordered_plan(read: PreparedRead, driver: Any, dialect: Dialect) -> Plan:
    plan = _ordered_plans.get(read)
    if plan is None:
        statement = read.statement
        ordinal = func.row_number().over(order_by=list(statement._order_by_clauses)).label(ORDINAL)
        plan = _ordered_plans[read] = await make_plan(statement.add_columns(ordinal), dialect, driver)
    return plan


def _renumbered(sql: str, offset: int) -> tuple[str, int]:
    """`sql` with its placeholders $1..$n moved to $(offset + 1)..$(offset + n), and offset + n."""
    numbers = [int(number) for number in _PLACEHOLDER.findall(sql)]
    if sql.count("$") != len(numbers) or sorted(set(numbers)) != list(range(1, len(set(numbers)) + 1)):
        raise ValueError(f"cannot renumber the placeholders of {sql!r}")
    return _PLACEHOLDER.sub(lambda match: f"${int(match[1]) + offset}", sql), offset + len(set(numbers))


@functools.lru_cache(maxsize=256)
def combination(reads: tuple[PreparedRead, ...]) -> CombinedRead:
    """One combination per set of reads, in serial order: its SQL is prepared once per connection."""
    return CombinedRead(reads)


# PostgreSQL searches the join orders of a statement's FROM items, exhaustively up to 12 and
# genetically beyond: a combination of 6 reads planned in 0.7 ms here, of 12 in 11 ms, of 24 in 36 ms.
MAX_COMBINED = 8

_Queued = tuple[PreparedRead, "dict[str, Any] | None", asyncio.Future[list[Any]]]


def statements(queued: list[_Queued], spread: int = 1) -> list[list[_Queued]]:
    """The reads of a turn in statements of distinct reads, at most MAX_COMBINED each, in serial order.

    Reads of concurrent requests meet in one turn, the same reads with other parameters. Kept
    apart, each request's reads make the statement they make alone: a few shapes of statement,
    each prepared and planned once per connection (and under the driver's limit on the size of
    statements it keeps prepared), rather than a new and larger one for each mix of requests.

    Reads that would make a single statement are dealt over `spread` statements instead, which
    PostgreSQL runs side by side (see Rounds)."""
    grouped: list[tuple[set[int], list[_Queued]]] = []
    for item in sorted(queued, key=lambda item: item[0].serial):
        serial = item[0].serial
        for serials, reads in grouped:
            if serial not in serials and len(reads) < MAX_COMBINED:
                serials.add(serial)
                reads.append(item)
                break
        else:
            grouped.append(({serial}, [item]))
    if len(grouped) == 1 and spread > 1:
        reads = grouped[0][1]
        return [reads[start::spread] for start in range(min(spread, len(reads)))]
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
            await self._read(queued)
        finally:
            for _, _, future in queued:
                # Only when this task was cancelled: the callers must not wait for ever.
                if not future.done():
                    future.cancel()

    async def _read(self, queued: list[_Queued]) -> None:
        if len(queued) > 1:
            try:
                results = await self._together(tuple(read for read, _, _ in queued), [p for _, p, _ in queued])
            except Exception as error:
                fell_back("combined_reads.error", error)  # each read alone fails, or not, on its own
            else:
                for (_, _, future), rows in zip(queued, results, strict=True):
                    _settle(future, rows)
                return
        await _side_by_side([self._read_alone(read, parameters, future) for read, parameters, future in queued])

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
