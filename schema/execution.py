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

from contextlib import suppress
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# A planned response key: (key, resolver, python name, field type, field details); `__typename`
# has no resolver and its "python name" is the type's name, which is its value.
Entry = tuple[str, Any, str, GraphQLOutputType | None, FieldDetailsList | None]


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
                return self._complete_object(return_type, field_details_list, info, result)
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _complete_object(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList, info: GraphQLResolveInfo, source: Any
    ) -> dict[str, Any]:
        # Strawberry's is_type_of ignores its info; nested objects get the info of the object the
        # fast path started at, as they have none of their own.
        if type_.is_type_of and type_.is_type_of(source, info) is not True:
            raise _GiveUp
        plan = self._plan(type_, field_details_list)
        if plan is None:
            raise _GiveUp
        data: dict[str, Any] = {}
        for key, resolve, name, field_type, sub_fields in plan:
            if resolve is None:
                data[key] = name
            else:
                data[key] = self._complete(field_type, sub_fields, info, resolve(source, name))
        return data

    def _complete(
        self, type_: Any, field_details_list: FieldDetailsList, info: GraphQLResolveInfo, value: Any
    ) -> Any:
        """graphql-core's complete_value for what it can do without an error or an await."""
        if isinstance(type_, GraphQLNonNull):
            completed = self._complete(type_.of_type, field_details_list, info, value)
            if completed is None:
                raise _GiveUp
            return completed
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception) or self.is_awaitable(value):
            raise _GiveUp
        if isinstance(type_, GraphQLList):
            # Only real sequences: a consumed iterator could not be handed back to graphql-core.
            if not isinstance(value, list | tuple):
                raise _GiveUp
            item_type = type_.of_type
            return [self._complete(item_type, field_details_list, info, item) for item in value]
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            coerced = type_.coerce_output_value(value)
            if coerced is Undefined or coerced is None:
                raise _GiveUp
            return coerced
        if isinstance(type_, GraphQLObjectType):
            return self._complete_object(type_, field_details_list, info, value)
        raise _GiveUp  # interfaces and unions resolve their type through graphql-core

    def _plan(self, type_: GraphQLObjectType, field_details_list: FieldDetailsList) -> list[Entry] | None:
        key = (type_, id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            cached = self._plans[key] = (field_details_list, self._build_plan(type_, field_details_list))
        return cached[1]

    def _build_plan(self, type_: GraphQLObjectType, field_details_list: FieldDetailsList) -> list[Entry] | None:
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
                plan.append((key, None, type_.name, None, None))
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
            # _get_basic_result reads the attribute with the field's default resolver, and so do we.
            strawberry_field = field_def.extensions["strawberry-definition"]
            plan.append((key, strawberry_field.default_resolver, strawberry_field.python_name, field_def.type, sub_details))
        return plan
