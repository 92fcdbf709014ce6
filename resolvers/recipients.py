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
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnCollection,
    ColumnElement,
    Row,
    Select,
    String,
    Subquery,
    bindparam,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Id
from db.functions import is_prefix_of
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


# (kind, id, name, role, agency_id, region_path) of live principals, region_path None for those
# without a region (an outer join); `role`, `agency_id` are columns that can be filtered on.
PrincipalRows = Select[str, int, str, Role, int | None, str | None]
PrincipalColumns = ColumnCollection[str, ColumnElement[Any]]


def _live(kind: PrincipalKind, model: type[ApiToken] | type[Account], live: ColumnElement[bool]) -> PrincipalRows:
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


def _tokens() -> PrincipalRows:
    return _live(PrincipalKind.TOKEN, ApiToken, ApiToken.revoked_at.is_(None))


def _accounts() -> PrincipalRows:
    return _live(PrincipalKind.ACCOUNT, Account, Account.disabled_at.is_(None))


# Each makes a statement of its live principals.
PRINCIPAL_SOURCES: list[Callable[[], PrincipalRows]] = [_tokens, _accounts]


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


def _rows(rows: Iterable[Row[str, int, str, Role, int | None, str | None]]) -> list[Principal]:
    return [
        Principal(PrincipalKind(row.kind), row.id, row.name, Role(row.role), row.agency_id, row.region_path)
        for row in rows
    ]


async def principals_where(
    session: AsyncSession, *conditions: Callable[[PrincipalColumns], ColumnElement[bool]]
) -> list[Principal]:
    """The live principals of every source that meet `conditions` (on `role` and `agency_id`)."""
    found: list[Principal] = []
    for source in PRINCIPAL_SOURCES:
        statement = source()
        columns = statement.selected_columns
        where = [condition(columns) for condition in conditions]
        found.extend(_rows((await session.execute(statement.where(*where))).all()))
    return found


@functools.cache
def _principals() -> Subquery:
    """Every live principal of every source, as a subquery (made once: making it is most of the cost
    of an audience's statement)."""
    return union_all(*(source() for source in PRINCIPAL_SOURCES)).subquery("principals")


@functools.cache
def audience_select(audiences: frozenset[Audience], with_cause: bool) -> Select[str, int]:
    """(kind, id) of each principal of `audiences` for an event on a pairing, once each, ordered by
    kind and id; with `with_cause`, the principal that caused the event left out. Its parameters:
    `mentor_id` (the pairing's mentor agency), `supported_path` (its supported agency's region
    path), `cause_kind` and `cause_id`. A statement, made once, so that the inbox entries are
    written by one INSERT ... SELECT without reading the principals first."""
    c = _principals().c
    wanted: list[ColumnElement[bool]] = []
    if Audience.MENTOR in audiences:
        wanted.append((c.role == Role.MENTOR_AGENCY) & (c.agency_id == bindparam("mentor_id", type_=Id)))
    if audiences & {Audience.REVIEWERS, Audience.REGIONAL}:
        covers = is_prefix_of(c.region_path, bindparam("supported_path", type_=String()))
        wanted.append((c.role == Role.REGIONAL_STAFF) & covers)
    if Audience.REVIEWERS in audiences:
        wanted.append(c.role.in_([Role.ADMIN, Role.MINISTRY]))
    statement = select(c.kind, c.id).where(or_(*wanted))
    if with_cause:
        cause = (c.kind == bindparam("cause_kind", type_=String())) & (c.id == bindparam("cause_id", type_=Id))
        statement = statement.where(~cause)
    return statement.order_by(c.kind, c.id)


def audience_parameters(
    mentor_id: int, supported_path: str, cause: tuple[PrincipalKind, int] | None
) -> dict[str, object]:
    parameters: dict[str, object] = {"mentor_id": mentor_id, "supported_path": supported_path}
    if cause is not None:
        parameters.update(cause_kind=cause[0].value, cause_id=cause[1])
    return parameters
