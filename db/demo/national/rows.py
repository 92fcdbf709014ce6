"""Rows made but not yet written, with the ids the loader gives them, and the timestamps they carry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table

from db.demo.national.catalog import CHINA


@dataclass
class Rows:
    """Rows per table not yet written, in insertion order (parents first), the next free id of each
    table and how many rows of each this load made."""

    next_id: dict[str, int]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    made: dict[str, int] = field(default_factory=dict)

    def add(self, table: Table, row: dict[str, Any]) -> int:
        pk = self.next_id[table.name]
        self.next_id[table.name] = pk + 1
        self.made[table.name] = self.made.get(table.name, 0) + 1
        self.tables.setdefault(table.name, []).append({"id": pk, **row})
        return pk

    def take(self) -> dict[str, list[dict[str, Any]]]:
        """The rows made since the last take, by table, which are then written."""
        taken, self.tables = self.tables, {}
        return taken


def stamp(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA).astimezone(dt.UTC)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def add_record(rows: Rows, table: Table, day: dt.date, values: dict[str, Any], *, voided: bool = False) -> None:
    at = stamp(day, 18)
    rows.add(
        table,
        {
            **values,
            "created_at": at,
            "updated_at": at,
            "voided_at": at + days(2) if voided else None,
            "void_reason": "重复录入" if voided else None,
        },
    )
