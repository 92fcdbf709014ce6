"""Limits on a GraphQL document, checked after parsing and before any resolver runs.

Size (tokens), shape (one operation, aliases, depth) and cost: the number of objects the query
could return, counted as GitHub counts nodes: every connection asks for `first` objects (20 when
not given) for each object of its parent, so sizes multiply down the nesting.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    parse,
    value_from_ast_untyped,
)
from graphql.error import GraphQLSyntaxError

from resolvers.errors import ErrorCode
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.engine.node_cache import NodeCache

# The arguments that size a field's answer; the cost check reads these alone.
SIZE_ARGUMENTS = frozenset({"first", "ids"})
# A plain list of objects (a pairing's stations or incubated organizations) has no page size;
# it is counted as this many objects per parent, well above what the domain holds.
UNPAGED_LIST_SIZE = 10


@dataclass(frozen=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 50_000

    @classmethod
    def of(cls, settings: Any) -> Limits:
        """The limits a server's Settings (QIANSHOU_MAX_*) set."""
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_query_tokens,
            max_cost=settings.max_query_cost,
        )


class LimitError(GraphQLError):
    """A limit the document breaks; `message_zh` is the message in Chinese."""

    def __init__(self, limit: str, value: int, message: str, message_zh: str) -> None:
        super().__init__(message, extensions={"code": ErrorCode.LIMIT_EXCEEDED.value, "limit": limit, "max": value})
        self.message_zh = message_zh


def limit_error(limit: str, value: int, message: str, message_zh: str) -> GraphQLError:
    return LimitError(limit, value, message, message_zh)


def parse_limited(query: str, limits: Limits) -> DocumentNode:
    """Parse with the token limit; GraphQLError LIMIT_EXCEEDED past it, GraphQLSyntaxError on bad syntax."""
    try:
        return parse(query, max_lexical_tokens=limits.max_tokens, max_comments=limits.max_tokens)
    except GraphQLSyntaxError as exc:
        if "Parsing aborted" in exc.message:
            raise limit_error(
                "tokens",
                limits.max_tokens,
                f"the document has more than {limits.max_tokens} tokens (the limit)",
                f"查询文档超过了 {limits.max_tokens} 个词法单元的上限",
            ) from None
        raise


def check_limits(
    schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any] | None, limits: Limits
) -> list[GraphQLError]:
    """The limits the document breaks, each as a LIMIT_EXCEEDED error naming the limit and its value.

    The answer depends on the document and on the few variables the check reads (page sizes, id
    lists), so it is kept per document and those values: dashboards send the same documents all day."""
    variables = variables or {}
    known = _checked.get((document,), lambda: _Checked(frozenset(_variables_read(document))))
    key = _values_key(schema, limits, [variables.get(name) for name in sorted(known.variables_read)])
    errors = known.verdicts.get(key) if key is not None else None
    if errors is None:
        errors = _check(schema, document, variables, limits)
        if key is not None and len(known.verdicts) < KEPT_VERDICTS:
            known.verdicts[key] = errors
    return errors


KEPT_VERDICTS = 64


@dataclass
class _Checked:
    """The variables a document's check reads, and the errors found for each combination of their values."""

    variables_read: frozenset[str]
    verdicts: dict[tuple[Any, ...], list[GraphQLError]] = field(default_factory=dict)


_checked: NodeCache[_Checked] = NodeCache(1024)


def _variables_read(document: DocumentNode) -> set[str]:
    """The variables given to a `first` or `ids` argument anywhere: all that the cost check reads."""
    return {
        argument.value.name.value
        for field in _fields(document)
        for argument in field.arguments or ()
        if argument.name.value in SIZE_ARGUMENTS and isinstance(argument.value, VariableNode)
    }


def _values_key(schema: GraphQLSchema, limits: Limits, values: list[Any]) -> tuple[Any, ...] | None:
    """A hashable key of the values, or None when one is not plain JSON of numbers and strings."""
    frozen = []
    for value in values:
        if isinstance(value, list):
            value = tuple(value)
        try:
            hash(value)
        except TypeError:
            return None
        frozen.append(value)
    return (schema, limits, *frozen)


def _check(
    schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], limits: Limits
) -> list[GraphQLError]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > 1:
        return [
            limit_error(
                "operations",
                1,
                f"a request holds at most 1 operation; this document has {len(operations)}",
                f"一个请求最多包含 1 个操作；此文档有 {len(operations)} 个",
            )
        ]
    errors = []
    aliases = count_aliases(document)
    if aliases > limits.max_aliases:
        errors.append(
            limit_error(
                "aliases",
                limits.max_aliases,
                f"{aliases} aliases exceed the limit of {limits.max_aliases}",
                f"{aliases} 个别名超过了 {limits.max_aliases} 个的上限",
            )
        )
    if not operations:
        return errors
    walker = _Walker(schema, document, variables, limits.max_depth)
    root = schema.get_root_type(operations[0].operation)
    if root is None:
        return errors
    depth, cost = walker.selection_set(operations[0].selection_set, root, 0)
    if depth > limits.max_depth:
        errors.append(
            limit_error(
                "depth",
                limits.max_depth,
                f"the query is nested deeper than the limit of {limits.max_depth}",
                f"查询的嵌套层数超过了 {limits.max_depth} 层的上限",
            )
        )
    elif cost > limits.max_cost:
        errors.append(
            limit_error(
                "cost",
                limits.max_cost,
                f"the query could return {cost} objects, more than the limit of {limits.max_cost}; "
                "ask for smaller pages (`first`) or fewer nested connections",
                f"查询可能返回 {cost} 个对象，超过了 {limits.max_cost} 个的上限；请减小分页（`first`）或减少嵌套的连接",
            )
        )
    return errors


def count_aliases(document: DocumentNode) -> int:
    return sum(field.alias is not None for field in _fields(document))


def _fields(document: DocumentNode) -> Iterator[FieldNode]:
    """Every field written in the document's operations and fragments, each once (spreads are not followed)."""
    pending: list[SelectionSetNode] = [
        d.selection_set for d in document.definitions if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None:
                pending.append(selection.selection_set)


class _Walker:
    """Depth and cost of selection sets. A fragment is walked once and its result reused, so a
    document that spreads fragments exponentially costs linear time to check."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], max_depth: int):
        self.schema = schema
        self.variables = variables
        self.max_depth = max_depth
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.defaults = {
            definition.variable.name.value: value_from_ast_untyped(definition.default_value)
            for operation in document.definitions
            if isinstance(operation, OperationDefinitionNode)
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.fragment_results: dict[str, tuple[int, int]] = {}
        self.in_progress: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, depth: int) -> tuple[int, int]:
        """(deepest field level below, objects per parent object). Stops descending past the
        depth limit: the answer is then known, and a deep document cannot exhaust the stack."""
        deepest, cost = 0, 0
        if depth > self.max_depth:
            return 1, 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                level, objects = self.field(selection, parent, depth)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                level, objects = self.selection_set(selection.selection_set, target or parent, depth)
            elif isinstance(selection, FragmentSpreadNode):
                level, objects = self.fragment(selection.name.value, depth)
            else:
                continue
            deepest, cost = max(deepest, level), cost + objects
        return deepest, cost

    def fragment(self, name: str, depth: int) -> tuple[int, int]:
        if name not in self.fragment_results:
            definition = self.fragments.get(name)
            if definition is None or name in self.in_progress:
                return 0, 0  # unknown or cyclic: validation reports it
            self.in_progress.add(name)
            target = self.schema.get_type(definition.type_condition.name.value)
            # Walked at the depth of its first spread: if that cuts it short the document is too
            # deep anyway, and the recursion stays within the depth limit however fragments chain.
            result = self.selection_set(definition.selection_set, target, depth) if target else (0, 0)
            self.in_progress.discard(name)
            self.fragment_results[name] = result
        return self.fragment_results[name]

    def field(self, node: FieldNode, parent: GraphQLNamedType, depth: int) -> tuple[int, int]:
        name = node.name.value
        fields = getattr(parent, "fields", None)
        if name.startswith("__") or fields is None or name not in fields:
            return 1, 0  # introspection, or an unknown field that validation reports
        field_type = get_nullable_type(fields[name].type)
        target = get_named_type(field_type)
        size = self.size(node, parent, field_type, target)
        if node.selection_set is None or not is_composite_type(target):
            return 1, 0
        level, below = self.selection_set(node.selection_set, target, depth + 1)
        counted = size if size > 1 or _is_connection(target) else 0
        return level + 1, counted + size * below

    def size(self, node: FieldNode, parent: GraphQLNamedType, field_type: Any, target: GraphQLNamedType) -> int:
        """How many objects this field returns per parent object."""
        if _is_connection(target):
            first = self.argument(node, "first")
            return max(0, first) if isinstance(first, int) else DEFAULT_PAGE_SIZE
        if not isinstance(field_type, GraphQLList) or not is_composite_type(target) or _is_connection(parent):
            return 1  # one object, or a connection's edges (counted by the connection)
        ids = self.argument(node, "ids")
        return len(ids) if isinstance(ids, list) else (MAX_PAGE_SIZE if ids is not None else UNPAGED_LIST_SIZE)

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                variable = value.name.value
                return self.variables.get(variable, self.defaults.get(variable))
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, ListValueNode):
                return list(value.values)
            return None
        return None


def _is_connection(type_: Any) -> bool:
    return isinstance(type_, GraphQLObjectType) and type_.name.endswith("Connection") and "edges" in type_.fields
