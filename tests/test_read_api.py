"""The read API over the demo data, through GraphQL in-process."""

from __future__ import annotations

import pytest

from resolvers.ids import encode_id
from resolvers.pagination import encode_cursor
from tests.conftest import gql, run_graphql

YE_COUNTY_AGENCY = "叶县心天地社会工作服务中心"
PROGRAM = "河南省社会工作服务机构牵手计划"

PAIRING_FIELDS = """
  id status startsOn endsOn version
  program { name }
  mentor { name region { name } }
  supported { name creditCode region { name code level parent { name } } }
  progress { milestonesTotal milestonesAchieved milestonesOverdue percentComplete timeElapsedPercent health }
  serviceTotals { homeVisits caseworkCases groupSessions themedActivities trainingSessions beneficiaries }
  resourceTotals { cashYuan inKindYuan disbursementBatches peopleFunded }
  serviceStations { name region { name level } agency { name } }
  incubatedOrganizations { stage agency { name } }
"""


async def ye_county_pairing(db) -> dict:
    data = await gql(
        db,
        "query($name: String) { agencies(filter: {nameContains: $name}) { edges { node { id } } } }",
        {"name": "心天地"},
    )
    agency_id = data["agencies"]["edges"][0]["node"]["id"]
    data = await gql(
        db,
        "query($a: ID) { pairings(filter: {agencyId: $a}) { edges { node {" + PAIRING_FIELDS + "} } } }",
        {"a": agency_id},
    )
    (edge,) = data["pairings"]["edges"]
    return edge["node"]


async def test_ye_county_pairing_reproduces_the_seed_figures(demo_db):
    pairing = await ye_county_pairing(demo_db)
    assert pairing["supported"]["name"] == YE_COUNTY_AGENCY
    assert pairing["supported"]["region"]["name"] == "叶县"
    assert pairing["serviceTotals"] == {
        "homeVisits": 312,
        "caseworkCases": 62,
        "groupSessions": 89,
        "themedActivities": 14,
        "trainingSessions": 4,
        "beneficiaries": 1800,
    }
    assert pairing["resourceTotals"]["cashYuan"] == "92300.00"
    assert pairing["resourceTotals"]["disbursementBatches"] == 3
    assert pairing["resourceTotals"]["peopleFunded"] == 47
    assert float(pairing["resourceTotals"]["inKindYuan"]) > 100_000
    (station,) = pairing["serviceStations"]
    assert station["name"] == "尚德社工服务站"
    assert station["region"] == {"name": "十亩地洼村", "level": "VILLAGE"}
    (incubated,) = pairing["incubatedOrganizations"]
    assert incubated["agency"]["name"].startswith("鲁山县尚德社")
    assert pairing["program"]["name"] == PROGRAM
    assert pairing["progress"]["health"] == "COMPLETED"


async def test_ye_county_resource_links_are_the_three_projects(demo_db):
    pairing = await ye_county_pairing(demo_db)
    data = await gql(
        demo_db,
        "query($id: ID!) { pairing(id: $id) { resourceLinks(first: 100) { totalCount edges { node { projectName kind amountYuan } } } } }",
        {"id": pairing["id"]},
    )
    projects = {edge["node"]["projectName"] for edge in data["pairing"]["resourceLinks"]["edges"]}
    assert projects == {"清泉公益一对一助童助学", "焕新乐园", "仁人书包"}


async def test_program_lists_twenty_pairings_and_stats_add_up(demo_db):
    data = await gql(
        demo_db, "{ programs { edges { node { id name pairings(first: 100) { totalCount edges { node { id } } } } } } }"
    )
    (program,) = [edge["node"] for edge in data["programs"]["edges"] if edge["node"]["name"] == PROGRAM]
    assert program["pairings"]["totalCount"] == 20
    assert len(program["pairings"]["edges"]) == 20
    stats = (
        await gql(
            demo_db,
            "query($p: ID) { programStats(programId: $p) { pairings activePairings milestonesOverdue serviceTotals { homeVisits beneficiaries } resourceTotals { cashYuan } } }",
            {"p": program["id"]},
        )
    )["programStats"]
    pairings = (
        await gql(
            demo_db,
            "query($p: ID) { pairings(first: 100, filter: {programId: $p}) { edges { node { status progress { milestonesOverdue } serviceTotals { homeVisits beneficiaries } resourceTotals { cashYuan } } } } }",
            {"p": program["id"]},
        )
    )["pairings"]["edges"]
    nodes = [edge["node"] for edge in pairings]
    assert stats["pairings"] == 20
    assert stats["activePairings"] == sum(node["status"] == "ACTIVE" for node in nodes)
    assert stats["serviceTotals"]["homeVisits"] == sum(node["serviceTotals"]["homeVisits"] for node in nodes)
    assert stats["serviceTotals"]["beneficiaries"] == sum(node["serviceTotals"]["beneficiaries"] for node in nodes)
    assert stats["milestonesOverdue"] == sum(node["progress"]["milestonesOverdue"] for node in nodes)
    from decimal import Decimal

    assert Decimal(stats["resourceTotals"]["cashYuan"]) == sum(Decimal(n["resourceTotals"]["cashYuan"]) for n in nodes)


async def test_pagination_walks_every_pairing_once_in_stable_order(demo_db):
    seen: list[str] = []
    after = None
    while True:
        data = await gql(
            demo_db,
            "query($after: String) { pairings(first: 6, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } } } }",
            {"after": after},
        )
        connection = data["pairings"]
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]
    assert len(seen) == len(set(seen)) == connection["totalCount"] == 20


async def test_first_above_100_is_a_clear_error(demo_db):
    result = await run_graphql(demo_db, "{ pairings(first: 101) { totalCount } }")
    assert result.errors[0].extensions["code"] == "PAGE_TOO_LARGE"
    assert "at most 100" in result.errors[0].message


@pytest.mark.parametrize("region_filter", [False, True], ids=["listed", "in-a-region"])
async def test_a_cursor_that_does_not_fit_the_list_is_refused(demo_db, region_filter):
    data = await gql(demo_db, "{ regions(level: PROVINCE, first: 1) { edges { node { id } } } }")
    region = data["regions"]["edges"][0]["node"]["id"] if region_filter else None
    query = "query($after: String, $region: ID) { pairings(after: $after, filter: {regionId: $region}) { totalCount } }"
    for cursor in (encode_cursor(["not an id"]), encode_cursor([True]), "bm90LWEtY3Vyc29y"):
        result = await run_graphql(demo_db, query, {"after": cursor, "region": region})
        assert result.errors and result.errors[0].extensions["code"] == "BAD_CURSOR", cursor


async def test_region_filter_includes_the_subtree(demo_db):
    regions = await gql(demo_db, "{ regions(level: PROVINCE, first: 100) { edges { node { id code name } } } }")
    henan = next(edge["node"] for edge in regions["regions"]["edges"] if edge["node"]["code"] == "410000")
    cities = await gql(
        demo_db,
        "query($p: ID) { regions(parentId: $p, first: 100) { totalCount edges { node { id code name } } } }",
        {"p": henan["id"]},
    )
    assert cities["regions"]["totalCount"] >= 17
    pingdingshan = next(edge["node"] for edge in cities["regions"]["edges"] if edge["node"]["code"] == "410400")
    in_henan = await gql(
        demo_db, "query($r: ID) { pairings(first: 100, filter: {regionId: $r}) { totalCount } }", {"r": henan["id"]}
    )
    in_city = await gql(
        demo_db,
        "query($r: ID) { pairings(first: 100, filter: {regionId: $r}) { edges { node { supported { region { parent { code } } } } } } }",
        {"r": pingdingshan["id"]},
    )
    assert in_henan["pairings"]["totalCount"] == 20
    assert in_city["pairings"]["edges"], "叶县 and 鲁山县 lie in 平顶山市"
    assert all(
        edge["node"]["supported"]["region"]["parent"]["code"] == "410400" for edge in in_city["pairings"]["edges"]
    )


@pytest.mark.parametrize("health", ["NOT_STARTED", "ON_TRACK", "AT_RISK", "OFF_TRACK", "COMPLETED"])
async def test_health_filter_agrees_with_each_pairings_health(demo_db, health):
    everything = await gql(demo_db, "{ pairings(first: 100) { edges { node { id progress { health } } } } }")
    expected = {
        edge["node"]["id"] for edge in everything["pairings"]["edges"] if edge["node"]["progress"]["health"] == health
    }
    filtered = await gql(
        demo_db,
        "query($h: PairingHealth) { pairings(first: 100, filter: {health: $h}) { totalCount edges { node { id } } } }",
        {"h": health},
    )
    assert {edge["node"]["id"] for edge in filtered["pairings"]["edges"]} == expected
    assert filtered["pairings"]["totalCount"] == len(expected)


async def test_status_and_agency_filters(demo_db):
    data = await gql(
        demo_db, "{ pairings(first: 100, filter: {status: COMPLETED}) { edges { node { status mentor { id } } } } }"
    )
    nodes = [edge["node"] for edge in data["pairings"]["edges"]]
    assert nodes and all(node["status"] == "COMPLETED" for node in nodes)
    mentor_id = nodes[0]["mentor"]["id"]
    by_agency = await gql(
        demo_db,
        "query($a: ID) { pairings(first: 100, filter: {agencyId: $a}) { edges { node { mentor { id } supported { id } } } } }",
        {"a": mentor_id},
    )
    assert by_agency["pairings"]["edges"]
    assert all(
        mentor_id in (e["node"]["mentor"]["id"], e["node"]["supported"]["id"]) for e in by_agency["pairings"]["edges"]
    )


async def test_milestones_with_status_filter_and_updates(demo_db):
    data = await gql(
        demo_db,
        """{ pairings(first: 100) { edges { node {
        all: milestones(first: 100) { totalCount edges { node { status termYear isOverdue dueOn } } }
        submitted: milestones(status: SUBMITTED, first: 100) { totalCount edges { node { status updates { totalCount edges { node { status note submittedAt milestone { id } } } } } } }
    } } } }""",
    )
    submitted_total = 0
    for edge in data["pairings"]["edges"]:
        node = edge["node"]
        assert {m["node"]["termYear"] for m in node["all"]["edges"]} == {1, 2, 3}
        for milestone in node["all"]["edges"]:
            m = milestone["node"]
            expected_overdue = m["dueOn"] < "2026-11-30" and m["status"] not in ("ACHIEVED", "WAIVED")
            assert m["isOverdue"] is expected_overdue
        for milestone in node["submitted"]["edges"]:
            assert milestone["node"]["status"] == "SUBMITTED"
            statuses = [u["node"]["status"] for u in milestone["node"]["updates"]["edges"]]
            assert "PENDING_REVIEW" in statuses
        submitted_total += node["submitted"]["totalCount"]
    assert submitted_total >= 1


async def test_node_resolves_every_type_and_handles_bad_ids(demo_db):
    pairing = await ye_county_pairing(demo_db)
    data = await gql(
        demo_db, "query($id: ID!) { node(id: $id) { __typename id ... on Pairing { status } } }", {"id": pairing["id"]}
    )
    assert data["node"] == {"__typename": "Pairing", "id": pairing["id"], "status": "COMPLETED"}
    detail = await gql(
        demo_db,
        """query($id: ID!) { pairing(id: $id) {
        mentor { id } supported { id region { id } } program { id }
        milestones(first: 1) { edges { node { id updates(first: 1) { edges { node { id } } } } } }
        trainingSessions(first: 1) { edges { node { id } } }
        serviceActivities(first: 1) { edges { node { id } } }
        resourceLinks(first: 1) { edges { node { id } } }
        serviceStations { id } incubatedOrganizations { id } } }""",
        {"id": pairing["id"]},
    )
    p = detail["pairing"]
    ids = [
        p["mentor"]["id"],
        p["supported"]["id"],
        p["supported"]["region"]["id"],
        p["program"]["id"],
        p["milestones"]["edges"][0]["node"]["id"],
        p["milestones"]["edges"][0]["node"]["updates"]["edges"][0]["node"]["id"],
        p["trainingSessions"]["edges"][0]["node"]["id"],
        p["serviceActivities"]["edges"][0]["node"]["id"],
        p["resourceLinks"]["edges"][0]["node"]["id"],
        p["serviceStations"][0]["id"],
        p["incubatedOrganizations"][0]["id"],
    ]
    nodes = await gql(
        demo_db,
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
        {"ids": ids + [encode_id("Pairing", 999999)]},
    )
    assert [n["id"] for n in nodes["nodes"][:-1]] == ids
    assert len({n["__typename"] for n in nodes["nodes"][:-1]}) == 10
    assert nodes["nodes"][-1] is None
    unknown = await gql(
        demo_db,
        "query($id: ID!) { node(id: $id) { id } pairing(id: $id) { id } }",
        {"id": encode_id("Pairing", 999999)},
    )
    assert unknown == {"node": None, "pairing": None}
    wrong_type = await gql(demo_db, "query($id: ID!) { pairing(id: $id) { id } }", {"id": p["mentor"]["id"]})
    assert wrong_type == {"pairing": None}
    malformed = await run_graphql(demo_db, '{ node(id: "not-an-id") { id } }')
    assert malformed.errors[0].extensions["code"] == "BAD_ID"
    assert malformed.data == {"node": None}


async def test_agencies_filter_by_name_and_region(demo_db):
    data = await gql(
        demo_db, '{ agencies(first: 100, filter: {nameContains: "社会工作"}) { totalCount edges { node { name } } } }'
    )
    assert data["agencies"]["totalCount"] >= 20
    assert all("社会工作" in edge["node"]["name"] for edge in data["agencies"]["edges"])
    none = await gql(demo_db, '{ agencies(filter: {nameContains: "%"}) { totalCount } }')
    assert none["agencies"]["totalCount"] == 0, "LIKE wildcards in the search text are taken literally"


async def test_program_stats_of_a_region_add_up_its_pairings(demo_db):
    """Stats by region count the pairings whose supported agency lies in the region or below it,
    as the pairing list's region filter does; a second ask reads the same (its statement is kept)."""
    regions = await gql(demo_db, "{ regions(level: PROVINCE, first: 100) { edges { node { id } } } }")
    provinces = [edge["node"] for edge in regions["regions"]["edges"]]
    assert provinces
    counted = []
    query = "query($r: ID) { programStats(regionId: $r) { pairings milestonesOverdue serviceTotals { homeVisits } } }"
    listed = "query($r: ID) { pairings(first: 100, filter: {regionId: $r}) { totalCount edges { node { progress { milestonesOverdue } serviceTotals { homeVisits } } } } }"
    for province in provinces:
        stats = (await gql(demo_db, query, {"r": province["id"]}))["programStats"]
        again = (await gql(demo_db, query, {"r": province["id"]}))["programStats"]
        pairings = (await gql(demo_db, listed, {"r": province["id"]}))["pairings"]
        nodes = [edge["node"] for edge in pairings["edges"]]
        assert stats == again
        assert stats["pairings"] == pairings["totalCount"] == len(nodes)
        assert stats["serviceTotals"]["homeVisits"] == sum(node["serviceTotals"]["homeVisits"] for node in nodes)
        assert stats["milestonesOverdue"] == sum(node["progress"]["milestonesOverdue"] for node in nodes)
        counted.append(stats["pairings"])
    assert any(counted), "some province has pairings"
