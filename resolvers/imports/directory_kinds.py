"""Importing agencies (keyed by credit code) and pairings (keyed by program, supported agency and
start date), with the rules of createAgency/updateAgency and createPairing/changePairingStatus."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from db.models import Agency, AgencyStatus, Pairing, PairingStatus
from resolvers import access
from resolvers.errors import ErrorCode
from resolvers.imports.kinds import SPECS, ImportKind
from resolvers.imports.plans import Handler, Planned, Row
from resolvers.pairings import PAIRING_TRANSITIONS, check_new_pairing, term_end
from resolvers.validation import NAME_LENGTH, REASON_LENGTH, Checks


class AgencyImport(Handler):
    spec = SPECS[ImportKind.AGENCIES]
    model = Agency
    create_permission = "createAgency"
    update_permission = "updateAgency"
    versioned = True
    key_columns = ("credit_code",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.rows_by_code: dict[str, int] = {}

    def plan(self, row: Row) -> None:
        checks = Checks()
        name = checks.text("name", row["name"], max_length=NAME_LENGTH)
        code = checks.credit_code("credit_code", row["credit_code"])
        region = self.resolve(row, "region", self.directory.region)
        if not self.checked(row, checks) or region is None or code is None:
            return
        if code in self.rows_by_code:
            self.problem(
                row,
                "credit_code",
                f"the credit code is also on row {self.rows_by_code[code]}",
                f"该统一社会信用代码与第 {self.rows_by_code[code]} 行重复",
                ErrorCode.CONFLICT,
            )
            return
        self.rows_by_code[code] = row.number
        existing = self.directory.agencies_by_code.get(code)
        values = {"name": name, "credit_code": code, "region_id": region.id}
        if existing is None:
            if not self.allowed(row, "createAgency"):
                return
            values["status"] = row["status"] or AgencyStatus.REGISTERED
        else:
            if not self.allowed(row, "updateAgency", agency_id=existing.id, region_path=region.path):
                return
            if row["status"] is not None:
                values["status"] = row["status"]
        self.plans.append(Planned(row.number, code, values, existing=existing))


class PairingImport(Handler):
    spec = SPECS[ImportKind.PAIRINGS]
    model = Pairing
    create_permission = "createPairing"
    update_permission = "changePairingStatus"
    versioned = True
    key_columns = ("program_id", "supported_id", "starts_on")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.rows_by_key: dict[tuple[int, int, Any], int] = {}
        self.active: dict[tuple[int, int], int] = {}  # (program, supported) -> row making it ACTIVE

    def plan(self, row: Row) -> None:
        program = self.resolve(row, "program", self.directory.program)
        mentor = self.resolve(row, "mentor", self.directory.agency)
        supported = self.resolve(row, "supported", self.directory.agency)
        if program is None or mentor is None or supported is None:
            return
        key = (program.id, supported.id, row["starts_on"])
        if key in self.rows_by_key:
            self.problem(
                row,
                "starts_on",
                f"the same pairing is on row {self.rows_by_key[key]}",
                f"与第 {self.rows_by_key[key]} 行是同一结对（帮扶计划、受援机构、开始日期相同）",
                ErrorCode.CONFLICT,
            )
            return
        self.rows_by_key[key] = row.number
        existing = next(
            (
                p
                for p in self.directory.pairings_by_supported.get(supported.id, [])
                if p.program_id == program.id and p.starts_on == row["starts_on"]
            ),
            None,
        )
        checks = Checks()
        reason = checks.text("status_reason", row["status_reason"], max_length=REASON_LENGTH, required=False)
        if existing is None:
            values = self._new(row, checks, program, mentor, supported)
        else:
            values = self._edit(row, checks, existing, mentor, reason)
        if values is None or not self.checked(row, checks) or not self._one_active(row, key, values, existing):
            return
        self.plans.append(Planned(row.number, key, values, existing=existing))

    def _new(self, row: Row, checks: Checks, program: Any, mentor: Any, supported: Any) -> dict[str, Any] | None:
        parties = SimpleNamespace(mentor_id=mentor.id, supported_id=supported.id)
        if not self.allowed(row, "createPairing", pairing=parties):
            return None
        status = row["status"] or PairingStatus.PLANNED
        ends_on = row["ends_on"] or term_end(row["starts_on"], program.default_term_months)
        check_new_pairing(checks, mentor, supported, status, row["starts_on"], ends_on)
        return {
            "program_id": program.id,
            "mentor_id": mentor.id,
            "supported_id": supported.id,
            "starts_on": row["starts_on"],
            "ends_on": ends_on,
            "status": status,
            "focus_areas": [area.value for area in dict.fromkeys(row["focus_areas"] or [])],
            "status_reason": row["status_reason"],
        }

    def _edit(self, row: Row, checks: Checks, existing: Any, mentor: Any, reason: str | None) -> dict[str, Any] | None:
        """An existing pairing's end date, focus areas and status (by the allowed moves) may change."""
        if not access.can_read_pairing(self.scope.actor, existing):
            self.problem(
                row, "supported", "no such pairing in your scope", "当前账号范围内没有该结对", ErrorCode.NOT_FOUND
            )
            return None
        if not self.allowed(row, "changePairingStatus", pairing=existing):
            return None
        if mentor.id != existing.mentor_id:
            checks.fail("mentor_id", "a pairing's mentor agency cannot be changed", message_zh="结对的帮扶机构不能更改")
        values: dict[str, Any] = {}
        if row["ends_on"] is not None:
            checks.dates_in_order("ends_on", existing.starts_on, row["ends_on"], strict=True)
            values["ends_on"] = row["ends_on"]
        if row["focus_areas"] is not None:
            values["focus_areas"] = [area.value for area in dict.fromkeys(row["focus_areas"])]
        status = row["status"]
        if status is not None and status != existing.status:
            if status not in PAIRING_TRANSITIONS[PairingStatus(existing.status)]:
                checks.fail(
                    "status",
                    f"a {existing.status} pairing cannot become {status.value}",
                    ErrorCode.NOT_ALLOWED_TRANSITION,
                    message_zh="结对状态不能这样变更",
                )
            if status is PairingStatus.TERMINATED and reason is None:
                checks.fail(
                    "status_reason", "a reason is required to terminate a pairing", message_zh="终止结对须填写状态说明"
                )
            values.update(status=status, status_reason=reason)
        return values

    def _one_active(self, row: Row, key: tuple[int, int, Any], values: dict[str, Any], existing: Any) -> bool:
        """A supported agency has at most one ACTIVE pairing per program, in the file and stored."""
        status = values.get("status", existing.status if existing is not None else None)
        if status != PairingStatus.ACTIVE:
            return True
        program_id, supported_id, _ = key
        other_row = self.active.get((program_id, supported_id))
        stored = [
            p
            for p in self.directory.pairings_by_supported.get(supported_id, [])
            if p.program_id == program_id
            and p.status == PairingStatus.ACTIVE
            and (existing is None or p.id != existing.id)
        ]
        if other_row is None and not stored:
            self.active[(program_id, supported_id)] = row.number
            return True
        where = f"row {other_row}" if other_row else "a stored pairing"
        where_zh = f"第 {other_row} 行" if other_row else "已有结对"
        self.problem(
            row,
            "status",
            f"the supported agency already has an ACTIVE pairing in this program ({where})",
            f"受援机构在该计划中已有进行中的结对（{where_zh}）",
            ErrorCode.CONFLICT,
        )
        return False
