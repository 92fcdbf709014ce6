"""Benchmark spreadsheet imports: a tally of N service activities (default 50,000) over the demo's
20 Henan pairings, as .xlsx and as CSV, imported, then imported again (every row unchanged).

    .venv/bin/python -m bench.imports --database-url postgresql://postgres@127.0.0.1/test --rows 50000

Each run makes its own database beside the one named (dropped at the end; SQLite: a temporary file),
loads the demo, and prints per format and pass the wall time, rows per second, and the process's
peak resident memory, and whether the counters still equal the totals recomputed from the records.
Nothing is asserted: the figures are for reading.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # `python bench/imports.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
import xlsxwriter
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url

from db.demo.henan import load_henan_demo
from db.engine import Database
from db.listen import asyncpg_dsn
from db.migrate import upgrade
from db.models import Agency, AuditEvent, Pairing, PairingStatus, PairingTotals, ServiceActivity, ServiceKind
from db.totals import recount_all, recount_select
from resolvers.access import SYSTEM
from resolvers.imports.kinds import SPECS, ImportKind
from resolvers.imports.report import RowOutcome
from resolvers.imports.runner import run_import
from resolvers.labels import labels_of
from resolvers.scope import Scope

TODAY = dt.date(2026, 11, 30)
HEADER = ["受援机构", "服务类型", "服务日期", "服务数量", "受益人数"]
# A row of the file, under HEADER: supported agency, kind of service, date, count, beneficiaries.
ActivityRow = tuple[str, str, dt.date, int, int]


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def tally_rows(db: Database, rows: int) -> list[ActivityRow]:
    """`rows` activities spread over the ACTIVE pairings (closed ones take no records), each dated
    within its term and not after today."""
    async with db.reading() as session:
        pairings = (
            await session.execute(
                select(Agency.name, Pairing.starts_on, Pairing.ends_on)
                .join(Agency, Agency.id == Pairing.supported_id)
                .where(Pairing.starts_on <= TODAY, Pairing.status == PairingStatus.ACTIVE)
                .order_by(Pairing.id)
            )
        ).all()
    kinds = labels_of(ServiceKind)
    out: list[ActivityRow] = []
    for index in range(rows):
        name, starts_on, ends_on = pairings[index % len(pairings)]
        span = (min(ends_on, TODAY) - starts_on).days + 1
        day = starts_on + dt.timedelta(days=(index // len(pairings)) % span)
        out.append((name, kinds[index % 4], day, index % 9 + 1, index % 4))
    return out


def write_xlsx(path: Path, rows: list[ActivityRow]) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet(SPECS[ImportKind.SERVICE_ACTIVITIES].sheet)
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADER)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row[:2])
        sheet.write_datetime(number, 2, dt.datetime.combine(row[2], dt.time()), date)
        sheet.write_row(number, 3, row[3:])
    workbook.close()


def write_csv(path: Path, rows: list[ActivityRow]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows([*row[:2], row[2].isoformat(), *row[3:]] for row in rows)


async def totals_exact(db: Database) -> bool:
    async with db.reading() as session:
        stored = {row.pairing_id: row for row in (await session.execute(select(PairingTotals))).scalars()}
        recounted = (await session.execute(recount_select())).all()
    return all(
        stored[row.pairing_id].home_visits == row.home_visits
        and stored[row.pairing_id].beneficiaries == row.beneficiaries
        for row in recounted
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench(url: str, rows: int, formats: list[str]) -> None:
    db = Database.from_url(url)
    try:
        await upgrade(db.write_engine)
        await load_henan_demo(db)
        data = await tally_rows(db, rows)
        folder = Path(tempfile.mkdtemp(prefix="qianshou-bench-imports-"))
        print(f"database: {db.write_engine.dialect.name}; {rows} service activities over the demo's pairings")
        print(
            f"{'file':<6} {'pass':<8} {'MB':>6} {'seconds':>8} {'rows/s':>9} {'created':>8} {'unchanged':>9} "
            f"{'peak RSS MB':>11} {'totals exact':>12}"
        )
        for file_format in formats:
            path = folder / f"tally.{file_format}"
            (write_xlsx if file_format == "xlsx" else write_csv)(path, data)
            for run in ("first", "again"):
                scope = Scope(db=db, actor=SYSTEM, today=TODAY)
                started = time.perf_counter()
                report = await run_import(scope, ImportKind.SERVICE_ACTIVITIES, path)
                seconds = time.perf_counter() - started
                if not report.ok:
                    raise SystemExit(f"import refused: {report.problems[:3]}")
                print(
                    f"{file_format:<6} {run:<8} {path.stat().st_size / 1e6:>6.1f} {seconds:>8.2f} "
                    f"{report.rows / seconds:>9.0f} {report.count(RowOutcome.CREATED):>8} "
                    f"{report.count(RowOutcome.UNCHANGED):>9} {peak_mb():>11.0f} "
                    f"{'yes' if await totals_exact(db) else 'NO':>12}"
                )
            # The next format's file makes the same records: start again from the demo alone.
            await _forget_activities(db)
    finally:
        await db.dispose()


async def _forget_activities(db: Database) -> None:
    """Remove what the import made (bench only), so each format is timed creating the same rows."""
    async with db.writing() as session:
        await session.execute(delete(AuditEvent).where(AuditEvent.action == "importRecords"))
        await session.execute(delete(ServiceActivity).where(ServiceActivity.external_id.is_not(None)))
        await recount_all(session)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1/test",
        help="a PostgreSQL database beside which a new one is made, or sqlite",
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--formats", default="xlsx,csv")
    args = parser.parse_args()
    formats = [name for name in args.formats.split(",") if name]
    if args.database_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            await bench(f"sqlite:///{folder}/bench.sqlite3", args.rows, formats)
        return
    name = f"{make_url(args.database_url).database}_imports_{uuid.uuid4().hex[:8]}"
    await _admin(args.database_url, f'CREATE DATABASE "{name}"')
    try:
        await bench(
            make_url(args.database_url).set(database=name).render_as_string(hide_password=False), args.rows, formats
        )
    finally:
        await _admin(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
