"""Input checks for writes. A `Checks` collects every problem of one input, so a client learns all
of them at once; `done()` raises them as UserErrors before anything is written.

Field names are the input's own (snake_case here; the schema shows them in camelCase).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from db.credit_code import credit_code_problem
from db.models import Pairing
from resolvers.errors import ApiError, ErrorCode, UserError, UserErrors

# Upper bounds: far above any real figure, low enough to catch a slipped digit or an overflow.
MAX_COUNT = 100_000
MAX_PEOPLE = 1_000_000
MAX_YUAN = Decimal("999999999999.99")  # what Numeric(14, 2) holds
MAX_URLS = 20
MAX_URL_LENGTH = 2_000
NAME_LENGTH = 200
NOTE_LENGTH = 5_000
REASON_LENGTH = 500
# Dates outside these are slips of the keyboard; near year 9999 date arithmetic (a term's end) overflows.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


# --- values no input may hold -------------------------------------------------------------------
# Checked once for the whole of every input, where requests enter the rules: every write by the
# runner (resolvers/writes.py, before its transaction), every read filter where it is parsed
# (`require_plain_input`). A new input field is covered without a line of its own, which a custom
# GraphQL scalar would also give, but only over HTTP and only as a request error; here a write
# gets the usual INVALID user error on the field, and the rules hold for callers without GraphQL.


def odd_values(value: Any, field: str | None = None) -> list[UserError]:
    """INVALID for each value no input may hold, wherever it sits in a request (a dataclass, nested
    ones and lists included): text with a NUL character (PostgreSQL cannot store it), a decimal that
    is not a finite number (NaN, sNaN, Infinity), a date outside EARLIEST_DATE..LATEST_DATE."""
    problems: list[UserError] = []
    _collect(value, field, problems)
    return problems


def _collect(value: Any, field: str | None, problems: list[UserError]) -> None:
    if value is None or isinstance(value, int):  # most fields; ints, booleans and None are never odd
        return
    if isinstance(value, str):
        if "\x00" in value:
            problems.append(_odd(field, "must not contain the NUL character (U+0000)", "不能包含空字符（U+0000）"))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            problems.append(_odd(field, f"must be a finite number, got {value}", f"必须是有限数值，收到 {value}"))
    elif isinstance(value, dt.date):
        if not isinstance(value, dt.datetime) and not EARLIEST_DATE <= value <= LATEST_DATE:
            low, high, got = EARLIEST_DATE.isoformat(), LATEST_DATE.isoformat(), value.isoformat()
            message, message_zh = (
                f"must lie between {low} and {high}, got {got}",
                f"日期须在 {low} 至 {high} 之间，收到 {got}",
            )
            problems.append(_odd(field, message, message_zh))
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, field, problems)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for name, item in vars(value).items():
            _collect(item, name, problems)


def _odd(field: str | None, message: str, message_zh: str) -> UserError:
    return UserError(message, ErrorCode.INVALID, [field] if field else None, message_zh=message_zh)


def require_plain_input(**arguments: Any) -> None:
    """For reads: the first odd value among the arguments (filters included) refuses the request as
    INVALID, naming the field, before it reaches the database."""
    for name, value in arguments.items():
        for problem in odd_values(value, name):
            where = ".".join(problem.field or ())
            message, message_zh = f"`{where}` {problem.message}", f"{where}：{problem.message_zh}"
            raise ApiError(ErrorCode.INVALID, message, message_zh=message_zh)


class Checks:
    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def fail(
        self, field: str, message: str, code: ErrorCode = ErrorCode.INVALID, *, message_zh: str | None = None
    ) -> None:
        self.errors.append(UserError(message=message, code=code, field=[field], message_zh=message_zh))

    def done(self) -> None:
        if self.errors:
            raise UserErrors(*self.errors)

    def text(self, field: str, value: str | None, *, max_length: int, required: bool = True) -> str | None:
        """The text stripped of surrounding blanks; blank counts as missing."""
        stripped = value.strip() if value is not None else None
        if not stripped:
            if required:
                self.fail(field, "must not be blank", message_zh="不能为空")
            return None
        if len(stripped) > max_length:
            self.fail(
                field,
                f"at most {max_length} characters, got {len(stripped)}",
                message_zh=f"最多 {max_length} 个字符，实际为 {len(stripped)} 个",
            )
        return stripped

    def number(self, field: str, value: int | None, *, low: int = 0, high: int = MAX_COUNT) -> None:
        if value is not None and not low <= value <= high:
            self.fail(
                field,
                f"must be between {low} and {high}, got {value}",
                message_zh=f"必须在 {low} 到 {high} 之间，实际为 {value}",
            )

    def decimal(self, field: str, value: Decimal | None, *, places: int = 2, high: Decimal = MAX_YUAN) -> None:
        """Amounts: not negative, at most `places` decimals, not above `high`."""
        if value is None:
            return
        if not value.is_finite() or value < 0:
            self.fail(field, "must be a number not below 0", message_zh="必须是不小于 0 的数")
        elif value > high:
            self.fail(field, f"at most {high}", message_zh=f"不能超过 {high}")
        elif value != value.quantize(Decimal(1).scaleb(-places)):
            self.fail(field, f"at most {places} decimal places", message_zh=f"最多 {places} 位小数")

    def dates_in_order(self, field: str, start: dt.date | None, end: dt.date | None, *, strict: bool = False) -> None:
        """`end` (the value of `field`) must not come before `start`, nor fall on it if `strict`."""
        if start is None or end is None:
            return
        if end < start or (strict and end == start):
            self.fail(
                field,
                f"must be {'after' if strict else 'on or after'} the start date {start.isoformat()}",
                message_zh=f"必须{'晚于' if strict else '不早于'}开始日期 {start.isoformat()}",
            )

    def within_term(self, field: str, value: dt.date | None, pairing: Pairing) -> None:
        if value is not None and not pairing.starts_on <= value <= pairing.ends_on:
            self.fail(
                field,
                f"must lie within the pairing's term {pairing.starts_on.isoformat()} to {pairing.ends_on.isoformat()}",
                message_zh=f"必须在结对期限 {pairing.starts_on.isoformat()} 至 {pairing.ends_on.isoformat()} 之内",
            )

    def not_future(self, field: str, value: dt.date | None, today: dt.date) -> None:
        if value is not None and value > today:
            day = today.isoformat()
            self.fail(field, f"must not be after today ({day})", message_zh=f"不能晚于今天（{day}）")

    def urls(self, field: str, values: list[str] | None) -> list[str]:
        values = [value.strip() for value in values or []]
        if len(values) > MAX_URLS:
            self.fail(field, f"at most {MAX_URLS} links", message_zh=f"最多 {MAX_URLS} 个链接")
        for value in values:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_URL_LENGTH:
                self.fail(
                    field, f"not an http(s) link: {value[:100]!r}", message_zh=f"不是 http(s) 链接：{value[:100]!r}"
                )
        return values

    def credit_code(self, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        problem = credit_code_problem(code)
        if problem:
            self.fail(field, problem, message_zh=credit_code_problem(code, chinese=True))
        return code
