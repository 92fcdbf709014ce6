"""One write transaction of one request (`Tx`): the session plus the helpers every write needs, as
the runner in resolvers/writes.py hands it to a write function. Loads check access as they read;
adds, updates and voids are audited; the statements are made once (db/write_statements.py), and
on PostgreSQL an update with the row it leads to is one statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Update, inspect, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import IdMixin, utcnow
from db.batch import Batch, insert_rows, rows_parameters
from db.conflicts import dialect_of
from db.models import AuditEvent, Pairing
from db.write_statements import (
    Also,
    insert_returning,
    insert_values,
    load_statement,
    owned_pairing,
    owners,
    two_updates_parameters,
    two_updates_statement,
    update_and_insert_parameters,
    update_and_insert_statement,
    versioned_update_parameters,
    versioned_update_statement,
)
from resolvers import access
from resolvers.audit import Snapshot, audit_values, snapshot
from resolvers.errors import ApiError, ErrorCode, UserError, UserErrors, type_name_zh
from resolvers.evidence import StoredEvidence, attach
from resolvers.idempotency import (
    Claim,
    claim_statement,
    claim_within,
    claimed,
    within_parameters,
)
from resolvers.ids import decode_id
from resolvers.scope import Scope

# A model a write loads or adds by its id.
M = TypeVar("M", bound=IdMixin)


class Tx:
    """One write transaction of one request: the session plus the helpers every write needs.
    Rows that nothing in the transaction reads again (audit events, notices, the idempotency
    record's result, milestone events) go to `batch` and are written together at its end."""

    def __init__(self, scope: Scope, session: AsyncSession, action: str) -> None:
        self.scope = scope
        self.session = session
        self.action = action
        self.audited = 0
        self.permission_checked = False
        self.batch = Batch()
        self._audit_rows: list[dict[str, Any]] = []
        # Rows loaded along with the one asked for (its milestone, its pairing): the session keeps
        # only weak references, and a later `session.get` of them should not read them again.
        self._held: list[Any] = []
        # The idempotency claim still to be made in the write's first load; the claim made.
        self._claiming: dict[str, Any] | None = None
        self.claim: Claim | None = None

    @property
    def today(self) -> dt.date:
        return self.scope.today

    def require(self, permission: str | None = None, **touched: Any) -> None:
        """FORBIDDEN unless the actor may do `permission` (by default this mutation's own) to what
        the write touches (access.require's pairing, agency_id, region_path). Every write declares
        its permission here, or with require_rule, as it declares its audit: the runner refuses one
        that checked none."""
        access.require(self.scope.actor, permission or self.action, **touched)
        self.permission_checked = True

    def require_rule(self, rule: Callable[[access.Actor], None]) -> None:
        """A permission checked by a rule of its own (`rule(actor)` raises FORBIDDEN), declared as
        require's is."""
        rule(self.scope.actor)
        self.permission_checked = True

    async def load(self, model: type[M], global_id: str, field_name: str, *, lock: bool = False) -> M:
        """The row a global ID in the input names; a bad or unknown ID is a user error on that field.
        With `lock`, concurrent writers of the row queue behind this transaction (FOR UPDATE on
        PostgreSQL; SQLite's write lock already serializes them) instead of failing as stale."""
        row, _ = await self.load_with(model, global_id, field_name, lock=lock)
        return row

    async def load_with(
        self,
        model: type[M],
        global_id: str,
        field_name: str,
        *,
        lock: bool = False,
        also: Also = (),
    ) -> tuple[M, dict[str, Any]]:
        """`load`, in one statement with the row's milestone and pairing (which the access check
        needs and the write reads next) and the values of `also`: named columns or correlated
        subqueries over the row and its pairing, for the write's own checks (made once, at import,
        so that the statement is made once too)."""
        type_name = model.__name__
        claiming, self._claiming = self._claiming, None
        try:
            kind, pk = decode_id(global_id)
        except ApiError:
            await self._claim_alone(claiming)
            raise UserErrors(
                UserError(
                    f"malformed ID {global_id!r}",
                    ErrorCode.INVALID,
                    [field_name],
                    message_zh=f"ID 格式错误：{global_id!r}",
                )
            ) from None
        # As a plain type, which mypy sees as Hashable (lru_cache's arguments), unlike type[M] (python/mypy#11470).
        entity: type = model
        loaded: Sequence[Any] | None
        if kind != type_name:
            await self._claim_alone(claiming)
            loaded = None
        elif claiming is None:
            loaded = (await self.session.execute(load_statement(entity, lock, also, None), {"pk": pk})).first()
        else:
            found = (
                await self.session.execute(
                    load_statement(entity, lock, also, claim_within()), {"pk": pk, **within_parameters(claiming)}
                )
            ).first()
            # Without the row, whether the claim was made is read from the record (`claimed`).
            row: tuple[Any, ...] | None = None if found is None else tuple(found)
            loaded, inserted = (None, None) if row is None else (row[:-1], row[-1])
            await self._take_claim(await claimed(self.session, claiming, inserted))
        # A row the caller may not read is answered as one that does not exist, so that a write
        # never tells it that the row exists; one it reads but may not change is FORBIDDEN later.
        if loaded is None or not self._readable(loaded[0], owned_pairing(model, loaded)):
            raise UserErrors(
                UserError(
                    f"no {type_name} with ID {global_id!r}",
                    ErrorCode.NOT_FOUND,
                    [field_name],
                    message_zh=f"没有 ID 为 {global_id!r} 的{type_name_zh(type_name)}",
                )
            )
        held = len(owners(model))
        self._held.extend(loaded[1 : 1 + held])
        return loaded[0], dict(zip((name for name, _ in also), loaded[1 + held :], strict=True))

    def _readable(self, row: Any, pairing: Pairing | None) -> bool:
        actor = self.scope.actor
        if not access.is_scoped(actor):
            return access.can_read(actor, type(row), row)
        return access.can_read(actor, type(row), row, pairing)

    def claim_with_first_load(self, parameters: dict[str, Any]) -> None:
        """Claim the idempotency key (`claim_parameters`) in the write's first load, which must come
        before anything else the write does: a write that claims so runs one statement fewer."""
        self._claiming = parameters

    async def claim_now(self, parameters: dict[str, Any]) -> None:
        """Claim the idempotency key (`claim_parameters`) in a statement of its own."""
        inserted = await self.session.scalar(claim_statement(dialect_of(self.session)), parameters)
        await self._take_claim(await claimed(self.session, parameters, inserted))

    async def _claim_alone(self, parameters: dict[str, Any] | None) -> None:
        if parameters is not None:
            await self.claim_now(parameters)

    async def _take_claim(self, claim: Claim) -> None:
        """A retry gets the first result back (Replay), whatever its input says now."""
        self.claim = claim
        if claim.replay_id is not None:
            raise Replay(claim.replay_id)

    async def load_optional(self, model: type[M], global_id: str | None, field_name: str) -> M | None:
        return None if global_id is None else await self.load(model, global_id, field_name)

    async def add(self, row: M, evidence: Sequence[StoredEvidence] = ()) -> M:
        """Insert and audit a new row, read back as stored (RETURNING) so the first answer and every
        replay agree; with the evidence files (stored before the transaction) attached, and named in
        the audit. Returns the stored row: use it, not the one passed in."""
        model = type(row)
        values = {attr.key: row.__dict__[attr.key] for attr in inspect(model).column_attrs if attr.key in row.__dict__}
        # As a plain type, which mypy sees as Hashable (lru_cache's arguments), unlike type[M] (python/mypy#11470).
        entity: type = model
        stored_row = await self.session.scalar(insert_returning(entity), values)
        if not isinstance(stored_row, model):
            raise RuntimeError(f"inserting a {model.__name__} returned no row")
        await self.audit(stored_row, None, await self.attach(stored_row, evidence))
        return stored_row

    async def attach(self, row: Any, evidence: Sequence[StoredEvidence]) -> Snapshot | None:
        """Attach evidence files (stored before the transaction) to a row; what its audit event adds."""
        if not evidence:
            return None
        return {"evidence": await attach(self.session, self.scope.actor.name, row, list(evidence))}

    async def audit(self, row: Any, before: Snapshot | None, extra: Snapshot | None = None) -> None:
        """Audit the row as it is now: its event is written with the write's batch."""
        await self.session.flush()
        self._audit_rows.append(audit_values(self.scope, self.action, row, before, extra))
        self.audited += 1

    async def finish(self) -> None:
        """Write what the write left for its end (audit events first), before the commit."""
        if self._audit_rows:
            rows, self._audit_rows = self._audit_rows, []
            self.batch.add(insert_rows(AuditEvent, tuple(rows[0]), len(rows)), rows_parameters(rows))
        await self.batch.run(self.session)

    async def guarded_update(
        self,
        row: Any,
        values: dict[str, Any],
        guard: ColumnElement[bool],
        refusal: UserError,
        audit_extra: Snapshot | None = None,
    ) -> None:
        """UPDATE the row only while `guard` holds; if a concurrent write changed it first, the
        UPDATE matches no row (PostgreSQL re-checks the guard after waiting for the row lock) and
        the whole write is refused. Audited."""
        model = type(row)
        statement = update(model).where(model.id == row.id, guard).values(**values).returning(model)
        await self._update(row, statement, {}, refusal, audit_extra)

    async def _update(
        self,
        row: Any,
        statement: Update,
        parameters: dict[str, Any],
        refusal: UserError,
        audit_extra: Snapshot | None,
    ) -> None:
        before = snapshot(row)
        # Read back as stored in the same statement: the row in the session takes the new values.
        updated = await self.session.scalar(
            statement, parameters, execution_options={"synchronize_session": False, "populate_existing": True}
        )
        if updated is None:
            raise UserErrors(refusal)
        await self.audit(row, before, audit_extra)

    async def versioned_update(
        self,
        row: Any,
        values: dict[str, Any],
        expected_version: int | None = None,
        field_name: str = "version",
        audit_extra: Snapshot | None = None,
    ) -> None:
        """Change a row that several people edit: refused with STALE_VERSION unless its version is
        still the one the client saw (or, if the client gave none, the one just read)."""
        version = row.version if expected_version is None else expected_version
        stale = _stale(row, version, field_name)
        if version != row.version:
            raise UserErrors(stale)
        entity: type = type(row)  # Hashable to mypy, as lru_cache's arguments must be (python/mypy#11470)
        statement = versioned_update_statement(entity, tuple(values))
        await self._update(row, statement, versioned_update_parameters(row, values, version), stale, audit_extra)

    async def versioned_update_and_guarded_update(
        self,
        row: Any,
        values: dict[str, Any],
        expected_version: int,
        field_name: str,
        other: Any,
        other_values: dict[str, Any],
        guard: tuple[str, Any],
        refusal: UserError,
    ) -> None:
        """`versioned_update(row, values, expected_version, field_name)` and then
        `guarded_update(other, other_values, <other's column guard[0] still holds guard[1]>, refusal)`:
        on PostgreSQL in one statement, the second UPDATE a data-modifying WITH query that runs only
        after the first changed its row. Either refused, both are rolled back."""
        column, held = guard
        other_model = type(other)
        if dialect_of(self.session) != "postgresql":
            await self.versioned_update(row, values, expected_version, field_name)
            await self.guarded_update(other, other_values, other_model.__table__.c[column] == held, refusal)
            return
        stale = _stale(row, expected_version, field_name)
        if expected_version != row.version:
            raise UserErrors(stale)
        before, other_before = snapshot(row), snapshot(other)
        entity: type = type(row)  # Hashable to mypy, as lru_cache's arguments must be (python/mypy#11470)
        other_entity: type = other_model
        statement = two_updates_statement(entity, tuple(values), other_entity, tuple(other_values), column)
        parameters = two_updates_parameters(row, values, expected_version, other, other_values, held)
        # Both rows in the session take their new values, as with versioned_update.
        found = (
            await self.session.execute(statement, parameters, execution_options={"populate_existing": True})
        ).first()
        if found is None:
            raise UserErrors(stale)
        if found[1] is None:
            raise UserErrors(refusal)
        await self.audit(row, before)
        await self.audit(other, other_before)

    async def versioned_update_and_add(
        self, row: Any, values: dict[str, Any], new_row: M, evidence: Sequence[StoredEvidence] = ()
    ) -> M:
        """`versioned_update(row, values)` (at the version just read) and then `add(new_row, evidence)`:
        on PostgreSQL in one statement, the UPDATE and the INSERT each a data-modifying WITH query
        of the SELECT that reads both back. The INSERT does not depend on the UPDATE: if the UPDATE
        matched no row, the write is refused and both are rolled back."""
        if dialect_of(self.session) != "postgresql":
            await self.versioned_update(row, values)
            return await self.add(new_row, evidence)
        before = snapshot(row)
        new_values = insert_values(new_row)
        entity: type = type(row)  # Hashable to mypy, as above
        new_entity: type = type(new_row)
        statement = update_and_insert_statement(entity, tuple(values), new_entity, tuple(new_values))
        parameters = update_and_insert_parameters(row, values, new_values)
        # The row in the session takes its new values, as with versioned_update.
        updated, stored_row = (
            await self.session.execute(statement, parameters, execution_options={"populate_existing": True})
        ).one()
        if updated is None:
            raise UserErrors(_stale(row, row.version, "version"))
        if not isinstance(stored_row, type(new_row)):
            raise RuntimeError(f"inserting a {type(new_row).__name__} returned no row")
        await self.audit(row, before)
        await self.audit(stored_row, None, await self.attach(stored_row, evidence))
        return stored_row

    async def void(self, row: Any, reason: str) -> None:
        model = type(row)
        refusal = UserError(
            f"this {model.__name__} is already voided",
            ErrorCode.NOT_ALLOWED_TRANSITION,
            ["id"],
            message_zh=f"此{type_name_zh(model.__name__)}已作废",
        )
        if row.voided_at is not None:
            raise UserErrors(refusal)
        await self.guarded_update(
            row, {"voided_at": utcnow(), "void_reason": reason}, model.voided_at.is_(None), refusal
        )


def _stale(row: Any, version: int, field_name: str) -> UserError:
    type_name = type(row).__name__
    return UserError(
        f"the {type_name} was changed by someone else (version {row.version}, you sent {version}); "
        "reload it and try again",
        ErrorCode.STALE_VERSION,
        [field_name],
        message_zh=f"此{type_name_zh(type_name)}已被他人修改（当前第 {row.version} 版，您提交的是第 {version} 版）；"
        "请刷新后重试",
    )


class Replay(Exception):
    """The request is a retry: its answer is the first request's result, of this id."""

    def __init__(self, result_id: int | None) -> None:
        super().__init__(result_id)
        self.result_id = result_id
