"""`qianshou report …` and `qianshou regions …`: progress spreadsheets out, administrative divisions in.

Like every command, these import the heavy parts they need (report writers, the region importer)
when they run.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from db.migrate import upgrade
from server.cli import connected, fail, settings_or_exit
from server.settings import Settings

if TYPE_CHECKING:  # imported where used, so that the other commands start without it
    from resolvers.region_import import ImportResult

report_app = typer.Typer(help="Spreadsheets of progress.", no_args_is_help=True)
regions_app = typer.Typer(help="Administrative divisions (GB/T 2260).", no_args_is_help=True)


class ReportFormat(enum.StrEnum):
    csv = "csv"
    xlsx = "xlsx"


async def _write_report(settings: Settings, program: str | None, format: ReportFormat, output: Path | None) -> None:
    from resolvers.access import SYSTEM
    from resolvers.errors import ApiError
    from resolvers.reports import pairing_report
    from resolvers.scope import china_today
    from server.reports import csv_chunks, temporary_xlsx_path, write_xlsx

    db = await connected(settings)
    try:
        try:
            batches = await pairing_report(db, SYSTEM, settings.today or china_today(), program_id=program)
        except ApiError as exc:
            raise fail(str(exc)) from None
        if format is ReportFormat.csv:
            with open(output, "wb") if output else contextlib.nullcontext(sys.stdout.buffer) as sink:
                async for chunk in csv_chunks(batches):
                    sink.write(chunk.encode("utf-8"))
            return
        path = str(output) if output else temporary_xlsx_path()
        try:
            await write_xlsx(batches, path)
            if output is None:
                with open(path, "rb") as workbook:
                    shutil.copyfileobj(workbook, sys.stdout.buffer)
        finally:
            if output is None:
                os.unlink(path)
    finally:
        await db.dispose()


@report_app.command("pairings")
def report_pairings(
    format: Annotated[ReportFormat, typer.Option("--format", help="csv (UTF-8 with BOM) or xlsx.")],
    program: Annotated[
        str | None, typer.Option("--program", help="A program's global ID; all programs if left out.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", help="File to write; standard output if left out.")] = None,
) -> None:
    """One row per pairing: agencies, county, term, status, completion, overdue milestones, health and totals."""
    if format is ReportFormat.xlsx and output is None and sys.stdout.isatty():
        raise fail("an .xlsx file is binary: give --output FILE or redirect standard output")
    settings = settings_or_exit()
    asyncio.run(_write_report(settings, program, format, output))
    if output is not None:
        typer.echo(f"wrote {output}", err=True)


async def _import_regions(settings: Settings, file: Path) -> ImportResult:
    from resolvers.region_import import import_regions, read_region_rows

    rows = read_region_rows(file)
    db = await connected(settings)
    try:
        await upgrade(db.write_engine)
        return await import_regions(db, rows)
    finally:
        await db.dispose()


@regions_app.command("import")
def regions_import(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="CSV of code,name,level,parent_code; the bundled national list if left out."),
    ] = None,
) -> None:
    """Load the GB/T 2260 provinces, cities and counties (or your own CSV); a second run changes nothing."""
    from resolvers.region_import import NATIONAL_REGIONS_CSV, RegionImportError

    settings = settings_or_exit()
    try:
        result = asyncio.run(_import_regions(settings, file or NATIONAL_REGIONS_CSV))
    except RegionImportError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"regions: {result.added} added, {result.updated} updated, {result.unchanged} unchanged")
