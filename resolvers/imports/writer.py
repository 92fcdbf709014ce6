"""Writing a checked plan: one transaction for the whole file, so that a file is imported entirely
or not at all, and a second run after a failure simply starts again (the import is idempotent).

Rows go in batches: one INSERT … RETURNING id per batch of new objects, one executemany UPDATE per
batch of changed ones, their audit events likewise, and one UPDATE of the counter row per pairing
touched. Objects other people edit (agencies, pairings, milestones) get their version raised, and the
versions the plan was checked against are read again under lock first: if someone changed one of
them meanwhile, the whole import is refused as stale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import table_of, utcnow
from db.models import AuditEvent, Pairing, PairingTotals
from resolvers.audit import json_value
from resolvers.errors import ErrorCode
from resolvers.imports.plans import Handler, Planned
from resolvers.imports.report import Problem, RowOutcome
from resolvers.totals import add_to_many_totals

BATCH = 1_000
ACTION = "importRecords"

Progress = Callable[[int], Awaitable[Any]]


class StaleImport(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


async def write_plan(session: AsyncSession, handler: Handler, progress: Progress | None = None) -> None:
    """Create and update the plan's objects, audit each, and keep the pairings' counters exact."""
    creates = [plan for plan in handler.plans if plan.outcome is RowOutcome.CREATED]
    updates = [plan for plan in handler.plans if plan.outcome is RowOutcome.UPDATED]
    if handler.versioned and updates:
        await _check_versions(session, handler, updates)
    totals: dict[int, dict[str, Any]] = defaultdict(dict)
    written = 0
    for start in range(0, len(creates), BATCH):
        batch = creates[start : start + BATCH]
        await _insert(session, handler, batch)
        for plan in batch:
            _add(totals, plan.pairing_id, handler.totals_delta(plan.values, 1))
        written += len(batch)
        if progress:
            await progress(written)
    for start in range(0, len(updates), BATCH):
        batch = updates[start : start + BATCH]
        await _update(session, handler, batch)
        for plan in batch:
            if getattr(plan.existing, "voided_at", None) is None:
                _add(totals, plan.pairing_id, handler.totals_delta(plan.existing._asdict(), -1))
                _add(totals, plan.pairing_id, handler.totals_delta({**plan.existing._asdict(), **plan.changes}, 1))
        written += len(batch)
        if progress:
            await progress(written)
    await add_to_many_totals(session, totals)


def _add(totals: dict[int, dict[str, Any]], pairing_id: int | None, delta: dict[str, Any] | None) -> None:
    if pairing_id is None or not delta:
        return
    counters = totals[pairing_id]
    for column, amount in delta.items():
        counters[column] = counters.get(column, 0) + amount


async def _insert(session: AsyncSession, handler: Handler, batch: list[Planned]) -> None:
    model = handler.model
    rows = [{**plan.values, "pairing_id": plan.pairing_id} if plan.pairing_id else dict(plan.values) for plan in batch]
    # Core statements on the tables: the ORM's bulk machinery costs more than the rows' own work.
    # The new ids come back with the natural keys rather than in the rows' order, which SQLite could
    # only promise by inserting one row per statement.
    table = table_of(model)
    keys = [table.c[name] for name in handler.key_columns]
    statement = insert(table).returning(table.c.id, *keys)
    by_key = {plan.key: plan for plan in batch}
    returned = (await session.execute(statement, rows)).all()
    new_ids: dict[Any, int] = {}
    for new_id, *key in returned:
        plan_key = key[0] if len(key) == 1 else tuple(key)
        by_key[plan_key].new_id = new_ids[plan_key] = new_id
    ids = [new_id for new_id, *_ in returned]
    if model is Pairing:
        await session.execute(insert(table_of(PairingTotals)), [{"pairing_id": new_id} for new_id in ids])
    await _audit(session, handler, [(new_ids[plan.key], None, _json(plan.values)) for plan in batch])


async def _update(session: AsyncSession, handler: Handler, batch: list[Planned]) -> None:
    model = handler.model
    now = utcnow()
    rows = []
    events = []
    for plan in batch:
        values = dict(plan.changes)
        if handler.versioned:
            values["version"] = plan.existing.version + 1
        rows.append({"row_id": plan.existing.id, **values, "updated_at": now})
        before = {key: json_value(getattr(plan.existing, key)) for key in values}
        events.append((plan.existing.id, before, _json(values)))
    # Rows grouped by the columns they change: one executemany per group.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    table = table_of(model)
    for columns, group in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({column: bindparam(f"new_{column}") for column in columns if column != "row_id"})
        )
        await session.execute(
            statement,
            [{f"new_{key}" if key != "row_id" else key: value for key, value in row.items()} for row in group],
        )
    await _audit(session, handler, events)


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {key: json_value(value) for key, value in values.items()}


async def _audit(
    session: AsyncSession,
    handler: Handler,
    events: Sequence[tuple[int, dict[str, Any] | None, dict[str, Any]]],
) -> None:
    scope = handler.scope
    now = utcnow()
    await session.execute(
        insert(table_of(AuditEvent)),
        [
            {
                "occurred_at": now,
                "actor_token_id": scope.actor.token_id,
                "actor_name": scope.actor.name,
                "action": ACTION,
                "object_type": handler.model.__name__,
                "object_id": object_id,
                "changes": {"before": before or {}, "after": after},
                "request_id": scope.request_id,
            }
            for object_id, before, after in events
        ],
    )


async def _check_versions(session: AsyncSession, handler: Handler, updates: list[Planned]) -> None:
    model = handler.model
    table = table_of(model)
    expected = {plan.existing.id: (plan.existing.version, plan.row) for plan in updates}
    ids = sorted(expected)
    for start in range(0, len(ids), BATCH):
        statement = (
            select(table.c.id, table.c.version)
            .where(table.c.id.in_(ids[start : start + BATCH]))
            .order_by(table.c.id)  # locked in one order: two imports over the same rows queue, not deadlock
            .with_for_update()
        )
        for object_id, version in (await session.execute(statement)).all():
            seen, row = expected[object_id]
            if version != seen:
                raise StaleImport(
                    Problem(
                        handler.report.sheet,
                        row,
                        None,
                        None,
                        f"the {model.__name__} of this row was changed by someone else during the import; import the file again",
                        "该行对应的对象在导入过程中被他人修改，请重新导入",
                        ErrorCode.STALE_VERSION,
                    )
                )


__all__ = ["ACTION", "StaleImport", "write_plan"]
