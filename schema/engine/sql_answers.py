"""Answers written by PostgreSQL: a dashboard's document run as one statement per root field.

The documents that dashboards poll (a page of pairings, a pairing's detail) select plain columns of
a few tables and lists of their children. For a document that selects nothing else, this module
writes one SELECT that builds the root field's answer as JSON (db/reads/json_answers.py), and the
server sends that text on inside the response (orjson.Fragment) without building a row, an
object or a dict for it, or running graphql-core. This is how PostGraphile answers; on two cores
it is what lets ours answer more requests than it does.

The rules stay where they are. Which pairings a caller may read is resolvers.access.visible_pairings
in the statement's WHERE; a page of pairings is the one resolvers.pairings.listing reads, under its
pairings' answers in the same statement (its cursors and pageInfo are made from that page); progress is resolvers.progress's SQL; a list's
children are its ChildList's. Anything the statement does not answer exactly as graphql-core would
is left to graphql-core, for the whole document:
- at planning, a field not in TABLES, a field with arguments other than a page's `first`,
  directives, fragments on other types, or the same response key twice;
- at run time, an argument that graphql-core would refuse (a bad ID or cursor, `first` out of
  range), a pairing that is not there or not readable (graphql-core then answers null or
  FORBIDDEN), and any error, which is counted (db.reads.fast_paths).

The switch is QIANSHOU_SQL_ANSWERS (PostgreSQL only); tests/test_sql_answers.py compares both
paths' answers over every field here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import value_from_ast_untyped
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    LargeBinary,
    Select,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
)
from strawberry.utils.str_converters import to_camel_case

from db import models
from db.functions import one_of
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS
from db.reads import json_answers as sql
from db.reads.fast_paths import FAST_PATHS, count, fell_back
from db.reads.json_answers import ChildPage, Children
from db.reads.prepared import PreparedRead
from resolvers import pairings as pairing_lists
from resolvers.access import SYSTEM as SYSTEM_ACTOR
from resolvers.access import Actor, visible_pairings
from resolvers.child_pages import ChildList
from resolvers.errors import ApiError
from resolvers.ids import decode_id
from resolvers.loaders import MILESTONES, TRAINING, UPDATES, live
from resolvers.pagination import ListStatement, Ordering, Page, page_size
from resolvers.pairing_order import DEFAULT_ORDER
from resolvers.progress import progress_of_pairings, progress_select
from resolvers.scope import Scope
from schema.engine.node_cache import NodeCache


@dataclass(frozen=True)
class Table:
    """How a GraphQL object type reads from a table: its columns (by their Python names, which are
    the GraphQL names in snake case), objects it names by a key column, and lists of children."""

    model: Any
    columns: tuple[str, ...]
    to_one: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # field: (key column, type)
    pages: Mapping[str, Children] = field(default_factory=dict)  # connections of children, by id
    lists: Mapping[str, Children] = field(default_factory=dict)  # plain lists of children, by id


def _children(child_list: ChildList, filters: tuple[Any, ...] = ()) -> Children:
    return Children(child_list.model, child_list.parent_key, tuple(child_list.conditions(filters)))


def _live_of_pairing(model: Any) -> Children:
    """A pairing's list that hides voided rows, as its loader does (resolvers.loaders.live_children)."""
    return _children(ChildList(model, "pairing_id", live(model)))


TABLES: dict[str, Table] = {
    "Pairing": Table(
        models.Pairing,
        ("status", "starts_on", "ends_on", "version", "status_reason"),
        to_one={"mentor": ("mentor_id", "Agency"), "supported": ("supported_id", "Agency")},
        pages={"milestones": _children(MILESTONES, (None,)), "trainingSessions": _children(TRAINING)},
        lists={
            "serviceStations": _live_of_pairing(models.ServiceStation),
            "incubatedOrganizations": _live_of_pairing(models.IncubatedOrganization),
        },
    ),
    "Agency": Table(
        models.Agency, ("name", "credit_code", "status", "version"), to_one={"region": ("region_id", "Region")}
    ),
    "Region": Table(models.Region, ("code", "name", "level")),
    "Milestone": Table(
        models.Milestone,
        (
            "title",
            "category",
            "term_year",
            "due_on",
            "target_value",
            "unit",
            "status",
            "achieved_on",
            "approved_on",
            "version",
        ),
        pages={"updates": _children(UPDATES)},
    ),
    "MilestoneUpdate": Table(
        models.MilestoneUpdate,
        (
            "note",
            "progress_value",
            "progress_percent",
            "status",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
        ),
    ),
    "TrainingSession": Table(
        models.TrainingSession,
        ("topic", "starts_on", "ends_on", "hours", "mode", "participants", "voided_at", "void_reason"),
    ),
    "ServiceStation": Table(models.ServiceStation, ("name", "established_on", "voided_at", "void_reason")),
    "IncubatedOrganization": Table(
        models.IncubatedOrganization,
        ("stage", "started_on", "registered_on", "independent_on", "version", "voided_at", "void_reason"),
    ),
}
# A pairing's progress (resolvers.progress, progress_select's columns) and kept totals.
PROGRESS = {
    "milestonesTotal": "total",
    "milestonesAchieved": "achieved",
    "milestonesWaived": "waived",
    "milestonesOverdue": "overdue",
    "maxDaysOverdue": "max_days",
    "percentComplete": "percent_complete",
    "timeElapsedPercent": "time_elapsed",
    "health": "health",
}
ROUNDED = frozenset({"percentComplete", "timeElapsedPercent"})
# A pairing's kept totals, two objects of one row (db.models.totals).
TOTALS = ("serviceTotals", "resourceTotals")


class _Unsupported(Exception):
    """The document selects something this path does not answer: graphql-core answers it."""


@dataclass(frozen=True)
class _Size:
    """A page's `first`: a literal or a variable, bound at run time as the parameter `name`."""

    name: str
    literal: int | None
    variable: str | None

    def value(self, variables: Mapping[str, Any]) -> int:
        return page_size(self.literal if self.variable is None else variables.get(self.variable))


@dataclass(eq=False)
class _Plan:
    """What one walk of a selection found: the page sizes to bind."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    sizes: list[_Size] = field(default_factory=list)
    # The objects that the root's row names, joined to it (alias, key column): one join each costs
    # PostgreSQL less than a subquery per row and object.
    joins: list[tuple[FromClause, ColumnElement[int]]] = field(default_factory=list)

    def fields(self, type_: GraphQLObjectType, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """The fields selected on an object of `type_`, through fragments on that type; each
        response key once."""
        if selection_set is None:
            raise _Unsupported
        found: list[FieldNode] = []
        condition: NamedTypeNode | None
        for selection in selection_set.selections:
            if selection.directives:
                raise _Unsupported
            if isinstance(selection, FieldNode):
                found.append(selection)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition, fragment.selection_set
            elif isinstance(selection, InlineFragmentNode):
                condition, inner = selection.type_condition, selection.selection_set
            else:
                raise _Unsupported
            if condition is not None and condition.name.value != type_.name:
                raise _Unsupported
            found += self.fields(type_, inner)
        keys = [_key(node) for node in found]
        if len(set(keys)) != len(keys):
            raise _Unsupported
        return found

    def size(self, node: FieldNode) -> _Size:
        """A page's size argument; any other argument is not answered here."""
        literal, variable = None, None
        for argument in node.arguments or ():
            if argument.name.value != "first":
                raise _Unsupported
            if isinstance(argument.value, VariableNode):
                variable = argument.value.name.value
            elif isinstance(argument.value, IntValueNode):
                literal = int(argument.value.value)
            else:
                raise _Unsupported
        size = _Size(f"size_{len(self.sizes)}", literal, variable)
        self.sizes.append(size)
        return size


def _key(node: FieldNode) -> str:
    return (node.alias or node.name).value


def _no_arguments(node: FieldNode) -> None:
    if node.arguments:
        raise _Unsupported


# --- building the statement ---------------------------------------------------------------------


Special = Mapping[str, Callable[[FieldNode], ColumnElement[Any]]]


def _object(
    plan: _Plan,
    type_: GraphQLObjectType,
    selection: SelectionSetNode | None,
    table: FromClause,
    special: Special = MappingProxyType({}),
    *,
    root: bool = False,
) -> Any:
    """The JSON object that `selection` makes of the row of `table`, a table of `type_`; a field in
    `special` is made by its function. `root`: the row is the statement's own, or joined to it."""
    shape = TABLES.get(type_.name)
    if shape is None:
        raise _Unsupported
    columns = {to_camel_case(name): name for name in shape.columns}
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for node in plan.fields(type_, selection):
        name = node.name.value
        if name == "__typename":
            value: Any = sql.constant(type_.name)
        elif name in special:
            value = special[name](node)
        elif name == "id":
            value = sql.global_id(type_.name, table.c.id)
        elif name in columns:
            value = _scalar(type_.fields[name].type, table.c[columns[name]])
        elif name in shape.to_one:
            key_column, other = shape.to_one[name]
            value = _one(plan, other, node, table.c[key_column], joined=root)
        elif name in shape.pages:
            value = _page(plan, type_.fields[name].type, node, shape.pages[name], table.c.id)
        elif name in shape.lists:
            item_type = _object_type(type_.fields[name].type)
            value = sql.all_children(shape.lists[name], table.c.id, _builder(plan, item_type, node.selection_set))
        else:
            raise _Unsupported
        if name not in shape.pages:
            _no_arguments(node)
        pairs.append((_key(node), value))
    return sql.json_object(pairs)


def _builder(plan: _Plan, type_: GraphQLObjectType, selection: SelectionSetNode | None) -> Callable[[FromClause], Any]:
    """How a list's rows become its objects, once the list's alias is made."""
    return lambda rows: _object(plan, type_, selection, rows)


def _scalar(graphql_type: Any, column: ColumnElement[Any]) -> ColumnElement[Any]:
    named = get_named_type(graphql_type)
    if isinstance(get_nullable_type(graphql_type), GraphQLList):
        raise _Unsupported
    if isinstance(named, GraphQLEnumType):
        return sql.name(column)  # enums are stored by name, which is their GraphQL name
    write = SCALARS.get(named.name)
    if write is None:
        raise _Unsupported
    return write(column)


# How a value of each scalar is written (db/reads/json_answers.py).
SCALARS: dict[str, Callable[[ColumnElement[Any]], ColumnElement[str]]] = {
    "String": sql.string,
    "ID": sql.string,
    "Int": sql.number,
    "Float": sql.number,
    "Boolean": sql.boolean,
    "Date": sql.date,
    "DateTime": sql.timestamp,
    "Decimal": sql.decimal,
}


def _object_type(graphql_type: Any) -> GraphQLObjectType:
    named = get_named_type(graphql_type)
    if not isinstance(named, GraphQLObjectType):
        raise _Unsupported
    return named


def _one(plan: _Plan, type_name: str, node: FieldNode, key: ColumnElement[int], *, joined: bool) -> Any:
    """An object named by a key column: joined where its row names it from the root, else a scalar
    subquery."""
    table = TABLES[type_name].model.__table__.alias()
    type_ = plan.schema.type_map[type_name]
    assert isinstance(type_, GraphQLObjectType)
    if not joined:
        return select(_object(plan, type_, node.selection_set, table)).where(table.c.id == key).scalar_subquery()
    plan.joins.append((table, key))
    built = _object(plan, type_, node.selection_set, table, root=True)
    return case((table.c.id.is_(None), null()), else_=built)


def _page(plan: _Plan, graphql_type: Any, node: FieldNode, children: Children, parent_id: Any) -> Any:
    """A connection of children: edges with nodes and cursors, and pageInfo, from one ChildPage."""
    connection_type = _object_type(graphql_type)
    size = plan.size(node)
    page = ChildPage(children, parent_id, bindparam(size.name, type_=Integer()))
    edge_type = _object_type(connection_type.fields["edges"].type)
    item_type = _object_type(edge_type.fields["node"].type)
    pairs: list[tuple[str, Any]] = []
    for part in plan.fields(connection_type, node.selection_set):
        _no_arguments(part)
        name = part.name.value
        if name == "__typename":
            pairs.append((_key(part), sql.constant(connection_type.name)))
        elif name == "edges":
            edge_pairs: list[tuple[str, Any]] = []
            for edge_part in plan.fields(edge_type, part.selection_set):
                _no_arguments(edge_part)
                edge_name = edge_part.name.value
                if edge_name == "node":
                    edge_pairs.append((_key(edge_part), _object(plan, item_type, edge_part.selection_set, page.rows)))
                elif edge_name == "cursor":
                    edge_pairs.append((_key(edge_part), sql.id_cursor(page.rows.c.id)))
                elif edge_name == "__typename":
                    edge_pairs.append((_key(edge_part), sql.constant(edge_type.name)))
                else:
                    raise _Unsupported
            pairs.append((_key(part), page.edges(sql.json_object(edge_pairs))))
        elif name == "pageInfo":
            pairs.append((_key(part), _page_info(plan, connection_type, part, page)))
        else:
            raise _Unsupported
    return page.select(sql.json_object(pairs))


def _page_info(plan: _Plan, connection_type: GraphQLObjectType, node: FieldNode, page: ChildPage) -> Any:
    info_type = _object_type(connection_type.fields["pageInfo"].type)
    values: dict[str, ColumnElement[Any]] = {
        "hasNextPage": page.has_next_page(),
        "hasPreviousPage": sql.literal(sql.FALSE),  # pages here start at the first child
        "startCursor": sql.id_cursor(page.first_id()),
        "endCursor": sql.id_cursor(page.last_id()),
        "__typename": sql.constant(info_type.name),
    }
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for part in plan.fields(info_type, node.selection_set):
        _no_arguments(part)
        if part.name.value not in values:
            raise _Unsupported
        pairs.append((_key(part), values[part.name.value]))
    return sql.json_object(pairs)


def _pairing(plan: _Plan, selection: SelectionSetNode | None, actor: Actor, today: dt.date) -> PreparedRead:
    """Each pairing of the ids bound as `ids` that the actor may read: its id and its JSON."""
    pairings = models.Pairing.__table__
    figures = progress_of_pairings(today, "ids").subquery("progress")
    statement = _answers_of(plan, selection, pairings, figures)
    return PreparedRead(statement.where(one_of(pairings.c.id, "ids"), visible_pairings(actor)))


def _page_of_pairings(root: _Root, today: dt.date) -> Callable[[Select[Any], Ordering], Select[Any]]:
    """How a page of pairings, as resolvers.pairings reads it, becomes its pairings' ids and JSON in
    the page's order: one statement for the page and its answers."""

    def answers(page_statement: Select[Any], ordering: Ordering) -> Select[Any]:
        page = page_statement.cte("page")
        # As one array, not a subquery: PostgreSQL then reads the page's milestones by the index on
        # their pairing rather than scanning them all (as progress_of_pairings explains).
        on_page = cast(select(func.array_agg(page.c.id)).scalar_subquery(), ARRAY(BigInteger()))
        progress = progress_select(
            today, models.Pairing.id == any_(on_page), models.Milestone.pairing_id == any_(on_page)
        )
        # A walk of its own for each statement: the page sizes' parameters are named in walking order.
        plan = _Plan(root.schema, root.fragments)
        statement = _answers_of(plan, root.pairing, page, progress.subquery("progress"))
        return statement.order_by(*(_desc(page.c[str(column.key)], ordering) for column in ordering.columns))

    return answers


def _answers_of(
    plan: _Plan, selection: SelectionSetNode | None, pairings: FromClause, figures: FromClause
) -> Select[Any]:
    """The id and the JSON of each row of `pairings` (the table, or a page of its rows), with
    `figures` (progress_select's columns) joined where progress is selected."""
    joined: list[FromClause] = [pairings]
    kept = models.PairingTotals.__table__
    type_ = plan.schema.type_map["Pairing"]
    assert isinstance(type_, GraphQLObjectType)

    def progress(node: FieldNode) -> Any:
        if figures not in joined:
            joined.append(figures)
        return _progress(plan, type_.fields["progress"].type, node, figures)

    def totals(node: FieldNode) -> Any:
        if kept not in joined:
            joined.append(kept)
        return _totals(plan, type_.fields[node.name.value].type, node, kept)

    answer = _object(
        plan, type_, selection, pairings, {"progress": progress} | dict.fromkeys(TOTALS, totals), root=True
    )
    from_clause: FromClause = pairings
    for table, key in plan.joins:
        from_clause = from_clause.outerjoin(table, table.c.id == key)
    if figures in joined:
        from_clause = from_clause.join(figures, figures.c.pairing_id == pairings.c.id)
    if kept in joined:
        from_clause = from_clause.outerjoin(kept, kept.c.pairing_id == pairings.c.id)
    # As the bytes of its text: the server sends them on as they are. A json column the driver
    # would parse, and text it would decode, for the server to encode again.
    as_bytes = func.convert_to(answer, literal_column("'UTF8'"), type_=LargeBinary())
    return select(pairings.c.id, as_bytes.label("answer")).select_from(from_clause)


def _desc(column: ColumnElement[Any], ordering: Ordering) -> ColumnElement[Any]:
    return column.desc() if ordering.descending else column


def _progress(plan: _Plan, graphql_type: Any, node: FieldNode, figures: FromClause) -> Any:
    values = {name: figures.c[column] for name, column in PROGRESS.items()}
    return _figures(plan, graphql_type, node, values | {name: sql.rounded(values[name]) for name in ROUNDED})


def _totals(plan: _Plan, graphql_type: Any, node: FieldNode, kept: FromClause) -> Any:
    # A pairing with no totals row yet shows zeros (resolvers.pairing_details.empty_totals).
    values = {to_camel_case(name): func.coalesce(kept.c[name], 0) for name in COUNTER_COLUMNS}
    values |= {to_camel_case(name): func.coalesce(kept.c[name], literal_column("0.00")) for name in MONEY_COLUMNS}
    return _figures(plan, graphql_type, node, values)


def _figures(plan: _Plan, graphql_type: Any, node: FieldNode, values: Mapping[str, ColumnElement[Any]]) -> Any:
    """An object of figures: each of its fields one of `values`."""
    type_ = _object_type(graphql_type)
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for part in plan.fields(type_, node.selection_set):
        _no_arguments(part)
        name = part.name.value
        if name == "__typename":
            pairs.append((_key(part), sql.constant(type_.name)))
        elif name in values and name in type_.fields:
            pairs.append((_key(part), _scalar(type_.fields[name].type, values[name])))
        else:
            raise _Unsupported
    return sql.json_object(pairs)


# --- running a document -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # hashed by identity: the statements' cache keys
class _Root:
    """A root field answered here: `pairing(id:)` or `pairings(first:, after:)`."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    node: FieldNode
    # The pairing's selection: the field's own, or its connection's nodes'.
    pairing: SelectionSetNode | None
    sizes: tuple[_Size, ...]
    connection: tuple[_Part, ...] = ()  # of `pairings`

    def statement(self, actor: Actor, today: dt.date) -> PreparedRead:
        return _statement(self, actor, today)

    def listing(self, actor: Actor, today: dt.date) -> ListStatement:
        return _listing(self, actor, today)

    def sizes_of(self, variables: Mapping[str, Any]) -> dict[str, int]:
        return {size.name: size.value(variables) for size in self.sizes}


# Built once a day per document and actor: the actor's scope and today are in their SQL.
@functools.lru_cache(maxsize=256)
def _statement(root: _Root, actor: Actor, today: dt.date) -> PreparedRead:
    return _pairing(_Plan(root.schema, root.fragments), root.pairing, actor, today)


@functools.lru_cache(maxsize=256)
def _listing(root: _Root, actor: Actor, today: dt.date) -> ListStatement:
    plain = pairing_lists.listing(actor, pairing_lists.PairingFilter(), today, DEFAULT_ORDER)
    shown = _page_of_pairings(root, today)
    return ListStatement(plain.statement, plain.ordering, shown)


class SqlAnswer:
    """An operation whose root fields PostgreSQL answers (see the module's note)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> None:
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        plan = _Plan(schema, fragments)
        self.schema, self.operation = schema, operation
        self.roots: list[tuple[str, _Root | None]] = []  # None: __typename
        for node in plan.fields(schema.query_type, operation.selection_set):  # type: ignore[arg-type]
            self.roots.append((_key(node), self._root(plan, node)))

    def _root(self, plan: _Plan, node: FieldNode) -> _Root | None:
        name = node.name.value
        if name == "__typename":
            return None
        if name == "pairing" and [argument.name.value for argument in node.arguments or ()] == ["id"]:
            pairing = node.selection_set
        elif name == "pairings" and {argument.name.value for argument in node.arguments or ()} <= {"first", "after"}:
            pairing = _connection_nodes(plan, node)
        else:
            raise _Unsupported
        walk = _Plan(plan.schema, plan.fragments)
        _pairing(walk, pairing, SYSTEM_ACTOR, dt.date(2000, 1, 1))  # raises _Unsupported where it must
        shape = _connection_shape(plan, node) if name == "pairings" else ()
        return _Root(plan.schema, plan.fragments, node, pairing, tuple(walk.sizes), shape)

    async def data(
        self, scope: Scope, raw_variables: Mapping[str, Any] | None, coerced: Mapping[str, Any] | None
    ) -> dict[str, Any] | None:
        """The response's data, or None where graphql-core must answer."""
        if coerced is None:
            values = get_variable_values(
                self.schema, self.operation.variable_definitions or (), dict(raw_variables or {})
            )
            if isinstance(values, list):
                return None
            coerced = values.coerced
        data: dict[str, Any] = {}
        for key, root in self.roots:
            if root is None:
                data[key] = self.schema.query_type.name  # type: ignore[union-attr]
                continue
            value = await (_pairing_by_id if root.node.name.value == "pairing" else _pairing_page)(scope, root, coerced)
            if value is None:
                return None
            data[key] = value
        return data


def _connection_nodes(plan: _Plan, node: FieldNode) -> SelectionSetNode:
    """The selection on the nodes of a connection of pairings; only edges, their nodes and cursors,
    pageInfo and __typename may be selected on it (_connection writes them)."""
    found: list[SelectionSetNode | None] = []
    connection = _object_type(plan.schema.query_type.fields["pairings"].type)  # type: ignore[union-attr]
    for part in plan.fields(connection, node.selection_set):
        if part.name.value == "edges":
            edge_type = _object_type(connection.fields["edges"].type)
            found += [
                edge.selection_set for edge in plan.fields(edge_type, part.selection_set) if edge.name.value == "node"
            ]
        elif part.name.value not in ("pageInfo", "__typename"):
            raise _Unsupported
    if len(found) != 1 or found[0] is None:
        raise _Unsupported
    return found[0]


def _argument(node: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    for argument in node.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
            return value_from_ast_untyped(value)
    return None


async def _pairing_by_id(scope: Scope, root: _Root, variables: Mapping[str, Any]) -> Any:
    global_id = _argument(root.node, "id", variables)
    type_name, pk = decode_id(global_id) if isinstance(global_id, str) else (None, 0)
    if type_name != "Pairing":
        return None
    rows = await scope.db.fetch(root.statement(scope.actor, scope.today), {"ids": [pk], **root.sizes_of(variables)})
    return orjson.Fragment(rows[0][1]) if rows else None


async def _pairing_page(scope: Scope, root: _Root, variables: Mapping[str, Any]) -> Any:
    first, after = _argument(root.node, "first", variables), _argument(root.node, "after", variables)
    listing = root.listing(scope.actor, scope.today)
    page = await listing.page(scope.db, first=first, after=after, parameters=root.sizes_of(variables))
    return _connection(root, page, [orjson.Fragment(row.answer) for row in page.items])


@dataclass(frozen=True)
class _Part:
    """A field selected on a connection of pairings: `edges`, `pageInfo` or `__typename`, the name of
    its type, and the keys and fields selected on it."""

    key: str
    name: str
    type_name: str
    fields: tuple[tuple[str, str], ...] = ()


def _connection_shape(plan: _Plan, node: FieldNode) -> tuple[_Part, ...]:
    connection = _object_type(plan.schema.query_type.fields["pairings"].type)  # type: ignore[union-attr]
    parts = []
    for part in plan.fields(connection, node.selection_set):
        if part.name.value == "__typename":
            parts.append(_Part(_key(part), "__typename", connection.name))
            continue
        inner = _object_type(connection.fields[part.name.value].type)
        fields = tuple((_key(each), each.name.value) for each in plan.fields(inner, part.selection_set))
        parts.append(_Part(_key(part), part.name.value, inner.name, fields))
    return tuple(parts)


def _connection(root: _Root, page: Page[Any], nodes: list[Any]) -> dict[str, Any]:
    """A page of pairings as the connection's selection shows it, its cursors made from the page
    as schema.relay.Connection makes them."""
    answer: dict[str, Any] = {}
    for part in root.connection:
        if part.name == "__typename":
            answer[part.key] = part.type_name
        elif part.name == "edges":
            answer[part.key] = _edges(page, nodes, part)
        else:
            info = {
                "hasNextPage": page.has_next_page,
                "hasPreviousPage": page.has_previous_page,
                "startCursor": page.cursor(0) if page.items else None,
                "endCursor": page.cursor(-1) if page.items else None,
                "__typename": part.type_name,
            }
            answer[part.key] = {key: info[field] for key, field in part.fields}
    return answer


def _edges(page: Page[Any], nodes: list[Any], part: _Part) -> list[dict[str, Any]]:
    if len(part.fields) == 1 and part.fields[0][1] == "node":  # what dashboards select: no cursors
        key = part.fields[0][0]
        return [{key: node} for node in nodes]
    made: dict[str, Callable[[int], Any]] = {
        "cursor": page.cursor,
        "node": nodes.__getitem__,
        "__typename": lambda index: part.type_name,
    }
    return [{key: made[field](index) for key, field in part.fields} for index in range(len(nodes))]


_answers: NodeCache[SqlAnswer | None] = NodeCache(1024)


async def answer_in_sql(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    scope: Scope,
    variables: Any,
    coerced: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The data of a query that PostgreSQL answers, or None: graphql-core answers it. `coerced`:
    the variables as the server's checks coerced them, if they did."""
    if not FAST_PATHS.sql_answers or scope.db.is_sqlite or operation.operation is not OperationType.QUERY:
        return None
    answer = _answers.get((operation,), lambda: _compiled(schema, document, operation))
    if answer is None:
        return None
    try:
        data = await answer.data(scope, variables, coerced)
    except ApiError:
        data = None  # graphql-core gives the error in its place
    except Exception as error:
        fell_back("sql_answers.error", error)
        return None
    if data is None:
        count("sql_answers.handed_back")
    return data


def _compiled(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> SqlAnswer | None:
    try:
        return SqlAnswer(schema, document, operation)
    except _Unsupported:
        return None
    except Exception as error:  # a document this path misreads is still answered, by graphql-core
        fell_back("sql_answers.planning_error", error)
        return None
