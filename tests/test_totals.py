"""The counter rows stay exact: after a seeded random run of records and voids on the demo data,
every pairing's pairing_totals row equals a recount from the records."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from db.models import Pairing, PairingStatus, PairingTotals, ResourceKind, ServiceKind, TrainingMode
from db.models.totals import COUNTER_COLUMNS, MONEY_COLUMNS
from db.totals import recount_select
from resolvers import activities, resources, training
from resolvers.access import SYSTEM
from resolvers.ids import encode_id
from resolvers.totals import money
from resolvers.voiding import VoidRecord
from tests.conftest import TODAY, make_scope

STEPS = 120


def _figures(row) -> tuple:
    return tuple(int(getattr(row, c)) for c in COUNTER_COLUMNS) + tuple(money(getattr(row, c)) for c in MONEY_COLUMNS)


async def _stored_and_recounted(db) -> tuple[dict, dict]:
    async with db.reading() as session:
        stored = {row.pairing_id: _figures(row) for row in await session.scalars(select(PairingTotals))}
        recounted = {row.pairing_id: _figures(row) for row in await session.execute(recount_select())}
    return stored, recounted


def _day(rng: random.Random, pairing: Pairing) -> dt.date:
    last = min(pairing.ends_on, TODAY)
    return pairing.starts_on + dt.timedelta(days=rng.randrange((last - pairing.starts_on).days + 1))


async def _record(rng: random.Random, db, pairing: Pairing):
    scope = make_scope(db, SYSTEM)
    pairing_id = encode_id("Pairing", pairing.id)
    match rng.choice(("training", "activity", "resource")):
        case "training":
            request = training.RecordTrainingSession(
                pairing_id=pairing_id,
                topic="督导",
                starts_on=_day(rng, pairing),
                mode=TrainingMode.ON_SITE,
                participants=rng.randrange(40),
                hours=Decimal(rng.randrange(1, 80)) / 2,
            )
            return "TrainingSession", await training.record_training_session(scope, request)
        case "activity":
            request = activities.RecordServiceActivity(
                pairing_id=pairing_id,
                kind=rng.choice(list(ServiceKind)),
                occurred_on=_day(rng, pairing),
                count=rng.randrange(50),
                beneficiaries=rng.randrange(200),
            )
            return "ServiceActivity", await activities.record_service_activity(scope, request)
        case _:
            request = resources.RecordResourceLink(
                pairing_id=pairing_id,
                project_name="清泉公益",
                kind=rng.choice(list(ResourceKind)),
                amount_yuan=Decimal(rng.randrange(0, 10_000_000)) / 100,
                occurred_on=_day(rng, pairing),
                disbursement_batch=rng.choice((None, 1, 2)),
                people_funded=rng.randrange(10),
            )
            return "ResourceLink", await resources.record_resource_link(scope, request)


VOIDERS = {
    "TrainingSession": training.void_training_session,
    "ServiceActivity": activities.void_service_activity,
    "ResourceLink": resources.void_resource_link,
}


async def test_random_records_and_voids_keep_totals_exact(fresh_db):
    rng = random.Random(20171)
    initial, recounted = await _stored_and_recounted(fresh_db)
    assert initial == recounted  # the demo load starts exact
    async with fresh_db.reading() as session:
        # Open pairings: a closed one takes no more records (tests/test_workflow_rules.py).
        running = select(Pairing).where(Pairing.status == PairingStatus.ACTIVE)
        pairings = list(await session.scalars(running.order_by(Pairing.id).limit(4)))
    live: list[tuple[str, int]] = []
    for _ in range(STEPS):
        if live and rng.random() < 0.3:
            kind, pk = live.pop(rng.randrange(len(live)))
            outcome = await VOIDERS[kind](
                make_scope(fresh_db, SYSTEM), VoidRecord(id=encode_id(kind, pk), reason="误录")
            )
        else:
            kind, outcome = await _record(rng, fresh_db, rng.choice(pairings))
            if outcome.value is not None:
                live.append((kind, outcome.value.id))
        assert outcome.errors == [], outcome.errors
    stored, recounted = await _stored_and_recounted(fresh_db)
    assert stored == recounted
    assert all(stored[p.id] != initial[p.id] for p in pairings)
