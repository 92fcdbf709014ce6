"""Files an import refuses as a whole, each with a clear message in English and Chinese, writing
nothing; and the encodings and workbook features it reads."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy import func, select

from db.models import Agency, ServiceActivity
from resolvers.access import SYSTEM
from resolvers.imports.files import ImportLimits
from resolvers.imports.kinds import ImportKind
from resolvers.imports.runner import run_import
from tests.conftest import make_scope
from tests.import_files import fill_template, headers, write_csv
from tests.test_imports import ACTIVITY_HEADER, agency_rows, scalar, tally

YE_COUNTY = "叶县心天地社会工作服务中心"


async def refused(db, kind: ImportKind, path: Path, limits: ImportLimits | None = None):
    """The report of a file that must write nothing: its problems as (row, column, message_zh)."""
    model = Agency if kind is ImportKind.AGENCIES else ServiceActivity
    before = await scalar(db, select(func.count()).select_from(model))
    report = await run_import(make_scope(db, SYSTEM), kind, path, limits=limits)
    assert not report.ok and not report.written and report.results == []
    assert all(problem.message and problem.message_zh for problem in report.problems)
    assert await scalar(db, select(func.count()).select_from(model)) == before
    return [(problem.row, problem.column, problem.message_zh) for problem in report.problems]


async def test_an_empty_file_and_a_file_of_headers_only(fresh_db, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert await refused(fresh_db, ImportKind.AGENCIES, empty) == [(None, None, "文件是空的")]
    only_header = write_csv(tmp_path / "h.csv", headers(ImportKind.AGENCIES), [])
    assert await refused(fresh_db, ImportKind.AGENCIES, only_header) == [(None, None, "文件中表头下没有数据行")]
    blank_template = fill_template(ImportKind.AGENCIES, tmp_path / "t.xlsx", [])
    assert await refused(fresh_db, ImportKind.AGENCIES, blank_template) == [(None, None, "文件中表头下没有数据行")]


async def test_a_workbook_without_the_kinds_sheet_is_refused_naming_the_sheet(fresh_db, tmp_path):
    path = tmp_path / "two.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet1"
    workbook.create_sheet("Sheet2")
    workbook.save(path)
    [(row, column, message)] = await refused(fresh_db, ImportKind.AGENCIES, path)
    assert "「社工机构」" in message and "Sheet1" in message


async def test_another_kinds_template_names_its_unknown_and_missing_columns(fresh_db, tmp_path):
    path = fill_template(ImportKind.AGENCIES, tmp_path / "agencies.xlsx", [{"机构名称": "甲"}])
    problems = await refused(fresh_db, ImportKind.SERVICE_ACTIVITIES, path)
    assert (1, "机构名称", "未知的列「机构名称」，请使用导入模板的表头") in problems
    assert (1, "服务类型", "缺少必填列「服务类型」") in problems


async def test_merged_cells_are_refused(fresh_db, tmp_path):
    path = fill_template(ImportKind.AGENCIES, tmp_path / "m.xlsx", [])
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["社工机构"]
    for row in agency_rows(2):
        sheet.append(row)
    sheet.merge_cells("C2:C3")
    workbook.save(path)
    [(row, column, message)] = await refused(fresh_db, ImportKind.AGENCIES, path)
    assert "合并单元格" in message and "C2:C3" in message


async def test_formulas_are_read_as_their_cached_values(open_db, tmp_path):
    path = tmp_path / "formulas.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("服务记录")
    sheet.write_row(0, 0, ACTIVITY_HEADER[:7])
    sheet.write_row(1, 0, [YE_COUNTY, "", "", "个案"])
    sheet.write_datetime(1, 4, dt.datetime(2018, 4, 2), workbook.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_formula(1, 5, "=2*6", None, 12)
    sheet.write_formula(1, 6, "=F2+3", None, 15)
    workbook.close()
    report = await run_import(make_scope(open_db, SYSTEM), ImportKind.SERVICE_ACTIVITIES, path)
    assert report.written
    async with open_db.reading() as session:
        activity = await session.get(ServiceActivity, report.results[0].object_id)
    assert (activity.count, activity.beneficiaries, activity.occurred_on) == (12, 15, dt.date(2018, 4, 2))


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(fresh_db, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # 100 MB, sparse: never read
    [(_, _, message)] = await refused(fresh_db, ImportKind.AGENCIES, path)
    assert "超过单次导入上限 20.0 MB" in message
    small = write_csv(tmp_path / "small.csv", headers(ImportKind.AGENCIES), agency_rows(30))
    [(_, _, message)] = await refused(fresh_db, ImportKind.AGENCIES, small, ImportLimits(max_bytes=1_000))
    assert "拆分" in message
    [(_, _, message)] = await refused(fresh_db, ImportKind.AGENCIES, small, ImportLimits(max_rows=10))
    assert message == "数据行超过 10 行，请拆分后导入"


async def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_unpacked(fresh_db, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(64):
                part.write(b"\0" * (1 << 20))
    assert path.stat().st_size < 200_000
    [(_, _, message)] = await refused(fresh_db, ImportKind.AGENCIES, path)
    assert "压缩炸弹" in message
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"not a zip" * 100)
    assert await refused(fresh_db, ImportKind.AGENCIES, broken) == [(None, None, "文件不是有效的 .xlsx 工作簿")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_csv_is_read_as_utf8_with_or_without_bom_or_gb18030(open_db, tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", ACTIVITY_HEADER, tally(3), encoding=encoding)
    report = await run_import(make_scope(open_db, SYSTEM), ImportKind.SERVICE_ACTIVITIES, path)
    assert report.problems == [] and report.written and report.rows == 3


async def test_text_in_no_known_encoding_and_binary_files_are_refused(fresh_db, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("机构名称\n".encode() + b"\xff\xfe\xfd caf\xe9\n")
    assert await refused(fresh_db, ImportKind.AGENCIES, latin) == [
        (None, None, "文件既不是 .xlsx 工作簿，也不是 UTF-8 或 GB18030 编码的 CSV 文本")
    ]
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    [(_, _, message)] = await refused(fresh_db, ImportKind.AGENCIES, xls)
    assert ".xls" in message
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    assert await refused(fresh_db, ImportKind.AGENCIES, binary) == [
        (None, None, "文件不是 CSV 文本，也不是 .xlsx 工作簿")
    ]
