"""Who is told of what. A recipient is a principal, named generically by kind and id: an API token or
an account (a person who signs in), each with its role and scope; PRINCIPAL_SOURCES lists them.

Audiences of a pairing's event:
- reviewers: REGIONAL_STAFF whose region covers the pairing's supported agency, MINISTRY and ADMIN;
- the mentor: the principals of the pairing's mentor agency (MENTOR_AGENCY);
- regional staff: reviewers less MINISTRY and ADMIN.
The principal that caused an event is not told of it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Account, ApiToken, NotificationKind, PrincipalKind, Region, Role
from resolvers.access import Actor


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: int
    name: str
    role: Role
    agency_id: int | None
    region_path: str | None

    @property
    def key(self) -> tuple[PrincipalKind, int]:
        return self.kind, self.id

    def actor(self) -> Actor:
        """The principal as a request would see it, for reads in its scope (a digest)."""
        return Actor(name=self.name, role=self.role, agency_id=self.agency_id, region_path=self.region_path)


def _live(kind: PrincipalKind, model: type[ApiToken] | type[Account], live: ColumnElement[bool]) -> Select:
    return (
        select(
            literal(kind.value).label("kind"),
            model.id,
            model.name,
            model.role,
            model.agency_id,
            Region.path.label("region_path"),
        )
        .outerjoin(Region, Region.id == model.region_id)
        .where(live)
    )


def _tokens() -> Select:
    return _live(PrincipalKind.TOKEN, ApiToken, ApiToken.revoked_at.is_(None))


def _accounts() -> Select:
    return _live(PrincipalKind.ACCOUNT, Account, Account.disabled_at.is_(None))


# Each makes a statement of (kind, id, name, role, agency_id, region_path) over its live principals;
# `role`, `agency_id` are columns that can be filtered on.
PRINCIPAL_SOURCES: list[Callable[[], Select]] = [_tokens, _accounts]


def principal_key(actor: Actor) -> tuple[PrincipalKind, int] | None:
    """The recipient an actor reads its inbox as; None for the anonymous caller."""
    account_id = getattr(actor, "account_id", None)
    if account_id is not None:
        return PrincipalKind.ACCOUNT, account_id
    if actor.token_id is not None:
        return PrincipalKind.TOKEN, actor.token_id
    return None


class Audience(enum.Enum):
    REVIEWERS = "reviewers"
    MENTOR = "mentor"
    REGIONAL = "regional"


AUDIENCES: dict[NotificationKind, frozenset[Audience]] = {
    NotificationKind.UPDATE_SUBMITTED: frozenset({Audience.REVIEWERS}),
    NotificationKind.UPDATE_APPROVED: frozenset({Audience.MENTOR}),
    NotificationKind.UPDATE_RETURNED: frozenset({Audience.MENTOR}),
    NotificationKind.MILESTONE_DUE_SOON: frozenset({Audience.MENTOR}),
    NotificationKind.MILESTONE_OVERDUE: frozenset({Audience.MENTOR, Audience.REGIONAL}),
    NotificationKind.PAIRING_OFF_TRACK: frozenset({Audience.REVIEWERS, Audience.MENTOR}),
}


def _rows(rows: Iterable) -> list[Principal]:
    return [
        Principal(PrincipalKind(row.kind), row.id, row.name, Role(row.role), row.agency_id, row.region_path)
        for row in rows
    ]


async def principals_where(session: AsyncSession, *conditions) -> list[Principal]:
    """The live principals of every source that meet `conditions` (on `role` and `agency_id`)."""
    found: list[Principal] = []
    for source in PRINCIPAL_SOURCES:
        statement = source()
        columns = statement.selected_columns
        where = [condition(columns) for condition in conditions]
        found.extend(_rows((await session.execute(statement.where(*where))).all()))
    return found


async def audience_of(
    session: AsyncSession, kind: NotificationKind, mentor_id: int, supported_path: str
) -> list[Principal]:
    """The principals to tell of an event of `kind` on a pairing with this mentor agency and this
    supported agency's region path, each once, ordered by kind and id."""
    audiences = AUDIENCES[kind]
    candidates = await principals_where(
        session,
        lambda c: or_(
            c.role.in_([Role.ADMIN, Role.MINISTRY, Role.REGIONAL_STAFF]),
            (c.role == Role.MENTOR_AGENCY) & (c.agency_id == mentor_id),
        ),
    )
    chosen = {}
    for principal in candidates:
        if _in_audience(principal, audiences, mentor_id, supported_path):
            chosen[principal.key] = principal
    return [chosen[key] for key in sorted(chosen)]


def _in_audience(principal: Principal, audiences: frozenset[Audience], mentor_id: int, supported_path: str) -> bool:
    role = principal.role
    if role is Role.MENTOR_AGENCY:
        return Audience.MENTOR in audiences and principal.agency_id == mentor_id
    if role is Role.REGIONAL_STAFF:
        covers = principal.region_path is not None and supported_path.startswith(principal.region_path)
        return covers and bool(audiences & {Audience.REVIEWERS, Audience.REGIONAL})
    return role in (Role.ADMIN, Role.MINISTRY) and Audience.REVIEWERS in audiences
