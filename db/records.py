"""One table's part of a joined row as a named tuple, so that it reads like a row of that table."""

from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any

from sqlalchemy import FromClause


@functools.cache
def record_type(table: FromClause) -> type[tuple[Any, ...]]:
    return namedtuple(f"{table.name}_record", [column.key for column in table.columns])  # type: ignore[misc]
