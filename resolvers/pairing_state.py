"""What a pairing's status lets anyone write in it: the rule every write on a pairing passes, once,
through `access.require` (which every write calls with the pairing it touches).

- PLANNED and ACTIVE: everything the permission matrix allows.
- SUSPENDED (暂停): the work is on hold, so nothing new is recorded in it: no training sessions,
  service activities, stations, incubations or stage changes, resource links, nor milestone updates.
  Staff may still plan (create and change milestones) and review updates submitted before the
  suspension, and mistakes may still be voided; every read is as before.
- COMPLETED and TERMINATED (closed): the record of a finished term is final. Nothing is added or
  changed in it; only an ADMIN may still void a record entered by mistake (audited like any void).
  What a closed pairing may become is `changePairingStatus`'s own rule: nothing.

A refused write is the user error NOT_ALLOWED_TRANSITION and writes nothing.
"""

from __future__ import annotations

from typing import Any

from db.models import PairingStatus
from resolvers.errors import ErrorCode, UserError, UserErrors

CLOSED = frozenset({PairingStatus.COMPLETED, PairingStatus.TERMINATED})

# Permissions that record new work in a pairing: refused while it is suspended.
RECORDING = frozenset(
    {
        "recordTrainingSession",
        "recordServiceActivity",
        "createServiceStation",
        "recordIncubation",
        "changeIncubationStage",
        "recordResourceLink",
        "submitMilestoneUpdate",
    }
)
# The pairing's own status moves, ruled by its transitions rather than here.
OWN_STATUS = frozenset({"changePairingStatus"})


def require_open(permission: str, pairing: Any, *, admin_void: bool) -> None:
    """Raise NOT_ALLOWED_TRANSITION unless `permission` may be exercised in `pairing` in its status.
    `admin_void` is an ADMIN voiding a record, which a closed pairing still allows. A pairing being
    created has no status yet and passes."""
    status = getattr(pairing, "status", None)
    if status is None or permission in OWN_STATUS:
        return
    if status in CLOSED and not admin_void:
        raise UserErrors(
            UserError(
                f"the pairing is {status.value}: its records are final and take no more changes",
                ErrorCode.NOT_ALLOWED_TRANSITION,
                message_zh=f"结对已{_ZH[status]}，记录已归档，不能再新增或修改",
            )
        )
    if status is PairingStatus.SUSPENDED and permission in RECORDING:
        raise UserErrors(
            UserError(
                "the pairing is SUSPENDED: nothing new is recorded in it until it is ACTIVE again",
                ErrorCode.NOT_ALLOWED_TRANSITION,
                message_zh="结对已暂停，恢复为进行中之前不能新增记录或进展报告",
            )
        )


_ZH = {PairingStatus.COMPLETED: "结项", PairingStatus.TERMINATED: "终止"}
