"""bench.peer's answer check: our answer and PostGraphile's, shaped differently, compare equal by
value, and a figure that differs is found at its path (bench/PEERS.md, "Same answers")."""

from __future__ import annotations

import pytest

from bench.peer import answers
from resolvers.ids import encode_id

pytestmark = pytest.mark.database_free


def our_answer(percent_complete: float) -> dict:
    pairing = {
        "id": encode_id("Pairing", 700),
        "status": "ACTIVE",
        "progress": {"milestonesTotal": 12, "percentComplete": percent_complete, "health": "OFF_TRACK"},
        "serviceTotals": {"homeVisits": 312, "beneficiaries": 1800},
        "resourceTotals": {"cashYuan": "92300.00", "peopleFunded": 47},
        "milestones": {
            "edges": [{"node": {"id": encode_id("Milestone", 8389), "submittedAt": "2025-02-23T10:00:00+08:00"}}]
        },
        "serviceStations": [],
    }
    return {"pairings": {"pageInfo": {"hasNextPage": True, "endCursor": "WzcwMF0"}, "edges": [{"node": pairing}]}}


def peer_answer(percent_complete: str) -> dict:
    pairing = {
        "rowId": "700",
        "status": "ACTIVE",
        "progress": {"milestonesTotal": 12, "percentComplete": percent_complete, "health": "OFF_TRACK"},
        "totals": {"homeVisits": 312, "beneficiaries": 1800, "cashYuan": "92300", "peopleFunded": 47},
        "milestones": {"edges": [{"node": {"rowId": "8389", "submittedAt": "2025-02-23T02:00:00.000000+00:00"}}]},
        "serviceStations": {"nodes": []},
    }
    cursor = "WyJmNmE5Zjk2ODEyIiwiNzAwIl0="
    return {"allPairings": {"pageInfo": {"hasNextPage": True, "endCursor": cursor}, "edges": [{"node": pairing}]}}


def test_the_same_figures_in_either_shape_are_equal() -> None:
    assert answers.differences(answers.ours(our_answer(41.7)), answers.peer(peer_answer("41.70"))) == []


def test_a_numeric_sent_as_text_that_differs_is_found_at_its_path() -> None:
    found = answers.differences(answers.ours(our_answer(41.67)), answers.peer(peer_answer("41.68")))
    assert found == [".pairings.nodes[0].progress.percentComplete: ours 41.67, the peer's '41.68'"]
