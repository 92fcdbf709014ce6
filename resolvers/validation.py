"""Input checks for writes. A `Checks` collects every problem of one input, so a client learns all
of them at once; `done()` raises them as UserErrors before anything is written.

Field names are the input's own (snake_case here; the schema shows them in camelCase).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlsplit

from db.credit_code import CREDIT_CODE_PROBLEMS_ZH, credit_code_problem
from db.models import Pairing
from resolvers.errors import ErrorCode, UserError, UserErrors

# Upper bounds: far above any real figure, low enough to catch a slipped digit or an overflow.
MAX_COUNT = 100_000
MAX_PEOPLE = 1_000_000
MAX_YUAN = Decimal("999999999999.99")  # what Numeric(14, 2) holds
MAX_URLS = 20
MAX_URL_LENGTH = 2_000
NAME_LENGTH = 200
NOTE_LENGTH = 5_000
REASON_LENGTH = 500


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
            self.fail(field, f"at most {max_length} characters, got {len(stripped)}",
                      message_zh=f"最多 {max_length} 个字符，实际 {len(stripped)} 个")
        return stripped

    def number(self, field: str, value: int | None, *, low: int = 0, high: int = MAX_COUNT) -> None:
        if value is not None and not low <= value <= high:
            self.fail(field, f"must be between {low} and {high}, got {value}",
                      message_zh=f"须在 {low} 到 {high} 之间，实际为 {value}")

    def decimal(self, field: str, value: Decimal | None, *, places: int = 2, high: Decimal = MAX_YUAN) -> None:
        """Amounts: not negative, at most `places` decimals, not above `high`."""
        if value is None:
            return
        if not value.is_finite() or value < 0:
            self.fail(field, "must be a number not below 0", message_zh="须为不小于 0 的数")
        elif value > high:
            self.fail(field, f"at most {high}", message_zh=f"不能超过 {high}")
        elif value != value.quantize(Decimal(1).scaleb(-places)):
            self.fail(field, f"at most {places} decimal places", message_zh=f"最多 {places} 位小数")

    def dates_in_order(self, field: str, start: dt.date | None, end: dt.date | None, *, strict: bool = False) -> None:
        """`end` (the value of `field`) must not come before `start`, nor fall on it if `strict`."""
        if start is None or end is None:
            return
        if end < start or (strict and end == start):
            self.fail(field, f"must be {'after' if strict else 'on or after'} the start date {start.isoformat()}",
                      message_zh=f"须{'晚于' if strict else '不早于'}开始日期 {start.isoformat()}")

    def within_term(self, field: str, value: dt.date | None, pairing: Pairing) -> None:
        if value is not None and not pairing.starts_on <= value <= pairing.ends_on:
            self.fail(
                field,
                f"must lie within the pairing's term {pairing.starts_on.isoformat()} to {pairing.ends_on.isoformat()}",
                message_zh=f"须在结对期限 {pairing.starts_on.isoformat()} 至 {pairing.ends_on.isoformat()} 之内",
            )

    def not_future(self, field: str, value: dt.date | None, today: dt.date) -> None:
        if value is not None and value > today:
            self.fail(field, f"must not be after today ({today.isoformat()})",
                      message_zh=f"不能晚于今天（{today.isoformat()}）")

    def urls(self, field: str, values: list[str] | None) -> list[str]:
        values = [value.strip() for value in values or []]
        if len(values) > MAX_URLS:
            self.fail(field, f"at most {MAX_URLS} links")
        for value in values:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_URL_LENGTH:
                self.fail(field, f"not an http(s) link: {value[:100]!r}")
        return values

    def credit_code(self, field: str, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        problem = credit_code_problem(code)
        if problem:
            self.fail(field, problem, message_zh=CREDIT_CODE_PROBLEMS_ZH.get(problem))
        return code
