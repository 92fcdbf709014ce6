"""Imports run in the background: an `import_jobs` row the caller polls for progress and, at the
end, the report; the work is an asyncio task of the server process that received the file.

Only the caller who started a job (the same token, or account, by name) and ADMIN read it. A job
whose process stops while it runs is left RUNNING and writes nothing: its rows are one transaction.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from db.base import utcnow
from db.engine import Database
from db.models import ImportJob, ImportJobStatus, Role
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_typed_id
from resolvers.imports.kinds import ImportKind
from resolvers.imports.report import ImportReport, Problem, RowOutcome
from resolvers.imports.runner import ImportProgress, run_import
from resolvers.scope import Scope

log = logging.getLogger("qianshou.imports")

# Progress is written to the job row at most this often.
PROGRESS_SECONDS = 0.5
_tasks: set[asyncio.Task[Any]] = set()


async def start_job(scope: Scope, kind: ImportKind, path: Path, file_name: str, *, dry_run: bool) -> ImportJob:
    """Record the job and start it; the file at `path` is the job's and is deleted when it ends."""
    async with scope.db.writing() as session:
        job = ImportJob(
            kind=kind.value,
            file_name=file_name[:255],
            dry_run=dry_run,
            actor_name=scope.actor.name,
            actor_token_id=scope.actor.token_id,
            rows_read=0,
            rows_written=0,
        )
        session.add(job)
        await session.flush()
    # The request's scope ends with the request; the job works in one of its own, as the same actor.
    job_scope = replace(scope)
    task = asyncio.create_task(_run(job_scope, job.id, kind, path, dry_run), name=f"import-job-{job.id}")
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return job


async def wait_for_jobs() -> None:
    """Until every job of this process has ended (tests, and a server shutting down)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


async def jobs_by_status(db: Database) -> dict[str, int]:
    """How many jobs are in each status (for /metrics)."""
    rows = await db.fetch(select(ImportJob.status, func.count()).group_by(ImportJob.status))
    return {status.value: 0 for status in ImportJobStatus} | {status.value: count for status, count in rows}


async def get_job(scope: Scope, job_id: str) -> ImportJob:
    pk = decode_typed_id(job_id, "ImportJob")
    async with scope.db.reading() as session:
        job = await session.get(ImportJob, pk)
    if job is None or not _may_read(scope, job):
        raise ApiError(ErrorCode.NOT_FOUND, f"no import job {job_id!r}", message_zh="没有该导入任务")
    return job


def _may_read(scope: Scope, job: ImportJob) -> bool:
    return scope.actor.role is Role.ADMIN or job.actor_name == scope.actor.name


class _JobProgress(ImportProgress):
    """Writes the counts to the job row, at most every PROGRESS_SECONDS. On SQLite, not while the
    import's own transaction holds the database's one write lock: that write would wait for it."""

    def __init__(self, scope: Scope, job_id: int) -> None:
        self.scope = scope
        self.job_id = job_id
        self.last = 0.0
        self.in_write = False

    async def read(self, rows: int) -> None:
        await self._save(rows_read=rows)

    async def writing(self, total: int) -> None:
        self.in_write = self.scope.db.is_sqlite

    async def written(self, rows: int) -> None:
        await self._save(rows_written=rows)

    async def _save(self, **counts: int) -> None:
        now = time.monotonic()
        if self.in_write or now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        await _set(self.scope, self.job_id, **counts)


async def _set(scope: Scope, job_id: int, **values: Any) -> None:
    async with scope.db.writing() as session:
        await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))


async def _run(scope: Scope, job_id: int, kind: ImportKind, path: Path, dry_run: bool) -> None:
    try:
        await _set(scope, job_id, status=ImportJobStatus.RUNNING)
        report = await run_import(scope, kind, path, dry_run=dry_run, progress=_JobProgress(scope, job_id))
        status = ImportJobStatus.SUCCEEDED if report.ok else ImportJobStatus.FAILED
        written = (
            sum(1 for result in report.results if result.outcome is not RowOutcome.UNCHANGED) if report.written else 0
        )
        await _set(
            scope,
            job_id,
            status=status,
            report=report.to_json(),
            rows_read=report.rows,
            rows_written=written,
            finished_at=utcnow(),
        )
    except Exception:
        log.exception("import job %s failed", job_id)
        report = ImportReport(kind=kind.value, dry_run=dry_run)
        report.add(
            Problem(
                "",
                None,
                None,
                None,
                "the import stopped on an internal error; nothing was written",
                "导入因内部错误中止，未写入任何数据",
                ErrorCode.INTERNAL,
            )
        )
        try:
            await _set(scope, job_id, status=ImportJobStatus.FAILED, report=report.to_json(), finished_at=utcnow())
        except Exception:
            # The database that failed the import may be down too: then the job stays RUNNING, as
            # when its process stops (above), and the failure is in the log rather than lost.
            log.exception("import job %s: could not record its failure", job_id)
    finally:
        path.unlink(missing_ok=True)
