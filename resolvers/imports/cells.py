"""A cell's value read as its column says: text, whole number, exact decimal, date, or one or more
of an enum's Chinese labels. Excel hands numbers as floats and dates as datetimes; CSV hands text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from resolvers.imports.files import is_blank
from resolvers.imports.kinds import Cell, Column
from resolvers.labels import labels_of, value_of

DATE_TEXT = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:0?0:00(?::00)?)?\s*$")
SEPARATORS = re.compile(r"[、,，;；\s]+")


class CellProblem(Exception):
    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


def read_cell(column: Column, value: Any) -> Any:
    """The typed value of a cell, None for a blank one; CellProblem if it cannot be read."""
    if is_blank(value):
        if column.required:
            raise CellProblem("required", "必填，不能为空")
        return None
    return READERS[column.cell](column, value)


def _text(column: Column, value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _integer(column: Column, value: Any) -> int:
    if isinstance(value, bool):
        raise _not_a("whole number", "整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0*", text):
        return int(text.split(".")[0])
    raise _not_a("whole number", "整数")


def _decimal(column: Column, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _not_a("number", "数值")
    # repr of a float is the shortest text that reads back as it: 9230.5, not 9230.5000000001.
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _not_a("number", "数值") from None
    if not number.is_finite():
        raise _not_a("number", "数值")
    return number


def _date(column: Column, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    found = DATE_TEXT.match(str(value))
    if found:
        try:
            return dt.date(*(int(part) for part in found.groups()))
        except ValueError:
            pass
    raise CellProblem("not a date (write it as 2024-05-01)", "不是有效日期，请写成 2024-05-01 的格式")


def _choice(column: Column, value: Any) -> Any:
    assert column.choices is not None
    member = value_of(column.choices, str(value))
    if member is None:
        allowed = "、".join(labels_of(column.choices))
        raise CellProblem(f"not one of: {allowed}", f"不是可选值之一：{allowed}")
    return member


def _choices(column: Column, value: Any) -> list[Any]:
    return [_choice(column, part) for part in SEPARATORS.split(str(value).strip()) if part]


def _not_a(thing: str, thing_zh: str) -> CellProblem:
    return CellProblem(f"not a {thing}", f"不是{thing_zh}")


READERS = {
    Cell.TEXT: _text,
    Cell.INTEGER: _integer,
    Cell.DECIMAL: _decimal,
    Cell.DATE: _date,
    Cell.CHOICE: _choice,
    Cell.CHOICES: _choices,
}
