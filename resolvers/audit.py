"""The audit trail: one append-only AuditEvent per object a mutation changes, written in the
mutation's transaction (with its batch, resolvers/writes.py). Nothing here (or anywhere) updates or
deletes audit rows."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, inspect, or_, select

from db.base import utcnow
from db.models import (
    AuditEvent,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from db.records import read_columns
from resolvers import access
from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_id
from resolvers.pagination import Ordering, Page, paginate
from resolvers.scope import Scope

AUDIT_ORDER = Ordering(columns=(AuditEvent.id,), key_of=lambda event: (event.id,))

# Bookkeeping columns say nothing a reader of the trail needs (`occurred_at` already dates the event),
# and a password hash is a secret.
UNAUDITED = frozenset({"id", "created_at", "updated_at", "password_hash"})

Snapshot = dict[str, Any]
MASK = "(hidden)"


def json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return value


def snapshot(row: Any) -> Snapshot:
    """The row's audited column values, as JSON."""
    columns = inspect(row).mapper.column_attrs
    # A model names the columns whose values must not be copied (a webhook's signing secret):
    # the trail shows that they changed, never what they hold.
    masked: frozenset[str] = getattr(type(row), "audit_masked", frozenset())
    return {
        attr.key: MASK if attr.key in masked else json_value(getattr(row, attr.key))
        for attr in columns
        if attr.key not in UNAUDITED
    }


def diff(before: Snapshot | None, after: Snapshot) -> dict[str, Snapshot]:
    """Only the fields that changed; a new object has no `before` values."""
    if before is None:
        return {"before": {}, "after": after}
    changed = [key for key, value in after.items() if before.get(key) != value]
    return {"before": {key: before.get(key) for key in changed}, "after": {key: after[key] for key in changed}}


def audit_values(
    scope: Scope, action: str, row: Any, before: Snapshot | None, extra: Snapshot | None = None
) -> dict[str, Any]:
    """The AuditEvent of a change to `row` (as it is now), as the values of its INSERT. `extra`: what
    the write did beside the row's columns (e.g. the files it attached), recorded among the `after` values."""
    changes = diff(before, snapshot(row))
    if extra:
        changes["after"].update(extra)
    return {
        "occurred_at": utcnow(),
        "actor_token_id": scope.actor.token_id,
        "actor_name": scope.actor.name,
        "action": action,
        "object_type": type(row).__name__,
        "object_id": row.id,
        "changes": changes,
        "request_id": scope.request_id,
    }


# The records of a pairing whose trails its trail takes in, with its milestones and their updates.
PAIRING_RECORDS = (TrainingSession, ServiceActivity, ServiceStation, IncubatedOrganization, ResourceLink)


def _events_of(type_name: str, ids: Any) -> ColumnElement[bool]:
    """Events of objects of one type: `ids` is one id or a select of ids (each read through the
    (object_type, object_id) index)."""
    match = AuditEvent.object_id.in_(ids) if hasattr(ids, "subquery") else AuditEvent.object_id == ids
    return and_(AuditEvent.object_type == type_name, match)


def _trail(type_name: str, pk: int, with_descendants: bool) -> ColumnElement[bool]:
    """The events of one object and, if asked, of the objects under it: a milestone's updates; a
    pairing's milestones, their updates and its records (their evidence files are in their events)."""
    own = _events_of(type_name, pk)
    if not with_descendants or type_name not in ("Pairing", "Milestone"):
        return own
    if type_name == "Milestone":
        updates = select(MilestoneUpdate.id).where(MilestoneUpdate.milestone_id == pk)
        return or_(own, _events_of("MilestoneUpdate", updates))
    milestones = select(Milestone.id).where(Milestone.pairing_id == pk)
    updates = select(MilestoneUpdate.id).where(MilestoneUpdate.milestone_id.in_(milestones))
    records = [_events_of(model.__name__, select(model.id).where(model.pairing_id == pk)) for model in PAIRING_RECORDS]
    return or_(own, _events_of("Milestone", milestones), _events_of("MilestoneUpdate", updates), *records)


async def list_audit_events(
    scope: Scope, object_id: str, *, first: int | None, after: str | None, with_descendants: bool = False
) -> Page[AuditEvent]:
    """The trail of one object (any type, by its global ID), oldest first; `with_descendants` adds
    the trails of what is under it (see _trail)."""
    if not access.reads_audit(scope.actor):
        raise ApiError(
            ErrorCode.FORBIDDEN,
            f"{scope.actor.role.value} may not read the audit trail",
            message_zh=f"{scope.actor.role.value} 角色无权查看审计记录",
        )
    type_name, pk = decode_id(object_id)
    if type_name == "AuditEvent":
        raise ApiError(
            ErrorCode.INVALID, "audit events have no audit trail of their own", message_zh="审计事件本身没有审计记录"
        )
    statement = select(*read_columns(AuditEvent)).where(_trail(type_name, pk, with_descendants))
    return await paginate(scope.db, statement, AUDIT_ORDER, first=first, after=after)
