"""Statements a write transaction sends together at its end: one round trip on PostgreSQL.

A write reads and locks what it checks, changes its rows, and then has rows to add that nothing in
the transaction reads again: the audit events, the inbox entries and webhook deliveries of its
notices, the milestone event, the idempotency record's result. Each is added to a Batch as it is
made and the Batch runs once, before the commit. On PostgreSQL they become one statement: each a
data-modifying WITH query of the last (or of the one SELECT among them, which is then the primary
query). PostgreSQL runs every data-modifying WITH query exactly once whether or not the primary
query reads it, all on the same snapshot: so no statement of a Batch may depend on the effect of
another in the same Batch (each may depend on anything the transaction did before). On SQLite,
where a statement costs no round trip, they run one after another, in the order added.

The statements of the hot paths are made once, with named bind parameters (`typed_parameters`),
and run with each write's values: making a statement costs more than running it. The combination
of such statements is made once per sequence of them too, with each statement's parameters renamed
apart, so that the same statement may appear twice in a batch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Delete,
    Insert,
    Select,
    Update,
    bindparam,
    insert,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import visitors

from db.conflicts import dialect_of

Then = Callable[[Any], None]
# What may be combined: a statement that can become a WITH query of another, or take them.
Statement: TypeAlias = Select[Any] | Insert | Update | Delete


@dataclass
class Batch:
    _statements: list[tuple[Statement, dict[str, Any], Then | None]] = field(default_factory=list)

    def add(self, statement: Statement, parameters: dict[str, Any] | None = None, then: Then | None = None) -> None:
        """`then(result)` is told the result of a statement that runs on its own (SQLite); a
        statement added with `then` must not be combined, so only the primary query may have one."""
        self._statements.append((statement, parameters or {}, then))

    def __len__(self) -> int:
        return len(self._statements)

    async def run(self, session: AsyncSession) -> None:
        statements, self._statements = self._statements, []
        if not statements:
            return
        if dialect_of(session) != "postgresql" or len(statements) == 1:
            for statement, parameters, then in statements:
                result = await session.execute(statement, parameters)
                if then is not None:
                    then(result)
            return
        primary_at = next(
            (at for at, (statement, _, _) in enumerate(statements) if isinstance(statement, Select)),
            len(statements) - 1,
        )
        if any(then is not None for at, (_, _, then) in enumerate(statements) if at != primary_at):
            raise ValueError("only a batch's primary query (its one SELECT, or its last statement) takes `then`")
        combined = _combined(tuple(statement for statement, _, _ in statements), primary_at)
        parameters = {
            f"{name}{_suffix(at)}": value
            for at, (_, given, _) in enumerate(statements)
            for name, value in given.items()
        }
        result = await session.execute(combined, parameters)
        then = statements[primary_at][2]
        if then is not None:
            then(result)


def _suffix(at: int) -> str:
    return f"_b{at}"


@functools.lru_cache(maxsize=256)
def _combined(statements: tuple[Statement, ...], primary_at: int) -> Statement:
    """One statement of `statements` (by identity: those made once come back here at no cost)."""
    renamed = [_renamed(statement, _suffix(at)) for at, statement in enumerate(statements)]
    primary = renamed.pop(primary_at)
    return primary.add_cte(*(statement.cte(f"batch_{at}") for at, statement in enumerate(renamed)))


def _renamed(statement: Statement, suffix: str) -> Statement:
    """The statement with each named bind parameter renamed `name + suffix` (anonymous ones, which
    carry their values, are unique already)."""

    def rename(element: Any, **kw: Any) -> Any:
        if isinstance(element, BindParameter) and not element.unique:
            return bindparam(f"{element.key}{suffix}", element.value, type_=element.type)
        return None

    options: dict[str, Any] = {}
    # replacement_traverse returns a copy of what it is given, typed as any traversible element.
    return cast(Statement, visitors.replacement_traverse(statement, options, rename))


def typed_parameters(model: Any, names: list[str], prefix: str = "") -> list[ColumnElement[Any]]:
    """Bind parameters `prefix + name`, typed as `model`'s columns of those names and labelled with
    them: the values of an INSERT ... SELECT, bound as its INSERT ... VALUES would bind them."""
    columns = model.__table__.c
    return [bindparam(f"{prefix}{name}", type_=columns[name].type).label(name) for name in names]


@functools.cache
def insert_rows(model: Any, names: tuple[str, ...], count: int) -> Insert:
    """INSERT `count` rows of these columns, in order, as one statement, with parameters `r<i>_<name>`
    (`rows_parameters`)."""
    selects = [select(*typed_parameters(model, list(names), f"r{row}_")) for row in range(count)]
    return insert(model.__table__).from_select(list(names), selects[0] if count == 1 else union_all(*selects))


def rows_parameters(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"r{row}_{name}": value for row, values in enumerate(rows) for name, value in values.items()}
