"""`qianshou import`: templates and imports of spreadsheets from the command line, run as the
system administrator (like `qianshou report`), with a progress bar on the terminal."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from resolvers.imports.kinds import ImportKind

if TYPE_CHECKING:  # imported where used, so that the other commands start without them
    from resolvers.imports.report import ImportReport
    from server.settings import Settings

import_app = typer.Typer(
    help="Import agencies, pairings and records from .xlsx or CSV (templates: `qianshou import template KIND`).",
    no_args_is_help=True,
)
# The kinds as the command line spells them: agencies, pairings, …, service-stations.
KINDS_BY_SLUG = {kind.slug: kind for kind in ImportKind}
KindName = enum.Enum("KindName", {slug: slug for slug in KINDS_BY_SLUG}, type=str)  # type: ignore[misc]
SHOWN_PROBLEMS = 50


@import_app.command("template")
def template(
    kind: Annotated[KindName, typer.Argument(help="What the template is for.")],
    output: Annotated[Path, typer.Option("--output", help="The .xlsx file to write.")],
) -> None:
    """Write the .xlsx template of a kind: Chinese headers, drop-downs, and a sheet explaining each column."""
    from resolvers.imports.templates import write_template

    write_template(KINDS_BY_SLUG[kind.value], output)
    typer.echo(f"wrote {output}")


def _command(kind: ImportKind) -> Callable[[Path, bool], None]:
    def run(
        file: Annotated[
            Path,
            typer.Argument(
                help=".xlsx (the template's) or CSV (UTF-8 or GB18030).", exists=True, dir_okay=False, readable=True
            ),
        ],
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Check and report what would change; write nothing.")
        ] = False,
    ) -> None:
        # `fail` speaks to the operator at the command line, in English as the other commands do.
        from server.cli import fail, settings_or_exit

        settings = settings_or_exit()
        report = asyncio.run(_import(settings, kind, file, dry_run))
        _print(report)
        if not report.ok:
            raise fail(f"{report.problem_count} problem(s); nothing was written")

    run.__doc__ = f"Import {kind.slug} from FILE; a file with any problem writes nothing."
    return run


for _kind in ImportKind:
    import_app.command(_kind.slug)(_command(_kind))


async def _import(settings: Settings, kind: ImportKind, file: Path, dry_run: bool) -> ImportReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from db.migrate import upgrade
    from resolvers.access import SYSTEM
    from resolvers.imports.files import ImportLimits
    from resolvers.imports.runner import ImportProgress, run_import
    from resolvers.scope import Scope, china_today
    from server.cli import connected

    class Bar(ImportProgress):
        def __init__(self, progress: Progress) -> None:
            self.progress = progress
            self.reading = progress.add_task("检查 checking rows", total=None)
            self.writing_task: TaskID | None = None  # once writing() has the total

        async def read(self, rows: int) -> None:
            self.progress.update(self.reading, completed=rows)

        async def writing(self, total: int) -> None:
            self.progress.update(self.reading, total=self.progress.tasks[self.reading].completed)
            self.writing_task = self.progress.add_task("写入 writing rows", total=total)

        async def written(self, rows: int) -> None:
            if self.writing_task is not None:
                self.progress.update(self.writing_task, completed=rows)

    db = await connected(settings)
    limits = ImportLimits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)
    try:
        await upgrade(db.write_engine)
        scope = Scope(db=db, actor=SYSTEM, today=settings.today or china_today(), import_limits=limits)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True) as progress:
            return await run_import(scope, kind, file, dry_run=dry_run, progress=Bar(progress))
    finally:
        await db.dispose()


def _print(report: ImportReport) -> None:
    from resolvers.imports.report import RowOutcome

    for problem in report.problems[:SHOWN_PROBLEMS]:
        where = f"{problem.sheet} 第 {problem.row} 行" if problem.row else problem.sheet or "文件"
        column = f" 「{problem.column}」" if problem.column else ""
        value = f" = {problem.value!r}" if problem.value is not None else ""
        typer.echo(f"{where}{column}{value}: {problem.message_zh} ({problem.message})", err=True)
    if report.problem_count > SHOWN_PROBLEMS:
        typer.echo(f"… and {report.problem_count - SHOWN_PROBLEMS} more", err=True)
    if report.ok:
        counts = {outcome: report.count(outcome) for outcome in RowOutcome}
        verb = "would be" if report.dry_run else ""
        typer.echo(
            f"{report.rows} rows: {counts[RowOutcome.CREATED]} {verb} created, {counts[RowOutcome.UPDATED]} {verb} updated, "
            f"{counts[RowOutcome.UNCHANGED]} unchanged".replace("  ", " ")
            + (" (dry run: nothing written)" if report.dry_run else "")
        )
