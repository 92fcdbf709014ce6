"""Nested connections: pages of many parents' children, read together.

A page of pairings shows each pairing's milestones, a page of milestones each one's updates: a
page of children per parent. Each loader batch reads the pages of all its parents in one statement
(a window function numbers each parent's children and keeps the first `first + 1`), and a page of
children of the objects on a page of parents can be read with that page rather than after it
(NestedPageKey, load_nested_child_rows). Top-level connections are resolvers/pagination.py's.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, FromClause, Integer, Select, Subquery, bindparam, func, select, true

from db.base import Base
from db.engine import Database
from db.functions import one_of
from db.reads.prepared import PreparedRead
from db.records import read_columns
from resolvers.pagination import Ordering, Page, page_size


class ChildPageKey(NamedTuple):
    """Which page of which parent's children: the loader key of a nested connection (a named
    tuple: a request makes and hashes hundreds of them)."""

    parent_id: int
    first: int | None
    after: str | None
    filters: tuple[Hashable, ...] = ()


def no_conditions(filters: tuple[Hashable, ...]) -> list[ColumnElement[bool]]:
    return []


@dataclass(frozen=True)
class ChildList:
    """A nested connection: a parent's children, ordered by id. `conditions` turns a key's
    filters into WHERE conditions; a filter takes part in the statement cache's key."""

    model: type[Base]
    parent_key: str
    conditions: Callable[[tuple[Hashable, ...]], list[ColumnElement[bool]]] = no_conditions

    @property
    def parent_column(self) -> ColumnElement[int]:
        return self.model.__table__.c[self.parent_key]

    @functools.cached_property
    def ordering(self) -> Ordering:
        return Ordering(columns=(self.model.__table__.c.id,), key_of=lambda child: (child.id,))


async def load_child_pages(db: Database, children: ChildList, keys: Sequence[ChildPageKey]) -> list[Page[Any]]:
    """Pages of children for many parents in one statement per distinct (first, after, filters):
    a window function numbers each parent's children and keeps the first `first + 1`."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for key in keys:
        groups[(key.first, key.after, key.filters)].append(key.parent_id)
    pages: dict[ChildPageKey, Page[Any]] = {}
    for (first, after, filters), parent_ids in groups.items():
        parameters = {"parents": parent_ids, "limit": page_size(first) + 1}
        if after is not None:
            (parameters["after"],) = children.ordering.key(after)
        rows = await db.fetch(_child_page_statement(children, filters, after is not None), parameters)
        pages.update(child_pages(db, children, parent_ids, _by_parent(children, rows), first, after, filters))
    return [pages[key] for key in keys]


def child_pages(
    db: Database,
    children: ChildList,
    parent_ids: Sequence[int],
    rows_of: dict[int, list[Any]],
    first: int | None,
    after: str | None,
    filters: tuple[Hashable, ...],
) -> dict[ChildPageKey, Page[Any]]:
    """The pages of these parents' children, from the first `first + 1` rows of each (`rows_of`,
    by parent; a parent with none has none)."""
    size = page_size(first)
    counter = _child_counter(db, children, list(parent_ids), filters)
    pages = {}
    for parent_id in parent_ids:
        items = rows_of.get(parent_id, [])
        pages[ChildPageKey(parent_id, first, after, filters)] = Page(
            items=items[:size],
            has_next_page=len(items) > size,
            has_previous_page=after is not None,
            count=_count_for(counter, parent_id),
            key_of=children.ordering.key_of,
        )
    return pages


class NestedPageKey(NamedTuple):
    """Which pages of the children of the objects on a page: the pages (`first`, `after`,
    `filters`) of the children of each object on the page `outer` (itself a loader key)."""

    outer: ChildPageKey
    first: int | None
    after: str | None
    filters: tuple[Hashable, ...] = ()


async def load_nested_child_rows(
    db: Database, outer: ChildList, inner: ChildList, keys: Sequence[NestedPageKey]
) -> list[dict[int, list[Any]]]:
    """For each key, the first `first + 1` children (of `inner`) of each object on its page of
    `outer`, by that object: what load_child_pages would read once the page is known, read without
    waiting for it (one statement per distinct shape of keys, whatever their parents). Every object
    on the page as this statement saw it has an entry, an empty list if it has no children: one
    read on its own may see the page differently, after a write."""
    groups: dict[tuple[Any, ...], list[NestedPageKey]] = defaultdict(list)
    for key in keys:
        groups[(key.outer.first, key.outer.after, key.outer.filters, key.first, key.after, key.filters)].append(key)
    found: dict[NestedPageKey, dict[int, list[Any]]] = {}
    for (outer_first, outer_after, outer_filters, first, after, filters), group in groups.items():
        parameters = {
            "outer_parents": [key.outer.parent_id for key in group],
            "outer_limit": page_size(outer_first),
            "limit": page_size(first) + 1,
        }
        if outer_after is not None:
            (parameters["outer_after"],) = outer.ordering.key(outer_after)
        if after is not None:
            (parameters["after"],) = inner.ordering.key(after)
        statement = _nested_page_statement(
            outer, outer_filters, outer_after is not None, inner, filters, after is not None, not db.is_sqlite
        )
        rows_of = _by_parent(inner, await db.fetch(statement, parameters))
        found.update(dict.fromkeys(group, rows_of))
    return [found[key] for key in keys]


def _by_parent(children: ChildList, rows: Sequence[Any]) -> dict[int, list[Any]]:
    """Rows by parent. A row with no id stands for a parent with no rows: it is there, and empty."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for child in rows:
        children_of = grouped[getattr(child, children.parent_key)]
        if child.id is not None:
            children_of.append(child)
    return grouped


@functools.lru_cache(maxsize=256)
def _child_page_statement(children: ChildList, filters: tuple[Hashable, ...], after: bool) -> PreparedRead:
    """Built once per list, filters and whether it starts after a cursor: parents, `after` and
    `limit` are bound at execution."""
    parents = one_of(children.parent_column, "parents")
    return _page_rows(_numbered(children, filters, "after" if after else None, parents, read_columns(children.model)))


@functools.lru_cache(maxsize=64)
def _nested_page_statement(
    outer: ChildList,
    outer_filters: tuple[Hashable, ...],
    outer_after: bool,
    inner: ChildList,
    filters: tuple[Hashable, ...],
    after: bool,
    lateral: bool,
) -> PreparedRead:
    """_child_page_statement of `inner` for the objects on pages of `outer`, picked as
    _child_page_statement of `outer` picks them (`outer_parents`, `outer_after` and `outer_limit`
    bound at execution; the limit is the page size, without the one more). Each object on a page
    with no children has one row of nulls but for its parent column (see _by_parent).

    With `lateral` (PostgreSQL), each object's children are a LIMIT under a LATERAL join, one index
    range per object: numbering the children of all the objects at once took PostgreSQL twice as
    long, joining and sorting them. SQLite has no LATERAL, and numbers them."""
    outer_id = outer.model.__table__.c.id
    pages = _numbered(
        outer,
        outer_filters,
        "outer_after" if outer_after else None,
        one_of(outer.parent_column, "outer_parents"),
        [outer_id],
    )
    on_page_ids = select(pages.c.id).where(pages.c.rn <= bindparam("outer_limit", type_=Integer()))
    inner_after = "after" if after else None
    limit = bindparam("limit", type_=Integer())
    on_pages: FromClause
    children: FromClause
    if lateral:
        on_pages = on_page_ids.subquery("on_pages")
        parents = inner.parent_column == on_pages.c.id
        children = (
            _children(inner, filters, inner_after, parents, read_columns(inner.model))
            .order_by(inner.model.__table__.c.id)
            .limit(limit)
            .lateral("children")
        )
        joined, order = on_pages.outerjoin(children, true()), children.c.id
    else:
        on_pages = on_page_ids.cte("on_pages")
        parents = inner.parent_column.in_(select(on_pages.c.id))
        children = _numbered(inner, filters, inner_after, parents, read_columns(inner.model))
        joined = on_pages.outerjoin(
            children, (children.c[inner.parent_key] == on_pages.c.id) & (children.c.rn <= limit)
        )
        order = children.c.rn
    columns = [
        on_pages.c.id.label(column.key) if column.key == inner.parent_key else column
        for column in children.c
        if column.key != "rn"
    ]
    return PreparedRead(select(*columns).select_from(joined).order_by(on_pages.c.id, order))


def _numbered(
    children: ChildList,
    filters: tuple[Hashable, ...],
    after: str | None,
    parents: ColumnElement[bool],
    columns: Sequence[Any],
) -> Subquery:
    """`columns` of the children of the `parents` (after the id bound as `after`, if named),
    numbered `rn` in id order within each parent."""
    row_number = func.row_number().over(partition_by=children.parent_column, order_by=children.model.__table__.c.id)
    return _children(children, filters, after, parents, [*columns, row_number.label("rn")]).subquery()


def _children(
    children: ChildList,
    filters: tuple[Hashable, ...],
    after: str | None,
    parents: ColumnElement[bool],
    columns: Sequence[Any],
) -> Select[*tuple[Any, ...]]:
    """`columns` of the children of the `parents`, after the id bound as `after` if named."""
    table = children.model.__table__
    conditions = [parents, *children.conditions(filters)]
    if after is not None:
        conditions.append(table.c.id > bindparam(after, type_=Integer()))
    return select(*columns).where(*conditions)


def _page_rows(numbered: Subquery) -> PreparedRead:
    """The first `limit` rows of each parent, in order, without their number."""
    columns = [column for column in numbered.c if column.key != "rn"]
    return PreparedRead(
        select(*columns).where(numbered.c.rn <= bindparam("limit", type_=Integer())).order_by(numbered.c.rn)
    )


def _child_counter(
    db: Database, children: ChildList, parent_ids: list[int], filters: tuple[Hashable, ...]
) -> Callable[[], Awaitable[dict[int, int]]]:
    """Counts for all parents of a batch in one grouped statement, run once on first request
    however many of the batch's connections ask for totalCount at the same time."""
    task: asyncio.Task[dict[int, int]] | None = None

    async def run() -> dict[int, int]:
        parent = children.parent_column
        rows = await db.fetch(
            select(parent, func.count())
            .where(one_of(parent, "parents"), *children.conditions(filters))
            .group_by(parent),
            {"parents": parent_ids},
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
