"""importRecords (a spreadsheet upload, multipart) and importJob (a background import's progress)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import strawberry
from strawberry.file_uploads import Upload

from db import models
from resolvers.ids import encode_id
from resolvers.imports import jobs
from resolvers.imports import kinds as import_kinds
from resolvers.imports import report as import_report
from resolvers.imports.files import FileRefused
from resolvers.imports.runner import refusal, run_import
from resolvers.imports.uploads import save_upload, upload_name
from schema.context import Info
from schema.inputs import UserErrorCode

ImportKind = import_kinds.ImportKind
strawberry.enum(ImportKind, name="ImportKind")
ImportRowOutcome = import_report.RowOutcome
strawberry.enum(ImportRowOutcome, name="ImportRowOutcome")
ImportJobStatus = models.ImportJobStatus
strawberry.enum(ImportJobStatus, name="ImportJobStatus")

RESULTS_PAGE = 1_000


@strawberry.type(description="A problem of the file: the sheet, row and column as the spreadsheet shows them.")
class ImportProblem:
    sheet: str
    row: int | None = strawberry.field(
        description="Row number in the sheet (the header is row 1); null for the whole file."
    )
    column: str | None = strawberry.field(description="The column's header.")
    value: str | None = strawberry.field(description="The cell as written.")
    message: str
    message_zh: str
    code: UserErrorCode


@strawberry.type(description="What happened (or in a dry run would happen) to one row.")
class ImportRowResult:
    row: int
    outcome: ImportRowOutcome
    object_id: strawberry.ID | None = strawberry.field(
        description="The object made or matched; null in a dry run for a new one."
    )


@strawberry.type(description="An import's answer. A file with any problem writes nothing.")
class ImportReport:
    kind: ImportKind
    dry_run: bool
    sheet: str
    rows: int = strawberry.field(description="Data rows read.")
    written: bool = strawberry.field(description="True when the rows were written (no problem, not a dry run).")
    created: int
    updated: int
    unchanged: int
    problem_count: int = strawberry.field(description="All problems found; `problems` lists the first 1,000.")
    problems: list[ImportProblem]
    _results: strawberry.Private[list[import_report.RowResult]]

    @strawberry.field(description="Per row, in row order: `first` (at most 1,000) from `offset`.")
    def results(self, first: int = RESULTS_PAGE, offset: int = 0) -> list[ImportRowResult]:
        first = max(0, min(first, RESULTS_PAGE))
        return [
            ImportRowResult(
                row=result.row,
                outcome=result.outcome,
                object_id=None
                if result.object_id is None
                else strawberry.ID(encode_id(result.object_type, result.object_id)),
            )
            for result in self._results[max(0, offset) : max(0, offset) + first]
        ]

    @classmethod
    def of(cls, report: import_report.ImportReport) -> ImportReport:
        return cls(
            kind=import_kinds.ImportKind(report.kind),
            dry_run=report.dry_run,
            sheet=report.sheet,
            rows=report.rows,
            written=report.written,
            created=report.count(import_report.RowOutcome.CREATED),
            updated=report.count(import_report.RowOutcome.UPDATED),
            unchanged=report.count(import_report.RowOutcome.UNCHANGED),
            problem_count=report.problem_count,
            problems=[
                ImportProblem(
                    sheet=p.sheet,
                    row=p.row,
                    column=p.column,
                    value=p.value,
                    message=p.message,
                    message_zh=p.message_zh,
                    code=p.code,
                )
                for p in report.problems
            ],
            _results=report.results,
        )


@strawberry.type(description="An import running in the background; poll `importJob(id)` until it has a report.")
class ImportJob:
    id: strawberry.ID
    kind: ImportKind
    file_name: str
    dry_run: bool
    status: ImportJobStatus
    rows_read: int = strawberry.field(description="Rows read and checked so far.")
    rows_written: int = strawberry.field(description="Rows written so far (created or updated).")
    created_at: dt.datetime
    finished_at: dt.datetime | None
    report: ImportReport | None = strawberry.field(description="Once the job has ended.")

    @classmethod
    def of(cls, job: models.ImportJob) -> ImportJob:
        return cls(
            id=strawberry.ID(encode_id("ImportJob", job.id)),
            kind=import_kinds.ImportKind(job.kind),
            file_name=job.file_name,
            dry_run=job.dry_run,
            status=job.status,
            rows_read=job.rows_read,
            rows_written=job.rows_written,
            created_at=job.created_at,
            finished_at=job.finished_at,
            report=None if job.report is None else ImportReport.of(import_report.ImportReport.from_json(job.report)),
        )


@strawberry.type(
    description="The report when the file was imported at once, or the job importing it in the background."
)
class ImportRecordsPayload:
    report: ImportReport | None
    job: ImportJob | None


IMPORT_DESCRIPTION = (
    "Import a spreadsheet (.xlsx from `GET /imports/templates/{kind}.xlsx`, or CSV in UTF-8 or GB18030) of one kind. "
    "Every row is checked by the rules of the mutation that makes that kind of object, under the caller's role and "
    "scope (an agency imports only into its own pairings); a file with any problem writes nothing. Rows are matched "
    "by natural key (credit code; program + supported agency + start; pairing + external ID or date + kind + place), "
    "so importing a file again changes nothing and an edited row updates its object. `dryRun` answers the same "
    "report without writing. Files over the background size (QIANSHOU_IMPORT_BACKGROUND_BYTES), or with "
    "`background: true`, are imported as a job: the payload then holds `job`."
)


@strawberry.type
class ImportMutation:
    @strawberry.mutation(description=IMPORT_DESCRIPTION)
    async def import_records(
        self, info: Info, kind: ImportKind, file: Upload, dry_run: bool = False, background: bool | None = None
    ) -> ImportRecordsPayload:
        scope = info.context
        limits = scope.import_limits
        refused = refusal(scope.actor, kind)
        if refused is None:
            try:
                path = await save_upload(file, limits)
            except FileRefused as exc:
                refused = import_report.Problem("", None, None, None, exc.message, exc.message_zh)
        if refused is not None:  # else the upload was saved at `path`
            report = import_report.ImportReport(kind=kind.value, dry_run=dry_run)
            report.add(refused)
            return ImportRecordsPayload(report=ImportReport.of(report), job=None)
        if background or (background is None and path.stat().st_size > limits.background_bytes):
            job = await jobs.start_job(scope, kind, path, upload_name(file), dry_run=dry_run)
            return ImportRecordsPayload(report=None, job=ImportJob.of(job))
        try:
            report = await run_import(scope, kind, Path(path), dry_run=dry_run)
        finally:
            path.unlink(missing_ok=True)
        return ImportRecordsPayload(report=ImportReport.of(report), job=None)


@strawberry.type
class ImportQuery:
    @strawberry.field(description="A background import started by the caller (ADMIN reads every one).")
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJob:
        return ImportJob.of(await jobs.get_job(info.context, id))
