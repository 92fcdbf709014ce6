"""The input checks on their own: credit code check characters, amounts, links, dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from db.credit_code import credit_code_check_char, credit_code_problem
from resolvers.errors import UserErrors
from resolvers.validation import Checks


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_credit_codes_pass(code):
    assert credit_code_check_char(code[:17]) == code[17]
    assert credit_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M00O100Y43", "only the characters"),  # O is not in the charset
    ],
)
def test_bad_credit_codes_fail(code, problem):
    assert problem in credit_code_problem(code)


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        ("0", True),
        ("92300.00", True),
        ("92300.5", True),
        ("1.000", True),
        ("1.005", False),
        ("-0.01", False),
        ("999999999999.99", True),
        ("1000000000000", False),
        ("NaN", False),
        ("Infinity", False),
    ],
)
def test_money(amount, ok):
    checks = Checks()
    checks.decimal("amount_yuan", Decimal(amount))
    assert (checks.errors == []) is ok


def test_links_must_be_http_or_https():
    checks = Checks()
    assert checks.urls("evidence_urls", [" https://example.org/a ", "http://x.cn"]) == [
        "https://example.org/a",
        "http://x.cn",
    ]
    assert checks.errors == []
    checks.urls("evidence_urls", ["javascript:alert(1)", "https://", "file:///etc/passwd", "/relative"])
    assert len(checks.errors) == 4


def test_checks_collect_every_problem_then_raise():
    checks = Checks()
    checks.text("title", "  ", max_length=10)
    checks.number("count", 200_000)
    checks.dates_in_order("ends_on", dt.date(2026, 1, 2), dt.date(2026, 1, 1))
    with pytest.raises(UserErrors) as raised:
        checks.done()
    assert [error.field for error in raised.value.errors] == [["title"], ["count"], ["ends_on"]]
