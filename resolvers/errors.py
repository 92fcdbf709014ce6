"""Errors the API reports with a code, in userErrors or as GraphQL errors."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

# The languages of messages; a request's is on its scope (resolvers/scope.py).
ENGLISH = "en"
CHINESE = "zh"


# The domain's object types as Chinese messages name them.
TYPE_NAMES_ZH = {
    "Region": "行政区划",
    "Agency": "机构",
    "Program": "帮扶计划",
    "Pairing": "结对",
    "Milestone": "里程碑",
    "MilestoneUpdate": "进展报告",
    "TrainingSession": "培训记录",
    "ServiceActivity": "服务记录",
    "ServiceStation": "社工服务站",
    "IncubatedOrganization": "孵化机构",
    "ResourceLink": "链接资源",
    "AuditEvent": "审计事件",
    "Account": "账号",
}


def type_name_zh(type_name: str) -> str:
    return TYPE_NAMES_ZH.get(type_name, type_name)


def localized(language: str, message: str, message_zh: str | None) -> str:
    """The message in `language`: the Chinese one where there is one and it is asked for."""
    return message_zh if language == CHINESE and message_zh else message


class ErrorCode(enum.StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    STALE_VERSION = "STALE_VERSION"
    NOT_ALLOWED_TRANSITION = "NOT_ALLOWED_TRANSITION"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # A milestone takes one update at a time: another is submitted once the pending one is reviewed.
    UPDATE_PENDING = "UPDATE_PENDING"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    BAD_ID = "BAD_ID"
    BAD_CURSOR = "BAD_CURSOR"
    PAGE_TOO_LARGE = "PAGE_TOO_LARGE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class UserError:
    """A broken business rule on a write: reported in the payload, never half-written."""

    message: str
    code: ErrorCode
    field: Sequence[str] | None = None
    # The same message in Chinese, for callers that ask for zh-CN; None until translated.
    message_zh: str | None = None


class UserErrors(Exception):
    """Raised by a write to roll its transaction back and report these errors in the payload."""

    def __init__(self, *errors: UserError) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = list(errors)


class ApiError(Exception):
    """A request the API refuses as a whole (bad ID, page too large, forbidden object).

    GraphQL execution copies `extensions` onto the error it reports, so the client sees the code
    without this layer knowing anything of GraphQL.
    """

    def __init__(self, code: ErrorCode, message: str, *, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message_zh = message_zh
        self.extensions = {"code": code.value}
