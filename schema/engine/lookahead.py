"""Fetching ahead: what a query selects below the current field, `Lazy`, a field value that is
loaded only if the query selects the field, and `read_ahead`, how a field with a resolver is read
when its value was fetched ahead.

A field with a resolver costs GraphQL execution an info object, a coroutine and a DataLoader
future per row; on a dashboard page of 50 pairings that was most of the request. A page therefore
fetches what its rows need ahead (a page of pairings: in one statement, resolvers/pairing_details.py)
and hands the values over as plain fields; where a type is built outside such a page, the same
fields hold a `Lazy` and load on demand. A field with arguments cannot be a plain attribute: its
`read_ahead` reads the loader's cache instead (a milestone's updates), and the fast execution path
(schema/engine/execution.py) completes it with its object as if it were one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    SelectionSetNode,
    VariableNode,
    get_argument_values,
    get_named_type,
)
from graphql.execution.values import VariableValues
from strawberry.types.arguments import convert_arguments

from schema.context import Info
from schema.engine.node_cache import NodeCache

T = TypeVar("T")


class Lazy(Generic[T]):
    """Awaitable field value: execution awaits it, and so loads it, only when the field is selected."""

    __slots__ = ("_load",)

    def __init__(self, load: Callable[[], Awaitable[T]]) -> None:
        self._load = load

    def __await__(self) -> Generator[Any, None, T]:
        return self._load().__await__()


class NotFetched:
    """What a `read_ahead` function returns when the value was not fetched ahead."""


NOT_FETCHED = NotFetched()
READ_AHEAD = "qianshou.read_ahead"


def read_ahead(read: Callable[..., Any]) -> dict[str, Any]:
    """A field's metadata: `read(source, context, **arguments)` returns what the field's resolver would
    return when that is at hand without waiting (fetched ahead), and NOT_FETCHED otherwise. It is
    called instead of the resolver only where nothing else would run around it: no permission
    classes, field extensions or middleware."""
    return {READ_AHEAD: read}


def node_paths(info: Info) -> frozenset[str]:
    """Dotted names of the fields the query selects on the nodes of the connection the current field
    returns, two levels deep, through fragments of any type: a superset of what will resolve, which
    only costs a batch that goes unused.

    Worked out once per place in a document (the parser cache gives every request of a document
    the same operation node). At worst, where one response path has two selections (fragments on
    two types), a page fetches too much or too little ahead; what it did not fetch still loads on
    demand."""
    place = tuple(part for part in info.path.as_list() if isinstance(part, str))

    def walk() -> frozenset[str]:
        return _paths(Selected.here(info).connection_nodes().selection_sets, info._raw_info.fragments)

    return _node_paths.get((info.operation,), walk, place)


@dataclass(frozen=True)
class Selected:
    """Every selection of one field, at or below the current one: the field's definition, the type
    of object it returns and its field nodes, with the request's fragments and variables to read
    them by (graphql-core's info)."""

    raw: GraphQLResolveInfo[Any]
    field: GraphQLField
    returns: GraphQLObjectType
    field_nodes: list[FieldNode]

    @classmethod
    def here(cls, info: Info, returns: str | None = None) -> Selected:
        """The current field's selections; `returns` names the object type of its value where the
        field returns an interface (`node`)."""
        raw = info._raw_info
        returned = raw.schema.get_type(returns) if returns else get_named_type(raw.return_type)
        return cls(raw, raw.parent_type.fields[raw.field_name], _object_type(returned), list(raw.field_nodes))

    def sub(self, name: str) -> Selected:
        """The selections of the field `name` on the object this field returns."""
        field = self.returns.fields[name]
        by_name = _by_name.get(tuple(self.field_nodes), lambda: _group(self.selection_sets, self.raw.fragments))
        return Selected(self.raw, field, _object_type(get_named_type(field.type)), by_name.get(name, []))

    def connection_nodes(self) -> Selected:
        """The selections of the nodes of the connection this field returns."""
        return self.sub("edges").sub("node")

    @property
    def selection_sets(self) -> list[SelectionSetNode | None]:
        return [node.selection_set for node in self.field_nodes]

    def has_variables(self) -> bool:
        """Whether an argument of a selection is a variable: its arguments then differ between requests."""
        return any(_has_variables(argument) for node in self.field_nodes for argument in node.arguments or ())

    def arguments(self) -> list[dict[str, Any]]:
        """The arguments of each selection, as the field's resolver will get them."""
        # strawberry hands resolvers the coerced values alone; graphql-core reads them from `coerced`.
        raw = self.raw
        # Typed as graphql-core's VariableValues, but strawberry's executor puts the coerced dict there.
        variable_values: Any = raw.variable_values
        variables = VariableValues(sources={}, coerced=getattr(variable_values, "coerced", variable_values))
        return [resolver_arguments(raw.schema, self.field, node, variables) for node in self.field_nodes]


def resolver_arguments(
    schema: GraphQLSchema, field: GraphQLField, node: FieldNode, variables: VariableValues
) -> dict[str, Any]:
    """A field node's arguments as strawberry hands them to the field's resolver: coerced by
    graphql-core, then converted to Python (enums, input types) by strawberry. Arguments written
    out in the document are converted once and shared by its requests: not to be changed."""

    def convert() -> dict[str, Any]:
        strawberry_schema = schema._strawberry_schema  # type: ignore[attr-defined]
        return convert_arguments(
            get_argument_values(field, node, variables),
            field.extensions["strawberry-definition"].arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        )

    def written_out() -> dict[str, Any] | None:
        return None if any(map(_has_variables, node.arguments or ())) else convert()

    literal = _literal_arguments.get((node, field), written_out)
    return convert() if literal is None else literal


_literal_arguments: NodeCache[dict[str, Any] | None] = NodeCache(4096)


def _object_type(type_: GraphQLNamedType | None) -> GraphQLObjectType:
    """The object type that a selected field returns: fields are fetched ahead only on objects."""
    if not isinstance(type_, GraphQLObjectType):
        raise TypeError(f"fetching ahead needs an object type, not {type_}")
    return type_


def _has_variables(node: Node) -> bool:
    if isinstance(node, VariableNode):
        return True
    return any(
        _has_variables(child)
        for key in node.keys
        for value in [getattr(node, key)]
        for child in (value if isinstance(value, tuple | list) else [value])
        if isinstance(child, Node) and key != "loc"
    )


_node_paths: NodeCache[frozenset[str]] = NodeCache(4096)
# The fields below some field nodes, by name (the nodes' fragments are those of their document).
_by_name: NodeCache[dict[str, list[FieldNode]]] = NodeCache(4096)


def _group(
    selection_sets: list[SelectionSetNode | None], fragments: dict[str, FragmentDefinitionNode]
) -> dict[str, list[FieldNode]]:
    grouped: dict[str, list[FieldNode]] = {}
    for field in _fields(selection_sets, fragments):
        grouped.setdefault(field.name.value, []).append(field)
    return grouped


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
