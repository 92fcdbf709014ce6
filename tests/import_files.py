"""Spreadsheets for the import tests, written as users would fill them: into the templates (.xlsx)
or as CSV with the templates' headers."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from resolvers.imports.kinds import SPECS, ImportKind
from resolvers.imports.templates import write_template


def headers(kind: ImportKind) -> list[str]:
    return [column.header for column in SPECS[kind].columns]


def fill_template(kind: ImportKind, path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    """The kind's template with one row per dict (keys are headers; missing ones are left blank)."""
    write_template(kind, path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[SPECS[kind].sheet]
    names = headers(kind)
    for row in rows:
        sheet.append([row.get(name) for name in names])
    workbook.save(path)
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
