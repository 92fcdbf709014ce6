"""Answers that PostgreSQL writes as JSON: the SQL half of schema/engine/sql_answers.py.

A dashboard's documents select plain columns of a few tables and their lists. For those, PostgreSQL
can build the whole answer in the statement that reads it (json_build_object, json_agg), as
PostGraphile does: the server then sends the text on, and builds no row, object or dict for it.
What is written here must read exactly as the server would write the same value (orjson, through
the GraphQL scalars), which is why each kind of value has its own expression below; the text may
differ only in spacing, never in a value (tests/test_sql_answers.py compares the two answers).

Nothing here knows GraphQL: keys are passed in, and are GraphQL names (letters, digits, `_`), so
they are written into the SQL as literals rather than bound as some hundred parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    ScalarSelect,
    Subquery,
    Text,
    cast,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by
from sqlalchemy.sql.util import ClauseAdapter

# json_build_object takes at most 100 arguments: 50 keys.
MAX_KEYS = 50
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


@dataclass(frozen=True)
class Children:
    """Which rows of a table are a parent's children: the model, its column naming the parent, and
    the conditions the list keeps (written on the model's table)."""

    model: Any
    parent_key: str
    conditions: tuple[ColumnElement[bool], ...] = ()


class TooMany(Exception):
    """An object with more keys than one json_build_object holds: the answer is left to the server."""


def text(value: str) -> ColumnElement[str]:
    """A constant as an SQL literal: only names and type names come here, never a caller's text."""
    if not _NAME.fullmatch(value.replace(":", "")):
        raise ValueError(f"not a name: {value!r}")
    return literal_column(f"'{value}'", Text())


def json_object(pairs: Sequence[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
    """A JSON object with these keys, in this order (json, not jsonb: jsonb would sort them)."""
    if len(pairs) > MAX_KEYS:
        raise TooMany
    return func.json_build_object(*(part for key, value in pairs for part in (text(key), value)), type_=JSON)


def base64url(value: ColumnElement[str]) -> ColumnElement[str]:
    """resolvers.ids.to_base64url in SQL: URL-safe base64 without padding (nor PostgreSQL's line breaks)."""
    encoded = func.rtrim(func.encode(func.convert_to(value, literal_column("'UTF8'")), literal_column("'base64'")), "=")
    return func.translate(encoded, literal_column("E'+/\\n'"), literal_column("'-_'"), type_=Text())


def global_id(type_name: str, pk: ColumnElement[int]) -> ColumnElement[str]:
    """resolvers.ids.encode_id: the base64url of "Type:pk"."""
    return base64url(text(f"{type_name}:").concat(cast(pk, Text())))


def id_cursor(pk: ColumnElement[int]) -> ColumnElement[str]:
    """resolvers.pagination.encode_cursor of a key that is an id alone: the base64url of "[pk]"."""
    return base64url(literal_column("'['", Text()).concat(cast(pk, Text())).concat(literal_column("']'", Text())))


def timestamp(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A UTC timestamp as orjson writes a datetime in UTC: microseconds only where there are some."""
    utc = value.op("AT TIME ZONE")(literal_column("'UTC'"))
    micro = func.to_char(utc, literal_column("'US'"))
    fraction = func.coalesce(func.nullif(literal_column("'.'", Text()).concat(micro), ".000000"), "")
    seconds = func.to_char(utc, literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS'"))
    return seconds.concat(fraction).concat(literal_column("'+00:00'", Text()))


def decimal(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A numeric as the Decimal scalar writes it: its text, to its scale."""
    return cast(value, Text())


def rounded(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """Python's round(value, 2) of a double: round() of a double is rint(), which rounds a tie to
    even, as Python does."""
    hundred: ColumnElement[Any] = literal_column("100.0")
    return func.round(value * hundred) / hundred


def empty_list() -> ColumnElement[Any]:
    return literal_column("'[]'::json", JSON())


def live_list(
    children: Children, parent_id: ColumnElement[int], node: Callable[[FromClause], ColumnElement[Any]]
) -> ScalarSelect[Any]:
    """All of a parent's children by id, as a JSON list."""
    table = children.model.__table__.alias()
    rows = select(table).where(table.c[children.parent_key] == parent_id, *_on(table, children.conditions))
    found = rows.correlate_except(table).subquery()
    return select(
        func.coalesce(func.json_agg(aggregate_order_by(node(found), found.c.id)), empty_list())
    ).scalar_subquery()


class ChildPage:
    """The first `size` children of a parent by id, read with one more to tell whether there are
    more (`rows.c.rn` numbers them); the connection's JSON is built from `rows` by the caller."""

    def __init__(self, children: Children, parent_id: ColumnElement[int], size: Any) -> None:
        table = children.model.__table__.alias()
        numbered = (
            select(table, func.row_number().over(order_by=table.c.id).label("rn"))
            .where(table.c[children.parent_key] == parent_id, *_on(table, children.conditions))
            .order_by(table.c.id)
            .limit(size + 1)
            .correlate_except(table)  # the parent is the enclosing statement's row
        )
        self.rows: Subquery = numbered.subquery()
        self.size = size
        self.on_page = self.rows.c.rn <= size

    def edges(self, edge: ColumnElement[Any]) -> Any:
        """The page's edges (`edge`, made of a row of `rows`) as a JSON list."""
        listed = func.json_agg(aggregate_order_by(edge, self.rows.c.id)).filter(self.on_page)
        return func.coalesce(listed, empty_list())

    def has_next_page(self) -> ColumnElement[bool]:
        more: ColumnElement[bool] = func.count() > self.size
        return more

    def first_id(self) -> ColumnElement[int]:
        return func.min(self.rows.c.id).filter(self.on_page)

    def last_id(self) -> ColumnElement[int]:
        return func.max(self.rows.c.id).filter(self.on_page)

    def select(self, connection: ColumnElement[Any]) -> ScalarSelect[Any]:
        return select(connection).select_from(self.rows).scalar_subquery()


def _on(table: FromClause, conditions: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """Conditions written on a model's table, made to hold on `table`, its alias."""
    return [ClauseAdapter(table).traverse(condition) for condition in conditions] or [true()]
