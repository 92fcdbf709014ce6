"""A pairing's records: training sessions, service activities (some voided) and resource links."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from db.base import table_of
from db.demo.henan_data import TRAINING_TOPICS
from db.demo.national.catalog import (
    ACTIVITY_KINDS,
    PER_PAIRING_ACTIVITIES,
    PER_PAIRING_RESOURCES,
    PER_PAIRING_TRAINING,
    RESOURCE_PROJECTS,
    VOIDED_EVERY,
)
from db.demo.national.rows import Rows, add_record, days
from db.models import ResourceKind, ResourceLink, ServiceActivity, TrainingMode, TrainingSession


def add_records(
    rows: Rows, rng: random.Random, pairing_id: int, stations: list[int], first_day: dt.date, span: int
) -> None:
    for n in range(PER_PAIRING_TRAINING):
        starts_on = first_day + days(rng.randint(0, span))
        two_days = n % 3 == 0
        mode = TrainingMode.REMOTE if n % 4 == 3 else TrainingMode.ON_SITE
        add_record(
            rows,
            table_of(TrainingSession),
            starts_on,
            {
                "pairing_id": pairing_id,
                "topic": TRAINING_TOPICS[n % len(TRAINING_TOPICS)],
                "starts_on": starts_on,
                "ends_on": starts_on + days(1) if two_days else starts_on,
                "hours": Decimal("12.0") if two_days else Decimal("6.5" if mode is TrainingMode.ON_SITE else "3.0"),
                "mode": mode,
                "participants": rng.randint(12, 35),
            },
        )
    weights = [weight for _, weight, _, _ in ACTIVITY_KINDS]
    for n in range(PER_PAIRING_ACTIVITIES):
        kind, _, (low, high), (people_low, people_high) = rng.choices(ACTIVITY_KINDS, weights)[0]
        count = rng.randint(low, high)
        day = first_day + days(rng.randint(0, span))
        add_record(
            rows,
            table_of(ServiceActivity),
            day,
            {
                "pairing_id": pairing_id,
                "station_id": stations[n % len(stations)] if n % 2 else None,
                "kind": kind,
                "occurred_on": day,
                "count": count,
                "beneficiaries": count * rng.randint(people_low, people_high),
                "note": None,
            },
            voided=n % VOIDED_EVERY == VOIDED_EVERY - 1,
        )
    for n in range(PER_PAIRING_RESOURCES):
        project, donor = RESOURCE_PROJECTS[n % len(RESOURCE_PROJECTS)]
        cash = n % 5 < 3
        day = first_day + days(rng.randint(0, span))
        add_record(
            rows,
            table_of(ResourceLink),
            day,
            {
                "pairing_id": pairing_id,
                "project_name": project,
                "donor": donor,
                "kind": ResourceKind.CASH if cash else ResourceKind.IN_KIND,
                "amount_yuan": Decimal(rng.randint(500, 30000)) + Decimal(rng.randint(0, 99)) / 100,
                "disbursement_batch": n // 5 * 3 + n % 5 + 1 if cash else None,
                "people_funded": rng.randint(0, 8),
                "occurred_on": day,
            },
        )
