"""Who may see and do what. Every object the API returns, and every write, is decided here.

Reads: programs, agencies and regions are a public directory that every role reads. A pairing is
read by the roles that see every pairing, by regional staff when its supported agency lies in the
staff's region or below it, and by the mentor or supported agency of a token of that agency role.
Objects that belong to a pairing (milestones, updates, training, activities, stations, incubations,
resource links) are read exactly when their pairing is. Writes: `require(actor, permission, ...)`;
before it, an object named in a write's input that the actor may not read is answered NOT_FOUND, as
if it did not exist (`Tx.load` in resolvers/writes.py).
The README's "Permissions" section is the same matrix in words; keep the two in step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, select, true

from db.models import (
    Agency,
    AuditEvent,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    Program,
    Region,
    ResourceLink,
    Role,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from resolvers.errors import ApiError, ErrorCode
from resolvers.pairing_state import require_open

log = logging.getLogger("qianshou.access")


@dataclass(frozen=True)
class Actor:
    """The principal behind a request: a token's name, role and, where the role has one, scope.

    `region_path` and `region_agency_ids` are resolved once when the token is authenticated, so that
    write checks on a regional staff's scope need no query of their own."""

    name: str
    role: Role
    token_id: int | None = None
    # Set when a person signed in with an account (server/sessions.py); None for tokens.
    account_id: int | None = None
    agency_id: int | None = None
    region_id: int | None = None
    region_path: str | None = None
    region_agency_ids: frozenset[int] = field(default_factory=frozenset)


ANONYMOUS = Actor(name="anonymous", role=Role.VIEWER)
SYSTEM = Actor(name="system", role=Role.ADMIN)

# Roles that read every pairing and everything in it.
READS_ALL = frozenset({Role.ADMIN, Role.MINISTRY, Role.VIEWER})


def is_scoped(actor: Actor) -> bool:
    """The actor sees only some pairings, so `can_read` needs each object's pairing."""
    return actor.role not in READS_ALL


def reads_review_notes(actor: Actor) -> bool:
    return actor.role is not Role.VIEWER


def reads_audit(actor: Actor) -> bool:
    """Audit events name people and hold before/after values of any object: only the roles that
    read everything, less VIEWER, read them."""
    return actor.role in (Role.ADMIN, Role.MINISTRY)


def require_audit_reader(actor: Actor) -> None:
    if not reads_audit(actor):
        raise ApiError(
            ErrorCode.FORBIDDEN,
            f"{actor.role.value} may not read audit events",
            message_zh=f"{actor.role.value} 角色无权查看审计记录",
        )


def subtree(path: str) -> tuple[str, str]:
    """[low, high) such that low <= p < high holds for `path` and the paths of all regions below it."""
    return path, path[:-1] + chr(ord("/") + 1)


def visible_pairings(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition on `pairings` that an actor may read; the same rule as `can_read_pairing`."""
    if actor.role in READS_ALL:
        return true()
    if actor.role is Role.REGIONAL_STAFF and actor.region_path:
        low, high = subtree(actor.region_path)
        in_region = (
            select(Agency.id).join(Region, Region.id == Agency.region_id).where(Region.path >= low, Region.path < high)
        )
        return Pairing.supported_id.in_(in_region)
    if actor.role is Role.MENTOR_AGENCY and actor.agency_id is not None:
        return Pairing.mentor_id == actor.agency_id
    if actor.role is Role.SUPPORTED_AGENCY and actor.agency_id is not None:
        return Pairing.supported_id == actor.agency_id
    return false()


class PairingParties(Protocol):
    """What decides who sees a pairing: a Pairing row, or anything with these two keys."""

    mentor_id: int
    supported_id: int


def can_read_pairing(actor: Actor, pairing: PairingParties | None) -> bool:
    if actor.role in READS_ALL:
        return True
    if pairing is None:
        return False
    if actor.role is Role.REGIONAL_STAFF:
        return pairing.supported_id in actor.region_agency_ids
    if actor.role is Role.MENTOR_AGENCY:
        return actor.agency_id is not None and pairing.mentor_id == actor.agency_id
    if actor.role is Role.SUPPORTED_AGENCY:
        return actor.agency_id is not None and pairing.supported_id == actor.agency_id
    return False


def _operator_in_scope(actor: Actor, agency_id: int) -> bool:
    """A service station outside any pairing is seen by its operating agency or its region's staff."""
    if actor.role is Role.REGIONAL_STAFF:
        return agency_id in actor.region_agency_ids
    return actor.role in (Role.MENTOR_AGENCY, Role.SUPPORTED_AGENCY) and actor.agency_id == agency_id


# The public directory: every role reads these.
DIRECTORY = (Region, Agency, Program)
# Objects read exactly when their pairing is.
PAIRING_OWNED = (
    Milestone,
    MilestoneUpdate,
    TrainingSession,
    ServiceActivity,
    ServiceStation,
    IncubatedOrganization,
    ResourceLink,
)


def can_read(actor: Actor, kind: type, row: Any, pairing: PairingParties | None = None) -> bool:
    """The one check every object loaded by ID passes. `kind` is the row's model (rows are read as
    plain rows as often as ORM objects); `pairing` is the row's own pairing (for a Pairing, the row
    itself), which the loaders fetch in one batch for all rows of a request. A kind of object this
    function does not know is hidden from scoped roles."""
    if kind is AuditEvent:
        return reads_audit(actor)
    if actor.role in READS_ALL or kind in DIRECTORY:
        return True
    if kind is Pairing:
        return can_read_pairing(actor, row)
    if kind is ServiceStation and row.pairing_id is None:
        return _operator_in_scope(actor, row.agency_id)
    if kind in PAIRING_OWNED:
        return can_read_pairing(actor, pairing)
    return False


# Permission (the mutation's name) -> roles that hold it. Agency roles hold a permission only for
# pairings of their own agency (mentor or supported side); regional staff only inside their region.
WRITE_ROLES: dict[str, frozenset[Role]] = {
    "createProgram": frozenset({Role.MINISTRY}),
    "createAgency": frozenset({Role.MINISTRY}),
    "updateAgency": frozenset({Role.MINISTRY, Role.REGIONAL_STAFF}),
    "createPairing": frozenset({Role.MINISTRY, Role.REGIONAL_STAFF}),
    "changePairingStatus": frozenset({Role.MINISTRY, Role.REGIONAL_STAFF}),
    "createMilestone": frozenset({Role.MINISTRY, Role.REGIONAL_STAFF}),
    "updateMilestone": frozenset({Role.MINISTRY, Role.REGIONAL_STAFF}),
    "reviewMilestoneUpdate": frozenset({Role.MINISTRY, Role.REGIONAL_STAFF}),
    "submitMilestoneUpdate": frozenset({Role.MENTOR_AGENCY}),
    "recordTrainingSession": frozenset({Role.MENTOR_AGENCY}),
    "recordServiceActivity": frozenset({Role.MENTOR_AGENCY, Role.SUPPORTED_AGENCY}),
    "createServiceStation": frozenset({Role.MENTOR_AGENCY}),
    "recordIncubation": frozenset({Role.MENTOR_AGENCY}),
    "changeIncubationStage": frozenset({Role.MENTOR_AGENCY}),
    "recordResourceLink": frozenset({Role.MENTOR_AGENCY}),
    "manageTokens": frozenset(),
    # Webhook subscriptions and their delivery log (resolvers/webhooks.py): ADMIN only.
    "manageWebhooks": frozenset(),
    "manageAccounts": frozenset(),
}

# void<Kind> is held by whoever may record that kind of record.
VOIDS = {
    "voidTrainingSession": "recordTrainingSession",
    "voidServiceActivity": "recordServiceActivity",
    "voidServiceStation": "createServiceStation",
    "voidIncubation": "recordIncubation",
    "voidResourceLink": "recordResourceLink",
}


def roles_for(permission: str) -> frozenset[Role]:
    """Roles holding `permission`; ADMIN holds every one. An unknown permission is held by ADMIN
    alone, so a write nobody listed here fails closed."""
    known = WRITE_ROLES.get(VOIDS.get(permission, permission))
    if known is None:
        log.warning("permission %r is not in the matrix; only ADMIN holds it", permission)
        return frozenset({Role.ADMIN})
    return known | {Role.ADMIN}


def _forbidden(actor: Actor, permission: str, why: str = "", why_zh: str = "") -> ApiError:
    role = actor.role.value
    return ApiError(
        ErrorCode.FORBIDDEN, f"{role} may not {permission}{why}", message_zh=f"{role} 角色无权{why_zh}执行 {permission}"
    )


def require(
    actor: Actor,
    permission: str,
    *,
    pairing: PairingParties | None = None,
    agency_id: int | None = None,
    region_path: str | None = None,
) -> None:
    """Raise ApiError FORBIDDEN unless `actor` may do `permission` (a mutation's name).

    `pairing` is the pairing the write touches (a Pairing row, or for a new pairing anything with
    mentor_id/supported_id); `agency_id` the agency it touches (updateAgency); `region_path` the
    region the write moves something into (an agency's new region). Regional staff act
    only inside their region, agency roles only on their own pairings and their own agency.
    Then the pairing's status must allow the write (resolvers/pairing_state.py): a user error
    NOT_ALLOWED_TRANSITION otherwise, told only to a caller allowed to write there at all."""
    _require_permission(actor, permission, pairing=pairing, agency_id=agency_id, region_path=region_path)
    if pairing is not None:
        require_open(permission, pairing, admin_void=permission in VOIDS and actor.role is Role.ADMIN)


def _require_permission(
    actor: Actor,
    permission: str,
    *,
    pairing: PairingParties | None,
    agency_id: int | None,
    region_path: str | None,
) -> None:
    if actor.role not in roles_for(permission):
        raise _forbidden(actor, permission)
    if actor.role is Role.ADMIN or actor.role is Role.MINISTRY:
        return
    if pairing is not None and not _pairing_in_write_scope(actor, pairing):
        raise _forbidden(actor, permission, " on a pairing outside its scope", "对其范围以外的结对")
    if agency_id is not None and not _agency_in_write_scope(actor, agency_id):
        raise _forbidden(actor, permission, " on an agency outside its scope", "对其范围以外的机构")
    if region_path is not None and not _region_in_write_scope(actor, region_path):
        raise _forbidden(actor, permission, " into a region outside its scope", "向其范围以外的区域")
    if pairing is None and agency_id is None:
        # A scoped role must name what it acts on; without it the write would be unscoped.
        raise _forbidden(
            actor, permission, " without a pairing or agency in its scope", "在未指明其范围内的结对或机构时"
        )


def _pairing_in_write_scope(actor: Actor, pairing: PairingParties) -> bool:
    if actor.role is Role.SUPPORTED_AGENCY:
        return actor.agency_id is not None and pairing.supported_id == actor.agency_id
    if actor.role is Role.MENTOR_AGENCY:
        return actor.agency_id is not None and pairing.mentor_id == actor.agency_id
    return can_read_pairing(actor, pairing)


def _region_in_write_scope(actor: Actor, region_path: str) -> bool:
    if actor.role is not Role.REGIONAL_STAFF:
        return True
    if not actor.region_path:
        return False
    low, high = subtree(actor.region_path)
    return low <= region_path < high


def _agency_in_write_scope(actor: Actor, agency_id: int) -> bool:
    if actor.role is Role.REGIONAL_STAFF:
        return agency_id in actor.region_agency_ids
    return actor.agency_id is not None and actor.agency_id == agency_id


__all__ = [
    "ANONYMOUS",
    "SYSTEM",
    "Actor",
    "can_read",
    "can_read_pairing",
    "is_scoped",
    "require",
    "visible_pairings",
]
