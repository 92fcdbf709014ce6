"""The transaction runner every mutation goes through.

A write function `async def f(tx: Tx, request) -> result` (Tx: resolvers/tx.py) is wrapped by `@mutation(name)` into
`async def f(scope, request) -> Outcome`. The wrapper runs it in one write transaction, claims the
idempotency key first when the request has one, makes sure the write checked a permission
(`tx.require`) and wrote an audit event (`tx.audit`), refusing and rolling back one that did not,
and turns UserErrors and database constraint violations into user errors after rolling everything back.
A transaction the database ended only because another one was in the way (a deadlock) runs again.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.exc import DBAPIError, IntegrityError

from db.base import IdMixin
from db.conflicts import dialect_of, must_retry
from resolvers.constraint_errors import conflict_error
from resolvers.errors import UserError, UserErrors
from resolvers.evidence import stored
from resolvers.idempotency import (
    claim_parameters,
    settle,
)
from resolvers.scope import Scope
from resolvers.tx import M, Replay, Tx
from resolvers.validation import odd_values

# A write the database ended because of another transaction (db.conflicts.must_retry) runs again,
# up to this many times in all.
ATTEMPTS = 3

R = TypeVar("R")
Q = TypeVar("Q")


@dataclass
class Outcome(Generic[R]):
    """What a mutation hands the schema: its result, or the user errors that stopped it."""

    value: R | None = None
    errors: list[UserError] = field(default_factory=list)


Write = Callable[[Tx, Q], Awaitable[R]]
Mutation = Callable[[Scope, Q], Awaitable[Outcome[R]]]


@overload
def mutation(action: str) -> Callable[[Write[Q, R]], Mutation[Q, R]]: ...


@overload
def mutation(
    action: str, *, replay: type[M], claim_with_load: bool = False
) -> Callable[[Write[Q, M]], Mutation[Q, M]]: ...


def mutation(
    action: str, *, replay: type[IdMixin] | None = None, claim_with_load: bool = False
) -> Callable[[Write[Q, Any]], Mutation[Q, Any]]:
    """Make a write function a mutation named `action`. With `replay` (the model of its result) the
    request's `idempotency_key`, when given, makes retries return the first result of that model.
    `claim_with_load`: the write's first statement is its `tx.load`, which makes the claim on
    PostgreSQL (Tx.claim_with_first_load); else the claim is made before the write starts."""

    def wrap(write: Write[Q, Any]) -> Mutation[Q, Any]:
        async def transaction(scope: Scope, request: Q, claiming: dict[str, Any] | None) -> Outcome[Any]:
            async with scope.db.writing() as session:
                tx = Tx(scope, session, action)
                try:
                    if claiming is not None:
                        if claim_with_load and dialect_of(session) == "postgresql":
                            tx.claim_with_first_load(claiming)
                        else:
                            await tx.claim_now(claiming)
                    value = await write(tx, request)
                except Replay as retry:
                    if replay is None:
                        raise  # only a write with `replay` claims a key
                    return Outcome(await session.get_one(replay, retry.result_id))
                if claiming is not None:
                    if tx.claim is None:
                        raise RuntimeError(f"{action} made no idempotency claim: its first statement is no load")
                    settle(tx.batch, tx.claim, value.id)
                if not tx.permission_checked:
                    raise RuntimeError(f"{action} checked no permission")
                if not tx.audited:
                    raise RuntimeError(f"{action} wrote no audit event")
                await tx.finish()
            return Outcome(value)

        @functools.wraps(write)
        async def run(scope: Scope, request: Q) -> Outcome[Any]:
            if odd := odd_values(request):
                return Outcome(errors=odd)
            key = getattr(request, "idempotency_key", None)
            try:
                # Files are checked and stored before the transaction, not while it holds locks.
                request = await stored(scope, request)
                # Only a write with `replay` claims its key.
                claiming = (
                    None if replay is None or key is None else claim_parameters(scope.actor.name, key, action, request)
                )
                attempt = 1
                while True:
                    try:
                        return await transaction(scope, request, claiming)
                    except DBAPIError as exc:
                        # Rolled back whole, so running it again is the same write, key and all.
                        if attempt == ATTEMPTS or not must_retry(exc):
                            raise
                        attempt += 1
            except UserErrors as exc:
                return Outcome(errors=exc.errors)
            except IntegrityError as exc:
                return Outcome(errors=[conflict_error(exc)])

        return run

    return wrap
