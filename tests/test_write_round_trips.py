"""A milestone update is written in a fixed, small number of statements (docs/architecture.md,
"What a write costs"): the guarantees stay (one transaction, audit, event, notices, idempotency),
the round trips do not creep back. On PostgreSQL the rows nothing reads again go in one statement
(db/batch.py); on SQLite, where a statement costs no round trip, one after another."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from db.base import utcnow
from db.batch import Batch, insert_rows, rows_parameters
from db.engine import Database
from db.models import (
    ApiToken,
    AuditEvent,
    IdempotencyRecord,
    MilestoneEvent,
    Notification,
    Role,
    WebhookDelivery,
    WebhookFormat,
    WebhookSubscription,
)
from db.statements import recording
from resolvers.access import Actor
from resolvers.ids import decode_typed_id
from tests.conftest import run_graphql
from tests.test_mutations_support import World, make_tokens

SUBMIT = """
mutation($input: SubmitMilestoneUpdateInput!) {
  submitMilestoneUpdate(input: $input) { milestoneUpdate { id } userErrors { code } }
}
"""
RETURN = """
mutation($input: ReviewMilestoneUpdateInput!) {
  reviewMilestoneUpdate(input: $input) { milestoneUpdate { id status } userErrors { code } }
}
"""
# The claim of the idempotency key; the milestone with its pairing, the notice's subject and the
# pending update, locked; the milestone's new status; the update; then the batch: audit events,
# milestone event, inbox entries, webhook deliveries, the key's result. On PostgreSQL the claim goes
# with the milestone's read, and its new status with the update; the event's NOTIFY goes at COMMIT.
SUBMIT_POSTGRESQL = ["WITH", "WITH", "WITH"]
SUBMIT_SQLITE = ["INSERT", "SELECT", "UPDATE", "INSERT", "INSERT", "INSERT", "INSERT", "UPDATE", "INSERT"]
# The update with its milestone, pairing and subject; milestone and update changed; the pairing's
# health read with the last noted (unchanged: the second return); then the batch. On PostgreSQL the
# milestone and the update change in one statement.
RETURN_POSTGRESQL = ["SELECT", "WITH", "SELECT", "WITH"]
RETURN_SQLITE = ["SELECT", "UPDATE", "UPDATE", "SELECT", "INSERT", "INSERT", "INSERT", "INSERT"]


async def actor_of(db: Database, name: str, role: Role, agency_id: int | None = None) -> Actor:
    async with db.reading() as session:
        token_id = await session.scalar(select(ApiToken.id).where(ApiToken.name == name))
    return Actor(name=name, role=role, token_id=token_id, agency_id=agency_id)


async def subscribe_webhook(db: Database) -> None:
    async with db.writing() as session:
        session.add(
            WebhookSubscription(
                name="省厅工作群",
                url="https://hooks.example.org/qianshou",
                secret="s" * 32,
                event_kinds=["UPDATE_SUBMITTED", "UPDATE_RETURNED"],
                format=WebhookFormat.PLAIN,
            )
        )


async def count(db: Database, model, *conditions) -> int:
    async with db.reading() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*conditions))


def first_words(statements) -> list[str]:
    return [text.split()[0].upper() for text in statements.texts]


async def test_a_submission_and_its_return_run_a_fixed_number_of_statements(world: World) -> None:  # noqa: F811
    db = world.db
    await make_tokens(world)
    await subscribe_webhook(db)
    mentor = await actor_of(db, "mentor-shangdu", Role.MENTOR_AGENCY, world.mentor_pk)
    staff = await actor_of(db, "ministry-staff", Role.MINISTRY)
    key = uuid.uuid4().hex
    submit = {
        "input": {
            "milestoneId": world.milestone,
            "note": "理事会章程已通过",
            "progressPercent": 60,
            "idempotencyKey": key,
        }
    }
    with recording(db) as statements:
        result = await run_graphql(db, SUBMIT, submit, mentor)
    assert result.errors is None and result.data["submitMilestoneUpdate"]["userErrors"] == []
    assert first_words(statements) == (SUBMIT_SQLITE if db.is_sqlite else SUBMIT_POSTGRESQL), statements.texts

    # Everything the write owes was written, in its transaction.
    update_id = result.data["submitMilestoneUpdate"]["milestoneUpdate"]["id"]
    update_pk = decode_typed_id(update_id, "MilestoneUpdate")
    assert await count(db, AuditEvent, AuditEvent.action == "submitMilestoneUpdate") == 2
    assert await count(db, MilestoneEvent, MilestoneEvent.update_id == update_pk) == 1
    # The reviewers (ministry staff and the admin) are told; the mentor, who submitted, is not.
    assert await count(db, Notification, Notification.update_id == update_pk) == 2
    assert await count(db, WebhookDelivery, WebhookDelivery.event_kind == "UPDATE_SUBMITTED") == 1
    async with db.reading() as session:
        record = await session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
    assert record.result_id == update_pk
    # A retry gets the first result back.
    again = await run_graphql(db, SUBMIT, submit, mentor)
    assert again.data["submitMilestoneUpdate"]["milestoneUpdate"]["id"] == update_id

    returned = {
        "input": {"updateId": update_id, "decision": "RETURN", "milestoneVersion": 2, "reviewNote": "请补充会议纪要"}
    }
    result = await run_graphql(db, RETURN, returned, staff)
    assert result.data["reviewMilestoneUpdate"] == {
        "milestoneUpdate": {"id": update_id, "status": "RETURNED"},
        "userErrors": [],
    }
    assert await count(db, Notification, Notification.kind == "UPDATE_RETURNED") == 1
    assert await count(db, WebhookDelivery, WebhookDelivery.event_kind == "UPDATE_RETURNED") == 1
    assert await count(db, MilestoneEvent) == 2

    # Submitted again and returned again: the pairing's health, noted at the first return, holds.
    submit["input"]["idempotencyKey"] = uuid.uuid4().hex
    result = await run_graphql(db, SUBMIT, submit, mentor)
    returned["input"].update(updateId=result.data["submitMilestoneUpdate"]["milestoneUpdate"]["id"], milestoneVersion=4)
    with recording(db) as statements:
        result = await run_graphql(db, RETURN, returned, staff)
    assert result.data["reviewMilestoneUpdate"]["userErrors"] == []
    assert first_words(statements) == (RETURN_SQLITE if db.is_sqlite else RETURN_POSTGRESQL), statements.texts


async def test_a_batch_runs_the_same_statement_twice_with_each_its_own_values(world: World) -> None:  # noqa: F811
    """A statement made once may come twice in a batch: each keeps its parameters."""
    rows = [
        {
            "occurred_at": utcnow(),
            "actor_token_id": None,
            "actor_name": name,
            "action": "test",
            "object_type": "Test",
            "object_id": number,
            "changes": {"after": {"n": number}},
            "request_id": None,
        }
        for number, name in enumerate(["甲", "乙", "丙", "丁"])
    ]
    names = tuple(rows[0])
    async with world.db.writing() as session:
        batch = Batch()
        batch.add(insert_rows(AuditEvent, names, 1), rows_parameters(rows[:1]))
        batch.add(insert_rows(AuditEvent, names, 2), rows_parameters(rows[1:3]))
        batch.add(insert_rows(AuditEvent, names, 1), rows_parameters(rows[3:]))
        with recording(world.db) as statements:
            await batch.run(session)
        assert statements.count == (3 if world.db.is_sqlite else 1)
    async with world.db.reading() as session:
        stored = (
            await session.execute(
                select(AuditEvent.actor_name, AuditEvent.object_id, AuditEvent.changes)
                .where(AuditEvent.action == "test")
                .order_by(AuditEvent.object_id)
            )
        ).all()
    assert [tuple(row) for row in stored] == [(row["actor_name"], row["object_id"], row["changes"]) for row in rows]
    assert all(isinstance(row["occurred_at"], dt.datetime) for row in rows)
