"""The floor: the data of Q1 and Q2 fetched in-process with the fewest statements (one for Q1, two for
Q2, hand-written with SQLAlchemy Core, built once and run as prepared reads on the driver) and
serialised with orjson into the same JSON as the server's answer. No HTTP, no GraphQL, no loaders:
what the answer costs at the least on this database."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    BindParameter,
    Date,
    Integer,
    Numeric,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from db.base import CENT
from db.engine import Database
from db.models import (
    Agency,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    PairingTotals,
    Region,
    ServiceStation,
    TrainingSession,
)
from db.models.totals import SERVICE_COLUMNS
from db.reads.prepared import PreparedRead
from resolvers.ids import encode_id
from resolvers.pagination import decode_cursor, encode_cursor
from resolvers.progress import progress_select


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _money(value: Any) -> str:
    return str(Decimal(str(value or 0)).quantize(CENT))


@functools.lru_cache(maxsize=4)
def _q1_statement(today: dt.date, dialect: str) -> PreparedRead:
    """Built once: statement construction costs more than running it (bound `after` and `limit`)."""
    mentor, supported = aliased(Agency), aliased(Agency)
    mentor_region, supported_region = aliased(Region), aliased(Region)
    page = (
        select(Pairing.id)
        .where(Pairing.id > bindparam("after", type_=Integer))
        .order_by(Pairing.id)
        .limit(bindparam("limit", type_=Integer))
    )
    progress = progress_select(
        today, _in_page(Pairing.id, page, dialect), _in_page(Milestone.pairing_id, page, dialect)
    ).subquery("progress")
    return PreparedRead(
        select(
            Pairing.id,
            Pairing.status,
            Pairing.starts_on,
            Pairing.ends_on,
            mentor.id,
            mentor.name,
            mentor_region.id,
            mentor_region.name,
            supported.id,
            supported.name,
            supported_region.id,
            supported_region.name,
            *(getattr(PairingTotals, column) for column in SERVICE_COLUMNS),
            PairingTotals.cash_yuan,
            PairingTotals.in_kind_yuan,
            PairingTotals.disbursement_batches,
            PairingTotals.people_funded,
            progress.c.total,
            progress.c.achieved,
            progress.c.overdue,
            progress.c.waived,
            progress.c.max_days,
            progress.c.percent_complete,
            progress.c.time_elapsed,
            progress.c.health,
        )
        .join(mentor, mentor.id == Pairing.mentor_id)
        .join(mentor_region, mentor_region.id == mentor.region_id)
        .join(supported, supported.id == Pairing.supported_id)
        .join(supported_region, supported_region.id == supported.region_id)
        .join(progress, progress.c.pairing_id == Pairing.id)
        .outerjoin(PairingTotals, PairingTotals.pairing_id == Pairing.id)
        .order_by(Pairing.id)
    )


def _in_page(column: Any, page: Select[int], dialect: str) -> Any:
    """`column` is one of the page's ids. On PostgreSQL as one array, as the server binds its ids
    (db.functions.one_of): PostgreSQL then reads the page's milestones through their index."""
    if dialect == "postgresql":
        return column == func.any(func.array(page.scalar_subquery()))
    return column.in_(page.scalar_subquery())


async def q1_floor(db: Database, today: dt.date, first: int, after: str | None) -> bytes:
    after_pk = 0 if after is None else decode_cursor(after, 1)[0]
    statement = _q1_statement(today, db.read_engine.dialect.name)
    rows = await db.fetch(statement, {"after": after_pk, "limit": first + 1})
    edges = [{"node": _q1_node(row)} for row in rows[:first]]
    cursors = [encode_cursor((row[0],)) for row in rows[:first]]
    return orjson.dumps(
        {
            "data": {
                "pairings": {
                    "pageInfo": {"hasNextPage": len(rows) > first, "endCursor": cursors[-1] if cursors else None},
                    "edges": edges,
                }
            }
        }
    )


def _agency(pk: int, name: str, region_pk: int, region_name: str) -> dict[str, Any]:
    return {
        "id": encode_id("Agency", pk),
        "name": name,
        "region": {"id": encode_id("Region", region_pk), "name": region_name},
    }


def _q1_node(row: Any) -> dict[str, Any]:
    (pk, status, starts_on, ends_on, *agencies) = row[:12]
    service = row[12:18]
    cash, in_kind, batches, funded = row[18:22]
    total, achieved, overdue, waived, max_days, percent, elapsed, health = row[22:30]
    return {
        "id": encode_id("Pairing", pk),
        "status": status,
        "startsOn": starts_on,
        "endsOn": ends_on,
        "mentor": _agency(*agencies[:4]),
        "supported": _agency(*agencies[4:]),
        "progress": {
            "milestonesTotal": int(total),
            "milestonesAchieved": int(achieved),
            "milestonesOverdue": int(overdue),
            "milestonesWaived": int(waived),
            "maxDaysOverdue": int(max_days),
            "percentComplete": round(float(percent), 2),
            "timeElapsedPercent": round(float(elapsed), 2),
            "health": health,
        },
        "serviceTotals": {
            _camel(column): int(value or 0) for column, value in zip(SERVICE_COLUMNS, service, strict=True)
        },
        "resourceTotals": {
            "cashYuan": _money(cash),
            "inKindYuan": _money(in_kind),
            "disbursementBatches": int(batches or 0),
            "peopleFunded": int(funded or 0),
        },
    }


async def q2_floor(db: Database, pairing_pk: int) -> bytes:
    tree, others = _q2_statements()
    parameters = {"pairing": pairing_pk}
    rows, children = await asyncio.gather(db.fetch(tree, parameters), db.fetch(others, parameters))
    if not rows:
        return orjson.dumps({"data": {"pairing": None}})
    pk, status, starts_on, ends_on = rows[0][:4]
    milestones: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row[4] is None:
            continue
        milestone = milestones.setdefault(row[4], _milestone(row[4:10]))
        if row[10] is not None and len(milestone["updates"]["edges"]) < 10:
            milestone["updates"]["edges"].append({"node": _update(row[10:15])})
    training, stations, incubations = [], [], []
    for kind, child_pk, text, first_day, last_day, hours, mode, participants in children:
        if kind == 0:
            training.append(
                {
                    "node": {
                        "id": encode_id("TrainingSession", child_pk),
                        "topic": text,
                        "startsOn": first_day,
                        "endsOn": last_day,
                        "hours": str(hours),
                        "mode": mode,
                        "participants": participants,
                    }
                }
            )
        elif kind == 1:
            stations.append({"id": encode_id("ServiceStation", child_pk), "name": text, "establishedOn": first_day})
        else:
            incubations.append(
                {"id": encode_id("IncubatedOrganization", child_pk), "stage": text, "startedOn": first_day}
            )
    return orjson.dumps(
        {
            "data": {
                "pairing": {
                    "id": encode_id("Pairing", pk),
                    "status": status,
                    "startsOn": starts_on,
                    "endsOn": ends_on,
                    "milestones": {"edges": [{"node": milestone} for milestone in milestones.values()]},
                    "trainingSessions": {"edges": training},
                    "serviceStations": stations,
                    "incubatedOrganizations": incubations,
                }
            }
        }
    )


@functools.cache
def _q2_statements() -> tuple[PreparedRead, PreparedRead]:
    """The pairing with its first 12 milestones and their updates, and its other lists."""
    pairing = bindparam("pairing", type_=Integer)
    first_milestones = (
        select(Milestone.id).where(Milestone.pairing_id == pairing).order_by(Milestone.id).limit(12)
    ).scalar_subquery()
    tree = (
        select(
            Pairing.id,
            Pairing.status,
            Pairing.starts_on,
            Pairing.ends_on,
            Milestone.id,
            Milestone.title,
            Milestone.category,
            Milestone.term_year,
            Milestone.due_on,
            Milestone.status,
            MilestoneUpdate.id,
            MilestoneUpdate.note,
            MilestoneUpdate.progress_percent,
            MilestoneUpdate.status,
            MilestoneUpdate.submitted_at,
        )
        .outerjoin(Milestone, (Milestone.pairing_id == Pairing.id) & Milestone.id.in_(first_milestones))
        .outerjoin(MilestoneUpdate, MilestoneUpdate.milestone_id == Milestone.id)
        .where(Pairing.id == pairing)
        .order_by(Milestone.id, MilestoneUpdate.id)
    )
    return PreparedRead(tree), PreparedRead(_children(pairing))


def _milestone(values: Any) -> dict[str, Any]:
    pk, title, category, term_year, due_on, status = values
    return {
        "id": encode_id("Milestone", pk),
        "title": title,
        "category": category,
        "termYear": term_year,
        "dueOn": due_on,
        "status": status,
        "updates": {"edges": []},
    }


def _update(values: Any) -> dict[str, Any]:
    pk, note, percent, status, submitted_at = values
    return {
        "id": encode_id("MilestoneUpdate", pk),
        "note": note,
        "progressPercent": percent,
        "status": status,
        "submittedAt": submitted_at,
    }


def _children(pairing: BindParameter[int]) -> Select[*tuple[Any, ...]]:
    """Training sessions (first 20), stations and incubations of a pairing as one UNION ALL."""
    no_date, no_text = cast(null(), Date), cast(null(), String)
    no_hours, no_int = cast(null(), Numeric(6, 1)), cast(null(), Integer)
    training = (
        select(
            literal(0).label("kind"),
            TrainingSession.id,
            cast(TrainingSession.topic, String),
            TrainingSession.starts_on,
            TrainingSession.ends_on,
            TrainingSession.hours,
            cast(TrainingSession.mode, String),
            TrainingSession.participants,
        )
        .where(TrainingSession.pairing_id == pairing, TrainingSession.voided_at.is_(None))
        .order_by(TrainingSession.id)
        .limit(20)
        .subquery()
    )
    stations = select(
        literal(1),
        ServiceStation.id,
        cast(ServiceStation.name, String),
        ServiceStation.established_on,
        no_date,
        no_hours,
        no_text,
        no_int,
    ).where(ServiceStation.pairing_id == pairing, ServiceStation.voided_at.is_(None))
    incubations = select(
        literal(2),
        IncubatedOrganization.id,
        cast(IncubatedOrganization.stage, String),
        IncubatedOrganization.started_on,
        no_date,
        no_hours,
        no_text,
        no_int,
    ).where(IncubatedOrganization.pairing_id == pairing, IncubatedOrganization.voided_at.is_(None))
    combined = union_all(select(training), stations, incubations).subquery()
    return select(combined).order_by(combined.c[0], combined.c[1])
