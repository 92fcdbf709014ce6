"""The reads the web app's pages need: enum labels, trends by month, the coverage grid, the review queue."""

from __future__ import annotations

from graphql import GraphQLEnumType

from resolvers.labels import LABELS
from schema.schema import schema
from tests.conftest import gql


def test_every_value_of_every_enum_in_the_schema_has_a_label():
    enums = {
        name: set(kind.values)
        for name, kind in schema._schema.type_map.items()
        if isinstance(kind, GraphQLEnumType) and not name.startswith("__") and name != "UserErrorCode"
    }
    assert {name: set(values) for name, values in LABELS.items()} == enums


async def test_enum_labels_are_served_from_the_one_table(demo_db):
    data = await gql(demo_db, "{ enumLabels { enum value zh en } }")
    rows = {(row["enum"], row["value"]): row["zh"] for row in data["enumLabels"]}
    assert rows[("PairingHealth", "OFF_TRACK")] == "严重滞后"
    assert len(rows) == sum(len(values) for values in LABELS.values())


async def test_monthly_trends_add_up_to_the_records_of_those_months(demo_db):
    data = await gql(demo_db, "{ monthlyTrends(months: 60) { month activities beneficiaries trainingSessions } }")
    months = data["monthlyTrends"]
    assert len(months) == 60 and months == sorted(months, key=lambda m: m["month"])
    activities = await gql(
        demo_db,
        "{ pairings(first: 100) { edges { node { serviceActivities(first: 100) { edges { node { occurredOn voidedAt } } } } } } }",
    )
    first = months[0]["month"]
    counted = sum(
        1
        for pairing in activities["pairings"]["edges"]
        for edge in pairing["node"]["serviceActivities"]["edges"]
        if edge["node"]["voidedAt"] is None and edge["node"]["occurredOn"][:7] >= first
    )
    assert sum(m["activities"] for m in months) == counted > 0


async def test_monthly_trends_refuse_a_window_out_of_range(demo_db):
    from tests.conftest import run_graphql  # noqa: PLC0415

    result = await run_graphql(demo_db, "{ monthlyTrends(months: 0) { month } }")
    assert result.errors and result.errors[0].extensions["code"] == "INVALID"


async def test_the_coverage_grid_sums_to_the_regions_coverage_and_pairings(demo_db):
    henan = await gql(demo_db, "{ programs { edges { node { scopeRegion { id } } } } }")
    region_id = henan["programs"]["edges"][0]["node"]["scopeRegion"]["id"]
    data = await gql(
        demo_db,
        "query($r: ID!) { coverage(regionId: $r) { counties countiesCovered townships townshipsCovered }"
        " coverageGrid(regionId: $r) { counties countiesCovered townships townshipsCovered pairingsByHealth { pairings } }"
        " pairings(filter: {regionId: $r}) { totalCount } }",
        {"r": region_id},
    )
    cells = data["coverageGrid"]
    for figure in ("counties", "countiesCovered", "townships", "townshipsCovered"):
        assert sum(cell[figure] for cell in cells) == data["coverage"][figure]
    assert sum(h["pairings"] for cell in cells for h in cell["pairingsByHealth"]) == data["pairings"]["totalCount"]


async def test_the_review_queue_lists_only_pending_updates_oldest_first(demo_db):
    data = await gql(demo_db, "{ pendingUpdates(first: 100) { totalCount edges { node { id status } } } }")
    nodes = [edge["node"] for edge in data["pendingUpdates"]["edges"]]
    assert nodes and all(node["status"] == "PENDING_REVIEW" for node in nodes)
    assert data["pendingUpdates"]["totalCount"] == len(nodes)


async def test_pairing_health_counts_match_the_list_filtered_by_each_health(demo_db):
    data = await gql(demo_db, "{ pairingHealth { health pairings } pairings { totalCount } }")
    assert sum(row["pairings"] for row in data["pairingHealth"]) == data["pairings"]["totalCount"]
    for row in data["pairingHealth"]:
        listed = await gql(
            demo_db, "query($h: PairingHealth) { pairings(filter: {health: $h}) { totalCount } }", {"h": row["health"]}
        )
        assert listed["pairings"]["totalCount"] == row["pairings"]
