"""Exactly-once writes: the first write with an idempotency key claims (principal, key) in its own
transaction; a retry finds the claim and returns the first result without writing.

The claim is an INSERT ... ON CONFLICT DO NOTHING on the unique (principal, key). On PostgreSQL a
concurrent duplicate blocks on the unique index until the first transaction ends, then either sees
the committed claim or, if the first rolled back, takes the claim itself. On SQLite every write
transaction holds the database lock from BEGIN IMMEDIATE, so duplicates simply run one after another.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Insert, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import table_of, utcnow
from db.batch import Batch
from db.models import IdempotencyRecord
from resolvers.errors import ErrorCode, UserError, UserErrors

MAX_KEY_LENGTH = 200
_records = table_of(IdempotencyRecord)


@dataclasses.dataclass(frozen=True)
class Claim:
    """The claim this transaction made, or the earlier result a retry gets back."""

    record_id: int | None
    replay_id: int | None


def _canonical(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        # 92300 and 92300.00 are the same amount, so they are the same request.
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot hash a {type(value).__name__}")


def request_hash(operation: str, request: Any) -> str:
    """SHA-256 of the operation and its input (without the key itself), independent of field order."""
    # A write without files hashes as it did before writes took files.
    fields = {
        key: value
        for key, value in dataclasses.asdict(request).items()
        if key != "idempotency_key" and not (key == "evidence" and not value)
    }
    body = orjson.dumps({"operation": operation, "input": fields}, default=_canonical, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


def check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise UserErrors(
            UserError(
                f"an idempotency key has 1 to {MAX_KEY_LENGTH} characters",
                ErrorCode.INVALID,
                ["idempotency_key"],
                message_zh=f"幂等键应有 1 到 {MAX_KEY_LENGTH} 个字符",
            )
        )


@functools.cache
def claim_statement(dialect_name: str) -> Insert:
    """INSERT the claim unless (principal, key) has one; RETURNING its id if it was made."""
    unique = ["principal", "key"]
    claim: Insert
    if dialect_name == "postgresql":
        claim = postgresql.insert(_records).on_conflict_do_nothing(index_elements=unique)
    else:
        claim = sqlite.insert(_records).on_conflict_do_nothing(index_elements=unique)
    return claim.returning(_records.c.id)


def claim_parameters(principal: str, key: str, operation: str, request: Any) -> dict[str, Any]:
    """The parameters of the claim's INSERT (`claim_statement`); the key checked first."""
    check_key(key)
    return {
        "principal": principal,
        "key": key,
        "operation": operation,
        "request_hash": request_hash(operation, request),
        "created_at": utcnow(),
    }


CLAIM_COLUMNS = ("principal", "key", "operation", "request_hash", "created_at")


@functools.cache
def claim_within() -> Insert:
    """`claim_statement` for PostgreSQL with its values as parameters `claim_<column>`
    (`within_parameters`), to go in another statement as a WITH query: there SQLAlchemy binds only
    the parameters the statement names."""
    values = {name: bindparam(f"claim_{name}", type_=_records.c[name].type) for name in CLAIM_COLUMNS}
    unique = ["principal", "key"]
    return (
        postgresql.insert(_records)
        .values(values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(_records.c.id)
    )


def within_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    return {f"claim_{name}": value for name, value in parameters.items()}


async def claimed(session: AsyncSession, parameters: dict[str, Any], inserted: int | None) -> Claim:
    """The claim, from the id its INSERT returned (None: the key had one already, read now)."""
    if inserted is not None:
        return Claim(record_id=inserted, replay_id=None)
    principal, key, digest = parameters["principal"], parameters["key"], parameters["request_hash"]
    earlier = (
        await session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
        )
    ).one()
    if earlier.request_hash != digest:
        raise UserErrors(
            UserError(
                "this idempotency key was already used for a different request",
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                ["idempotency_key"],
                message_zh="此幂等键已用于另一个不同的请求",
            )
        )
    return Claim(record_id=None, replay_id=earlier.result_id)


_SETTLE = (
    update(_records).where(_records.c.id == bindparam("record_id")).values(result_id=bindparam("settled_result_id"))
)


def settle(batch: Batch, claim: Claim, result_id: int) -> None:
    """Remember the result the claim's write produced, with the write's batch."""
    batch.add(_SETTLE, {"record_id": claim.record_id, "settled_result_id": result_id})
