"""Reading an uploaded table, row by row, without holding it in memory: .xlsx through openpyxl's
read-only mode (formulas read as their cached values), CSV as UTF-8 (with or without a BOM) or
GB18030, which Excel on Chinese Windows writes.

A file that cannot be read as a whole (too large, empty, not a table, a zip bomb, merged cells, no
such sheet) raises FileRefused with a message in English and Chinese; nothing is written for it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resolvers.imports.kinds import HELP_SHEET

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003) and other OLE containers
MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([^"]+)"')
READ_CHUNK = 1 << 16


@dataclass(frozen=True)
class ImportLimits:
    """What an import accepts; the server sets them from QIANSHOU_IMPORT_* settings."""

    max_bytes: int = 20_000_000
    max_rows: int = 200_000
    # An .xlsx is a zip: its parts may not unpack to more than this, nor at more than `max_ratio`
    # times their packed size (real workbooks pack about 5 to 20 times; a zip bomb thousands).
    max_unpacked_bytes: int = 400 * 1024 * 1024
    max_ratio: int = 100
    # Over GraphQL, a file larger than this is imported as a background job (resolvers/imports/jobs.py).
    background_bytes: int = 1_000_000


class FileRefused(Exception):
    """The file as a whole cannot be imported."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


@dataclass
class Table:
    """A sheet's header and its data rows, each as (row number in the sheet, values)."""

    sheet: str
    header: tuple[Any, ...]
    rows: Iterator[tuple[int, tuple[Any, ...]]]


@contextlib.contextmanager
def open_table(path: Path, sheet: str, limits: ImportLimits) -> Iterator[Table]:
    """The table in the file at `path`: the sheet named `sheet` of a workbook (or its only data
    sheet), or the whole of a CSV file."""
    size = path.stat().st_size
    if size == 0:
        raise FileRefused("the file is empty", "文件是空的")
    if size > limits.max_bytes:
        raise FileRefused(
            f"the file is {size / 1e6:.1f} MB; at most {limits.max_bytes / 1e6:.1f} MB may be imported at once: split it",
            f"文件大小 {size / 1e6:.1f} MB，超过单次导入上限 {limits.max_bytes / 1e6:.1f} MB，请拆分后导入",
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == OLE_MAGIC:
        raise FileRefused(
            "this is an old .xls workbook (or another binary file): save it as .xlsx or CSV",
            "这是旧版 .xls 工作簿或其他二进制文件，请另存为 .xlsx 或 CSV 后导入",
        )
    opener = _workbook_table if magic == XLSX_MAGIC else _csv_table
    with opener(path, sheet, limits) as table:
        yield table


# --- .xlsx ----------------------------------------------------------------------------------------


def check_zip(path: Path, limits: ImportLimits) -> None:
    """Refuse a zip that would unpack to too much before any part of it is unpacked."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise FileRefused("the file is not a valid .xlsx workbook", "文件不是有效的 .xlsx 工作簿") from None
    unpacked = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    if unpacked > limits.max_unpacked_bytes or (unpacked > 10 * 1024 * 1024 and unpacked / packed > limits.max_ratio):
        raise FileRefused(
            f"the workbook would unpack to {unpacked / 1e6:.0f} MB ({unpacked / packed:.0f} times its size): refused",
            f"工作簿解压后达 {unpacked / 1e6:.0f} MB（压缩比 {unpacked / packed:.0f} 倍），疑似压缩炸弹，拒绝导入",
        )


@contextlib.contextmanager
def _workbook_table(path: Path, sheet: str, limits: ImportLimits) -> Iterator[Table]:
    import openpyxl  # only imports of .xlsx pay for loading it

    check_zip(path, limits)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise FileRefused(
            f"the workbook cannot be read: {type(exc).__name__}",
            f"无法读取该工作簿（{type(exc).__name__}），请检查文件",
        ) from None
    try:
        worksheet = _pick_sheet(workbook, sheet)
        _refuse_merged_cells(path, worksheet)
        rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
        header = next(rows, (1, ()))[1]
        yield Table(worksheet.title, tuple(header), _limited(_data_rows(rows), limits))
    finally:
        workbook.close()


def _pick_sheet(workbook: Any, sheet: str) -> Any:
    if sheet in workbook.sheetnames:
        return workbook[sheet]
    data_sheets = [name for name in workbook.sheetnames if name != HELP_SHEET]
    if len(data_sheets) == 1:
        return workbook[data_sheets[0]]
    names = "、".join(workbook.sheetnames)
    raise FileRefused(
        f"the workbook has no sheet named {sheet!r} (it has {', '.join(workbook.sheetnames)})",
        f"工作簿中没有名为「{sheet}」的工作表（现有：{names}），请使用对应的导入模板",
    )


def _refuse_merged_cells(path: Path, worksheet: Any) -> None:
    """Merged cells leave all but their first cell empty, so rows would be read wrong. Read-only
    mode does not report them: the sheet's XML is scanned for them, unpacked a chunk at a time."""
    with zipfile.ZipFile(path) as archive, archive.open(worksheet._worksheet_path) as part:
        tail = b""
        while chunk := part.read(READ_CHUNK):
            found = MERGE_CELL.search(tail + chunk)
            if found:
                ref = found.group(1).decode(errors="replace")
                raise FileRefused(
                    f"sheet {worksheet.title!r} has merged cells ({ref}): unmerge them and fill every cell",
                    f"工作表「{worksheet.title}」含合并单元格（{ref}），请取消合并并逐格填写",
                )
            tail = chunk[-200:]


# --- CSV ------------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (a BOM is dropped) if the whole file decodes as UTF-8, else GB18030 if it decodes as
    that; anything else is refused. Decoded a chunk at a time, so memory stays flat."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(READ_CHUNK):
                    if b"\x00" in chunk:
                        raise _not_text()
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(
        "the file is neither an .xlsx workbook nor CSV text in UTF-8 or GB18030",
        "文件既不是 .xlsx 工作簿，也不是 UTF-8 或 GB18030 编码的 CSV 文本",
    )


def _not_text() -> FileRefused:
    return FileRefused(
        "the file is not a text (CSV) file nor an .xlsx workbook", "文件不是 CSV 文本，也不是 .xlsx 工作簿"
    )


@contextlib.contextmanager
def _csv_table(path: Path, sheet: str, limits: ImportLimits) -> Iterator[Table]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        try:
            rows = enumerate((tuple(row) for row in csv.reader(handle)), start=1)
            header = next(rows, (1, ()))[1]
            yield Table(sheet, header, _limited(_data_rows(rows), limits))
        except csv.Error as exc:
            raise FileRefused(f"the CSV file is malformed: {exc}", f"CSV 文件格式有误：{exc}") from None


# --- both -----------------------------------------------------------------------------------------


def _data_rows(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Rows with something in them; blank rows (Excel keeps formatted empty ones) are skipped."""
    for number, values in rows:
        if any(not is_blank(value) for value in values):
            yield number, values


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _limited(
    rows: Iterator[tuple[int, tuple[Any, ...]]], limits: ImportLimits
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for count, row in enumerate(rows, start=1):
        if count > limits.max_rows:
            raise FileRefused(
                f"more than {limits.max_rows} data rows: split the file",
                f"数据行超过 {limits.max_rows} 行，请拆分后导入",
            )
        yield row
