"""Who may see and do what. Every object the API returns passes through here.

Until tokens land every caller is an anonymous VIEWER that may read everything; the rules sit in
these functions so that one place decides for the whole API.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from db.models import Role


@dataclass(frozen=True)
class Actor:
    """The principal behind a request: a token's name, role and, where the role has one, scope."""

    name: str
    role: Role
    token_id: int | None = None
    agency_id: int | None = None
    region_id: int | None = None


ANONYMOUS = Actor(name="anonymous", role=Role.VIEWER)
SYSTEM = Actor(name="system", role=Role.ADMIN)


def visible_pairings(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition on `pairings` (and its joined supported agency) that an actor may read."""
    return true()
