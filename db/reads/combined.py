"""Several prepared reads sent to PostgreSQL as one statement.

A request for a pairing's detail asks for the pairing, its milestones, training sessions, stations
and incubated organizations at once (loaders queue their keys, schema/engine/fetch_ahead.py asks
for the lists ahead). Each read as a statement of its own costs the driver a round trip, about
100 µs of CPU on a small machine, and PostgreSQL a bind, an execute and a sync; on two cores the
five then mostly wait for one another rather than run side by side. Which reads go together is
decided per turn of the event loop by db/reads/rounds.py; this module builds and runs one
combination.

Combined, each read becomes a few columns of a single row: for each of its columns the array of
that column's values, and the array of its ordinals,

    (SELECT array_agg(r.c0), ..., array_agg(r.ordinal) FROM (<the read + its ordinal>) AS r(c0, ..., ordinal))

where the ordinal is row_number() over the read's own ORDER BY. Every aggregate of one query level
takes the rows in the same sequence, so the arrays line up row for row; the ordinals say whether
that sequence is the read's order, and the rows are put back in it when it is not. Typed arrays
cost the driver one codec per column, where arrays of records would cost it a codec lookup for
every value. Each read's rows pass through its own result processors: every caller gets the rows
it would have got alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ARRAY, Dialect, Select, func

from db.reads.prepared import Listener, Plan, PreparedRead, make_plan

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


@functools.lru_cache(maxsize=256)
def combination(reads: tuple[PreparedRead, ...]) -> CombinedRead:
    """One combination per set of reads, in serial order: its SQL is prepared once per connection."""
    return CombinedRead(reads)


@dataclass(frozen=True)
class _Part:
    """One read's place in a combination."""

    plan: Plan  # the read as it is, for its rows and for listeners
    ordered: Plan  # the read with its ordinal last, whose SQL goes into the combination
    columns: slice  # where its arrays are in the combination's row, its ordinals last
    keeps_order: bool  # whether the read has an ORDER BY to put its rows back in

    def rows(self, record: Sequence[Any]) -> list[Any]:
        """This read's rows, out of the combination's one row."""
        *columns, ordinals = record[self.columns]
        if ordinals is None:  # array_agg over no rows
            return []
        if self.keeps_order and ordinals != sorted(ordinals):
            columns = _reordered(columns, ordinals)
        return self.plan.rows_of_columns(columns)


def _reordered(columns: list[list[Any]], ordinals: list[int]) -> list[list[Any]]:
    order = sorted(range(len(ordinals)), key=ordinals.__getitem__)
    return [[column[index] for index in order] for column in columns]


class CombinedRead:
    """Several prepared reads run as one PostgreSQL statement (see the module's note). The SQL is
    built on the first run, when a driver connection is at hand to plan each read on."""

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
            # Listeners (statement counts, tracing) are told of each read as if it ran alone.
            for listener in listeners:
                listener(part.plan.sql, part.plan.arguments(parameters))
        record = await driver.fetchrow(self._sql, *arguments)
        return [part.rows(record) for part in self._parts]

    async def _prepare(self, driver: Any, dialect: Dialect) -> None:
        parts, subqueries = [], []
        placeholders = width = 0
        for index, read in enumerate(self.reads):
            plan, ordered = await read.plan(driver, dialect), await _ordered_plan(read, driver, dialect)
            # Each read numbers its placeholders from $1: in the combination they follow on.
            sql, placeholders = _renumbered(ordered.sql, placeholders)
            names = _column_names(read)
            subqueries.append(_aggregated(sql, names, alias=f"r{index}") + f" AS q{index}")
            part_columns = slice(width, width + len(names))
            keeps_order = bool(read.statement._order_by_clauses)
            parts.append(_Part(plan, ordered, part_columns, keeps_order))
            width += len(names)
        self._parts = tuple(parts)
        self._sql = "SELECT * FROM " + ", ".join(subqueries)


def _column_names(read: PreparedRead) -> list[str]:
    """Names for a read's columns, its ordinal last: by position, as a read may select two columns
    of the same name (two tables' ids)."""
    return [f"c{column}" for column in range(len(read.statement.selected_columns))] + [ORDINAL]


def _aggregated(sql: str, names: list[str], alias: str) -> str:
    """One read as one row: the array of each of its columns' values."""
    aggregates = ", ".join(f"array_agg({alias}.{name})" for name in names)
    return f"(SELECT {aggregates} FROM ({sql}) AS {alias}({', '.join(names)}))"


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
