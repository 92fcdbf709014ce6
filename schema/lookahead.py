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

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_argument_values,
    get_named_type,
)
from graphql.execution.values import VariableValues
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


def node_arguments(info: Info, name: str) -> list[dict[str, Any]]:
    """The arguments, coerced as the field's resolver will get them, of each selection of the field
    `name` on the nodes of the connection the current field returns: what a page needs to fetch
    that field ahead. Selections inside fragments with variables of their own are left out; they
    load when resolved, as everything not fetched ahead does."""
    raw = info._raw_info  # graphql-core's own: field nodes, fragments and coerced variables
    node_type = get_named_type(get_named_type(raw.return_type).fields["edges"].type).fields["node"].type
    field = get_named_type(node_type).fields[name]
    edges = _field_nodes([node.selection_set for node in raw.field_nodes], "edges", raw.fragments)
    nodes = _field_nodes([edge.selection_set for edge in edges], "node", raw.fragments)
    selections = _field_nodes([node.selection_set for node in nodes], name, raw.fragments)
    # strawberry hands resolvers the coerced values alone; graphql-core reads them from `coerced`.
    variables = VariableValues(sources={}, coerced=getattr(raw.variable_values, "coerced", raw.variable_values))
    return [get_argument_values(field, node, variables) for node in selections]


def _field_nodes(
    selection_sets: Iterable[SelectionSetNode | None], name: str, fragments: dict[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    """The fields called `name` in these selection sets, through inline fragments and spreads."""
    found: list[FieldNode] = []
    for selection_set in selection_sets:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found.extend(_field_nodes([selection.selection_set], name, fragments))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None and not fragment.variable_definitions:
                    found.extend(_field_nodes([fragment.selection_set], name, fragments))
    return found


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
