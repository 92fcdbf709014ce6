"""Relay cursor pagination by keyset: a page is one indexed range scan, never an OFFSET.

Top-level connections are paginated here; nested ones (a page of each parent's children, read for
many parents at once) are resolvers/child_pages.py's.
"""

from __future__ import annotations

import binascii
import datetime as dt
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    bindparam,
    func,
    select,
    tuple_,
)
from sqlalchemy.orm import QueryableAttribute

from db.engine import Database
from db.reads.prepared import PreparedRead
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import MAX_KEY, from_base64url, to_base64url

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# What a list sorts on: a model's attribute (Agency.id) or a column expression.
SortColumn = ColumnElement[Any] | QueryableAttribute[Any]


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0:
        raise ApiError(ErrorCode.INVALID, "`first` must not be negative", message_zh="`first` 不能为负数")
    if first > MAX_PAGE_SIZE:
        raise ApiError(
            ErrorCode.PAGE_TOO_LARGE,
            f"`first` is at most {MAX_PAGE_SIZE}, got {first}",
            message_zh=f"`first` 最大为 {MAX_PAGE_SIZE}，实际为 {first}",
        )
    return first


def encode_cursor(key: Sequence[Any]) -> str:
    return to_base64url(orjson.dumps(list(key)))


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    try:
        key = orjson.loads(from_base64url(cursor))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != arity or not all(map(_cursor_value, key)):
        raise ApiError(ErrorCode.BAD_CURSOR, f"malformed cursor {cursor!r}", message_zh=f"游标格式错误：{cursor!r}")
    return tuple(key)


def _cursor_value(value: Any) -> bool:
    """A value our cursors hold: a key in the 64-bit range, a finite number (a sort by a computed
    figure), or text without NUL (which neither database can bind). Anything else was not made by
    encode_cursor, and would reach the database."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -MAX_KEY - 1 <= value <= MAX_KEY
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and "\x00" not in value


@dataclass
class Page(Generic[T]):
    items: list[T]
    has_next_page: bool
    has_previous_page: bool
    # Counting is a statement of its own: run only when a client asks for totalCount.
    count: Callable[[], Awaitable[int]]
    # An item's sort key: its cursor is encoded only when a client asks for it.
    key_of: Callable[[T], tuple[Any, ...]]

    def cursor(self, index: int) -> str:
        return encode_cursor(self.key_of(self.items[index]))


@dataclass(frozen=True)
class Ordering:
    """The sort key of a connection: columns, all ascending or all descending, ending in a unique
    column, and how to read the same key off a loaded object (plain values: ints, floats, or ISO
    text for dates). A named ordering (a list sorted on request) writes its name into its cursors,
    so that a cursor of one sort is refused by another rather than read as a key of the wrong kind."""

    columns: tuple[SortColumn, ...]
    key_of: Callable[[Any], tuple[Any, ...]]
    descending: bool = False
    name: str | None = None

    @property
    def order_by(self) -> tuple[SortColumn, ...]:
        return tuple(column.desc() for column in self.columns) if self.descending else self.columns

    def cursor_key(self, item: Any) -> tuple[Any, ...]:
        return self.key_of(item) if self.name is None else (self.name, *self.key_of(item))

    def after(self, cursor: str | None) -> ColumnElement[bool] | None:
        if cursor is None:
            return None
        return _after(self.columns, self.key(cursor), self.descending)

    def key(self, cursor: str) -> tuple[Any, ...]:
        """The sort key a cursor holds; one that does not fit the columns is a BAD_CURSOR, not a
        database error."""
        values = decode_cursor(cursor, len(self.columns) + (self.name is not None))
        if self.name is not None:
            if values[0] != self.name:
                raise ApiError(
                    ErrorCode.BAD_CURSOR,
                    f"the cursor {cursor!r} belongs to another order of this list",
                    message_zh=f"游标 {cursor!r} 属于此列表的另一种排序",
                )
            values = values[1:]
        return tuple(_bound(column, value, cursor) for column, value in zip(self.columns, values, strict=True))


def _bound(column: SortColumn, value: Any, cursor: str) -> Any:
    """A cursor's value as its column binds it: an int for an integer, a number for a float, text
    for text and a date from ISO text."""
    kind = column.type
    fits = (
        type(value) is int
        if isinstance(kind, Integer)
        else type(value) in (int, float)
        if isinstance(kind, Float)
        else isinstance(value, str)
        if isinstance(kind, String | Date)
        else True
    )
    if fits and isinstance(kind, Date):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            fits = False
    if not fits:
        raise ApiError(ErrorCode.BAD_CURSOR, f"malformed cursor {cursor!r}", message_zh=f"游标格式错误：{cursor!r}")
    return value


async def paginate(
    db: Database,
    statement: Select[*tuple[Any, ...]],
    ordering: Ordering,
    *,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    """One page of `statement` (a select of one table's columns with its filters applied), as rows."""
    size = page_size(first)
    page_statement = statement
    condition = ordering.after(after)
    if condition is not None:
        page_statement = page_statement.where(condition)
    page_statement = page_statement.order_by(*ordering.order_by).limit(size + 1)
    items = list(await db.fetch(page_statement))
    return _page(db, statement, ordering, items, size, after)


class ListStatement:
    """A list's statement built once for its shape (its filters, whose scope), whose pages run as
    prepared reads with the cursor's values and the page size bound at execution: for the lists
    that dashboards poll, where building and compiling a page's statement costs more than the
    database's work."""

    def __init__(
        self,
        statement: Select[*tuple[Any, ...]],
        ordering: Ordering,
        shown: Callable[[Select[Any], Ordering], Select[Any]] | None = None,
    ) -> None:
        """`shown` turns a page's statement into the one whose rows are its items, in its order
        (schema/engine/sql_answers.py: each pairing's answer as JSON)."""
        self.statement, self.ordering = statement, ordering
        limit = bindparam("limit", type_=Integer())
        after = [bindparam(f"after_{n}", type_=column.type) for n, column in enumerate(ordering.columns)]
        show = shown or (lambda page, ordering: page)
        self.first_page = PreparedRead(show(statement.order_by(*ordering.order_by).limit(limit), ordering))
        self.next_page = PreparedRead(
            show(
                statement.where(_after(ordering.columns, after, ordering.descending))
                .order_by(*ordering.order_by)
                .limit(limit),
                ordering,
            )
        )

    async def page(
        self, db: Database, *, first: int | None, after: str | None, parameters: Mapping[str, Any] | None = None
    ) -> Page[Any]:
        """A page; `parameters` binds any others that `shown` put in the statement."""
        size = page_size(first)
        bound = {**(parameters or {}), "limit": size + 1}
        if after is None:
            items = await db.fetch(self.first_page, bound)
        else:
            bound |= {f"after_{n}": value for n, value in enumerate(self.ordering.key(after))}
            items = await db.fetch(self.next_page, bound)
        return _page(db, self.statement, self.ordering, list(items), size, after)


def _after(columns: Sequence[SortColumn], values: Sequence[Any], descending: bool = False) -> ColumnElement[bool]:
    left = columns[0] if len(columns) == 1 else tuple_(*columns)
    right = values[0] if len(columns) == 1 else tuple_(*values)
    return left < right if descending else left > right


def _page(
    db: Database,
    statement: Select[*tuple[Any, ...]],
    ordering: Ordering,
    items: list[Any],
    size: int,
    after: str | None,
) -> Page[Any]:
    """The page of the first `size` of `items` (fetched one more, to tell whether a next page exists)."""

    async def count() -> int:
        rows = await db.fetch(select(func.count()).select_from(statement.order_by(None).subquery()))
        return rows[0][0] or 0

    has_next = len(items) > size
    items = items[:size]
    return Page(
        items=items,
        has_next_page=has_next,
        has_previous_page=after is not None,
        count=count,
        key_of=ordering.cursor_key,
    )
