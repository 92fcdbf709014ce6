"""Opaque global IDs: base64url of "Type:123". Clients must not build or parse them."""

from __future__ import annotations

import base64
import binascii
import functools

from resolvers.errors import ApiError, ErrorCode, type_name_zh

# base64.urlsafe_b64encode is this, with two more Python calls around it.
_URLSAFE = bytes.maketrans(b"+/", b"-_")

# Keys are signed 64-bit integers on both databases. A larger number in a well-formed ID names no
# row, but binding it would fail in the driver (an overflow on SQLite, an out-of-range integer on
# asyncpg): decoding turns it into NO_ROW, a key no row has (keys start at 1), so that every door
# (node, nodes, pairing, filters, audit trails, writes, reports) answers "not found" as for any
# other ID that names nothing, without each of them knowing about the range.
MAX_KEY = 2**63 - 1
NO_ROW = 0


def to_base64url(raw: bytes) -> str:
    """URL-safe base64 without padding: the text of global IDs and of cursors."""
    return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE).decode().rstrip("=")


def from_base64url(text: str) -> bytes:
    """The bytes of to_base64url's text; ValueError (binascii.Error included) for other text."""
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


@functools.lru_cache(maxsize=16384)  # a pure function that a page calls hundreds of times
def encode_id(type_name: str, pk: int) -> str:
    # A pairing's detail names ~60 objects that another request seldom names again, so most of its
    # calls miss the cache: the encoding itself is what they pay.
    return to_base64url(f"{type_name}:{pk}".encode())


def decode_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key); ApiError BAD_ID when the text is not one of our IDs."""
    try:
        type_name, _, raw_pk = from_base64url(global_id).decode().partition(":")
        pk = int(raw_pk)
    except (ValueError, UnicodeError, binascii.Error):
        raise ApiError(
            ErrorCode.BAD_ID, f"malformed ID {global_id!r}", message_zh=f"ID 格式错误：{global_id!r}"
        ) from None
    if not type_name.isidentifier() or pk < 1 or raw_pk != str(pk):
        raise ApiError(ErrorCode.BAD_ID, f"malformed ID {global_id!r}", message_zh=f"ID 格式错误：{global_id!r}")
    return type_name, pk if pk <= MAX_KEY else NO_ROW


def decode_typed_id(global_id: str, expected: str) -> int:
    type_name, pk = decode_id(global_id)
    if type_name != expected:
        raise ApiError(
            ErrorCode.BAD_ID,
            f"ID {global_id!r} is a {type_name}, not a {expected}",
            message_zh=f"ID {global_id!r} 指向{type_name_zh(type_name)}，而不是{type_name_zh(expected)}",
        )
    return pk
