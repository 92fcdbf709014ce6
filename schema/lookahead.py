"""Fetching ahead for pages: what a query selects below a connection's nodes, and `Lazy`, a field
value that is loaded only if the query selects the field.

A field with a resolver costs GraphQL execution an info object, a coroutine and a DataLoader
future per row; on a dashboard page of 50 pairings that was most of the request. A page therefore
fetches what its rows need ahead (a page of pairings: in one statement, resolvers/pairing_details.py)
and hands the values over as plain fields; where a type is built outside such a page, the same
fields hold a `Lazy` and load on demand.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator
from typing import Any, Generic, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
    get_argument_values,
    get_named_type,
)
from graphql.execution.values import VariableValues

from schema.context import Info
from schema.node_cache import NodeCache

T = TypeVar("T")


class Lazy(Generic[T]):
    """Awaitable field value: execution awaits it, and so loads it, only when the field is selected."""

    __slots__ = ("_load",)

    def __init__(self, load: Callable[[], Awaitable[T]]) -> None:
        self._load = load

    def __await__(self) -> Generator[Any, None, T]:
        return self._load().__await__()


def node_paths(info: Info) -> frozenset[str]:
    """Dotted names of the fields the query selects on the nodes of the connection the current field
    returns, two levels deep, through fragments of any type: a superset of what will resolve, which
    only costs a batch that goes unused.

    Worked out once per place in a document (the parser cache gives every request of a document
    the same operation node). At worst, where one response path has two selections (fragments on
    two types), a page fetches too much or too little ahead; what it did not fetch still loads on
    demand."""
    raw = info._raw_info
    place = tuple(part for part in info.path.as_list() if isinstance(part, str))
    return _node_paths.get((info.operation,), lambda: _paths(_node_selections(raw), raw.fragments), place)


def node_arguments(info: Info, name: str) -> list[dict[str, Any]]:
    """The arguments, coerced as the field's resolver will get them, of each selection of the field
    `name` on the nodes of the connection the current field returns: what a page needs to fetch
    that field ahead."""
    raw = info._raw_info
    node_type = get_named_type(get_named_type(raw.return_type).fields["edges"].type).fields["node"].type
    field = get_named_type(node_type).fields[name]
    # strawberry hands resolvers the coerced values alone; graphql-core reads them from `coerced`.
    variables = VariableValues(sources={}, coerced=getattr(raw.variable_values, "coerced", raw.variable_values))
    return [get_argument_values(field, node, variables) for node in _named(_node_selections(raw), raw.fragments, name)]


_node_paths: NodeCache[frozenset[str]] = NodeCache(4096)


def _node_selections(raw: GraphQLResolveInfo) -> list[SelectionSetNode | None]:
    """The selection sets of `edges { node { ... } }` below the current field (graphql-core's info:
    its field nodes, fragments and coerced variables)."""
    edges = _named([node.selection_set for node in raw.field_nodes], raw.fragments, "edges")
    return [node.selection_set for node in _named([edge.selection_set for edge in edges], raw.fragments, "node")]


def _paths(
    selection_sets: list[SelectionSetNode | None],
    fragments: dict[str, FragmentDefinitionNode],
    depth: int = 2,
    prefix: str = "",
) -> frozenset[str]:
    paths: set[str] = set()
    for field in _fields(selection_sets, fragments):
        path = prefix + field.name.value
        paths.add(path)
        if depth > 1:
            paths |= _paths([field.selection_set], fragments, depth - 1, path + ".")
    return frozenset(paths)


def _named(
    selection_sets: list[SelectionSetNode | None], fragments: dict[str, FragmentDefinitionNode], name: str
) -> list[FieldNode]:
    return [field for field in _fields(selection_sets, fragments) if field.name.value == name]


def _fields(
    selection_sets: Iterable[SelectionSetNode | None], fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields of these selection sets, through inline fragments and spreads. Fragments with
    variables of their own are not followed: what they select loads when resolved, as everything
    not fetched ahead does."""
    for selection_set in selection_sets:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from _fields([selection.selection_set], fragments)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None and not fragment.variable_definitions:
                    yield from _fields([fragment.selection_set], fragments)
