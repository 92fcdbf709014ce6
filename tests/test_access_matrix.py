"""Reads: role x object kind x (read by ID, list, count, nested). Every role gets a token made
with resolvers/tokens.py; "own" is the Ye County pairing (in every scoped role's scope), "other" a
pairing outside all of them (another mentor, another city)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from db.engine import Database
from db.models import Role
from db.statements import recording
from resolvers.access import SYSTEM, Actor
from resolvers.ids import encode_id
from resolvers.tokens import authenticate, create_token
from tests.conftest import gql, run_graphql

SEES_ALL = {Role.ADMIN, Role.MINISTRY, Role.VIEWER}
SCOPED = [Role.REGIONAL_STAFF, Role.MENTOR_AGENCY, Role.SUPPORTED_AGENCY]
OWN_PAIRING = encode_id("Pairing", 1)  # 叶县心天地 (平顶山市), mentored by 姑苏区善行
OTHER_PAIRING = encode_id("Pairing", 9)  # 洛宁县洛河 (洛阳市), mentored by 吴中区馨和
PAIRING_KINDS = [
    "Pairing",
    "Milestone",
    "MilestoneUpdate",
    "TrainingSession",
    "ServiceActivity",
    "ServiceStation",
    "IncubatedOrganization",
    "ResourceLink",
]
DIRECTORY_KINDS = ["Program", "Agency", "Region"]

OBJECTS = """
query($id: ID!) { pairing(id: $id) {
  id program { id } supported { id region { id } }
  milestones(first: 1) { edges { node { id updates(first: 1) { edges { node { id } } } } } }
  trainingSessions(first: 1) { edges { node { id } } }
  serviceActivities(first: 1) { edges { node { id } } }
  resourceLinks(first: 1) { edges { node { id } } }
  serviceStations { id }
  incubatedOrganizations { id }
} }"""


@dataclass
class World:
    db: Database
    actors: dict[Role, Actor]
    own: dict[str, str]
    other: dict[str, str]
    own_pairing_agencies: tuple[str, str]  # (mentor, supported) global IDs


def first_node(connection: dict[str, Any]) -> str:
    return connection["edges"][0]["node"]["id"]


async def objects_of(db: Database, pairing_id: str) -> dict[str, str]:
    pairing = (await gql(db, OBJECTS, {"id": pairing_id}, SYSTEM))["pairing"]
    milestone = pairing["milestones"]["edges"][0]["node"]
    return {
        "Pairing": pairing["id"],
        "Milestone": milestone["id"],
        "MilestoneUpdate": first_node(milestone["updates"]),
        "TrainingSession": first_node(pairing["trainingSessions"]),
        "ServiceActivity": first_node(pairing["serviceActivities"]),
        "ResourceLink": first_node(pairing["resourceLinks"]),
        "ServiceStation": pairing["serviceStations"][0]["id"],
        "IncubatedOrganization": pairing["incubatedOrganizations"][0]["id"],
        "Program": pairing["program"]["id"],
        "Agency": pairing["supported"]["id"],
        "Region": pairing["supported"]["region"]["id"],
    }


async def make_actors(db: Database) -> dict[Role, Actor]:
    """One token per role, made and authenticated the way a request's would be."""
    data = await gql(
        db,
        "query($id: ID!) { pairing(id: $id) { mentor { id } supported { id region { parent { id } } } } }",
        {"id": OWN_PAIRING},
        SYSTEM,
    )
    pairing = data["pairing"]
    scopes = {
        Role.ADMIN: {},
        Role.MINISTRY: {},
        Role.VIEWER: {},
        Role.REGIONAL_STAFF: {"region_id": pairing["supported"]["region"]["parent"]["id"]},
        Role.MENTOR_AGENCY: {"agency_id": pairing["mentor"]["id"]},
        Role.SUPPORTED_AGENCY: {"agency_id": pairing["supported"]["id"]},
    }
    actors = {}
    for role, scope in scopes.items():
        secret = await create_token(db, f"matrix-{role.value.lower()}", role, **scope)
        actors[role] = await authenticate(db, secret)
    return actors


@pytest.fixture(scope="module")
async def world(databases) -> AsyncIterator[World]:
    db = await databases.new_database("access", demo=True)
    try:
        own, other = await objects_of(db, OWN_PAIRING), await objects_of(db, OTHER_PAIRING)
        mentor_supported = (
            await gql(
                db,
                "query($id: ID!) { pairing(id: $id) { mentor { id } supported { id } } }",
                {"id": OWN_PAIRING},
                SYSTEM,
            )
        )["pairing"]
        yield World(
            db,
            await make_actors(db),
            own,
            other,
            (mentor_supported["mentor"]["id"], mentor_supported["supported"]["id"]),
        )
    finally:
        await db.dispose()


def sees_other(role: Role, kind: str) -> bool:
    return role in SEES_ALL or kind in DIRECTORY_KINDS


def forbidden_paths(result) -> list[list[Any]]:
    return [error.path for error in result.errors or [] if error.extensions.get("code") == "FORBIDDEN"]


@pytest.mark.parametrize("kind", PAIRING_KINDS + DIRECTORY_KINDS)
@pytest.mark.parametrize("role", list(Role))
async def test_read_by_node_id_through_aliases(world: World, role: Role, kind: str) -> None:
    query = "query($own: ID!, $other: ID!) { mine: node(id: $own) { id } theirs: node(id: $other) { id } }"
    result = await run_graphql(
        world.db, query, {"own": world.own[kind], "other": world.other[kind]}, world.actors[role]
    )
    assert result.data["mine"] == {"id": world.own[kind]}
    if sees_other(role, kind):
        assert result.errors is None
        assert result.data["theirs"] == {"id": world.other[kind]}
    else:
        assert result.data["theirs"] is None
        assert forbidden_paths(result) == [["theirs"]]
        assert len(result.errors) == 1


@pytest.mark.parametrize("kind", PAIRING_KINDS)
@pytest.mark.parametrize("role", list(Role))
async def test_read_through_nodes_list(world: World, role: Role, kind: str) -> None:
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    result = await run_graphql(world.db, query, {"ids": [world.other[kind], world.own[kind]]}, world.actors[role])
    assert result.data["nodes"][1] == {"id": world.own[kind]}
    if sees_other(role, kind):
        assert result.errors is None and result.data["nodes"][0] == {"id": world.other[kind]}
    else:
        assert result.data["nodes"][0] is None
        assert forbidden_paths(result) == [["nodes", 0]]


@pytest.mark.parametrize("role", list(Role))
async def test_pairing_root_field(world: World, role: Role) -> None:
    query = "query($own: ID!, $other: ID!) { a: pairing(id: $own) { id } b: pairing(id: $other) { id } }"
    result = await run_graphql(world.db, query, {"own": OWN_PAIRING, "other": OTHER_PAIRING}, world.actors[role])
    assert result.data["a"] == {"id": OWN_PAIRING}
    if role in SEES_ALL:
        assert result.errors is None and result.data["b"] == {"id": OTHER_PAIRING}
    else:
        assert result.data["b"] is None and forbidden_paths(result) == [["b"]]


async def test_unknown_id_is_null_without_error(world: World) -> None:
    result = await run_graphql(
        world.db, '{ node(id: "%s") { id } }' % encode_id("Pairing", 999_999), actor=world.actors[Role.MENTOR_AGENCY]
    )
    assert result.errors is None and result.data == {"node": None}


NESTED_BACK_TO_PAIRING = {
    "Milestone": "... on Milestone { pairing { id } }",
    "MilestoneUpdate": "... on MilestoneUpdate { milestone { pairing { id } } }",
}


@pytest.mark.parametrize("kind", sorted(NESTED_BACK_TO_PAIRING))
@pytest.mark.parametrize("role", list(Role))
async def test_nested_fields_lead_only_to_readable_objects(world: World, role: Role, kind: str) -> None:
    query = "query($id: ID!) { node(id: $id) { id %s } }" % NESTED_BACK_TO_PAIRING[kind]
    own = await run_graphql(world.db, query, {"id": world.own[kind]}, world.actors[role])
    assert own.errors is None and OWN_PAIRING in str(own.data)
    other = await run_graphql(world.db, query, {"id": world.other[kind]}, world.actors[role])
    if role in SEES_ALL:
        assert other.errors is None and OTHER_PAIRING in str(other.data)
    else:
        assert other.data == {"node": None} and forbidden_paths(other) == [["node"]]


CHILDREN = """
query($id: ID!) { pairing(id: $id) {
  milestones { totalCount edges { node { updates { totalCount } } } }
  trainingSessions { totalCount } serviceActivities { totalCount } resourceLinks { totalCount }
  serviceStations { id } incubatedOrganizations { id }
  serviceTotals { homeVisits } resourceTotals { cashYuan }
} }"""


@pytest.mark.parametrize("role", list(Role))
async def test_nested_lists_of_a_readable_pairing_are_whole(world: World, role: Role) -> None:
    expected = await gql(world.db, CHILDREN, {"id": OWN_PAIRING}, SYSTEM)
    assert await gql(world.db, CHILDREN, {"id": OWN_PAIRING}, world.actors[role]) == expected
    assert expected["pairing"]["serviceTotals"] == {"homeVisits": 312}


@pytest.mark.parametrize("role", sorted(set(Role) - SEES_ALL, key=lambda role: role.value))
async def test_lists_fetched_ahead_of_a_hidden_pairing_are_not_shown(world: World, role: Role) -> None:
    """pairing(id) asks for the lists it selects while it reads the pairing itself: for a pairing the
    caller may not read, the answer is still null with FORBIDDEN, and nothing of its lists."""
    result = await run_graphql(world.db, CHILDREN, {"id": OTHER_PAIRING}, world.actors[role])
    assert result.data == {"pairing": None}
    assert forbidden_paths(result) == [["pairing"]]


# Pairings each role reads in the demo data, and their home visits summed.
VISIBLE = {
    Role.ADMIN: (20, 4098),
    Role.MINISTRY: (20, 4098),
    Role.VIEWER: (20, 4098),
    Role.REGIONAL_STAFF: (1, 312),  # 平顶山市: only Ye County
    Role.MENTOR_AGENCY: (2, 552),  # 姑苏区善行 mentors Ye County and 封丘县
    Role.SUPPORTED_AGENCY: (1, 312),
}

LISTS = """
query($program: ID!) {
  pairings(first: 100) { totalCount edges { node { id } } }
  program(id: $program) { pairings(first: 100) { totalCount edges { node { id } } } stats { pairings } }
  programStats { pairings activePairings serviceTotals { homeVisits } milestonesOverdue }
  overdueMilestones(first: 100) { totalCount edges { node { pairing { id } } } }
}"""


@pytest.mark.parametrize("role", list(Role))
async def test_lists_counts_and_totals(world: World, role: Role) -> None:
    count, home_visits = VISIBLE[role]
    data = await gql(world.db, LISTS, {"program": world.own["Program"]}, world.actors[role])
    ids = {edge["node"]["id"] for edge in data["pairings"]["edges"]}
    assert data["pairings"]["totalCount"] == len(ids) == count
    assert OWN_PAIRING in ids and (OTHER_PAIRING in ids) == (role in SEES_ALL)
    program = data["program"]
    assert {edge["node"]["id"] for edge in program["pairings"]["edges"]} == ids
    assert program["pairings"]["totalCount"] == program["stats"]["pairings"] == count
    assert data["programStats"]["pairings"] == count
    assert data["programStats"]["serviceTotals"]["homeVisits"] == home_visits
    overdue_pairings = {edge["node"]["pairing"]["id"] for edge in data["overdueMilestones"]["edges"]}
    assert overdue_pairings <= ids
    assert data["overdueMilestones"]["totalCount"] == data["programStats"]["milestonesOverdue"]


@pytest.mark.parametrize("role", SCOPED)
async def test_filters_cannot_widen_the_scope(world: World, role: Role) -> None:
    query = "query($agency: ID!) { pairings(filter: {agencyId: $agency}) { totalCount edges { node { id } } } }"
    data = await gql(world.db, query, {"agency": world.other["Agency"]}, world.actors[role])
    assert data["pairings"] == {"totalCount": 0, "edges": []}
    everyone = await gql(world.db, query, {"agency": world.other["Agency"]}, world.actors[Role.VIEWER])
    assert everyone["pairings"]["totalCount"] == 1


REVIEW_NOTE = "query($id: ID!) { node(id: $id) { ... on MilestoneUpdate { reviewNote } } }"


@pytest.mark.parametrize("role", list(Role))
async def test_review_notes_are_hidden_from_viewers(world: World, role: Role) -> None:
    data = await gql(world.db, REVIEW_NOTE, {"id": world.own["MilestoneUpdate"]}, world.actors[role])
    note = data["node"]["reviewNote"]
    if role is Role.VIEWER:
        assert note is None
    else:
        assert isinstance(note, str) and note


AUDIT = "query($id: ID!) { auditEvents(objectId: $id) { totalCount } }"


@pytest.mark.parametrize("role", list(Role))
async def test_audit_events_only_for_admin_and_ministry(world: World, role: Role) -> None:
    result = await run_graphql(world.db, AUDIT, {"id": OWN_PAIRING}, world.actors[role])
    if role in (Role.ADMIN, Role.MINISTRY):
        assert result.errors is None and result.data["auditEvents"]["totalCount"] >= 0
    else:
        assert result.data is None and forbidden_paths(result) == [["auditEvents"]]


@pytest.mark.parametrize("role", list(Role))
async def test_viewer_reflects_the_token(world: World, role: Role) -> None:
    data = await gql(world.db, "{ viewer { name role agency { id } } }", actor=world.actors[role])
    assert data["viewer"]["role"] == role.value
    assert data["viewer"]["name"] == f"matrix-{role.value.lower()}"
    mentor, supported = world.own_pairing_agencies
    expected = {Role.MENTOR_AGENCY: mentor, Role.SUPPORTED_AGENCY: supported}.get(role)
    assert data["viewer"]["agency"] == (None if expected is None else {"id": expected})


async def test_scope_checks_are_batched(world: World) -> None:
    """The pairing behind each object is fetched for all objects at once, not one query per row."""
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    actor = world.actors[Role.MENTOR_AGENCY]
    updates = await gql(
        world.db,
        "query($id: ID!) { pairing(id: $id) { milestones(first: 9) { edges { node { updates { edges { node { id } } } } } } } }",
        {"id": OWN_PAIRING},
        SYSTEM,
    )
    ids = [u["node"]["id"] for m in updates["pairing"]["milestones"]["edges"] for u in m["node"]["updates"]["edges"]]
    assert len(ids) >= 6
    with recording(world.db) as few:
        await gql(world.db, query, {"ids": ids[:2]}, actor)
    with recording(world.db) as many:
        await gql(world.db, query, {"ids": ids}, actor)
    assert many.count == few.count
