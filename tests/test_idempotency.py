"""Exactly-once writes: a retry with the same key and input returns the first result and writes
nothing; the same key with another input is refused; simultaneous duplicates leave one row."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from db.models import AuditEvent, IdempotencyRecord, MilestoneUpdate, ResourceLink, TrainingSession
from resolvers.ids import encode_id
from tests.conftest import LiveServer
from tests.test_mutations_support import codes, count_rows, fields, make_tokens, mutation_text, totals_row

UPDATE = "milestoneUpdate { id status milestone { version } }"


def submit_input(world, key: str = "submit-1", **extra) -> dict:
    return {"milestoneId": world.milestone, "note": "章程已报备", "progressPercent": 40, "idempotencyKey": key, **extra}


def training_input(world, key: str = "training-1", **extra) -> dict:
    return {
        "pairingId": world.pairing,
        "topic": "督导",
        "startsOn": "2026-05-10",
        "hours": "3",
        "mode": "REMOTE",
        "participants": 9,
        "idempotencyKey": key,
        **extra,
    }


async def test_retry_returns_the_first_result_and_writes_nothing(api, world):
    first = await api.mutate("submitMilestoneUpdate", submit_input(world), UPDATE, as_="mentor")
    audits = await count_rows(world.db, AuditEvent)
    retry = await api.mutate("submitMilestoneUpdate", submit_input(world), UPDATE, as_="mentor")
    assert retry == first
    assert await count_rows(world.db, MilestoneUpdate) == 1
    assert await count_rows(world.db, AuditEvent) == audits
    node = await api.node(world.milestone, "... on Milestone { version }")
    assert node["version"] == 2


async def test_a_reused_key_is_refused_before_the_milestone_is_looked_up(api, world):
    # A submission claims its key in the statement that loads the milestone (on PostgreSQL): a
    # milestone that is not found, or an ID that does not decode, must not hide the reused key,
    # and a claim made by a refused write is rolled back with it.
    await api.mutate("submitMilestoneUpdate", submit_input(world), UPDATE, as_="mentor")
    for milestone_id in (encode_id("Milestone", 99_999), "not-an-id"):
        reused = await api.mutate(
            "submitMilestoneUpdate", submit_input(world, milestoneId=milestone_id), UPDATE, as_="mentor"
        )
        assert codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
        fresh = await api.mutate(
            "submitMilestoneUpdate",
            submit_input(world, key=f"fresh-{milestone_id}", milestoneId=milestone_id),
            UPDATE,
            as_="mentor",
        )
        assert codes(fresh) in (["NOT_FOUND"], ["INVALID"])
    assert await count_rows(world.db, IdempotencyRecord) == 1
    assert await count_rows(world.db, MilestoneUpdate) == 1


async def test_same_key_different_input_is_refused(api, world):
    await api.mutate("recordTrainingSession", training_input(world), "trainingSession { id }", as_="mentor")
    changed = await api.mutate(
        "recordTrainingSession", training_input(world, participants=10), "trainingSession { id }", as_="mentor"
    )
    assert codes(changed) == ["IDEMPOTENCY_KEY_REUSED"] and fields(changed) == [["idempotencyKey"]]
    assert changed["trainingSession"] is None
    other_mutation = await api.mutate(
        "submitMilestoneUpdate", submit_input(world, key="training-1"), UPDATE, as_="mentor"
    )
    assert codes(other_mutation) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await count_rows(world.db, TrainingSession) == 1
    assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 1


async def test_equal_amounts_are_the_same_request(api, world):
    base = {
        "pairingId": world.pairing,
        "projectName": "焕新乐园",
        "kind": "IN_KIND",
        "occurredOn": "2026-02-01",
        "idempotencyKey": "r-1",
    }
    first = await api.mutate("recordResourceLink", {**base, "amountYuan": "5000"}, "resourceLink { id }", as_="mentor")
    again = await api.mutate(
        "recordResourceLink", {**base, "amountYuan": "5000.00"}, "resourceLink { id }", as_="mentor"
    )
    assert again == first and again["userErrors"] == []
    assert await count_rows(world.db, ResourceLink) == 1


async def test_keys_belong_to_their_principal(api, world):
    mentor = await api.mutate("recordTrainingSession", training_input(world), "trainingSession { id }", as_="mentor")
    staff = await api.mutate("recordTrainingSession", training_input(world), "trainingSession { id }", as_="admin")
    assert mentor["trainingSession"]["id"] != staff["trainingSession"]["id"]
    assert await count_rows(world.db, TrainingSession) == 2


async def test_a_failed_write_does_not_use_up_its_key(api, world):
    bad = await api.mutate(
        "recordTrainingSession", training_input(world, participants=-5), "trainingSession { id }", as_="mentor"
    )
    assert codes(bad) == ["INVALID"]
    assert await count_rows(world.db, IdempotencyRecord) == 0
    good = await api.mutate(
        "recordTrainingSession", training_input(world, participants=5), "trainingSession { id }", as_="mentor"
    )
    assert good["userErrors"] == []


async def test_overlong_key_is_invalid(api, world):
    payload = await api.mutate(
        "recordTrainingSession", training_input(world, key="k" * 201), "trainingSession { id }", as_="mentor"
    )
    assert codes(payload) == ["INVALID"] and fields(payload) == [["idempotencyKey"]]


@pytest.mark.parametrize("mutation", ["submitMilestoneUpdate", "recordTrainingSession"])
async def test_twenty_simultaneous_duplicates_leave_one_row(api, world, mutation):
    make_input, model, selection = {
        "submitMilestoneUpdate": (submit_input, MilestoneUpdate, "milestoneUpdate { id }"),
        "recordTrainingSession": (training_input, TrainingSession, "trainingSession { id }"),
    }[mutation]
    results = await asyncio.gather(
        *(api.mutate(mutation, make_input(world, key="burst"), selection, as_="mentor") for _ in range(20))
    )
    assert all(result["userErrors"] == [] for result in results)
    assert len({str(result) for result in results}) == 1
    assert await count_rows(world.db, model) == 1
    assert await count_rows(world.db, IdempotencyRecord) == 1
    if model is TrainingSession:
        assert (await totals_row(world.db, world.pairing_pk)).training_sessions == 1


@pytest.mark.slow
async def test_simultaneous_duplicates_against_a_live_server(world):
    tokens = await make_tokens(world)
    server = LiveServer(world.db.url, env={"QIANSHOU_RATE_LIMIT_PER_MINUTE": "0"}).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:

            async def once() -> dict:
                response = await client.post(
                    "/graphql",
                    json={
                        "query": mutation_text("submitMilestoneUpdate", UPDATE),
                        "variables": {"input": submit_input(world)},
                    },
                    headers={"Authorization": f"Bearer {tokens['mentor']}"},
                )
                body = response.json()
                assert "errors" not in body, body
                return body["data"]["submitMilestoneUpdate"]

            results = await asyncio.gather(*(once() for _ in range(20)))
    finally:
        server.stop()
    assert all(result["userErrors"] == [] for result in results)
    assert len({result["milestoneUpdate"]["id"] for result in results}) == 1
    assert await count_rows(world.db, MilestoneUpdate) == 1
