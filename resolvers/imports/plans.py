"""From a table's rows to a plan: each row read cell by cell, its references resolved and its values
checked by the single mutations' own rules, then matched by its natural key with what is stored.

A `Handler` does this for one kind (resolvers/imports/directory_kinds.py, record_kinds.py); this
module holds what they share: reading the header and the cells, and turning the mutations' user
errors into problems that name the sheet, row, column and value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from db.base import Base
from resolvers import access
from resolvers.errors import ApiError, ErrorCode, UserError, UserErrors
from resolvers.imports.cells import CellProblem, read_cell
from resolvers.imports.kinds import Column, KindSpec
from resolvers.imports.lookups import Directory, Unresolved
from resolvers.imports.report import ImportReport, Problem, RowOutcome, RowResult
from resolvers.scope import Scope
from resolvers.validation import Checks


@dataclass(slots=True)
class Row:
    """One data row: the typed value of each column it has, and the cells as written."""

    number: int
    values: dict[str, Any]
    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)


@dataclass(slots=True)
class Planned:
    """A checked row: the object's key, the values it should have, and what is stored under the key."""

    row: int
    key: Any
    values: dict[str, Any]
    pairing_id: int | None = None
    existing: Any = None
    changes: dict[str, Any] = field(default_factory=dict)
    new_id: int | None = None

    @property
    def outcome(self) -> RowOutcome:
        if self.existing is None:
            return RowOutcome.CREATED
        return RowOutcome.UPDATED if self.changes else RowOutcome.UNCHANGED


def read_header(spec: KindSpec, header: tuple[Any, ...], report: ImportReport) -> dict[int, Column] | None:
    """Which column each position holds; unknown, repeated or missing required headers are problems."""
    by_header = {column.header: column for column in spec.columns}
    positions: dict[int, Column] = {}
    for position, cell in enumerate(header):
        text = str(cell).strip().rstrip("*＊").strip() if cell is not None else ""
        if not text:
            continue
        column = by_header.get(text)
        if column is None:
            report.add(
                _header_problem(report, text, f"unknown column {text!r}", f"未知的列「{text}」，请使用导入模板的表头")
            )
        elif column in positions.values():
            report.add(_header_problem(report, text, f"column {text!r} appears twice", f"列「{text}」重复"))
        else:
            positions[position] = column
    if not positions and not report.problem_count:
        report.add(_header_problem(report, None, "the first row holds no headers", "第 1 行应为表头，请使用导入模板"))
        return None
    for column in spec.columns:
        if column.required and column not in positions.values():
            report.add(
                _header_problem(
                    report,
                    column.header,
                    f"required column {column.header!r} is missing",
                    f"缺少必填列「{column.header}」",
                )
            )
    return positions if report.ok else None


def _header_problem(report: ImportReport, header: str | None, message: str, message_zh: str) -> Problem:
    return Problem(report.sheet, 1, header, header, message, message_zh)


def read_row(columns: dict[int, Column], number: int, cells: tuple[Any, ...], report: ImportReport) -> Row | None:
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    ok = True
    for position, column in columns.items():
        cell = cells[position] if position < len(cells) else None
        raw[column.key] = cell
        try:
            values[column.key] = read_cell(column, cell)
        except CellProblem as problem:
            report.add(Problem(report.sheet, number, column.header, show(cell), problem.message, problem.message_zh))
            ok = False
    return Row(number, values, raw) if ok else None


def show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)[:200]


class Handler:
    """The import of one kind. `plan` checks one row; `match` pairs the plans with stored objects."""

    spec: ClassVar[KindSpec]
    model: ClassVar[type[Base]]
    create_permission: ClassVar[str]
    update_permission: ClassVar[str]
    versioned: ClassVar[bool] = False
    # The columns of a plan's `key`: the natural key its object is found by.
    key_columns: ClassVar[tuple[str, ...]] = ("pairing_id", "external_id")
    needs_stations: ClassVar[bool] = False

    def __init__(self, scope: Scope, report: ImportReport) -> None:
        self.scope = scope
        self.report = report
        self.plans: list[Planned] = []
        self.directory = Directory()

    async def prepare(self) -> None:
        self.directory = await Directory.read(self.scope.db, stations=self.needs_stations)

    def plan(self, row: Row) -> None:
        raise NotImplementedError

    async def match(self) -> None:
        """What each plan changes in the object stored under its key (found by `plan` here)."""
        for plan in self.plans:
            if plan.existing is not None:
                plan.changes = changed(plan.existing, plan.values)

    def totals_delta(self, values: dict[str, Any], sign: int) -> dict[str, Any] | None:
        """What an object with these values adds to its pairing's counters (records only)."""
        return None

    # --- helpers for the kinds ---

    def problem(
        self, row: Row, key: str | None, message: str, message_zh: str, code: ErrorCode = ErrorCode.INVALID
    ) -> None:
        column = self.spec.column(key) if key is not None and any(c.key == key for c in self.spec.columns) else None
        value = show(row.raw.get(key)) if key is not None else None
        self.report.add(
            Problem(self.report.sheet, row.number, column.header if column else None, value, message, message_zh, code)
        )

    def resolve(self, row: Row, key: str, find: Any) -> Any:
        """`find(text)` for the row's reference in column `key`; None (and a problem) if it fails."""
        text = row[key]
        if text is None:
            return None
        try:
            return find(text)
        except Unresolved as exc:
            self.problem(row, key, exc.message, exc.message_zh, ErrorCode.NOT_FOUND)
            return None

    def allowed(self, row: Row, permission: str, **scope: Any) -> bool:
        try:
            access.require(self.scope.actor, permission, **scope)
        except ApiError as exc:
            self.problem(row, None, str(exc), f"当前账号无权执行此操作（{permission}）", ErrorCode.FORBIDDEN)
            return False
        except UserErrors as exc:
            # The pairing's status refuses the write (resolvers/pairing_state.py), as for the mutation.
            for error in exc.errors:
                self.problem(row, None, error.message, error.message_zh or error.message, error.code)
            return False
        return True

    def checked(self, row: Row, checks: Checks) -> bool:
        """Report a row's broken rules under the columns they concern; True if there were none."""
        for error in checks.errors:
            self.problem(row, column_of(error), error.message, error.message_zh or error.message, error.code)
        return not checks.errors

    def results(self) -> Iterator[RowResult]:
        name = self.model.__name__
        for plan in self.plans:
            object_id = plan.existing.id if plan.existing is not None else plan.new_id
            yield RowResult(plan.row, plan.outcome, name, object_id)


def column_of(error: UserError) -> str | None:
    """The column a mutation's error field names: station_id is the column 服务站 (key `station`)."""
    if not error.field:
        return None
    name = error.field[0]
    return name[:-3] if name.endswith("_id") and name != "external_id" else name


def changed(existing: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from the stored row's."""
    return {
        key: value
        for key, value in values.items()
        if (stored := getattr(existing, key)) != value and _stored(stored) != _stored(value)
    }


def _stored(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_stored(item) for item in value]
    return value
