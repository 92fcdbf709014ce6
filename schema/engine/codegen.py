"""Object completers written out as Python source (used by schema/engine/execution.py).

An object's planned fields, completed by a loop over (key, getter, completer) entries, cost a tuple
unpacking, a getter call and a completer call each. Written out as one dict display, a field is an
attribute read, and a leaf whose value is already what the response holds (a str for a String, an
int in range for an Int, a known enum value) is not even a call: its completer's `inline`
expression tests it in place and calls the completer only for anything else.

The source depends on the shape of the selection alone (keys, attribute names, which fields are
inlined); what differs between plans of the same shape is bound as arguments of a factory, which is
compiled once per shape. Plans made per request (documents with @skip or @include) thus compile
nothing new once their shape has been seen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# An expression for a completer's common case: `{value}` is the value's expression, evaluated once
# (bound to `_v`), `{complete}` the completer for anything else and `{table}` its `table`.
INLINE = "inline"
TABLE = "table"


@dataclass(frozen=True)
class Field:
    """One response key: a constant, an attribute of the source (`attribute`, or `getter` when the
    field's default resolver is not getattr) completed by `complete`, or a `read` of the source."""

    key: str
    constant: Any = None
    attribute: str | None = None
    getter: Callable[[Any], Any] | None = None
    complete: Callable[[Any, Any], Any] | None = None
    read: Callable[[Any, Any], Any] | None = None


def object_completer(
    fields: list[Field], check: Callable[[Any, Any], None], own_types: tuple[type | None, type | None]
) -> Callable[[Any, Any], dict[str, Any]]:
    """complete(source, run): the response dict of `source`. A source whose class is one of
    `own_types` is taken as is; any other goes through `check`, which raises if it is not one."""
    arguments: list[Any] = [check, *own_types]
    items = []
    for field in fields:
        items.append(f"{field.key!r}: {_expression(field, arguments)}")
    parameters = ", ".join(f"x{index}" for index in range(len(arguments)))
    source = (
        f"def make({parameters}):\n"
        "    def complete(source, run):\n"
        "        if type(source) is not x1 and type(source) is not x2:\n"
        "            x0(source, run)\n"
        f"        return {{{', '.join(items)}}}\n"
        "    return complete\n"
    )
    return _factory(source)(*arguments)


def _expression(field: Field, arguments: list[Any]) -> str:
    def bound(value: Any) -> str:
        arguments.append(value)
        return f"x{len(arguments) - 1}"

    if field.read is not None:
        return f"{bound(field.read)}(source, run)"
    if field.complete is None:
        return bound(field.constant)
    value = f"source.{field.attribute}" if field.getter is None else f"{bound(field.getter)}(source)"
    complete = bound(field.complete)
    inline: str | None = getattr(field.complete, INLINE, None)
    if inline is None:
        return f"{complete}({value}, run)"
    table = bound(getattr(field.complete, TABLE)) if "{table}" in inline else ""
    return inline.format(value=value, complete=complete, table=table)


@functools.lru_cache(maxsize=1024)
def _factory(source: str) -> Callable[..., Callable[[Any, Any], dict[str, Any]]]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<object completer>", "exec"), namespace)  # noqa: S102 - our own source, see above
    make: Callable[..., Callable[[Any, Any], dict[str, Any]]] = namespace["make"]
    return make
