"""What an import answers: every problem found (sheet, row, column, value, message in English and
Chinese), and for a file without problems what happened, or in a dry run would happen, to each row."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from resolvers.errors import ErrorCode

# The report lists this many problems at most (it counts them all): a wrong file would otherwise
# answer one problem per cell.
MAX_PROBLEMS = 1_000


class RowOutcome(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # the row number as the spreadsheet shows it; None for the file as a whole
    column: str | None  # the column's header
    value: str | None
    message: str
    message_zh: str
    code: ErrorCode = ErrorCode.INVALID


@dataclass(frozen=True)
class RowResult:
    row: int
    outcome: RowOutcome
    object_type: str
    object_id: int | None  # None in a dry run for a row that would be created


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    sheet: str = ""
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    results: list[RowResult] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def count(self, outcome: RowOutcome) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)

    def to_json(self) -> dict[str, Any]:
        return {
            **{key: value for key, value in asdict(self).items() if key not in ("problems", "results")},
            "problems": [{**asdict(problem), "code": problem.code.value} for problem in self.problems],
            # Results as [row, outcome, type, id] lists: a large import has tens of thousands.
            "results": [[r.row, r.outcome.value, r.object_type, r.object_id] for r in self.results],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        report = cls(kind=data["kind"], dry_run=data["dry_run"], sheet=data["sheet"], rows=data["rows"])
        report.problems = [Problem(**{**problem, "code": ErrorCode(problem["code"])}) for problem in data["problems"]]
        report.problem_count = data["problem_count"]
        report.results = [RowResult(row, RowOutcome(outcome), kind, pk) for row, outcome, kind, pk in data["results"]]
        return report
