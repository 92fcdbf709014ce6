"""What tokens and accounts share: a role with its scope, checked the same way, and the Actor it
becomes once its scope's region is resolved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db.engine import Database
from db.models import Agency, Region, Role
from resolvers.access import Actor, subtree

AGENCY_ROLES = frozenset({Role.MENTOR_AGENCY, Role.SUPPORTED_AGENCY})


@dataclass(frozen=True)
class ScopeProblem:
    """A role given the wrong scope: `field` is "agency_id" or "region_id"."""

    field: str
    message: str
    message_zh: str


def scope_problem(
    role: Role, agency_id: str | None, region_id: str | None, *, noun: str, agency: str, region: str
) -> ScopeProblem | None:
    """Agency roles need an agency and REGIONAL_STAFF a region; no other role has either. `noun`
    names the principal ("token", "account"), `agency` and `region` how the caller gives them."""
    name = role.value
    if role in AGENCY_ROLES and agency_id is None:
        return ScopeProblem("agency_id", f"a {name} {noun} needs {agency}", f"{name} 角色必须指定所属机构（{agency}）")
    if role not in AGENCY_ROLES and agency_id is not None:
        return ScopeProblem(
            "agency_id",
            f"a {name} {noun} has no agency; {agency} is only for agency roles",
            f"{name} 角色没有所属机构；{agency} 仅用于机构角色",
        )
    if role is Role.REGIONAL_STAFF and region_id is None:
        return ScopeProblem(
            "region_id", f"a REGIONAL_STAFF {noun} needs {region}", f"REGIONAL_STAFF 角色必须指定管辖区域（{region}）"
        )
    if role is not Role.REGIONAL_STAFF and region_id is not None:
        return ScopeProblem(
            "region_id",
            f"a {name} {noun} has no region; {region} is only for REGIONAL_STAFF",
            f"{name} 角色没有管辖区域；{region} 仅用于 REGIONAL_STAFF",
        )
    return None


async def scoped_actor(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    agency_id: int | None,
    region_id: int | None,
    region_path: str | None,
    token_id: int | None = None,
    account_id: int | None = None,
) -> Actor:
    """The Actor of a token or account, with its region's agencies read once for write checks."""
    region_agencies = await _agencies_below(session, region_path) if role is Role.REGIONAL_STAFF else []
    return Actor(
        name=name,
        role=role,
        token_id=token_id,
        account_id=account_id,
        agency_id=agency_id,
        region_id=region_id,
        region_path=region_path,
        region_agency_ids=frozenset(region_agencies),
    )


async def record_use(
    db: Database,
    column: InstrumentedAttribute[dt.datetime | None],
    row_id: int,
    now: dt.datetime,
    resolution: dt.timedelta,
) -> None:
    """Set a "last used" time (`column`, of a table with an `id`) to now, unless it was set less
    than `resolution` ago; the condition keeps concurrent requests (and workers) from writing twice."""
    model = column.class_
    async with db.writing() as session:
        await session.execute(
            update(model)
            .where(model.id == row_id, column.is_(None) | (column <= now - resolution))
            .values({column.key: now})
        )


async def _agencies_below(session: AsyncSession, region_path: str | None) -> list[int]:
    if region_path is None:
        return []
    low, high = subtree(region_path)
    statement = (
        select(Agency.id).join(Region, Region.id == Agency.region_id).where(Region.path >= low, Region.path < high)
    )
    return list((await session.scalars(statement)).all())
