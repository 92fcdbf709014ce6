"""Relay cursor pagination by keyset: a page is one indexed range scan, never an OFFSET."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from resolvers.errors import ApiError, ErrorCode

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0:
        raise ApiError(ErrorCode.INVALID, "`first` must not be negative")
    if first > MAX_PAGE_SIZE:
        raise ApiError(ErrorCode.PAGE_TOO_LARGE, f"`first` is at most {MAX_PAGE_SIZE}, got {first}")
    return first


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != arity or not all(isinstance(v, int | str) for v in key):
        raise ApiError(ErrorCode.BAD_CURSOR, f"malformed cursor {cursor!r}")
    return tuple(key)


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    # Counting is a statement of its own: run only when a client asks for totalCount.
    count: Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class Ordering:
    """The sort key of a connection: columns ascending, ending in a unique column, and how to read
    the same key off a loaded object (plain values: ints, or ISO text for dates)."""

    columns: tuple[ColumnElement[Any], ...]
    key_of: Callable[[Any], tuple[Any, ...]]

    def after(self, cursor: str | None) -> ColumnElement[bool] | None:
        if cursor is None:
            return None
        values = decode_cursor(cursor, len(self.columns))
        if len(self.columns) == 1:
            return self.columns[0] > values[0]
        return tuple_(*self.columns) > tuple_(*values)


async def paginate(
    sessions: async_sessionmaker[AsyncSession],
    statement: Select[Any],
    ordering: Ordering,
    *,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    """One page of `statement` (a select of one entity with its filters applied)."""
    size = page_size(first)
    page_statement = statement
    condition = ordering.after(after)
    if condition is not None:
        page_statement = page_statement.where(condition)
    page_statement = page_statement.order_by(*ordering.columns).limit(size + 1)
    async with sessions() as session:
        items = list((await session.scalars(page_statement)).all())

    async def count() -> int:
        async with sessions() as session:
            return await session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0

    has_next = len(items) > size
    items = items[:size]
    return Page(
        items=items,
        cursors=[encode_cursor(ordering.key_of(item)) for item in items],
        has_next_page=has_next,
        has_previous_page=after is not None,
        count=count,
    )


@dataclass(frozen=True)
class ChildPageKey:
    """Which page of which parent's children: the loader key of a nested connection."""

    parent_id: int
    first: int | None
    after: str | None
    filters: tuple[Hashable, ...] = ()


async def load_child_pages(
    sessions: async_sessionmaker[AsyncSession],
    model: Any,
    parent_column: ColumnElement[int],
    ordering: Ordering,
    keys: Sequence[ChildPageKey],
    where: Callable[[tuple[Hashable, ...]], list[ColumnElement[bool]]],
) -> list[Page[Any]]:
    """Pages of children for many parents in one statement per distinct (first, after, filters):
    a window function numbers each parent's children and keeps the first `first + 1`."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for key in keys:
        groups[(key.first, key.after, key.filters)].append(key.parent_id)
    pages: dict[ChildPageKey, Page[Any]] = {}
    async with sessions() as session:
        for (first, after, filters), parent_ids in groups.items():
            size = page_size(first)
            conditions = [parent_column.in_(parent_ids), *where(filters)]
            condition = ordering.after(after)
            if condition is not None:
                conditions.append(condition)
            row_number = func.row_number().over(partition_by=parent_column, order_by=ordering.columns).label("rn")
            numbered = select(model, row_number).where(*conditions).subquery()
            aliased_model = aliased(model, numbered)
            rows = await session.execute(
                select(aliased_model).where(numbered.c.rn <= size + 1).order_by(numbered.c.rn)
            )
            children: dict[int, list[Any]] = defaultdict(list)
            for (child,) in rows:
                children[getattr(child, parent_column.key)].append(child)
            counter = _child_counter(sessions, model, parent_column, parent_ids, where(filters))
            for parent_id in parent_ids:
                items = children.get(parent_id, [])
                has_next = len(items) > size
                items = items[:size]
                pages[ChildPageKey(parent_id, first, after, filters)] = Page(
                    items=items,
                    cursors=[encode_cursor(ordering.key_of(item)) for item in items],
                    has_next_page=has_next,
                    has_previous_page=after is not None,
                    count=_count_for(counter, parent_id),
                )
    return [pages[key] for key in keys]


def _child_counter(
    sessions: async_sessionmaker[AsyncSession],
    model: Any,
    parent_column: ColumnElement[int],
    parent_ids: list[int],
    conditions: list[ColumnElement[bool]],
) -> Callable[[], Awaitable[dict[int, int]]]:
    """Counts for all parents of a batch in one grouped statement, run once on first request
    however many of the batch's connections ask for totalCount at the same time."""
    task: asyncio.Task[dict[int, int]] | None = None

    async def run() -> dict[int, int]:
        async with sessions() as session:
            rows = await session.execute(
                select(parent_column, func.count())
                .select_from(model)
                .where(parent_column.in_(parent_ids), *conditions)
                .group_by(parent_column)
            )
            return {parent: count for parent, count in rows}

    async def counts() -> dict[int, int]:
        nonlocal task
        if task is None:
            task = asyncio.ensure_future(run())
        return await asyncio.shield(task)

    return counts


def _count_for(counter: Callable[[], Awaitable[dict[int, int]]], parent_id: int) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return (await counter()).get(parent_id, 0)

    return count
