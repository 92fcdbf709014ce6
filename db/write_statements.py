"""The statements of a write transaction's hot path (resolvers/writes.py's Tx), and their parameters.

Each is made once per model (and columns, and shape) and cached, with named bind parameters, and
runs with each write's values: making a SQLAlchemy statement costs more CPU than running it. Each
saves round trips: a write reads the row it names with the rows its access check goes through
(and may claim its idempotency key in the same statement), reads new and changed rows back from
their INSERT or UPDATE ... RETURNING, and on PostgreSQL changes one row and adds another in one
statement, each a data-modifying WITH query. SQLAlchemy applies a model's Python-side column
defaults to a plain INSERT but not to one inside a WITH query: `insert_values` supplies them.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Insert,
    Select,
    Update,
    bindparam,
    insert,
    inspect,
    select,
    true,
    update,
)
from sqlalchemy.orm import Mapper, aliased

from db.models import Milestone, MilestoneUpdate, Pairing

# Named values a write loads with its row (Tx.load_with).
Also = tuple[tuple[str, ColumnElement[Any]], ...]


def owners(model: type) -> tuple[type, ...]:
    """The rows a row of `model` is read with: those its access check goes through."""
    if model is MilestoneUpdate:
        return (Milestone, Pairing)
    if model is not Pairing and "pairing_id" in inspect(model).columns:
        return (Pairing,)
    return ()


def owned_pairing(model: type, loaded: Any) -> Pairing | None:
    """The pairing in a row that `load_statement` read, if a row of `model` is read with one."""
    found = owners(model)
    return loaded[found.index(Pairing) + 1] if Pairing in found else None


@functools.cache
def load_statement(model: type, lock: bool, also: Also, claim: Insert | None) -> Select[*tuple[Any, ...]]:
    """The row of `model` with id `pk`, then its `owners` and the values of `also`. With `claim`
    (an INSERT ... RETURNING id; PostgreSQL only), the INSERT is a data-modifying WITH query, and
    the id it returned (if it inserted) the last column. The INSERT runs once the first row is
    projected, before that row is locked (and runs without a row too): so a retry waits on the
    claim first, as it does when the claim is a statement of its own, and two statements of this
    one shape take their locks in the same order."""
    found = owners(model)
    columns = [*found, *(column for _, column in also)]
    if claim is not None:
        made = claim.cte("claim")
        columns.append(select(made.c.id).scalar_subquery().label("claimed"))
    mapper: Mapper[Any] = inspect(model)
    statement: Select[*tuple[Any, ...]] = select(model, *columns).where(mapper.columns["id"] == bindparam("pk"))
    if model is MilestoneUpdate:
        statement = statement.join(Milestone, Milestone.id == MilestoneUpdate.milestone_id).join(
            Pairing, Pairing.id == Milestone.pairing_id
        )
    elif found:
        # Some records may stand outside a pairing (a service station): no pairing, not no row.
        statement = statement.outerjoin(Pairing, Pairing.id == mapper.columns["pairing_id"])
    return statement.with_for_update(of=model) if lock else statement


@functools.cache
def insert_returning(model: type) -> Insert:
    # Run with each row's values: the values are its parameters.
    return insert(model).returning(model)


@functools.cache
def versioned_update_statement(model: Any, names: tuple[str, ...]) -> Update:
    """UPDATE of these columns (parameters `new_<name>`) of row `row_id` while its version is still
    `seen_version`, which it moves on, read back (`versioned_update_parameters`). (A parameter may
    not take a column's own name.)"""
    return (
        update(model)
        .where(model.id == bindparam("row_id"), model.version == bindparam("seen_version"))
        .values(**_new_values(model, names), version=model.version + 1)
        .returning(model)
    )


def versioned_update_parameters(row: Any, values: dict[str, Any], version: int) -> dict[str, Any]:
    return {**{f"new_{name}": value for name, value in values.items()}, "row_id": row.id, "seen_version": version}


@functools.cache
def update_and_insert_statement(
    model: Any, names: tuple[str, ...], new_model: Any, new_names: tuple[str, ...]
) -> Select[Any]:
    """`versioned_update_statement` and an INSERT of these columns, both read back: PostgreSQL only
    (`update_and_insert_parameters`)."""
    table, new_table = model.__table__, new_model.__table__
    updated = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.version == bindparam("seen_version"))
        .values(**_new_values(model, names), version=table.c.version + 1)
        .returning(*table.c)
        .cte("updated")
    )
    columns = inspect(new_model).column_attrs
    inserted = (
        insert(new_table)
        .values({columns[name].columns[0]: _typed(columns, name, "add_") for name in new_names})
        .returning(*new_table.c)
        .cte("inserted")
    )
    return (
        select(aliased(model, updated), aliased(new_model, inserted)).select_from(inserted).outerjoin(updated, true())
    )


def update_and_insert_parameters(row: Any, values: dict[str, Any], new_values: dict[str, Any]) -> dict[str, Any]:
    """The parameters of `update_and_insert_statement`: the row at the version just read, and the new row's
    `insert_values`."""
    return {
        **versioned_update_parameters(row, values, row.version),
        **{f"add_{name}": value for name, value in new_values.items()},
    }


def insert_values(row: Any) -> dict[str, Any]:
    """A new row's column values, with the model's Python-side defaults for those it leaves out:
    SQLAlchemy applies these to a plain INSERT, but not to one inside a WITH query."""
    values = {}
    for attr in inspect(type(row)).column_attrs:
        column = attr.columns[0]
        if attr.key in row.__dict__:
            values[attr.key] = row.__dict__[attr.key]
        elif column.default is not None:
            default = column.default
            values[attr.key] = default.arg(None) if default.is_callable else default.arg
    return values


def _typed(columns: Any, name: str, prefix: str) -> BindParameter[Any]:
    return bindparam(f"{prefix}{name}", type_=columns[name].expression.type)


def _new_values(model: Any, names: tuple[str, ...]) -> dict[str, BindParameter[Any]]:
    columns = inspect(model).column_attrs
    return {name: _typed(columns, name, "new_") for name in names}
