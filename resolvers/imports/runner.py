"""One import from start to end: read and check every row, answer the problems if there are any,
else (unless it is a dry run) write the plan in one transaction.

Nothing is written before every row has been read and checked. Rows are read as a stream, so the
workbook is never held in memory; what is kept per row is its checked values (a few hundred bytes).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import IntegrityError

from resolvers import access
from resolvers.constraint_errors import conflict_error
from resolvers.errors import ErrorCode
from resolvers.imports.directory_kinds import AgencyImport, PairingImport
from resolvers.imports.files import FileRefused, ImportLimits, open_table
from resolvers.imports.kinds import SPECS, ImportKind
from resolvers.imports.plans import Handler, read_header, read_row
from resolvers.imports.record_kinds import (
    ActivityImport,
    MilestoneImport,
    ResourceImport,
    StationImport,
    TrainingImport,
)
from resolvers.imports.report import ImportReport, Problem
from resolvers.imports.writer import StaleImport, write_plan
from resolvers.scope import Scope

HANDLERS: dict[ImportKind, type[Handler]] = {
    ImportKind.AGENCIES: AgencyImport,
    ImportKind.PAIRINGS: PairingImport,
    ImportKind.MILESTONES: MilestoneImport,
    ImportKind.TRAINING_SESSIONS: TrainingImport,
    ImportKind.SERVICE_ACTIVITIES: ActivityImport,
    ImportKind.RESOURCE_LINKS: ResourceImport,
    ImportKind.SERVICE_STATIONS: StationImport,
}
# Progress is told after this many rows read.
PROGRESS_EVERY = 1_000


class ImportProgress:
    """What a caller hears while an import runs: rows read and checked, then rows written."""

    async def read(self, rows: int) -> None:
        pass

    async def written(self, rows: int) -> None:
        pass

    async def writing(self, total: int) -> None:
        pass


async def run_import(
    scope: Scope,
    kind: ImportKind,
    path: Path,
    *,
    dry_run: bool = False,
    limits: ImportLimits | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    spec = SPECS[kind]
    report = ImportReport(kind=kind.value, dry_run=dry_run, sheet=spec.sheet)
    handler = HANDLERS[kind](scope, report)
    progress = progress or ImportProgress()
    if (refused := refusal(scope.actor, kind)) is not None:
        report.add(refused)
        return report
    try:
        await _read(handler, path, limits or scope.import_limits, progress)
    except FileRefused as exc:
        report.add(Problem(report.sheet, None, None, None, exc.message, exc.message_zh))
    if report.ok:
        await handler.match()
    if not report.ok or dry_run:
        report.results = list(handler.results()) if report.ok else []
        return report
    await progress.writing(len(handler.plans))
    try:
        async with scope.db.writing() as session:
            await write_plan(session, handler, progress.written)
    except StaleImport as exc:
        report.add(exc.problem)
    except IntegrityError as exc:
        error = conflict_error(exc)
        report.add(
            Problem(
                report.sheet,
                None,
                None,
                None,
                error.message,
                "与已有数据冲突（可能有人同时导入了相同的记录），未写入任何数据；请重新导入",
                ErrorCode.CONFLICT,
            )
        )
    report.results = list(handler.results()) if report.ok else []
    return report


def refusal(actor: access.Actor, kind: ImportKind) -> Problem | None:
    """Why the actor may not import this kind at all (it may neither create nor change such objects),
    told before the file is read; None if it may import rows in its scope."""
    handler = HANDLERS[kind]
    if actor.role in access.roles_for(handler.create_permission) | access.roles_for(handler.update_permission):
        return None
    return Problem(
        handler.spec.sheet,
        None,
        None,
        None,
        f"{actor.role.value} may not import {handler.spec.title}",
        f"当前账号（{actor.role.value}）无权导入{handler.spec.title}",
        ErrorCode.FORBIDDEN,
    )


async def _read(handler: Handler, path: Path, limits: ImportLimits, progress: ImportProgress) -> None:
    report, spec = handler.report, handler.spec
    with open_table(path, spec.sheet, limits) as table:
        report.sheet = table.sheet
        columns = read_header(spec, table.header, report)
        if columns is None:
            return
        await handler.prepare()
        for number, cells in table.rows:
            report.rows += 1
            row = read_row(columns, number, cells, report)
            if row is not None:
                handler.plan(row)
            if report.rows % PROGRESS_EVERY == 0:
                await progress.read(report.rows)
    if report.rows == 0 and report.ok:
        report.add(
            Problem(
                report.sheet, None, None, None, "the file has no data rows below the header", "文件中表头下没有数据行"
            )
        )
    await progress.read(report.rows)
