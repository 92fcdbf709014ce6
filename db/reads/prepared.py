"""Read statements that run on the driver's own connection.

A read that a request makes hundreds of times a second is built once per process; what is left is
the execution, and SQLAlchemy's costs about 0.2 ms beside the driver's 0.15 (an execution context,
the cache key, result metadata, a transaction begun on SQLite). A PreparedRead compiles its
statement once per dialect and hands the SQL and its parameters to asyncpg or aiosqlite directly.
Values still pass through SQLAlchemy's own bind and result processors for each column's type, and
rows are named tuples with the names SQLAlchemy's rows would have, so callers see the same rows.
"""

from __future__ import annotations

import functools
import itertools
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Enum, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any] | None
# Told of each statement with its driver parameters, as SQLAlchemy's before_cursor_execute would be.
Listener = Callable[[str, Sequence[Any]], None]


class PreparedRead:
    """A SELECT built once, run many times with new parameter values (see the module's note)."""

    # Reads are combined in this order (db/reads/combined.py): one order, one SQL text per set of reads.
    _serials = itertools.count()

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self.serial = next(self._serials)
        self._plans: dict[str, Plan] = {}

    async def run(
        self, driver: Any, dialect: Dialect, parameters: dict[str, Any] | None, listeners: Sequence[Listener] = ()
    ) -> list[Any]:
        """The rows, read on `driver`, a connection of asyncpg or aiosqlite (Database.fetch)."""
        plan = await self.plan(driver, dialect)
        arguments = plan.arguments(parameters)
        for listener in listeners:
            listener(plan.sql, arguments)
        if plan.postgresql:
            records = await driver.fetch(plan.sql, *arguments)
        else:
            records = await driver.execute_fetchall(plan.sql, arguments)
        return plan.rows(records)

    async def plan(self, driver: Any, dialect: Dialect) -> Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = await make_plan(self.statement, dialect, driver)
        return plan


@dataclass(frozen=True)
class Plan:
    """A statement compiled for one dialect: its SQL, how to bind its parameters, how to make rows."""

    compiled: SQLCompiler
    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    # The result columns whose values need converting (most need none), with their processors.
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]
    make_row: Callable[[Sequence[Any]], Any]
    postgresql: bool

    def arguments(self, parameters: dict[str, Any] | None) -> list[Any]:
        """The driver's positional arguments for these parameter values."""
        values = self.compiled.construct_params(parameters)
        return [
            values[name] if bind is None else bind(values[name])
            for name, bind in zip(self.names, self.binds, strict=True)
        ]

    def rows(self, records: Sequence[Sequence[Any]]) -> list[Any]:
        """The driver's records as rows, each value through its column's result processor."""
        make_row, converters = self.make_row, self.converters
        if not converters:
            return list(map(make_row, records))
        rows = []
        for record in records:
            row = list(record)
            for index, convert in converters:
                row[index] = convert(row[index])
            rows.append(make_row(row))
        return rows

    def rows_of_columns(self, columns: Sequence[Sequence[Any]]) -> list[Any]:
        """The rows whose values are given column by column, in the order of the statement's columns."""
        values: list[Iterable[Any]] = list(columns)
        for index, convert in self.converters:
            values[index] = map(convert, values[index])
        return list(map(self.make_row, zip(*values, strict=True)))


async def make_plan(statement: Select[*tuple[Any, ...]], dialect: Dialect, driver: Any) -> Plan:
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params or compiled.positiontup is None:
        # An expanding IN or a literal rendered at execution: the SQL would change per execution.
        raise ValueError(f"a prepared read needs SQL that is fixed once compiled: {compiled.string}")
    postgresql = dialect.name == "postgresql"
    columns = list(statement.selected_columns)
    # What the driver reports of each column: some processors choose by it (asyncpg's numerics).
    type_codes = (
        [attribute.type.oid for attribute in (await driver.prepare(compiled.string)).get_attributes()]
        if postgresql
        else [None] * len(columns)
    )
    return Plan(
        compiled=compiled,
        sql=compiled.string,
        names=tuple(compiled.positiontup),
        binds=tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in compiled.positiontup
        ),
        converters=tuple(
            (index, convert)
            for index, (column, type_code) in enumerate(zip(columns, type_codes, strict=True))
            if (convert := _result_processor(column.type.dialect_impl(dialect), dialect, type_code)) is not None
        ),
        # namedtuple's own _make, a Python function, would check a length the driver already keeps.
        make_row=functools.partial(tuple.__new__, namedtuple("row", statement.selected_columns.keys(), rename=True)),
        postgresql=postgresql,
    )


def _result_processor(column_type: TypeEngine[Any], dialect: Dialect, type_code: Any) -> Processor:
    """The column type's result processor; for an enum stored as text, the same conversion as a
    dict's lookup, which turns a whole column of a combined read (`map`) without a Python call
    per value. An unknown value raises KeyError, a LookupError as SQLAlchemy's own is."""
    processor = column_type.result_processor(dialect, type_code)
    if processor is None or not isinstance(column_type, Enum) or column_type.native_enum:
        return processor
    lookup: dict[str | None, Any] = {value: processor(value) for value in column_type.enums}
    lookup[None] = None
    return lookup.__getitem__
