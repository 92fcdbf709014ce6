"""What every mutation shares: the UserError type, the shape of payloads, and turning a GraphQL
input into the resolvers' request dataclass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from strawberry.utils.str_converters import to_camel_case

from resolvers import errors
from resolvers.writes import Outcome
from schema.context import Info

P = TypeVar("P")
R = TypeVar("R")

UserErrorCode = errors.ErrorCode
strawberry.enum(UserErrorCode, name="UserErrorCode")


@strawberry.type(description="A business rule the input broke; nothing of the mutation was written.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='The input field at fault, by its name within `input` (e.g. ["progressPercent"]).'
    )
    code: UserErrorCode
    message_en: strawberry.Private[str]
    message_zh: strawberry.Private[str | None]

    @strawberry.field(description="In Chinese when the request's Accept-Language prefers it (zh-CN), else English.")
    def message(self, info: Info) -> str:
        return errors.localized(info.context.language, self.message_en, self.message_zh)


@strawberry.input(description="Void a record entered by mistake: it is kept, with the reason, and left out of totals.")
class VoidRecordInput:
    id: strawberry.ID
    reason: str


def request_of(request_type: Callable[..., R], input: Any) -> R:
    """The resolvers' request from a GraphQL input; fields left out take the request's defaults."""
    return request_type(**{key: value for key, value in vars(input).items() if value is not None})


def payload_of(payload_type: Callable[..., P], outcome: Outcome[Any], **fields: Callable[[Any], Any]) -> P:
    """The payload: each named field built from the outcome's value (null on failure), plus userErrors."""
    values = {name: None if outcome.value is None else convert(outcome.value) for name, convert in fields.items()}
    user_errors = [
        UserError(
            field=[to_camel_case(name) for name in error.field] if error.field else None,
            code=error.code,
            message_en=error.message,
            message_zh=error.message_zh,
        )
        for error in outcome.errors
    ]
    return payload_type(**values, user_errors=user_errors)
