"""Global IDs and cursors: opaque, round-tripping, and refusing anything else with a code."""

import base64

import pytest

from resolvers.errors import ApiError, ErrorCode
from resolvers.ids import decode_id, decode_typed_id, encode_id
from resolvers.pagination import decode_cursor, encode_cursor, page_size


def test_id_round_trip_and_opacity():
    global_id = encode_id("Pairing", 42)
    assert "Pairing" not in global_id and "42" not in global_id
    assert decode_id(global_id) == ("Pairing", 42)
    assert decode_typed_id(global_id, "Pairing") == 42


def test_ids_are_unpadded_urlsafe_base64():
    ids = {
        (type_name, pk): encode_id(type_name, pk)
        # The last two encode to "+" and "/" in plain base64.
        for type_name in ("Pairing", "Milestone", "MilestoneUpdate", "TrainingSession", "??>", "???")
        for pk in (*range(1, 3000), 2**31 - 1, 10**12)
    }
    assert all(
        global_id == base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")
        for (type_name, pk), global_id in ids.items()
    )
    assert any("-" in global_id for global_id in ids.values()) and any("_" in global_id for global_id in ids.values())


@pytest.mark.parametrize("bad", ["", "???", "UGFpcmluZzp4", encode_id("Pairing", 0), "UGFpcmluZzowMQ", "bm9jb2xvbg"])
def test_malformed_ids_are_refused_with_a_code(bad):
    with pytest.raises(ApiError) as raised:
        decode_id(bad)
    assert raised.value.code is ErrorCode.BAD_ID


def test_typed_id_of_another_type_is_refused():
    with pytest.raises(ApiError, match="is a Agency, not a Pairing"):
        decode_typed_id(encode_id("Agency", 1), "Pairing")


def test_cursor_round_trip_and_garbage():
    assert decode_cursor(encode_cursor(["2026-01-01", 7]), 2) == ("2026-01-01", 7)
    for bad in ["nope", encode_cursor([1]), encode_cursor([{"a": 1}])]:
        with pytest.raises(ApiError) as raised:
            decode_cursor(bad, 2)
        assert raised.value.code is ErrorCode.BAD_CURSOR


def test_page_size_bounds():
    assert page_size(None) == 20
    assert page_size(100) == 100
    with pytest.raises(ApiError) as raised:
        page_size(101)
    assert raised.value.code is ErrorCode.PAGE_TOO_LARGE
    with pytest.raises(ApiError):
        page_size(-1)
