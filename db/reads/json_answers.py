"""Answers that PostgreSQL writes as JSON text: the SQL half of schema/engine/sql_answers.py.

A dashboard's documents select plain columns of a few tables and their lists. For those, PostgreSQL
can write the whole answer in the statement that reads it, as PostGraphile does: the server then
sends the text on, and builds no row, object or dict for it.

The text is joined from pieces (`||`, string_agg) rather than built by json_build_object and
json_agg: those look up each value's output function on every call, and cost PostgreSQL twice as
much for a page of pairings (measured with pgbench: 50 rows of 20 values, 0.20 ms against 0.09 ms
over the read itself). So each kind of value has its JSON text here, written as the server writes
the same value (orjson, through the GraphQL scalars); tests/test_sql_answers.py compares the two
answers value by value. Every value is JSON text, or NULL for JSON's null.

Nothing here knows GraphQL: keys are passed in, and are GraphQL names (letters, digits, `_`), so
they are written into the SQL as literals rather than bound as some hundred parameters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    LargeBinary,
    ScalarSelect,
    Subquery,
    Text,
    case,
    cast,
    func,
    select,
    true,
)
from sqlalchemy import literal_column as _sql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.util import ClauseAdapter

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
NULL, TRUE, FALSE = "null", "true", "false"


@dataclass(frozen=True)
class Children:
    """Which rows of a table are a parent's children: the model, its column naming the parent, and
    the conditions the list keeps (written on the model's table)."""

    model: Any
    parent_key: str
    conditions: tuple[ColumnElement[bool], ...] = ()


def literal(value: str) -> ColumnElement[str]:
    """Text written into the SQL: JSON punctuation, names and type names, never a caller's text."""
    if not _NAME.fullmatch(re.sub(r'[{}\[\],:"]', "", value) or "_"):
        raise ValueError(f"not JSON punctuation and names: {value!r}")
    return _sql(f"'{value}'", Text())


def joined(*pieces: ColumnElement[Any]) -> ColumnElement[str]:
    return functools.reduce(lambda text, piece: text.concat(piece), pieces)


# --- values -------------------------------------------------------------------------------------


def constant(name: str) -> ColumnElement[str]:
    """A JSON string that is a name (a __typename)."""
    return literal(f'"{name}"')


def number(value: ColumnElement[Any]) -> ColumnElement[str]:
    """An integer, or a double as PostgreSQL writes it: the shortest text that reads back the same
    double, as orjson writes one (a whole one without its `.0`)."""
    return cast(value, Text())


def boolean(value: ColumnElement[Any]) -> ColumnElement[str]:
    return cast(value, Text())  # true / false


def string(value: ColumnElement[Any]) -> ColumnElement[str]:
    """Any text, escaped as JSON."""
    return cast(func.to_json(value), Text())


def name(value: ColumnElement[Any]) -> ColumnElement[str]:
    """Text that needs no escaping: an enum's stored name, which its CHECK constraint holds to it."""
    return quoted(cast(value, Text()))


def date(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A date in ISO form, whatever the session's DateStyle."""
    return quoted(func.to_char(value, _sql("'YYYY-MM-DD'")))


def timestamp(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A UTC timestamp as orjson writes a datetime in UTC: microseconds only where there are some."""
    utc = value.op("AT TIME ZONE")(_sql("'UTC'"))
    micro = func.to_char(utc, _sql("'US'"))
    fraction = func.coalesce(func.nullif(_sql("'.'", Text()).concat(micro), ".000000"), "")
    seconds = func.to_char(utc, _sql("'YYYY-MM-DD\"T\"HH24:MI:SS'"))
    return quoted(seconds.concat(fraction).concat(_sql("'+00:00'", Text())))


def decimal(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A numeric as the Decimal scalar writes it: a string of its text, to its scale."""
    return quoted(cast(value, Text()))


def rounded(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """Python's round(value, 2) of a double: round() of a double is rint(), which rounds a tie to
    even, as Python does."""
    hundred: ColumnElement[Any] = _sql("100.0")
    return func.round(value * hundred) / hundred


def quoted(value: ColumnElement[str]) -> ColumnElement[str]:
    """Text that needs no escaping, as a JSON string."""
    return joined(literal('"'), value, literal('"'))


def base64url(value: ColumnElement[str]) -> ColumnElement[str]:
    """resolvers.ids.to_base64url in SQL, of ASCII text under 57 bytes (one line of base64): URL-safe
    base64 without padding. Cast rather than converted, and two replace()s rather than translate():
    a page's five IDs a row cost PostgreSQL a third less."""
    encoded = func.rtrim(func.encode(cast(value, LargeBinary()), _sql("'base64'")), _sql("'='"))
    return func.replace(func.replace(encoded, _sql("'+'"), _sql("'-'")), _sql("'/'"), _sql("'_'"), type_=Text())


def global_id(type_name: str, pk: ColumnElement[int]) -> ColumnElement[str]:
    """resolvers.ids.encode_id: the base64url of "Type:pk"."""
    return quoted(base64url(joined(literal(f"{type_name}:"), cast(pk, Text()))))


def id_cursor(pk: ColumnElement[int]) -> ColumnElement[str]:
    """resolvers.pagination.encode_cursor of a key that is an id alone: the base64url of "[pk]"."""
    return quoted(base64url(joined(literal("["), cast(pk, Text()), literal("]"))))


def when(condition: ColumnElement[bool]) -> ColumnElement[str]:
    """A condition as JSON's true or false."""
    return case((condition, literal(TRUE)), else_=literal(FALSE))


# --- objects and lists --------------------------------------------------------------------------


def json_object(pairs: Sequence[tuple[str, ColumnElement[Any]]]) -> ColumnElement[str]:
    """A JSON object with these keys, in this order; a NULL value is null."""
    if not pairs:
        return literal("{}")
    pieces: list[ColumnElement[Any]] = []
    for index, (key, value) in enumerate(pairs):
        pieces += [literal(f'{"{" if index == 0 else ","}"{key}":'), func.coalesce(value, literal(NULL))]
    return joined(*pieces, literal("}"))


def json_list(items: ColumnElement[Any]) -> ColumnElement[str]:
    """The JSON list of `items` (string_agg(item, ','), NULL for none)."""
    return joined(literal("["), func.coalesce(items, _sql("''", Text())), literal("]"))


def all_children(
    children: Children, parent_id: ColumnElement[int], node: Callable[[FromClause], ColumnElement[Any]]
) -> ScalarSelect[Any]:
    """All of a parent's children by id, as a JSON list."""
    table = children.model.__table__.alias()
    rows = select(table).where(table.c[children.parent_key] == parent_id, *_on(table, children.conditions))
    found = rows.correlate_except(table).subquery()
    items = func.string_agg(node(found), aggregate_order_by(_sql("','", Text()), found.c.id))
    return select(json_list(items)).scalar_subquery()


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

    def edges(self, edge: ColumnElement[Any]) -> ColumnElement[str]:
        """The page's edges (`edge`, made of a row of `rows`) as a JSON list."""
        items = func.string_agg(edge, aggregate_order_by(_sql("','", Text()), self.rows.c.id)).filter(self.on_page)
        return json_list(items)

    def has_next_page(self) -> ColumnElement[str]:
        return when(func.count() > self.size)

    def first_id(self) -> ColumnElement[int]:
        return func.min(self.rows.c.id).filter(self.on_page)

    def last_id(self) -> ColumnElement[int]:
        return func.max(self.rows.c.id).filter(self.on_page)

    def select(self, connection: ColumnElement[Any]) -> ScalarSelect[Any]:
        return select(connection).select_from(self.rows).scalar_subquery()


def _on(table: FromClause, conditions: Sequence[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """Conditions written on a model's table, made to hold on `table`, its alias."""
    return [ClauseAdapter(table).traverse(condition) for condition in conditions] or [true()]
