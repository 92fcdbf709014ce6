"""Writes: role x mutation x (own pairing, other pairing), through the real mutations.

Each probe input names real objects but breaks a business rule that the mutation checks after the
permission, so an allowed call ends in userErrors (nothing written) and a refused one in FORBIDDEN.
The expected matrix is written out here, independently of resolvers/access.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from db.engine import Database
from db.models import Role
from resolvers import access
from resolvers.access import SYSTEM, Actor
from resolvers.errors import ApiError
from resolvers.ids import encode_id
from tests.conftest import gql, reopen_ye_county, run_graphql
from tests.test_access_matrix import OTHER_PAIRING, OWN_PAIRING, make_actors, objects_of

A, M, R, MA, SA, V = (
    Role.ADMIN,
    Role.MINISTRY,
    Role.REGIONAL_STAFF,
    Role.MENTOR_AGENCY,
    Role.SUPPORTED_AGENCY,
    Role.VIEWER,
)
# Roles allowed on the own pairing; on the other pairing only ADMIN and MINISTRY (where listed).
ALLOWED = {
    "createProgram": {A, M},
    "createAgency": {A, M},
    "updateAgency": {A, M, R},
    "createPairing": {A, M, R},
    "changePairingStatus": {A, M, R},
    "createMilestone": {A, M, R},
    "updateMilestone": {A, M, R},
    "reviewMilestoneUpdate": {A, M, R},
    "submitMilestoneUpdate": {A, MA},
    "recordTrainingSession": {A, MA},
    "recordServiceActivity": {A, MA, SA},
    "createServiceStation": {A, MA},
    "recordIncubation": {A, MA},
    "changeIncubationStage": {A, MA},
    "recordResourceLink": {A, MA},
    "voidTrainingSession": {A, MA},
    "voidServiceActivity": {A, MA, SA},
    "voidServiceStation": {A, MA},
    "voidIncubation": {A, MA},
    "voidResourceLink": {A, MA},
    "createWebhookSubscription": {A},
    "updateWebhookSubscription": {A},
    "deleteWebhookSubscription": {A},
    # The caller's own inbox and settings: every principal has them.
    "markNotificationsRead": set(Role),
    "updateNotificationSettings": set(Role),
    "createAccount": {A},
    "disableAccount": {A},
    "enableAccount": {A},
    "resetAccountPassword": {A},
}
ACCOUNT_MUTATIONS = {"createAccount", "disableAccount", "enableAccount", "resetAccountPassword"}
# Not tied to a pairing or agency: the same answer for both targets.
UNSCOPED = {
    "createProgram",
    "createAgency",
    "createWebhookSubscription",
    "updateWebhookSubscription",
    "deleteWebhookSubscription",
    "markNotificationsRead",
    "updateNotificationSettings",
} | ACCOUNT_MUTATIONS

Ids = dict[str, str]
NO_ACCOUNT = encode_id("Account", 999_999)
PROBES: dict[str, Callable[[Ids, Ids], dict[str, Any]]] = {
    "createProgram": lambda t, o: {"name": "", "startsOn": "2026-01-01"},
    "createAgency": lambda t, o: {"name": "", "regionId": t["Region"]},
    "updateAgency": lambda t, o: {"agencyId": t["Agency"], "name": ""},
    "createPairing": lambda t, o: {
        "programId": t["Program"],
        "mentorId": t["Mentor"],
        "supportedId": t["Agency"],
        "startsOn": "2026-01-01",
        "status": "COMPLETED",
    },
    "changePairingStatus": lambda t, o: {"pairingId": t["Pairing"], "status": "TERMINATED", "reason": ""},
    "createMilestone": lambda t, o: {
        "pairingId": t["Pairing"],
        "title": "",
        "category": "GOVERNANCE",
        "termYear": 1,
        "dueOn": "2018-06-01",
    },
    "updateMilestone": lambda t, o: {"milestoneId": t["Milestone"], "version": 1, "title": ""},
    "reviewMilestoneUpdate": lambda t, o: {
        "updateId": t["MilestoneUpdate"],
        "decision": "RETURN",
        "reviewNote": "",
        "milestoneVersion": 1,
    },
    "submitMilestoneUpdate": lambda t, o: {"milestoneId": t["Milestone"], "note": ""},
    "recordTrainingSession": lambda t, o: {
        "pairingId": t["Pairing"],
        "topic": "",
        "startsOn": "2018-06-01",
        "hours": "2",
        "mode": "ON_SITE",
        "participants": 1,
    },
    "recordServiceActivity": lambda t, o: {
        "pairingId": t["Pairing"],
        "kind": "HOME_VISIT",
        "occurredOn": "2018-06-01",
        "count": -1,
    },
    "createServiceStation": lambda t, o: {
        "pairingId": t["Pairing"],
        "name": "",
        "regionId": t["Region"],
        "establishedOn": "2018-06-01",
    },
    "recordIncubation": lambda t, o: {"pairingId": t["Pairing"], "agencyId": t["Agency"], "startedOn": "2018-06-01"},
    "changeIncubationStage": lambda t, o: {"incubationId": t["IncubatedOrganization"], "stage": "INCUBATING"},
    "recordResourceLink": lambda t, o: {
        "pairingId": t["Pairing"],
        "projectName": "",
        "kind": "CASH",
        "amountYuan": "1.00",
        "occurredOn": "2018-06-01",
    },
    "voidTrainingSession": lambda t, o: {"id": t["TrainingSession"], "reason": ""},
    "voidServiceActivity": lambda t, o: {"id": t["ServiceActivity"], "reason": ""},
    "voidServiceStation": lambda t, o: {"id": t["ServiceStation"], "reason": ""},
    "voidIncubation": lambda t, o: {"id": t["IncubatedOrganization"], "reason": ""},
    "voidResourceLink": lambda t, o: {"id": t["ResourceLink"], "reason": ""},
    "createWebhookSubscription": lambda t, o: {"name": "", "url": "ftp://example.org/", "eventKinds": []},
    "updateWebhookSubscription": lambda t, o: {"id": encode_id("WebhookSubscription", 999_999), "name": ""},
    "deleteWebhookSubscription": lambda t, o: {"id": encode_id("WebhookSubscription", 999_999)},
    "markNotificationsRead": lambda t, o: {},
    "updateNotificationSettings": lambda t, o: {"email": "not an address"},
    "createAccount": lambda t, o: {"name": "", "password": "x", "role": "VIEWER"},
    "disableAccount": lambda t, o: {"id": NO_ACCOUNT},
    "enableAccount": lambda t, o: {"id": NO_ACCOUNT},
    "resetAccountPassword": lambda t, o: {"id": NO_ACCOUNT, "password": "a-good-password"},
}


@dataclass
class WriteWorld:
    db: Database
    actors: dict[Role, Actor]
    own: Ids
    other: Ids


async def with_mentor(db: Database, pairing_id: str, ids: Ids) -> Ids:
    data = await gql(db, "query($id: ID!) { pairing(id: $id) { mentor { id } } }", {"id": pairing_id}, SYSTEM)
    return {**ids, "Mentor": data["pairing"]["mentor"]["id"]}


@pytest.fixture(scope="module")
async def world(databases) -> AsyncIterator[WriteWorld]:
    db = await databases.new_database("access-writes", demo=True)
    # The matrix is about roles, on open pairings; what a pairing's status allows has tests of its
    # own (tests/test_workflow_rules.py).
    await reopen_ye_county(db)
    try:
        own = await with_mentor(db, OWN_PAIRING, await objects_of(db, OWN_PAIRING))
        other = await with_mentor(db, OTHER_PAIRING, await objects_of(db, OTHER_PAIRING))
        yield WriteWorld(db, await make_actors(db), own, other)
    finally:
        await db.dispose()


def input_type(name: str) -> str:
    if name in ("disableAccount", "enableAccount"):
        return "AccountInput"
    return "VoidRecordInput" if name.startswith("void") else name[0].upper() + name[1:] + "Input"


def allowed(role: Role, mutation: str, target: str) -> bool:
    if role not in ALLOWED[mutation]:
        return False
    return target == "own" or mutation in UNSCOPED or role in (A, M)


# Mutations whose inputs name only directory objects (programs, agencies, regions), which all read.
DIRECTORY_ONLY = UNSCOPED | {"updateAgency", "createPairing"}


def hidden(role: Role, mutation: str, target: str) -> bool:
    """The input names an object of a pairing the role cannot read: answered as if it did not exist."""
    return target == "other" and role not in (A, M, V) and mutation not in DIRECTORY_ONLY


def test_probes_cover_every_mutation_of_the_schema() -> None:
    from schema.schema import schema

    # importRecords takes a file rather than an `input`; tests/test_import_access.py holds it to this matrix.
    assert set(schema._schema.mutation_type.fields) - {"importRecords"} == set(PROBES) == set(ALLOWED)


@pytest.mark.parametrize("target", ["own", "other"])
@pytest.mark.parametrize("mutation", sorted(PROBES))
@pytest.mark.parametrize("role", list(Role))
async def test_write_permission(world: WriteWorld, role: Role, mutation: str, target: str) -> None:
    ids, others = (world.own, world.other) if target == "own" else (world.other, world.own)
    query = (
        f"mutation($input: {input_type(mutation)}!) {{ {mutation}(input: $input) {{ userErrors {{ code message }} }} }}"
    )
    result = await run_graphql(world.db, query, {"input": PROBES[mutation](ids, others)}, world.actors[role])
    if allowed(role, mutation, target):
        assert result.errors is None, result.errors
        assert result.data[mutation]["userErrors"], "the probe must fail a business rule, not write"
        assert all(error["code"] != "FORBIDDEN" for error in result.data[mutation]["userErrors"])
    elif hidden(role, mutation, target):
        assert result.errors is None, result.errors
        assert [error["code"] for error in result.data[mutation]["userErrors"]] == ["NOT_FOUND"]
    else:
        assert result.data is None
        assert [(e.path, e.extensions["code"]) for e in result.errors] == [([mutation], "FORBIDDEN")]


async def test_allowed_write_goes_through_and_is_visible_to_its_scope(world: WriteWorld) -> None:
    """A real write by the supported agency on its own pairing, then read back by the roles."""
    mutation = """mutation($input: RecordServiceActivityInput!) { recordServiceActivity(input: $input) {
      serviceActivity { id } userErrors { code } } }"""
    request = {"pairingId": OWN_PAIRING, "kind": "HOME_VISIT", "occurredOn": "2019-03-01", "count": 2}
    payload = (await gql(world.db, mutation, {"input": request}, world.actors[SA]))["recordServiceActivity"]
    assert payload["userErrors"] == []
    new_id = payload["serviceActivity"]["id"]
    for role in (MA, R, V):
        data = await gql(world.db, "query($id: ID!) { node(id: $id) { id } }", {"id": new_id}, world.actors[role])
        assert data["node"] == {"id": new_id}


@pytest.mark.parametrize("role", list(Role))
def test_require_for_the_token_permission(role: Role) -> None:
    """Tokens are managed from the CLI only; in the matrix only ADMIN holds manageTokens."""
    actor = Actor(name="t", role=role)
    if role is A:
        access.require(actor, "manageTokens")
    else:
        with pytest.raises(ApiError):
            access.require(actor, "manageTokens")


def test_unknown_permission_fails_closed() -> None:
    with pytest.raises(ApiError):
        access.require(Actor(name="m", role=M), "someNewMutation")
    access.require(SYSTEM, "someNewMutation")


def test_regional_staff_cannot_move_an_agency_out_of_its_region() -> None:
    staff = Actor(name="r", role=Role.REGIONAL_STAFF, region_path="/1/5/", region_agency_ids=frozenset({7}))
    access.require(staff, "updateAgency", agency_id=7, region_path="/1/5/23/")
    with pytest.raises(ApiError, match="into a region outside its scope"):
        access.require(staff, "updateAgency", agency_id=7, region_path="/1/6/")
    with pytest.raises(ApiError, match="into a region outside its scope"):
        access.require(staff, "updateAgency", agency_id=7, region_path="/1/50/")
    access.require(Actor(name="m", role=Role.MINISTRY), "updateAgency", agency_id=7, region_path="/9/")


SUBMIT = """mutation($input: SubmitMilestoneUpdateInput!) { submitMilestoneUpdate(input: $input) {
  milestoneUpdate { id } userErrors { field message code } } }"""


async def submit_update(world: WriteWorld, role: Role, milestone_id: str):
    request = {"milestoneId": milestone_id, "note": "进展", "progressPercent": 50}
    return await run_graphql(world.db, SUBMIT, {"input": request}, world.actors[role])


async def milestone_state(world: WriteWorld, milestone_id: str) -> dict[str, Any]:
    query = "query($id: ID!) { node(id: $id) { ... on Milestone { status version updates { totalCount } } } }"
    return (await gql(world.db, query, {"id": milestone_id}, SYSTEM))["node"]


async def test_a_write_on_an_object_the_caller_cannot_read_answers_as_for_no_object(world: WriteWorld) -> None:
    hidden_id, missing_id = world.other["Milestone"], encode_id("Milestone", 999_999)
    before = await milestone_state(world, hidden_id)
    answers = []
    for milestone_id in (hidden_id, missing_id):
        result = await submit_update(world, MA, milestone_id)
        assert result.errors is None, result.errors
        payload = result.data["submitMilestoneUpdate"]
        assert payload["milestoneUpdate"] is None
        [error] = payload["userErrors"]
        answers.append({**error, "message": error["message"].replace(milestone_id, "<ID>")})
    assert answers[0] == answers[1]
    assert answers[0]["code"] == "NOT_FOUND" and answers[0]["field"] == ["milestoneId"]
    assert await milestone_state(world, hidden_id) == before


async def test_a_write_on_an_object_the_caller_reads_but_may_not_change_is_forbidden(world: WriteWorld) -> None:
    milestone_id = world.other["Milestone"]
    before = await milestone_state(world, milestone_id)
    result = await submit_update(world, V, milestone_id)
    assert result.data is None
    assert [(e.path, e.extensions["code"]) for e in result.errors] == [(["submitMilestoneUpdate"], "FORBIDDEN")]
    # An agency role too: the supported agency reads its own pairing's milestone but may not submit.
    own = await submit_update(world, SA, world.own["Milestone"])
    assert [(e.path, e.extensions["code"]) for e in own.errors] == [(["submitMilestoneUpdate"], "FORBIDDEN")]
    assert await milestone_state(world, milestone_id) == before
