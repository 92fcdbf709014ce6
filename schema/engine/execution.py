"""Fast execution: plain fields completed without graphql-core's per-field machinery.

Below a page's root resolver almost every field is a plain attribute (pages fetch nested objects
ahead, see schema/engine/fetch_ahead.py), yet graphql-core spends ~8 µs on each: a resolve info, a
path, the resolver call and the completion checks. Here, when graphql-core is about to complete an
object, we build the plain fields of its result directly from attributes, read the fields whose
values were fetched ahead (their `read_ahead`, schema/engine/lookahead.py), and hand the other
fields, with resolvers or arguments, to graphql-core's own execute_fields, in their places.

Whatever this path does not handle exactly as graphql-core would (abstract types, awaitables, nulls
on non-null types, any error in a plain field) makes it give up on the whole object and hand it
back to graphql-core unchanged, so error messages, paths, null bubbling and async work stay
graphql-core's own.

How to complete a selection is decided once, as a plan: a tree of small functions (completers,
schema/engine/completers.py) whose objects are completed by generated code (schema/engine/codegen.py).
A plan is kept for the next request of the same document: the parser cache hands every such
request the same syntax tree. A document with directives is planned per request, as @skip and
@include make the selection depend on variables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from weakref import WeakMethod

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    SelectionSetNode,
)
from graphql.execution.collect_fields import FieldDetailsList
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from db.reads.fast_paths import FAST_PATHS, count, fell_back
from schema.engine.codegen import Field, object_completer
from schema.engine.completers import (
    Complete,
    GiveUp,
    attribute_field,
    leaf_completer,
    list_completer,
    object_value_completer,
)
from schema.engine.lookahead import NOT_FETCHED, READ_AHEAD, resolver_arguments
from schema.engine.node_cache import NodeCache


class _Resolved:
    """Marks a field that graphql-core executes, in its place among the completed ones."""


_RESOLVED = _Resolved()


@dataclass(frozen=True)
class ObjectPlan:
    """How to complete an object for one selection: `complete` builds the response dict with the
    plain and read-ahead fields done and the fields in `resolved` left to graphql-core (marked
    _RESOLVED)."""

    complete: Complete
    resolved: tuple[str, ...]


SHARED_PLANS = 4096
# Whether an operation's plans may be shared; its fragments are those of the same parsed document.
_shareable_operations: NodeCache[bool] = NodeCache(SHARED_PLANS)


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    # Plans by object type and field nodes; None: no fast path for that selection (deferred fields).
    shared_plans: ClassVar[NodeCache[ObjectPlan | None]] = NodeCache(SHARED_PLANS)
    # Scalars whose values of one exact Python type the result holds as they are, by scalar name:
    # whoever writes the response serializes them (see JsonExecutionContext).
    kept_values: ClassVar[dict[str, type]] = {}
    # The info of the object being completed, for is_type_of: set before any completer runs.
    object_info: GraphQLResolveInfo[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # This request's own plans where the selection may depend on its variables.
        shareable = _shareable_operations.get((self.operation,), self._shareable)
        self._plans = self.shared_plans if shareable else NodeCache[ObjectPlan | None](SHARED_PLANS)
        # The arguments of the fields read ahead, converted once per request and field node.
        self._arguments: dict[int, dict[str, Any]] = {}
        # graphql-core's helpers are this context's own bound methods: the context was a reference
        # cycle, and held the request's scope and all it loaded until the cycle collector came.
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self.gather_async_work), track=_weakly(self.track_async_work)
        )

    def _shareable(self) -> bool:
        fragments = self.fragments.values()
        if any(fragment.variable_signatures for fragment in fragments):
            return False
        definitions = [self.operation, *(fragment.definition for fragment in fragments)]
        return not any(_has_directives(definition.selection_set) for definition in definitions)

    # --- executing: graphql-core's hook, taken over where a plan exists ---------------------------

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A position context means deferred delivery is under way: that is graphql-core's alone.
        if position_context is None and FAST_PATHS.fast_execution:
            plan, data = None, None
            # Any failure, a GiveUp or an error, means graphql-core redoes this object its own way.
            try:
                plan = self._object_plan(return_type, field_details_list)
                self.object_info = info
                data = None if plan is None else plan.complete(result, self)
            except GiveUp:
                count("fast_execution.handed_back")
            except Exception as error:  # graphql-core's redo reports it, if it is the data's
                fell_back("fast_execution.error", error)
            if plan is not None and data is not None:
                if not plan.resolved:
                    return data
                # Outside the try: errors of resolvers are graphql-core's to record and raise.
                return self._resolve_fields(return_type, field_details_list, path, result, plan.resolved, data)
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def _resolve_fields(
        self,
        type_: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Any,
        source: Any,
        keys: tuple[str, ...],
        data: dict[str, Any],
    ) -> Any:
        """The fields that graphql-core executes itself, put in their places in `data`."""
        grouped_field_set = self.collect_subfields(type_, field_details_list)[0]  # memoized per request
        resolved = self.execute_fields(type_, source, path, {key: grouped_field_set[key] for key in keys}, None)
        if isinstance(resolved, dict):  # nothing was awaitable: execute_fields answers its dict itself
            return _merge(data, resolved)

        async def merged() -> dict[str, Any]:
            return _merge(data, await resolved)

        return merged()

    def arguments(self, field_def: GraphQLField, node: FieldNode) -> dict[str, Any]:
        """A field node's arguments as its resolver would get them in this request."""
        arguments = self._arguments.get(id(node))
        if arguments is None:
            arguments = resolver_arguments(self.schema, field_def, node, self.variable_values)
            self._arguments[id(node)] = arguments
        return arguments

    # --- planning: once per selection, kept for the document's next requests ---------------------

    def _object_plan(self, type_: GraphQLObjectType, field_details_list: FieldDetailsList) -> ObjectPlan | None:
        nodes = tuple(details.node for details in field_details_list)
        return self._plans.get(nodes, lambda: self._build_object_plan(type_, field_details_list), type_)

    def _build_object_plan(self, type_: GraphQLObjectType, field_details_list: FieldDetailsList) -> ObjectPlan | None:
        fields = self._plan_fields(type_, field_details_list)
        if fields is None:
            return None
        resolved = tuple(field.key for field in fields if field.constant is _RESOLVED)
        return ObjectPlan(object_completer(fields, self._type_check(type_), _own_classes(type_)), resolved)

    def _type_check(self, type_: GraphQLObjectType) -> Callable[[Any, FastExecutionContext], None]:
        """What graphql-core checks of a value before completing it as `type_`: its is_type_of,
        or without one, that it is not awaitable. The generated completer skips it for values of
        the type's own classes (_own_classes), which pass both."""
        is_type_of, is_awaitable = type_.is_type_of, self.is_awaitable

        def check(source: Any, run: FastExecutionContext) -> None:
            if is_type_of is None:
                if is_awaitable(source):
                    raise GiveUp
            elif is_type_of(source, run.object_info) is not True:
                raise GiveUp

        return check

    def _plan_fields(self, type_: GraphQLObjectType, field_details_list: FieldDetailsList) -> list[Field] | None:
        """The response keys of an object selected by `field_details_list`, in graphql-core's order,
        each read as an attribute, read ahead or left to graphql-core (the constant _RESOLVED);
        None where a field is deferred (@defer is graphql-core's alone)."""
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(type_, field_details_list)
        if new_defer_usages:
            return None
        return [self._plan_field(type_, key, sub_details) for key, sub_details in grouped_field_set.items()]

    def _plan_field(self, type_: GraphQLObjectType, key: str, field_details_list: FieldDetailsList) -> Field:
        name = field_details_list[0].node.name.value
        if name == "__typename":
            return Field(key, constant=type_.name)
        field_def = type_.fields.get(name)
        if field_def is None:
            return Field(key, constant=_RESOLVED)
        complete = self._plain_field(field_def, field_details_list)
        if complete is not None:
            # _get_basic_result reads the attribute with the field's default resolver, and so do we.
            return attribute_field(key, field_def.extensions["strawberry-definition"], complete)
        read = self._read_field(field_def, field_details_list)
        if read is not None:
            return Field(key, read=read)
        return Field(key, constant=_RESOLVED)

    def _plain_field(self, field_def: GraphQLField, field_details_list: FieldDetailsList) -> Complete | None:
        """The completer of a field that is an attribute read, or None."""
        node = field_details_list[0].node
        if field_def.args or node.arguments:
            return None
        if getattr(field_def.resolve, "__name__", None) != "_get_basic_result":
            return None
        return self._field_completer(field_def, field_details_list)

    def _read_field(self, field_def: GraphQLField, field_details_list: FieldDetailsList) -> Complete | None:
        """How to read and complete a field through its `read_ahead`, or None."""
        definition: StrawberryField | None = field_def.extensions.get("strawberry-definition")
        if definition is None:
            return None
        read = definition.metadata.get(READ_AHEAD)
        # Permission classes and other field extensions run around the resolver: only it may answer.
        if read is None or definition.extensions or field_details_list[0].fragment_variable_values:
            return None
        complete = self._field_completer(field_def, field_details_list)
        if complete is None:
            return None
        node = field_details_list[0].node
        with_arguments = bool(field_def.args or node.arguments)

        def read_and_complete(source: Any, run: FastExecutionContext) -> Any:
            arguments = run.arguments(field_def, node) if with_arguments else {}
            value = read(source, run.context_value, **arguments)
            if value is NOT_FETCHED:
                raise GiveUp
            return complete(value, run)

        return read_and_complete

    def _field_completer(self, field_def: GraphQLField, field_details_list: FieldDetailsList) -> Complete | None:
        """The completer of a field's values, or None where graphql-core must run the field."""
        resolve = field_def.resolve or self.field_resolver  # as graphql-core's execute_field picks it
        if self.middleware_manager and self.middleware_manager.get_field_resolver(resolve) is not resolve:
            return None
        if any(d.name.value == "stream" for details in field_details_list for d in details.node.directives or ()):
            return None
        try:
            return self._completer(field_def.type, field_details_list)
        except GiveUp:
            return None

    def _completer(self, type_: Any, field_details_list: FieldDetailsList, *, nullable: bool = True) -> Complete:
        """graphql-core's complete_value for one field type, for what it can do without an error or
        an await, decided once per type rather than once per value; GiveUp where it cannot."""
        if isinstance(type_, GraphQLNonNull):
            return self._completer(type_.of_type, field_details_list, nullable=False)
        if isinstance(type_, GraphQLList):
            return list_completer(self._completer(type_.of_type, field_details_list), nullable)
        if isinstance(type_, GraphQLObjectType):
            # Planned now, with its parent: a selection set is finite, so this ends. An object
            # with fields that graphql-core resolves is completed by graphql-core, field by field.
            plan = self._object_plan(type_, field_details_list)
            if plan is None or plan.resolved:
                raise GiveUp
            return object_value_completer(plan.complete, nullable)
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return leaf_completer(type_, self.is_awaitable, nullable, self.kept_values.get(type_.name))
        raise GiveUp  # interfaces and unions resolve their type through graphql-core


class JsonExecutionContext(FastExecutionContext):
    """For a result that orjson writes out (the HTTP endpoint's): dates and times stay Python values.
    orjson writes a date or a datetime in C exactly as the Date and DateTime scalars serialize it,
    `isoformat()` (offset and microseconds alike), where the serializer's Python call cost about a
    tenth of completing a pairing's detail, whose every milestone, update and session has dates."""

    shared_plans: ClassVar[NodeCache[ObjectPlan | None]] = NodeCache(SHARED_PLANS)
    kept_values: ClassVar[dict[str, type]] = {"Date": dt.date, "DateTime": dt.datetime}


def _own_classes(type_: GraphQLObjectType) -> tuple[type | None, type | None]:
    """The classes whose instances are values of `type_` without a check: the type's own class,
    which strawberry's is_type_of accepts first and cannot be awaitable; and for a use of a generic
    type (Connection[T]), for which strawberry makes a class with no is_type_of, the generic class
    its values are instances of. graphql-core's own types have neither."""
    definition = type_.extensions.get("strawberry-definition")
    if definition is None:
        return None, None
    concrete_of = definition.concrete_of if type_.is_type_of is None else None
    return definition.origin, concrete_of.origin if concrete_of is not None else None


def _weakly(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, without holding its object: only called while the execution runs, which holds it."""
    reference = WeakMethod(method)

    def call(*args: Any, **kwargs: Any) -> Any:
        alive = reference()
        if alive is None:
            raise ReferenceError("called after its execution ended")
        return alive(*args, **kwargs)

    return call


def _merge(data: dict[str, Any], resolved: dict[str, Any]) -> dict[str, Any]:
    """`data` with the resolved fields in their places; a field graphql-core left out is dropped."""
    data.update(resolved)
    if any(value is _RESOLVED for value in data.values()):
        return {key: value for key, value in data.items() if value is not _RESOLVED}
    return data


def _has_directives(selection_set: SelectionSetNode | None) -> bool:
    """Whether any selection below carries a directive (@skip, @include, @defer, @stream, ...)."""
    if selection_set is None:
        return False
    return any(
        selection.directives or _has_directives(getattr(selection, "selection_set", None))
        for selection in selection_set.selections
    )
