"""The rows inside the Henan demo's pairings: milestones with their progress updates, and the service,
training and resource records: the Ye County pairing's as the report gives them, the others drawn
from the demo's random generator (db/demo/henan.py loads them)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from db.demo.henan_data import (
    ACTIVE,
    AS_OF,
    CHINA,
    COMPLETED,
    GENERATED_SERVICE,
    INCUBATIONS,
    LATEST_DUE_CYCLE,
    MENTORS,
    MILESTONE_PLAN,
    ONE_DAY,
    PAIRINGS,
    RETURN_NOTE,
    REVIEW_DAYS,
    REVIEWER,
    STATION_KINDS,
    TRAINING_TOPICS,
    YE_RESOURCES,
    YE_SERVICE,
    YE_TRAINING,
    PairingRow,
    add_months,
)
from db.models import (
    Base,
    IncubationStage,
    Milestone,
    MilestoneCategory,
    MilestoneStatus,
    MilestoneUpdate,
    Pairing,
    PairingStatus,
    Region,
    ResourceKind,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingMode,
    TrainingSession,
    UpdateStatus,
)

# --- milestones ---------------------------------------------------------------------------------


async def load_milestones(session: AsyncSession, rng: random.Random, pairings: Sequence[Pairing]) -> None:
    mentor_names = {key: name for key, name, _ in MENTORS}
    planned = []
    for index, (row, pairing) in enumerate(zip(PAIRINGS, pairings, strict=True)):
        dues = [add_months(row.starts_on, month) - ONE_DAY for _, month, *_ in MILESTONE_PLAN]
        statuses = _milestone_statuses(index, row, dues)
        for number, ((year, _, title, category, target, unit), due_on, status) in enumerate(
            zip(MILESTONE_PLAN, dues, statuses, strict=True), start=1
        ):
            milestone = Milestone(
                pairing_id=pairing.id,
                title=title,
                category=category,
                term_year=year,
                due_on=due_on,
                target_value=target,
                unit=unit,
                status=status,
                achieved_on=_achieved_on(rng, row, due_on) if status is MilestoneStatus.ACHIEVED else None,
            )
            if milestone.achieved_on is not None:
                milestone.approved_on = milestone.achieved_on + REVIEW_DAYS
            planned.append((f"{index + 1:02d}/{number}", mentor_names[row.mentor], milestone))
    session.add_all(milestone for *_, milestone in planned)
    await session.flush()
    session.add_all(
        update
        for evidence_key, mentor, milestone in planned
        if (update := _update_for(milestone, mentor, evidence_key)) is not None
    )


def _milestone_statuses(index: int, row: PairingRow, dues: Sequence[dt.date]) -> list[MilestoneStatus]:
    if row.status is PairingStatus.PLANNED:
        return [MilestoneStatus.NOT_STARTED] * len(dues)
    statuses = [MilestoneStatus.ACHIEVED if due < row.cutoff else MilestoneStatus.NOT_STARTED for due in dues]
    if row.status is not COMPLETED:
        past = [i for i, due in enumerate(dues) if due < row.cutoff]
        if past:
            latest = past[-1]
            statuses[latest] = LATEST_DUE_CYCLE[index % 4] if row.status is ACTIVE else MilestoneStatus.IN_PROGRESS
        upcoming = len(past)
        if upcoming < len(dues):
            # Some mentors report ahead of the due date.
            early = row.status is ACTIVE and index % 3 == 0
            statuses[upcoming] = MilestoneStatus.SUBMITTED if early else MilestoneStatus.IN_PROGRESS
    # Without an incubated organization that reached registration, the incubation milestone cannot be
    # achieved: a finished term waives it, a running one is still working on it.
    incubated = row.supported in INCUBATIONS and INCUBATIONS[row.supported][2] is not IncubationStage.INCUBATING
    for i, (_, _, _, category, _, _) in enumerate(MILESTONE_PLAN):
        if category is MilestoneCategory.INCUBATION and statuses[i] is MilestoneStatus.ACHIEVED and not incubated:
            statuses[i] = MilestoneStatus.WAIVED if row.status is COMPLETED else MilestoneStatus.IN_PROGRESS
    return statuses


def _achieved_on(rng: random.Random, row: PairingRow, due_on: dt.date) -> dt.date:
    return max(due_on - dt.timedelta(days=rng.randint(3, 40)), row.starts_on + dt.timedelta(days=30))


def _china(day: dt.date, hour: int) -> dt.datetime:
    """A moment of a working day in China, as the UTC instant that is stored."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA).astimezone(dt.UTC)


def _update_for(milestone: Milestone, mentor: str, evidence_key: str) -> MilestoneUpdate | None:
    """The progress report behind a milestone's review state, if it has one."""
    evidence = [f"https://files.example.org/qianshou-demo/{evidence_key}.pdf"]
    match milestone.status:
        case MilestoneStatus.ACHIEVED:
            assert milestone.achieved_on is not None
            return MilestoneUpdate(
                milestone_id=milestone.id,
                note=f"“{milestone.title}”已完成，佐证材料见附件。",
                progress_value=milestone.target_value,
                progress_percent=100,
                evidence_urls=evidence,
                status=UpdateStatus.APPROVED,
                submitted_by=mentor,
                submitted_at=_china(milestone.achieved_on, 10),
                reviewed_by=REVIEWER,
                reviewed_at=_china(milestone.achieved_on + REVIEW_DAYS, 15),
                review_note="材料齐全，同意。",
            )
        case MilestoneStatus.SUBMITTED:
            return MilestoneUpdate(
                milestone_id=milestone.id,
                note=f"“{milestone.title}”已完成，现提交审核。",
                progress_value=milestone.target_value,
                progress_percent=100,
                evidence_urls=evidence,
                status=UpdateStatus.PENDING_REVIEW,
                submitted_by=mentor,
                submitted_at=_china(min(milestone.due_on + dt.timedelta(days=7), AS_OF - dt.timedelta(days=3)), 10),
            )
        case MilestoneStatus.RETURNED:
            submitted_on = min(milestone.due_on, AS_OF - dt.timedelta(days=20))
            return MilestoneUpdate(
                milestone_id=milestone.id,
                note=f"“{milestone.title}”阶段性完成情况报告。",
                progress_value=None if milestone.target_value is None else milestone.target_value * Decimal("0.6"),
                progress_percent=60,
                evidence_urls=[],
                status=UpdateStatus.RETURNED,
                submitted_by=mentor,
                submitted_at=_china(submitted_on, 10),
                reviewed_by=REVIEWER,
                reviewed_at=_china(submitted_on + dt.timedelta(days=6), 15),
                review_note=RETURN_NOTE,
            )
        case _:
            return None


# --- service, training and resource records ------------------------------------------------------


def ye_county_records(pairing: Pairing, station: ServiceStation) -> list[Base]:
    activities = [
        ServiceActivity(
            pairing_id=pairing.id,
            station_id=station.id if at_station else None,
            kind=kind,
            occurred_on=day,
            count=count,
            beneficiaries=beneficiaries,
            note=note,
        )
        for day, kind, count, beneficiaries, at_station, note in YE_SERVICE
    ]
    training = [
        TrainingSession(
            pairing_id=pairing.id,
            topic=topic,
            starts_on=starts_on,
            ends_on=ends_on,
            hours=Decimal(hours),
            mode=mode,
            participants=participants,
        )
        for topic, starts_on, ends_on, hours, mode, participants in YE_TRAINING
    ]
    resources = [
        ResourceLink(
            pairing_id=pairing.id,
            project_name=project,
            kind=kind,
            amount_yuan=Decimal(amount),
            disbursement_batch=batch,
            people_funded=funded,
            occurred_on=day,
        )
        for project, kind, amount, batch, funded, day in YE_RESOURCES
    ]
    return [*activities, *training, *resources]


def generated_records(
    rng: random.Random, row: PairingRow, pairing: Pairing, station: ServiceStation | None, county: Region
) -> list[Base]:
    last_day = row.cutoff - ONE_DAY
    return [
        *_generated_activities(rng, row, pairing, station, last_day),
        *_generated_training(rng, row, pairing, last_day),
        *_generated_resources(rng, row, pairing, county, last_day),
    ]


def _generated_activities(
    rng: random.Random, row: PairingRow, pairing: Pairing, station: ServiceStation | None, last_day: dt.date
) -> list[ServiceActivity]:
    activities = []
    quarter = row.starts_on
    while quarter <= last_day:
        for kind, ((low, high), (people_low, people_high)) in GENERATED_SERVICE.items():
            count = rng.randint(low, high)
            day = min(quarter + dt.timedelta(days=rng.randint(5, 85)), last_day)
            at_station = station is not None and kind in STATION_KINDS and day >= station.established_on
            activities.append(
                ServiceActivity(
                    pairing_id=pairing.id,
                    station_id=station.id if station is not None and at_station else None,
                    kind=kind,
                    occurred_on=day,
                    count=count,
                    beneficiaries=count * rng.randint(people_low, people_high),
                )
            )
        quarter = add_months(quarter, 3)
    return activities


def _generated_training(
    rng: random.Random, row: PairingRow, pairing: Pairing, last_day: dt.date
) -> list[TrainingSession]:
    sessions = []
    for year in range(3):
        year_start = add_months(row.starts_on, 12 * year)
        # Two sessions in the first year meet the first-year training milestone.
        for _ in range(2 if year == 0 else rng.randint(1, 2)):
            starts_on = year_start + dt.timedelta(days=rng.randint(20, 330))
            if starts_on > last_day:
                continue
            two_days = rng.random() < 0.4 and starts_on < last_day
            mode = TrainingMode.ON_SITE if two_days or rng.random() < 0.7 else TrainingMode.REMOTE
            sessions.append(
                TrainingSession(
                    pairing_id=pairing.id,
                    topic=rng.choice(TRAINING_TOPICS),
                    starts_on=starts_on,
                    ends_on=starts_on + ONE_DAY if two_days else starts_on,
                    hours=Decimal("12.0") if two_days else Decimal("6.5" if mode is TrainingMode.ON_SITE else "3.0"),
                    mode=mode,
                    participants=rng.randint(12, 35),
                )
            )
    return sessions


def _generated_resources(
    rng: random.Random, row: PairingRow, pairing: Pairing, county: Region, last_day: dt.date
) -> list[ResourceLink]:
    links = []
    for batch in range(1, rng.randint(1, 3) + 1):
        day = add_months(row.starts_on, 6 * batch) + dt.timedelta(days=rng.randint(0, 40))
        if day <= last_day:
            links.append(
                ResourceLink(
                    pairing_id=pairing.id,
                    project_name="困境儿童助学金",
                    donor=f"{county.name}慈善总会",
                    kind=ResourceKind.CASH,
                    amount_yuan=Decimal(rng.randint(80, 300) * 100),
                    disbursement_batch=batch,
                    people_funded=rng.randint(10, 25) if batch == 1 else rng.randint(0, 8),
                    occurred_on=day,
                )
            )
    winter = add_months(row.starts_on, 3) + dt.timedelta(days=rng.randint(0, 60))
    if rng.random() < 0.5 and winter <= last_day:
        links.append(
            ResourceLink(
                pairing_id=pairing.id,
                project_name="冬季暖衣包",
                donor="爱心企业联合捐赠",
                kind=ResourceKind.IN_KIND,
                amount_yuan=Decimal(rng.randint(50, 300) * 100),
                people_funded=0,
                occurred_on=winter,
            )
        )
    return links
