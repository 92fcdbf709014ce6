"""Fetching an object's lists ahead: asked for with the object, read by its fields without a resolver.

An object type with lists of children (a pairing: milestones, training sessions, ...) declares
them as `ListsOf`: each list field and how its values are loaded (a LoadedField), and at most one
list nested on the nodes of one of its connections (a pairing's milestones' updates). Where the
object, or a page of them, is read, `fetch_lists_ahead` asks for every list that the query selects
on them right away, in the same turn of the event loop as the objects' own read: the loaders
batch them, and on PostgreSQL the reads go as one statement (db/reads/rounds.py). The list fields
then find their values in the loaders' caches and the fast execution path reads them there
(their `read_ahead`) instead of calling a resolver per object.

The nested list is fetched with the pages of its parents, not after them: the keys of the pages of
updates name the pages of milestones they sit on (NestedPageKey), and one nested read finds both.

What to fetch is worked out once per selection (the parser cache gives a document's requests the
same syntax nodes), and again for each request where an argument is a variable. Nothing fails
here: a fetch that fails is counted and dropped, and the field that needed it loads again, and
fails in its own place in the response, if it fails again.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from db.reads.fast_paths import FAST_PATHS, fell_back
from resolvers.batching import BatchLoader
from resolvers.child_pages import ChildPageKey, NestedPageKey
from resolvers.loaders import Loaders
from schema.engine.loaded import LoadedField
from schema.engine.lookahead import Selected
from schema.engine.node_cache import NodeCache

Fetch = Coroutine[Any, Any, Any]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per object type
class NestedList:
    """A list on the nodes of one of an object's connections, fetched with that connection's pages."""

    parent: str  # the connection's field on the object ("milestones")
    field: str  # the list's field on the connection's nodes ("updates")
    parent_loaded: LoadedField[ChildPageKey, Any, Any]
    loaded: LoadedField[ChildPageKey, Any, Any]
    # Reads pages of the list with the pages of parents they sit on, and primes both loaders.
    loader: Callable[[Loaders], BatchLoader[NestedPageKey, None]]


@dataclass(frozen=True, eq=False)
class ListsOf:
    """The lists an object type can fetch ahead: its list fields by GraphQL name, and the nested one."""

    lists: Mapping[str, LoadedField[Any, Any, Any]]
    nested: NestedList | None = None


@dataclass(frozen=True)
class _Wanted:
    """What the query selects of an object's lists: the arguments of every selection of each list,
    and for the nested list the arguments of its parents' selections and its pages' keys (with a
    parent of 0: only their first, after and filters count)."""

    lists: tuple[tuple[LoadedField[Any, Any, Any], tuple[dict[str, Any], ...]], ...] = ()
    parent_arguments: tuple[dict[str, Any], ...] = ()
    nested_pages: tuple[ChildPageKey, ...] = ()
    # Whether an argument is a variable: then it is worked out again for each request.
    variable: bool = False


_NOTHING = _Wanted()
_wanted: NodeCache[_Wanted] = NodeCache(4096)


def fetch_lists_ahead(loaders: Loaders, pks: list[int], lists: ListsOf, selected: Selected) -> Fetch:
    """Asks now for the lists the query selects on the objects `pks` (`selected`: where it selects
    them); the coroutine returned waits for them, and never fails."""
    if not FAST_PATHS.fetch_ahead:
        return _fetched([])
    wanted = _wanted.get(tuple(selected.field_nodes), lambda: _wanted_lists(lists, selected), lists)
    if wanted.variable:
        wanted = _wanted_lists(lists, selected)
    fetches = [field.fetch(loaders, pks, arguments) for field, arguments in wanted.lists]
    return _fetched(fetches + _nested_fetches(loaders, pks, lists.nested, wanted))


def fetch_nested_ahead(loaders: Loaders, pk: int, nested: NestedList, parent: Selected) -> Fetch:
    """Asks now for the pages of the nested list on the pages of its parent connection that the
    current field (`parent`) reads for the object `pk`: where the parent is resolved rather than
    read ahead, its nodes' list still comes with it. Not switched off with fetching ahead: it only
    puts the same reads in one statement."""
    return _fetched(_nested_fetches(loaders, [pk], nested, _wanted_nested(nested, parent)))


def _wanted_lists(lists: ListsOf, selected: Selected) -> _Wanted:
    subs = {name: sub for name in lists.lists if (sub := selected.sub(name)).field_nodes}
    nested = lists.nested
    wanted = _wanted_nested(nested, subs[nested.parent]) if nested and nested.parent in subs else _NOTHING
    return _Wanted(
        lists=tuple((lists.lists[name], tuple(sub.arguments())) for name, sub in subs.items()),
        parent_arguments=wanted.parent_arguments,
        nested_pages=wanted.nested_pages,
        variable=wanted.variable or any(sub.has_variables() for sub in subs.values()),
    )


def _wanted_nested(nested: NestedList, parent: Selected) -> _Wanted:
    """The pages of the nested list alone that the query selects on the nodes of pages of `parent`."""
    selected = parent.connection_nodes().sub(nested.field)
    if not selected.field_nodes:
        return _NOTHING
    return _Wanted(
        parent_arguments=tuple(parent.arguments()),
        nested_pages=tuple(nested.loaded.key(0, **arguments) for arguments in selected.arguments()),
        variable=parent.has_variables() or selected.has_variables(),
    )


def _nested_fetches(loaders: Loaders, pks: list[int], nested: NestedList | None, wanted: _Wanted) -> list[Fetch]:
    """The wanted pages of the nested list on each wanted page of parents of each object, in one batch."""
    if nested is None or not wanted.nested_pages:
        return []
    keys = [
        NestedPageKey(parent_page, page.first, page.after, page.filters)
        for parent_page in nested.parent_loaded.keys(pks, wanted.parent_arguments)
        for page in wanted.nested_pages
    ]
    return [nested.loader(loaders).load_many(keys)]


async def _fetched(fetches: list[Fetch]) -> None:
    # In order: the nested pages are primed once the pages of parents, asked for first, are in.
    for fetch in fetches:
        try:
            await fetch
        except Exception as error:
            fell_back("fetch_ahead.error", error)
