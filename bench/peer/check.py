"""Both servers asked the same reads, their answers compared field by field (bench/PEERS.md, section 3),
and the one request body of each query that wrk sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from bench.peer import answers
from bench.peer.postgraphile import HERE, Peer
from bench.queries import Q1_DASHBOARD, Q2_DETAIL
from resolvers.ids import encode_id
from resolvers.pagination import encode_cursor

PAGE = 50  # Q1's `first`, as bench.run's default --page-size
MEASURED = 700  # Q1 is the page after the 700th pairing, Q2 the 700th pairing
Q1_PEER = (HERE / "q1.graphql").read_text()
Q2_PEER = (HERE / "q2.graphql").read_text()
CURSOR_AT = "query ($offset: Int!) { allPairings(first: 1, offset: $offset, orderBy: PRIMARY_KEY_ASC) { edges { cursor node { rowId } } } }"
COUNT = "{ allPairings { totalCount } }"


@dataclass
class Bodies:
    """A query's JSON body for each server."""

    ours: dict[str, Any]
    peer: dict[str, Any]


def position(peer: Peer, offset: int) -> tuple[int, str]:
    """(key, the peer's cursor) of the pairing at `offset` in key order."""
    edge = _data(peer.post(CURSOR_AT, {"offset": offset}))["allPairings"]["edges"][0]
    return int(edge["node"]["rowId"]), edge["cursor"]


def q1_bodies(peer: Peer, offset: int | None) -> Bodies:
    """The page after the pairing at `offset` (the first page for None)."""
    if offset is None:
        return Bodies(_body(Q1_DASHBOARD, first=PAGE, after=None), _body(Q1_PEER, first=PAGE, after=None))
    key, cursor = position(peer, offset)
    return Bodies(
        _body(Q1_DASHBOARD, first=PAGE, after=encode_cursor((key,))), _body(Q1_PEER, first=PAGE, after=cursor)
    )


def q2_bodies(peer: Peer, offset: int) -> Bodies:
    key, _cursor = position(peer, offset)
    return Bodies(_body(Q2_DETAIL, id=encode_id("Pairing", key)), _body(Q2_PEER, id=str(key)))


def measured_bodies(peer: Peer) -> dict[str, Bodies]:
    return {"Q1": q1_bodies(peer, MEASURED - 1), "Q2": q2_bodies(peer, MEASURED - 1)}


def compare_answers(our_url: str, headers: dict[str, str], peer: Peer) -> list[str]:
    """Q1 on the measured page and six pages across the list, Q2 on the measured pairing and 16
    others: every difference, one line each (none when the answers are the same)."""
    total = _data(peer.post(COUNT, {}))["allPairings"]["totalCount"]
    q1_offsets = [MEASURED - 1, None] + [total * k // 6 for k in range(1, 6)]
    q2_offsets = [MEASURED - 1] + [total * k // 17 for k in range(1, 17)]
    cases = [("Q1", q1_bodies(peer, offset)) for offset in q1_offsets]
    cases += [("Q2", q2_bodies(peer, offset)) for offset in q2_offsets]
    found = []
    with httpx.Client(timeout=60) as client:
        for name, bodies in cases:
            ours = _data(client.post(f"{our_url}/graphql", json=bodies.ours, headers=headers).json())
            theirs = _data(client.post(f"{peer.url}/graphql", json=bodies.peer).json())
            where = f"{name} {bodies.ours['variables']}"
            found += [f"{where}{line}" for line in answers.differences(answers.ours(ours), answers.peer(theirs))]
    return found


def _body(query: str, **variables: Any) -> dict[str, Any]:
    return {"query": query, "variables": variables}


def _data(answer: Any) -> Any:
    if answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"GraphQL errors: {answer.get('errors')}")
    return answer["data"]
