"""Import templates (.xlsx): a data sheet with the Chinese headers, drop-down lists of the enums'
Chinese labels, dates formatted and validated as dates; and a sheet explaining every column with an
example. Written with xlsxwriter, which the progress report already uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from resolvers.imports.kinds import HELP_SHEET, SPECS, Cell, Column, ImportKind, KindSpec
from resolvers.labels import labels_of

LAST_ROW = 1_048_575  # validations cover the whole column below the header (0-based last row)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetml.sheet"


def template_file_name(kind: ImportKind) -> str:
    return f"{kind.slug}.xlsx"


def write_template(kind: ImportKind, path: Path | str) -> None:
    spec = SPECS[kind]
    workbook = xlsxwriter.Workbook(str(path))
    required = workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    optional = workbook.add_format({"bold": True, "bg_color": "#EDEDED", "border": 1})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text = workbook.add_format({"num_format": "@"})  # credit codes and region codes stay text
    sheet = workbook.add_worksheet(spec.sheet)
    for index, column in enumerate(spec.columns):
        sheet.write(0, index, column.header, required if column.required else optional)
        if column.required:
            sheet.write_comment(0, index, "必填")
        cell_format = date if column.cell is Cell.DATE else text if column.cell is Cell.TEXT else None
        sheet.set_column(index, index, max(12, 2 * len(column.header) + 4), cell_format)
        validation = _validation(column)
        if validation:
            sheet.data_validation(1, index, LAST_ROW, index, validation)
    sheet.freeze_panes(1, 0)
    _write_help(workbook, spec)
    workbook.close()


def _validation(column: Column) -> dict[str, Any] | None:
    if column.cell is Cell.CHOICE and column.choices is not None:
        return {
            "validate": "list",
            "source": labels_of(column.choices),
            "error_title": "请从下拉列表选择",
            "error_message": "可选值：" + "、".join(labels_of(column.choices)),
        }
    if column.cell is Cell.DATE:
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(1990, 1, 1),
            "maximum": dt.date(2099, 12, 31),
            "error_title": "日期",
            "error_message": "请填写日期，如 2024-05-01",
        }
    if column.cell is Cell.INTEGER:
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_title": "整数",
            "error_message": "请填写不小于 0 的整数",
        }
    return None


def _write_help(workbook: xlsxwriter.Workbook, spec: KindSpec) -> None:
    sheet = workbook.add_worksheet(HELP_SHEET)
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.write(
        0,
        0,
        f"{spec.title}导入模板：在「{spec.sheet}」工作表第 2 行起每行填写一条，不要改动表头，不要合并单元格。",
        bold,
    )
    sheet.write(
        1, 0, "同一文件可重复导入：已导入的行不会重复创建，修改过的行会更新原记录；有任何错误时不写入任何数据。"
    )
    headers = ("列名", "是否必填", "格式", "说明", "示例")
    for index, header in enumerate(headers):
        sheet.write(3, index, header, bold)
    for row, column in enumerate(spec.columns, start=4):
        choices = "；可选：" + "、".join(labels_of(column.choices)) if column.choices else ""
        sheet.write_row(
            row,
            0,
            (
                column.header,
                "必填" if column.required else "选填",
                column.cell.value,
                column.help + choices,
                column.example,
            ),
            wrap,
        )
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 2, 12)
    sheet.set_column(3, 3, 70)
    sheet.set_column(4, 4, 30)
