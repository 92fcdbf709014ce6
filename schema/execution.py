"""A faster execution path for subtrees made only of plain fields.

Below a page's root resolver almost every field is a plain attribute (pages fetch nested objects
ahead, see schema/lookahead.py), yet graphql-core spends ~8 µs on each: a resolve info, a path, the
resolver call and the completion checks. Here, when graphql-core is about to complete an object, we
try to build its result dict directly from attributes. Whatever this path does not handle exactly as
graphql-core would (resolvers, arguments, abstract types, awaitables, nulls on non-null types, any
error) makes it give up on that object and hand it back to graphql-core unchanged, so error
messages, paths, null bubbling and async work stay graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from math import isfinite
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Completes one value of a planned field, or raises _GiveUp.
Complete = Callable[[Any], Any]
# A planned response key: (key, attribute getter or None for `__typename`, completer or the type name).
Entry = tuple[str, Callable[[Any], Any] | None, Any]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# Values that graphql-core's built-in scalars return unchanged: for them the serializer call is
# skipped; any other value goes through the serializer as usual.
_UNCHANGED: dict[GraphQLScalarType, Callable[[Any], bool]] = {
    GraphQLString: lambda value: type(value) is str,
    GraphQLID: lambda value: type(value) is str,
    GraphQLBoolean: lambda value: type(value) is bool,
    GraphQLInt: lambda value: type(value) is int and _INT_MIN <= value <= _INT_MAX,
    GraphQLFloat: lambda value: type(value) is float and isfinite(value),
}


class _GiveUp(Exception):
    """A value the fast path does not complete; graphql-core takes the whole object instead."""


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed like graphql-core's collect_subfields memo; the field details list is kept alive
        # with its plan so that its id cannot be reused during execution.
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, list[Entry] | None]] = {}

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A position context means deferred delivery is under way: that is graphql-core's alone.
        if position_context is None:
            # Any failure, a _GiveUp or an error, means graphql-core redoes this object its own way.
            with suppress(Exception):
                return self._object_completer(return_type, field_details_list, info)(result)
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _object_completer(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo
    ) -> Complete:
        plan = self._plan(type_, field_details_list, info)
        if plan is None:
            raise _GiveUp
        # Strawberry's is_type_of ignores its info; nested objects get the info of the object the
        # fast path started at, as they have none of their own.
        is_type_of = type_.is_type_of
        is_awaitable = self.is_awaitable

        def complete(source: Any) -> dict[str, Any]:
            if is_type_of is None:
                if is_awaitable(source):
                    raise _GiveUp
            elif is_type_of(source, info) is not True:
                raise _GiveUp
            return {key: name if get is None else name(get(source)) for key, get, name in plan}

        return complete

    def _completer(self, type_: Any, field_details_list: FieldDetailsList, info: GraphQLResolveInfo) -> Complete:
        """graphql-core's complete_value for one field type, for what it can do without an error or
        an await, decided once per type rather than once per value."""
        if isinstance(type_, GraphQLNonNull):
            inner = self._completer(type_.of_type, field_details_list, info)

            def non_null(value: Any) -> Any:
                completed = inner(value)
                if completed is None:
                    raise _GiveUp
                return completed

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._completer(type_.of_type, field_details_list, info)

            def list_(value: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                # Only real sequences: a consumed iterator could not be handed back to graphql-core.
                if type(value) is not list and type(value) is not tuple:
                    raise _GiveUp
                return [item(each) for each in value]

            return list_
        if isinstance(type_, GraphQLObjectType):
            complete_object = self._lazy_object_completer(type_, field_details_list, info)

            def object_(value: Any) -> Any:
                if value is None or value is Undefined:
                    return None
                return complete_object(value)

            return object_
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return _leaf_completer(type_, self.is_awaitable)
        raise _GiveUp  # interfaces and unions resolve their type through graphql-core

    def _lazy_object_completer(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo
    ) -> Complete:
        """Plans the object's own fields on first use: a recursive type would otherwise plan forever."""
        completer: Complete | None = None

        def complete(value: Any) -> Any:
            nonlocal completer
            if completer is None:
                completer = self._object_completer(type_, field_details_list, info)
            return completer(value)

        return complete

    def _plan(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo
    ) -> list[Entry] | None:
        key = (type_, id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            cached = self._plans[key] = (field_details_list, self._build_plan(type_, field_details_list, info))
        return cached[1]

    def _build_plan(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo
    ) -> list[Entry] | None:
        """The response keys of an object selected by `field_details_list`, in graphql-core's order,
        or None when some field needs more than an attribute read."""
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(type_, field_details_list)
        if new_defer_usages:
            return None
        plan: list[Entry] = []
        for key, sub_details in grouped_field_set.items():
            node = sub_details[0].node
            name = node.name.value
            if name == "__typename":
                plan.append((key, None, type_.name))
                continue
            field_def = type_.fields.get(name)
            if field_def is None or field_def.args or node.arguments:
                return None
            resolve = field_def.resolve
            if getattr(resolve, "__name__", None) != "_get_basic_result":
                return None
            if self.middleware_manager and self.middleware_manager.get_field_resolver(resolve) is not resolve:
                return None
            if any(d.name.value == "stream" for details in sub_details for d in details.node.directives or ()):
                return None
            try:
                complete = self._completer(field_def.type, sub_details, info)
            except _GiveUp:
                return None
            # _get_basic_result reads the attribute with the field's default resolver, and so do we.
            plan.append((key, _getter(field_def.extensions["strawberry-definition"]), complete))
        return plan


def _getter(strawberry_field: Any) -> Callable[[Any], Any]:
    default_resolver, python_name = strawberry_field.default_resolver, strawberry_field.python_name
    if default_resolver is getattr:
        return attrgetter(python_name)
    return lambda source: default_resolver(source, python_name)


def _leaf_completer(type_: GraphQLScalarType | GraphQLEnumType, is_awaitable: Callable[[Any], bool]) -> Complete:
    coerce = type_.coerce_output_value
    unchanged = _UNCHANGED.get(type_)  # type: ignore[call-overload]

    def leaf(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if unchanged is not None and unchanged(value):
            return value
        if isinstance(value, Exception) or is_awaitable(value):
            raise _GiveUp
        coerced = coerce(value)
        if coerced is Undefined or coerced is None:
            raise _GiveUp
        return coerced

    return leaf
