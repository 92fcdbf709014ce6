"""SQL functions that the two databases spell differently."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Dialect,
    Integer,
    SQLColumnExpression,
    String,
    TypeDecorator,
    bindparam,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine


class days_between(FunctionElement[int]):
    """Whole days from the first date to the second (negative if the second is earlier)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"


class IdList(TypeDecorator[list[int]]):
    """Integer ids bound as one parameter: an array on PostgreSQL, JSON text on SQLite. With one
    parameter a statement's SQL is the same for any number of ids, so it is compiled once; an
    expanding IN (...) is rewritten for every execution."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(BigInteger()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Iterable[int] | None, dialect: Dialect) -> Any:
        ids = list(value or ())
        return ids if dialect.name == "postgresql" else json.dumps(ids)

    def bind_processor(self, dialect: Dialect) -> Callable[[list[int] | None], Any] | None:
        if dialect.name == "postgresql":
            # The array's own processor would copy the list again, item by item, with nothing to
            # convert in integers; the driver binds the list as it is.
            return lambda value: list(value or ())
        return super().bind_processor(dialect)


class one_of(FunctionElement[bool]):
    """`column` is one of the ids bound to the parameter `name` at execution (see IdList)."""

    type = Boolean()
    inherit_cache = True
    # A condition in its own right: without this, SQLite's WHERE would get `(...) = 1`, which its
    # planner cannot match to an index.
    _is_implicitly_boolean = True

    def __init__(self, column: SQLColumnExpression[int], name: str) -> None:
        super().__init__(column, bindparam(name, type_=IdList()))


@compiles(one_of, "sqlite")
def _one_of_sqlite(element: one_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(one_of, "postgresql")
def _one_of_postgresql(element: one_of, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"{column} = ANY({ids})"


class month_of(FunctionElement[str]):
    """The month of a date as 'YYYY-MM' text, for grouping by month."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_of_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def is_prefix_of(prefix: SQLColumnExpression[str], text: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """`prefix` (a column) begins `text`: a region path covering another. Spelled with substr
    rather than LIKE, whose wildcards a column's value could hold."""
    return func.substr(text, 1, func.length(prefix)) == prefix


class json_list_holds(FunctionElement[bool]):
    """A JSON list column holds the given string."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True

    def __init__(self, column: SQLColumnExpression[Any], value: SQLColumnExpression[str]) -> None:
        super().__init__(column, value)


@compiles(json_list_holds, "sqlite")
def _json_list_holds_sqlite(element: json_list_holds, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


@compiles(json_list_holds, "postgresql")
def _json_list_holds_postgresql(element: json_list_holds, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST({column} AS JSONB) @> jsonb_build_array(CAST({value} AS TEXT)))"
