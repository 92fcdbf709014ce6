"""The pairing progress report as CSV (UTF-8 with BOM, so Excel shows the Chinese) or .xlsx, for
the CLI and for GET /reports/pairings.csv and /reports/pairings.xlsx.

CSV streams batch by batch; .xlsx is written by xlsxwriter in constant-memory mode to a temporary
file that is then sent, since a zip container cannot be streamed before it is complete.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import xlsxwriter
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from resolvers.access import Actor
from resolvers.errors import ApiError, ErrorCode
from resolvers.reports import HEADERS, pairing_report
from server.auth import Unauthenticated
from server.graphql_http import error_payload, json_response
from server.i18n import language_of, pick
from server.sessions import unauthenticated

BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetml.sheet"
MONEY_COLUMNS = frozenset(index for index, header in enumerate(HEADERS) if header.endswith("(元)"))
DATE_COLUMNS = frozenset(index for index, header in enumerate(HEADERS) if header.endswith("日期"))


def _csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_csv_value(value) for value in row] for row in rows)
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


async def csv_chunks(batches: AsyncIterator[list[list[Any]]]) -> AsyncIterator[str]:
    yield BOM + _csv_text([list(HEADERS)])
    async for batch in batches:
        yield _csv_text(batch)


async def write_xlsx(batches: AsyncIterator[list[list[Any]]], path: str) -> None:
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": os.path.dirname(path)})
    sheet = workbook.add_worksheet("结对进展")
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS, bold)
    sheet.set_column(0, 3, 28)
    sheet.set_column(4, len(HEADERS) - 1, 12)
    row_number = 1
    async for batch in batches:
        for row in batch:
            for column, value in enumerate(row):
                if column in DATE_COLUMNS:
                    sheet.write_datetime(row_number, column, dt.datetime.combine(value, dt.time()), date)
                elif column in MONEY_COLUMNS:
                    sheet.write_number(row_number, column, float(value), money)
                else:
                    sheet.write(row_number, column, value)
            row_number += 1
    sheet.freeze_panes(1, 0)
    await asyncio.to_thread(workbook.close)


def temporary_xlsx_path() -> str:
    handle, path = tempfile.mkstemp(prefix="qianshou-report-", suffix=".xlsx")
    os.close(handle)
    return path


class ReportRoutes:
    """GET /reports/pairings.csv and .xlsx; the rows are those the token's (or the signed-in
    account's) actor may read."""

    def __init__(self, service: Any) -> None:
        self.service = service

    async def _arguments(self, request: Request) -> tuple[Actor, str | None]:
        # Downloads spend from the caller's request budget as GraphQL requests do.
        actor = await self.service.caller(request)
        return actor, request.query_params.get("programId") or None

    async def _batches(self, request: Request) -> AsyncIterator[list[list[Any]]] | Response:
        language = language_of(request.headers.get("accept-language"))
        try:
            actor, program_id = await self._arguments(request)
            return await pairing_report(self.service.db, actor, self.service.today(), program_id=program_id)
        except Unauthenticated as exc:
            return unauthenticated(request, exc, language)
        except ApiError as exc:
            status = 404 if exc.code is ErrorCode.NOT_FOUND else 400
            message = pick(language, str(exc), exc.message_zh)
            return json_response(error_payload(message, exc.code.value), status=status)

    async def csv(self, request: Request) -> Response:
        batches = await self._batches(request)
        if isinstance(batches, Response):
            return batches
        return StreamingResponse(
            csv_chunks(batches),
            media_type=CSV_MEDIA_TYPE,
            headers={"content-disposition": _attachment("pairings.csv")},
        )

    async def xlsx(self, request: Request) -> Response:
        batches = await self._batches(request)
        if isinstance(batches, Response):
            return batches
        path = temporary_xlsx_path()
        try:
            await write_xlsx(batches, path)
        except BaseException:
            os.unlink(path)
            raise
        return FileResponse(
            path,
            media_type=XLSX_MEDIA_TYPE,
            filename="pairings.xlsx",
            background=BackgroundTask(os.unlink, path),
        )


def _attachment(filename: str) -> str:
    return f'attachment; filename="{filename}"'
