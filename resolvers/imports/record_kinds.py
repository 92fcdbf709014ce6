"""Importing a pairing's records: milestones, training sessions, service activities, resource links
and service stations, each checked by its mutation's own rules (check_new_milestone, check_training,
check_activity, check_resource, check_station).

A record is found again by its pairing and external ID: the 外部编号 column where the row has one,
else a key made of the record's date, kind and its place among the file's rows alike in those, so that
importing the same file again matches every row to the record it made.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from types import SimpleNamespace
from typing import Any, ClassVar

from sqlalchemy import select

from db.models import Milestone, ResourceLink, ServiceActivity, ServiceStation, TrainingSession
from db.models.imports import EXTERNAL_ID_LENGTH
from db.records import read_columns
from resolvers import access
from resolvers.activities import RecordServiceActivity, check_activity
from resolvers.errors import ErrorCode
from resolvers.ids import encode_id
from resolvers.imports.kinds import SPECS, ImportKind
from resolvers.imports.lookups import Unresolved
from resolvers.imports.plans import Handler, Planned, Row, changed
from resolvers.imports.report import Problem
from resolvers.milestones import CreateMilestone, check_new_milestone
from resolvers.resources import RecordResourceLink, check_resource
from resolvers.stations import CreateServiceStation, check_station
from resolvers.totals import activity_delta, resource_delta, training_delta
from resolvers.training import RecordTrainingSession, check_training
from resolvers.validation import Checks

# Existing records are read for this many pairings per statement.
PAIRINGS_PER_READ = 500


class RecordImport(Handler):
    """What the record kinds share: the pairing a row names, its key, and matching stored records."""

    # The records of a pairing, found by their external id.
    model: ClassVar[type[Milestone | TrainingSession | ServiceActivity | ResourceLink | ServiceStation]]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.alike: Counter[tuple[Any, ...]] = Counter()
        self.rows_by_key: dict[tuple[int, str], int] = {}
        # A tally names the same few pairings on thousands of rows: each is resolved once.
        self.pairings: dict[tuple[Any, Any, Any], Any] = {}

    def plan(self, row: Row) -> None:
        pairing = self._pairing(row)
        if pairing is None or not self.allowed(row, self.create_permission, pairing=pairing):
            return
        checks = Checks()
        values = self.values(row, checks, pairing)
        checks.text("external_id", row["external_id"], max_length=EXTERNAL_ID_LENGTH, required=False)
        if values is None or not self.checked(row, checks):
            return
        key = (pairing.id, self._external_id(row, pairing))
        if key in self.rows_by_key:
            self.problem(
                row,
                "external_id",
                f"the external ID is also on row {self.rows_by_key[key]}",
                f"外部编号与第 {self.rows_by_key[key]} 行重复",
                ErrorCode.CONFLICT,
            )
            return
        self.rows_by_key[key] = row.number
        self.plans.append(Planned(row.number, key, {**values, "external_id": key[1]}, pairing_id=pairing.id))

    def values(self, row: Row, checks: Checks, pairing: Any) -> dict[str, Any] | None:
        raise NotImplementedError

    def _pairing(self, row: Row) -> Any:
        """The row's pairing; None, with the row's problem reported, if it names none the caller may read."""
        reference = (row["supported"], row["program"], row["pairing_starts_on"])
        if reference not in self.pairings:
            self.pairings[reference] = self._resolve_pairing(*reference)
        found = self.pairings[reference]
        if isinstance(found, tuple):
            column, message, message_zh = found
            self.problem(row, column, message, message_zh, ErrorCode.NOT_FOUND)
            return None
        return found

    def _resolve_pairing(self, supported_text: str, program_text: str | None, starts_on: Any) -> Any:
        """The pairing, or (column, message, message_zh) saying why there is none."""
        column = "supported"
        try:
            supported = self.directory.agency(supported_text)
            column = "program"
            program = self.directory.program(program_text) if program_text else None
            column = "supported"
            pairing = self.directory.pairing(supported, program, starts_on)
        except Unresolved as exc:
            return column, exc.message, exc.message_zh
        if not access.can_read_pairing(self.scope.actor, pairing):
            # As Tx.load answers a pairing the caller may not read: as if it did not exist.
            return "supported", "no such pairing in your scope", "当前账号范围内没有该结对"
        return pairing

    def _external_id(self, row: Row, pairing: Any) -> str:
        given: str | None = row["external_id"]
        if given:
            return given
        parts = tuple(str(getattr(row[key], "value", row[key])) for key in self.spec.key_columns)
        self.alike[(pairing.id, *parts)] += 1
        key = "auto:" + ":".join((*parts, str(self.alike[(pairing.id, *parts)])))
        if len(key) > EXTERNAL_ID_LENGTH:
            key = "auto:" + hashlib.sha256(key.encode()).hexdigest()[:40]
        return key

    async def match(self) -> None:
        stored = await self._stored({plan.pairing_id for plan in self.plans if plan.pairing_id is not None})
        for plan in self.plans:
            plan.existing = stored.get(plan.key)
            if plan.existing is None:
                continue
            plan.changes = changed(plan.existing, plan.values)
            if plan.changes and getattr(plan.existing, "voided_at", None) is not None:
                self.report.add(self._voided_problem(plan))
            elif plan.changes and not self._may_update(plan):
                self.report.add(self._forbidden_update(plan))

    def _may_update(self, plan: Planned) -> bool:
        return True

    def _voided_problem(self, plan: Planned) -> Problem:
        object_id = encode_id(self.model.__name__, plan.existing.id)
        return Problem(
            self.report.sheet,
            plan.row,
            None,
            plan.key[1],
            f"the record this row matches ({object_id}) was voided; give the row a new external ID",
            "该行对应的记录已作废，不能修改；如需重新录入，请填写新的外部编号",
            ErrorCode.NOT_ALLOWED_TRANSITION,
        )

    def _forbidden_update(self, plan: Planned) -> Problem:
        return Problem(
            self.report.sheet,
            plan.row,
            None,
            None,
            f"{self.scope.actor.role.value} may not {self.update_permission}",
            f"当前账号无权执行此操作（{self.update_permission}）",
            ErrorCode.FORBIDDEN,
        )

    async def _stored(self, pairing_ids: set[int]) -> dict[tuple[int, str], Any]:
        model = self.model
        found: dict[tuple[int, str], Any] = {}
        ids = sorted(pairing_ids)
        for start in range(0, len(ids), PAIRINGS_PER_READ):
            statement = select(*read_columns(model)).where(
                model.pairing_id.in_(ids[start : start + PAIRINGS_PER_READ]), model.external_id.is_not(None)
            )
            for row in await self.scope.db.fetch(statement):
                found[(row.pairing_id, row.external_id)] = row
        return found


class MilestoneImport(RecordImport):
    spec = SPECS[ImportKind.MILESTONES]
    model = Milestone
    create_permission = "createMilestone"
    update_permission = "updateMilestone"
    versioned = True

    def values(self, row: Row, checks: Checks, pairing: Any) -> dict[str, Any] | None:
        request = CreateMilestone(
            pairing_id="",
            title=row["title"],
            category=row["category"],
            term_year=row["term_year"],
            due_on=row["due_on"],
            target_value=row["target_value"],
            unit=row["unit"],
        )
        title, unit = check_new_milestone(checks, pairing, request)
        return {
            "title": title,
            "category": request.category,
            "term_year": request.term_year,
            "due_on": request.due_on,
            "target_value": request.target_value,
            "unit": unit,
        }

    def _may_update(self, plan: Planned) -> bool:
        return self.scope.actor.role in access.roles_for("updateMilestone")


class TrainingImport(RecordImport):
    spec = SPECS[ImportKind.TRAINING_SESSIONS]
    model = TrainingSession
    create_permission = update_permission = "recordTrainingSession"

    def values(self, row: Row, checks: Checks, pairing: Any) -> dict[str, Any] | None:
        request = RecordTrainingSession(
            pairing_id="",
            topic=row["topic"],
            starts_on=row["starts_on"],
            mode=row["mode"],
            participants=row["participants"],
            hours=row["hours"],
            ends_on=row["ends_on"],
        )
        topic = check_training(checks, pairing, request, self.scope.today)
        return {
            "topic": topic,
            "starts_on": request.starts_on,
            "ends_on": request.ends_on or request.starts_on,
            "hours": request.hours,
            "mode": request.mode,
            "participants": request.participants,
        }

    def totals_delta(self, values: dict[str, Any], sign: int) -> dict[str, Any] | None:
        return training_delta(sign)


class ActivityImport(RecordImport):
    spec = SPECS[ImportKind.SERVICE_ACTIVITIES]
    model = ServiceActivity
    create_permission = update_permission = "recordServiceActivity"
    needs_stations = True

    def values(self, row: Row, checks: Checks, pairing: Any) -> dict[str, Any] | None:
        station = None
        if row["station"]:
            station = self.resolve(row, "station", lambda name: self.directory.station(pairing.id, name))
            if station is None:
                return None
        request = RecordServiceActivity(
            pairing_id="",
            kind=row["kind"],
            occurred_on=row["occurred_on"],
            count=row["count"],
            beneficiaries=row["beneficiaries"] or 0,
            note=row["note"],
        )
        note = check_activity(checks, pairing, station, request, self.scope.today)
        return {
            "station_id": station.id if station else None,
            "kind": request.kind,
            "occurred_on": request.occurred_on,
            "count": request.count,
            "beneficiaries": request.beneficiaries,
            "note": note,
        }

    def totals_delta(self, values: dict[str, Any], sign: int) -> dict[str, Any] | None:
        return activity_delta(SimpleNamespace(**values), sign)  # type: ignore[arg-type]


class ResourceImport(RecordImport):
    spec = SPECS[ImportKind.RESOURCE_LINKS]
    model = ResourceLink
    create_permission = update_permission = "recordResourceLink"

    def values(self, row: Row, checks: Checks, pairing: Any) -> dict[str, Any] | None:
        request = RecordResourceLink(
            pairing_id="",
            project_name=row["project_name"],
            kind=row["kind"],
            amount_yuan=row["amount_yuan"],
            occurred_on=row["occurred_on"],
            donor=row["donor"],
            disbursement_batch=row["disbursement_batch"],
            people_funded=row["people_funded"] or 0,
        )
        project_name, donor = check_resource(checks, pairing, request, self.scope.today)
        return {
            "project_name": project_name,
            "kind": request.kind,
            "amount_yuan": request.amount_yuan,
            "occurred_on": request.occurred_on,
            "donor": donor,
            "disbursement_batch": request.disbursement_batch,
            "people_funded": request.people_funded,
        }

    def totals_delta(self, values: dict[str, Any], sign: int) -> dict[str, Any] | None:
        return resource_delta(SimpleNamespace(**values), sign)  # type: ignore[arg-type]


class StationImport(RecordImport):
    spec = SPECS[ImportKind.SERVICE_STATIONS]
    model = ServiceStation
    create_permission = update_permission = "createServiceStation"

    def values(self, row: Row, checks: Checks, pairing: Any) -> dict[str, Any] | None:
        region = self.resolve(row, "region", self.directory.region)
        agency = self.resolve(row, "agency", self.directory.agency) if row["agency"] else None
        if region is None or (row["agency"] and agency is None):
            return None
        request = CreateServiceStation(
            pairing_id="", name=row["name"], region_id="", established_on=row["established_on"]
        )
        name = check_station(checks, pairing, region, agency, request, self.scope.today)
        return {
            "name": name,
            "region_id": region.id,
            "agency_id": agency.id if agency else pairing.supported_id,
            "established_on": request.established_on,
        }
