"""How reads take rows: without the bookkeeping timestamps, and one table's part of a joined row as
a named tuple, so that it reads like a row of that table."""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Iterable, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import Column

# Kept on every row for the audit and for operators; the API shows neither, so reads skip decoding them.
BOOKKEEPING = frozenset({"created_at", "updated_at"})


@functools.cache
def read_columns(model: Any) -> tuple[Column[Any], ...]:
    """The columns of a model's table that reads fetch."""
    return tuple(column for column in model.__table__.columns if column.key not in BOOKKEEPING)


class RecordType(Protocol):
    """A named tuple class, made from the values of a part of a row."""

    def _make(self, values: Iterable[Any]) -> tuple[Any, ...]: ...


@functools.cache
def record_type(name: str, keys: Sequence[str]) -> RecordType:
    # typeshed types the class namedtuple() makes as a plain tuple type, which has no _make.
    return cast(RecordType, namedtuple(f"{name}_record", keys))
