"""Completers: graphql-core's complete_value, for one field type, decided once rather than per value.

A completer `complete(value, run)` returns what the response holds for a field's value, or raises
GiveUp for anything it does not complete exactly as graphql-core would: null on a non-null field,
an awaitable, an error, a value the serializer refuses. GiveUp hands the whole object back to
graphql-core (schema/engine/execution.py), which then reports the problem its own way.

Leaf completers carry their common case as an expression (`inline`) for the generated object
completers of schema/engine/codegen.py: a str for a String is then tested in place, not called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from keyword import iskeyword
from math import isfinite
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.pyutils import Undefined

from schema.engine.codegen import INLINE, TABLE, Field

# Completes one value of a planned field for the request's execution context (`run`), or raises GiveUp.
Complete = Callable[[Any, Any], Any]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# Python types of the values that custom scalars (dates, decimals) serialize.
_PLAIN = frozenset({dt.date, dt.datetime, Decimal})


class GiveUp(Exception):
    """A value the fast path does not complete; graphql-core takes the whole object instead."""


def list_completer(item: Complete, nullable: bool) -> Complete:
    def list_(value: Any, run: Any) -> Any:
        # Only real sequences: a consumed iterator could not be handed back to graphql-core.
        if type(value) is list or type(value) is tuple:
            return [item(each, run) for each in value]
        return missing(value, nullable)

    return list_


def object_value_completer(complete_object: Complete, nullable: bool) -> Complete:
    """For an object nested in a planned one, completed by its own plan (`complete_object`)."""

    def object_(value: Any, run: Any) -> Any:
        if value is None or value is Undefined:
            return missing(value, nullable)
        return complete_object(value, run)

    return object_


def attribute_field(key: str, strawberry_field: Any, complete: Complete) -> Field:
    """A field read as its default resolver reads it: `source.name` where that resolver is getattr."""
    default_resolver, python_name = strawberry_field.default_resolver, strawberry_field.python_name
    if default_resolver is getattr and python_name.isidentifier() and not iskeyword(python_name):
        return Field(key, attribute=python_name, complete=complete)
    return Field(key, getter=lambda source: default_resolver(source, python_name), complete=complete)


def missing(value: Any, nullable: bool) -> None:
    """What a field holding something other than the value it should is completed to: null where
    that is allowed; a null on a non-null field, or anything else, is graphql-core's error."""
    if nullable and (value is None or value is Undefined):
        return None
    raise GiveUp


def leaf_completer(
    type_: GraphQLScalarType | GraphQLEnumType,
    is_awaitable: Callable[[Any], bool],
    nullable: bool,
    kept: type | None = None,
) -> Complete:
    """The serializer's answer; values that graphql-core's built-in scalars return unchanged skip
    the serializer, as do values of the type `kept` (FastExecutionContext.kept_values), and enum
    names are looked up in a table built once (strawberry's enum serializer scans the enum's values
    every time)."""
    coerce = type_.coerce_output_value

    def general(value: Any, run: Any) -> Any:
        if value is None or value is Undefined or isinstance(value, Exception) or is_awaitable(value):
            return missing(value, nullable)
        coerced = coerce(value)
        if coerced is Undefined or coerced is None:
            raise GiveUp
        return coerced

    if type_ is GraphQLString or type_ is GraphQLID:
        return _inline(
            lambda value, run: value if type(value) is str else general(value, run),
            "(_v if type(_v := {value}) is str else {complete}(_v, run))",
        )
    if type_ is GraphQLInt:
        return _inline(
            lambda value, run: value if type(value) is int and _INT_MIN <= value <= _INT_MAX else general(value, run),
            f"(_v if type(_v := {{value}}) is int and {_INT_MIN} <= _v <= {_INT_MAX} else {{complete}}(_v, run))",
        )
    if type_ is GraphQLFloat:
        return lambda value, run: value if type(value) is float and isfinite(value) else general(value, run)
    if type_ is GraphQLBoolean:
        return _inline(
            lambda value, run: value if type(value) is bool else general(value, run),
            "(_v if type(_v := {value}) is bool else {complete}(_v, run))",
        )
    if isinstance(type_, GraphQLEnumType):
        names = {value.value: name for name, value in type_.values.items()}
        return _inline(
            lambda value, run: names.get(value) or general(value, run),
            "({table}.get(_v := {value}) or {complete}(_v, run))",
            names,
        )
    if kept is not None:
        return _inline(
            lambda value, run: value if type(value) is kept else general(value, run),
            "(_v if type(_v := {value}) is {table} else {complete}(_v, run))",
            kept,
        )
    # Values of these types are neither awaitables nor errors: straight to the serializer.
    return lambda value, run: coerce(value) if type(value) in _PLAIN else general(value, run)


def _inline(complete: Complete, expression: str, table: Any = None) -> Complete:
    """`complete`, with its common case as an expression for generated code (schema/engine/codegen.py)."""
    setattr(complete, INLINE, expression)
    if table is not None:
        setattr(complete, TABLE, table)
    return complete
