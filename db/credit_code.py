"""Unified social credit codes (统一社会信用代码, GB 32100-2015): the check character that both the
write validation and the demo data's code generator use, and what is wrong with a code."""

from __future__ import annotations

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a code whose first 17 characters are `first17`."""
    total = sum(
        CREDIT_CODE_CHARS.index(char) * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str, *, chinese: bool = False) -> str | None:
    """What is wrong with a code, fit to show to whoever typed it (in Chinese if asked); None for a
    valid code."""
    if len(code) != 18:
        return "统一社会信用代码应为 18 位" if chinese else "a unified social credit code has 18 characters"
    if any(char not in CREDIT_CODE_CHARS for char in code):
        if chinese:
            return f"统一社会信用代码只能使用字符 {CREDIT_CODE_CHARS}"
        return f"a unified social credit code uses only the characters {CREDIT_CODE_CHARS}"
    if credit_code_check_char(code[:17]) != code[17]:
        return (
            "统一社会信用代码的校验码不正确"
            if chinese
            else "the check character of the unified social credit code is wrong"
        )
    return None
