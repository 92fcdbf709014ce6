"""Our answers and PostGraphile's in one shape, and where they differ (bench/PEERS.md, "Same answers").

The two APIs name and shape the same data differently: our IDs are global IDs where the peer has
`rowId`; the peer sends `numeric` and `bigint` as text; a connection is `edges`/`node` or `nodes`;
our `serviceTotals` and `resourceTotals` are the peer's one `totals` row; cursors differ by design.
Both answers are brought to one shape, then compared field by field: numbers by value, timestamps
as instants, everything else as it is."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from resolvers.ids import decode_id

# The peer's names of our fields.
PEER_NAMES = {"allPairings": "pairings", "pairingByRowId": "pairing", "rowId": "id"}
SPLIT_TOTALS = ("serviceTotals", "resourceTotals")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def ours(value: Any) -> Any:
    """Our answer in the common shape: global IDs decoded to keys, the two totals as one."""
    if isinstance(value, list):
        return [ours(item) for item in value]
    if not isinstance(value, dict):
        return value
    if all(name in value for name in SPLIT_TOTALS):
        totals = {**value[SPLIT_TOTALS[0]], **value[SPLIT_TOTALS[1]]}
        value = {**{key: item for key, item in value.items() if key not in SPLIT_TOTALS}, "totals": totals}
    connection = _connection(value, ours)
    if connection is not None:
        return connection
    return {
        key: decode_id(item)[1] if key == "id" and isinstance(item, str) else ours(item) for key, item in value.items()
    }


def peer(value: Any) -> Any:
    """The peer's answer in the common shape: its names changed to ours."""
    if isinstance(value, list):
        return [peer(item) for item in value]
    if not isinstance(value, dict):
        return value
    connection = _connection(value, peer)
    if connection is not None:
        return connection
    return {PEER_NAMES.get(key, key): peer(item) for key, item in value.items()}


def _connection(value: dict[str, Any], shape: Any) -> Any:
    """A connection as its list of nodes, with hasNextPage where it has a pageInfo; None if not one."""
    if "edges" in value and set(value) <= {"edges", "pageInfo"}:
        nodes = [shape(edge["node"]) for edge in value["edges"]]
    elif set(value) == {"nodes"}:
        nodes = [shape(node) for node in value["nodes"]]
    else:
        return None
    if "pageInfo" in value:  # endCursor left out: each API makes its own cursors
        return {"hasNextPage": value["pageInfo"]["hasNextPage"], "nodes": nodes}
    return nodes


def differences(ours_value: Any, peer_value: Any, path: str = "") -> list[str]:
    """Where two answers in the common shape differ, one line each with the path of the field."""
    if isinstance(ours_value, dict) and isinstance(peer_value, dict):
        found = [f"{path}.{key}: only ours has it" for key in ours_value.keys() - peer_value.keys()]
        found += [f"{path}.{key}: only the peer has it" for key in peer_value.keys() - ours_value.keys()]
        for key in ours_value.keys() & peer_value.keys():
            found += differences(ours_value[key], peer_value[key], f"{path}.{key}")
        return found
    if isinstance(ours_value, list) and isinstance(peer_value, list):
        if len(ours_value) != len(peer_value):
            return [f"{path}: {len(ours_value)} items in ours, {len(peer_value)} in the peer's"]
        return [
            line
            for i, pair in enumerate(zip(ours_value, peer_value, strict=True))
            for line in differences(*pair, f"{path}[{i}]")
        ]
    return [] if same(ours_value, peer_value) else [f"{path}: ours {ours_value!r}, the peer's {peer_value!r}"]


def same(a: Any, b: Any) -> bool:
    """Equal scalars: numbers by value (whether sent as numbers or as text), timestamps as instants."""
    if type(a) is type(b) and a == b:
        return True
    number_a, number_b = _number(a), _number(b)
    if number_a is not None and number_b is not None:
        return number_a == number_b
    instant_a, instant_b = _instant(a), _instant(b)
    return instant_a is not None and instant_a == instant_b


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))  # a float by its shortest text, as it was written in the JSON
    if isinstance(value, str) and NUMBER.fullmatch(value):
        return Decimal(value)
    return None


def _instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
