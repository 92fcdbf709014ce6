"""Headers that list weighted choices (Accept, Accept-Language): which choice the client prefers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def preferred(header: str, offered: Callable[[str], T | None]) -> T | None:
    """What `offered` makes of the value the client prefers among those it maps to something:
    the highest q first, then the header's order. Values are lowercased; q=0, or a q that is not a
    number, refuses a value."""
    best: tuple[float, int, T] | None = None
    for position, part in enumerate(header.split(",")):
        value, *params = (piece.strip() for piece in part.split(";"))
        choice = offered(value.lower()) if value else None
        quality = _quality(params)
        if choice is None or quality <= 0:
            continue
        if best is None or (quality, -position) > best[:2]:
            best = (quality, -position, choice)
    return None if best is None else best[2]


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
