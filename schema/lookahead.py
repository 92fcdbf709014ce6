"""Fetching ahead for pages: what a query selects below a connection's nodes, and `Lazy`, a field
value that is loaded only if the query selects the field.

A field with a resolver costs GraphQL execution an info object, a coroutine and a DataLoader
future per row; on a dashboard page of 50 pairings that was most of the request. A page therefore
fetches what its rows need ahead (a page of pairings: in one statement, resolvers/pairing_details.py)
and hands the values over as plain fields; where a type is built outside such a page, the same
fields hold a `Lazy` and load on demand.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Generator, Iterable
from typing import Any, Generic, TypeVar

from graphql import OperationDefinitionNode
from strawberry.types.nodes import SelectedField, Selection

from schema.context import Info

T = TypeVar("T")


class Lazy(Generic[T]):
    """Awaitable field value: execution awaits it, and so loads it, only when the field is selected."""

    __slots__ = ("_load",)

    def __init__(self, load: Callable[[], Awaitable[T]]) -> None:
        self._load = load

    def __await__(self) -> Generator[Any, None, T]:
        return self._load().__await__()


def selected_paths(selections: Iterable[Selection], depth: int = 2, prefix: str = "") -> frozenset[str]:
    """Dotted names of the fields selected, `depth` levels deep, through fragments of any type
    (a superset of what will resolve, which only costs a batch that goes unused)."""
    paths: set[str] = set()
    for selection in selections:
        if not isinstance(selection, SelectedField):
            paths |= selected_paths(selection.selections, depth, prefix)
            continue
        path = prefix + selection.name
        paths.add(path)
        if depth > 1:
            paths |= selected_paths(selection.selections, depth - 1, path + ".")
    return frozenset(paths)


def node_paths(info: Info) -> frozenset[str]:
    """What the query selects on the nodes of the connection the current field returns.

    Worked out once per place in a document (the parser cache gives every request of a document
    the same operation node) rather than from `info.selected_fields` on every request. At worst,
    where one response path has two selections (fragments on two types), a page fetches too much or
    too little ahead; what it did not fetch still loads on demand."""
    operation = info.operation
    key = (id(operation), *(part for part in info.path.as_list() if isinstance(part, str)))
    known = _node_paths.get(key)
    if known is None:
        paths = selected_paths(_children(_children(_inside(info.selected_fields), "edges"), "node"))
        known = _node_paths[key] = (operation, paths)
        if len(_node_paths) > KEPT_NODE_PATHS:
            _node_paths.popitem(last=False)
    return known[1]


KEPT_NODE_PATHS = 4096
# Kept with the operation node, so that its id stays unique while the entry lives.
_node_paths: OrderedDict[tuple[Any, ...], tuple[OperationDefinitionNode, frozenset[str]]] = OrderedDict()


def _inside(fields: Iterable[Selection]) -> list[Selection]:
    return [selection for field in fields for selection in field.selections]


def _children(selections: Iterable[Selection], name: str) -> list[Selection]:
    """The selections inside every field called `name` among `selections`, through fragments."""
    found: list[Selection] = []
    for selection in selections:
        if not isinstance(selection, SelectedField):
            found.extend(_children(selection.selections, name))
        elif selection.name == name:
            found.extend(selection.selections)
    return found
