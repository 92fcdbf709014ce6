"""The program, its agencies and pairings, with each pairing's stations, incubated organization and
milestones with their reports; all drawn from generators seeded by the pairing's index."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from db.base import table_of
from db.credit_code import credit_code_check_char
from db.demo.henan import organization_code_check_digit
from db.demo.national.catalog import (
    AGENCY_WORDS,
    AS_OF,
    MILESTONE_SPACING,
    MILESTONE_TITLES,
    PATTERNS,
    PROGRAM_NAME,
    RETURN_NOTE,
    REVIEWER,
    TERM_DAYS,
    Counts,
)
from db.demo.national.records import add_records
from db.demo.national.regions import Place
from db.demo.national.rows import Rows, days, stamp
from db.models import (
    Agency,
    AgencyStatus,
    FocusArea,
    IncubatedOrganization,
    IncubationStage,
    Milestone,
    MilestoneCategory,
    MilestoneStatus,
    MilestoneUpdate,
    Pairing,
    PairingStatus,
    Program,
    ServiceStation,
    UpdateStatus,
)

PAIRINGS_PER_SLICE = 500


def _credit_code(region_code: str, serial: int) -> str:
    # "MK" + serial: the Henan demo draws "MJ" bodies, so the two data sets never share a code.
    body = f"MK{serial:06d}"
    first17 = f"52{region_code}{body}{organization_code_check_digit(body)}"
    return first17 + credit_code_check_char(first17)


def _agency_name(place: Place, serial: int, kind: str) -> str:
    word = AGENCY_WORDS[serial % len(AGENCY_WORDS)]
    round_ = serial // len(AGENCY_WORDS)
    county = place.county_name.removesuffix("（合成）")
    return f"{county}{word}{kind}" + (f"（{round_ + 1}）" if round_ else "")


def generate(
    rows: Rows, counts: Counts, regions: tuple[list[Place], list[Place]], policy: str
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Make the rows, yielding them by table whenever a slice of pairings is made and whole:
    every row's parents are made in the same slice or an earlier one."""
    capitals, others = regions
    at = stamp(dt.date(2023, 1, 1))
    program_id = rows.add(
        table_of(Program),
        {
            "name": PROGRAM_NAME,
            "policy_reference": policy,
            "starts_on": dt.date(2020, 1, 1),
            "ends_on": None,
            "default_term_months": 36,
            "scope_region_id": None,
            "version": 1,
            "created_at": at,
            "updated_at": at,
        },
    )
    mentors = [
        _add_agency(rows, capitals[(n * 7) % len(capitals)], "社会工作服务中心", AgencyStatus.REGISTERED)
        for n in range(counts.mentors)
    ]
    for index in range(counts.pairings):
        place = others[(index * 11) % len(others)]
        supported = _add_agency(rows, place, "社会工作服务中心", AgencyStatus.REGISTERED)
        _generate_pairing(
            rows, random.Random(index), index, program_id, mentors[index % len(mentors)], supported, place
        )
        if index % PAIRINGS_PER_SLICE == PAIRINGS_PER_SLICE - 1:
            yield rows.take()
    yield rows.take()


def _add_agency(rows: Rows, place: Place, kind: str, status: AgencyStatus) -> int:
    # The serial (agencies made so far in this load) keeps names and credit codes unique.
    serial = rows.made.get("agencies", 0)
    at = stamp(dt.date(2019, 1, 1) + days(serial % 1000))
    registered = status is AgencyStatus.REGISTERED
    return rows.add(
        table_of(Agency),
        {
            "name": _agency_name(place, serial, kind),
            "credit_code": _credit_code(place.county_code, serial) if registered else None,
            "region_id": place.county_id,
            "status": status,
            "version": 1,
            "created_at": at,
            "updated_at": at,
        },
    )


def _pairing_dates(rng: random.Random, pattern: str) -> tuple[dt.date, int]:
    """(starts_on, how many milestones are already due) for a health pattern."""
    if pattern == "planned":
        return AS_OF + days(rng.randint(1, 120)), 0
    if pattern == "completed":
        return AS_OF - days(TERM_DAYS + rng.randint(30, 900)), 12
    due = rng.randint(2, 11)
    # Days since the latest due milestone: an AT_RISK pairing's latest is at most 60 days overdue.
    since = rng.randint(1, 60) if pattern == "at_risk" else rng.randint(1, MILESTONE_SPACING - 1)
    return AS_OF - days(due * MILESTONE_SPACING + since), due


def _milestone_statuses(rng: random.Random, pattern: str, due: int) -> list[MilestoneStatus]:
    achieved, open_ = MilestoneStatus.ACHIEVED, MilestoneStatus.IN_PROGRESS
    if pattern == "completed":
        statuses = [achieved] * 12
        if rng.random() < 0.3:
            statuses[8] = MilestoneStatus.WAIVED
        return statuses
    overdue = {"on_track": 0, "at_risk": 1, "off_track": 2}.get(pattern, 0)
    statuses = [achieved] * (due - overdue) + [
        rng.choice((open_, MilestoneStatus.SUBMITTED, MilestoneStatus.RETURNED)) for _ in range(overdue)
    ]
    upcoming = [open_] * (12 - due)
    if upcoming and pattern != "planned" and rng.random() < 0.3:
        upcoming[0] = MilestoneStatus.SUBMITTED
    return statuses + upcoming


def _generate_pairing(
    rows: Rows, rng: random.Random, index: int, program_id: int, mentor_id: int, supported_id: int, place: Place
) -> None:
    status, pattern = PATTERNS[index % len(PATTERNS)]
    starts_on, due = _pairing_dates(rng, pattern)
    ends_on = starts_on + days(TERM_DAYS)
    # Records run from the start to today (or the end); a planned pairing has had 90 days of preparation.
    first_day = starts_on if starts_on < AS_OF else AS_OF - days(90)
    last_day = min(AS_OF, ends_on) - days(1)
    span = max((last_day - first_day).days, 1)
    at = stamp(first_day)
    focus = rng.sample(list(FocusArea), 2)
    pairing_id = rows.add(
        table_of(Pairing),
        {
            "program_id": program_id,
            "mentor_id": mentor_id,
            "supported_id": supported_id,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "status": PairingStatus(status),
            "focus_areas": [area.value for area in focus],
            "status_reason": "受援机构负责人变动，暂停结对"
            if status == "SUSPENDED"
            else ("受援机构注销，终止结对" if status == "TERMINATED" else None),
            "version": 1,
            "created_at": at,
            "updated_at": at,
        },
    )
    stations = [
        rows.add(
            table_of(ServiceStation),
            {
                "name": f"{place.county_name.removesuffix('（合成）')}第{n + 1}社工服务站",
                "region_id": place.township_id,
                "agency_id": supported_id,
                "pairing_id": pairing_id,
                "established_on": first_day + days(30 * n),
                "created_at": at,
                "updated_at": at,
                "voided_at": None,
                "void_reason": None,
            },
        )
        for n in range(1 + index % 2)
    ]
    if index % 3 == 0:
        _add_incubation(rows, rng, index, pairing_id, place, first_day, span)
    statuses = _milestone_statuses(rng, pattern, due)
    for number, ((title, category, target, unit), milestone_status) in enumerate(
        zip(MILESTONE_TITLES, statuses, strict=True), start=1
    ):
        due_on = starts_on + days(min(number * MILESTONE_SPACING, TERM_DAYS))
        _add_milestone(rows, rng, pairing_id, number, title, category, target, unit, due_on, milestone_status)
    add_records(rows, rng, pairing_id, stations, first_day, span)


def _add_incubation(
    rows: Rows, rng: random.Random, index: int, pairing_id: int, place: Place, first_day: dt.date, span: int
) -> None:
    stage = (IncubationStage.INCUBATING, IncubationStage.REGISTERED, IncubationStage.INDEPENDENT)[index // 3 % 3]
    agency_status = AgencyStatus.PREPARING if stage is IncubationStage.INCUBATING else AgencyStatus.REGISTERED
    agency_id = _add_agency(rows, place, "社会工作服务社", agency_status)
    started_on = first_day + days(rng.randint(0, span // 3))
    registered_on = started_on + days(200) if stage is not IncubationStage.INCUBATING else None
    independent_on = started_on + days(400) if stage is IncubationStage.INDEPENDENT else None
    at = stamp(started_on)
    rows.add(
        table_of(IncubatedOrganization),
        {
            "pairing_id": pairing_id,
            "agency_id": agency_id,
            "stage": stage,
            "started_on": started_on,
            "registered_on": registered_on,
            "independent_on": independent_on,
            "version": 1,
            "created_at": at,
            "updated_at": at,
            "voided_at": None,
            "void_reason": None,
        },
    )


def _add_milestone(
    rows: Rows,
    rng: random.Random,
    pairing_id: int,
    number: int,
    title: str,
    category: MilestoneCategory,
    target: Decimal | None,
    unit: str | None,
    due_on: dt.date,
    status: MilestoneStatus,
) -> None:
    done_by = due_on - days(rng.randint(1, 30)) if status is MilestoneStatus.ACHIEVED else None
    last = min(done_by or due_on, AS_OF - days(2))
    second_day = last - days(rng.randint(1, 10))
    # Achieved when the approved (second) report was submitted, approved the day after.
    achieved_on = second_day if done_by is not None else None
    approved_on = second_day + days(1) if done_by is not None else None
    at = stamp(due_on - days(MILESTONE_SPACING))
    milestone_id = rows.add(
        table_of(Milestone),
        {
            "pairing_id": pairing_id,
            "title": title,
            "category": category,
            "term_year": (number - 1) // 4 + 1,
            "due_on": due_on,
            "target_value": target,
            "unit": unit,
            "status": status,
            "achieved_on": achieved_on,
            "approved_on": approved_on,
            "version": 1,
            "created_at": at,
            "updated_at": at,
        },
    )
    # Two reports per milestone; the second one's review state is the milestone's.
    first_state, second_state, second_percent = {
        MilestoneStatus.ACHIEVED: (UpdateStatus.RETURNED, UpdateStatus.APPROVED, 100),
        MilestoneStatus.WAIVED: (UpdateStatus.APPROVED, UpdateStatus.RETURNED, 40),
        MilestoneStatus.SUBMITTED: (UpdateStatus.APPROVED, UpdateStatus.PENDING_REVIEW, 90),
        MilestoneStatus.RETURNED: (UpdateStatus.APPROVED, UpdateStatus.RETURNED, 70),
    }.get(status, (UpdateStatus.APPROVED, UpdateStatus.APPROVED, 50))
    for nth, (state, percent, day) in enumerate(
        ((first_state, 30, last - days(40)), (second_state, second_percent, second_day))
    ):
        reviewed = state is not UpdateStatus.PENDING_REVIEW
        rows.add(
            table_of(MilestoneUpdate),
            {
                "milestone_id": milestone_id,
                "note": f"“{title}”第{nth + 1}次进展报告：已完成约{percent}%。",
                "progress_value": None if target is None else target * percent / 100,
                "progress_percent": percent,
                "evidence_urls": [f"https://files.example.org/qianshou-national/{milestone_id}-{nth + 1}.pdf"],
                "status": state,
                "submitted_by": "帮扶机构（合成）",
                "submitted_at": stamp(day),
                "reviewed_by": REVIEWER if reviewed else None,
                "reviewed_at": stamp(day + days(1), 15) if reviewed else None,
                "review_note": (RETURN_NOTE if state is UpdateStatus.RETURNED else "同意。") if reviewed else None,
            },
        )
