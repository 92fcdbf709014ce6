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


@functools.cache
def two_updates_statement(
    model: Any, names: tuple[str, ...], other: Any, other_names: tuple[str, ...], guard: str
) -> Select[Any]:
    """`versioned_update_statement` and an UPDATE of these columns (parameters `set_<name>`) of the
    row `other_id` of `other` while its column `guard` still holds `guard_value`, both read back:
    PostgreSQL only (`two_updates_parameters`). The second reads the first, so it runs only once the
    first has changed (and locked) its row: the rows are locked in the same order as by two
    statements, and it changes nothing if the first matched no row."""
    table, other_table = model.__table__, other.__table__
    # SQLAlchemy applies the Python-side onupdate of one UPDATE among the WITH queries only: bound.
    updated = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.version == bindparam("seen_version"))
        .values(**_new_values(model, names + _stamped(model)), version=table.c.version + 1)
        .returning(*table.c)
        .cte("updated")
    )
    columns = inspect(other).column_attrs
    changed = (
        update(other_table)
        .where(
            other_table.c.id == bindparam("other_id"),
            other_table.c[guard] == bindparam("guard_value", type_=other_table.c[guard].type),
            select(updated.c.id).exists(),
        )
        .values({columns[name].columns[0]: _typed(columns, name, "set_") for name in other_names + _stamped(other)})
        .returning(*other_table.c)
        .cte("changed")
    )
    return select(aliased(model, updated), aliased(other, changed)).select_from(updated).outerjoin(changed, true())


def two_updates_parameters(
    row: Any, values: dict[str, Any], version: int, other: Any, other_values: dict[str, Any], guard_value: Any
) -> dict[str, Any]:
    return {
        **versioned_update_parameters(row, {**values, **_stamps(type(row))}, version),
        **{f"set_{name}": value for name, value in {**other_values, **_stamps(type(other))}.items()},
        "other_id": other.id,
        "guard_value": guard_value,
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
            values[attr.key] = _value_of(column.default)
    return values


def _value_of(default: Any) -> Any:
    return default.arg(None) if default.is_callable else default.arg


def _stamps(model: Any) -> dict[str, Any]:
    """The values of `_stamped` columns for an UPDATE now."""
    columns = inspect(model).columns
    return {name: _value_of(columns[name].onupdate) for name in _stamped(model)}


@functools.cache
def _stamped(model: Any) -> tuple[str, ...]:
    """The columns of `model` that a Python function sets on every UPDATE (updated_at)."""
    return tuple(attr.key for attr in inspect(model).column_attrs if attr.columns[0].onupdate is not None)


def _typed(columns: Any, name: str, prefix: str) -> BindParameter[Any]:
    return bindparam(f"{prefix}{name}", type_=columns[name].expression.type)


def _new_values(model: Any, names: tuple[str, ...]) -> dict[str, BindParameter[Any]]:
    columns = inspect(model).column_attrs
    return {name: _typed(columns, name, "new_") for name in names}
