from __future__ import annotations

import enum

import strawberry

from resolvers.access import Actor
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.enums import Role
from schema.regions import Region, load_region


@strawberry.enum(description="How the caller is known.")
class ViewerKind(enum.Enum):
    ACCOUNT = "ACCOUNT"
    TOKEN = "TOKEN"
    ANONYMOUS = "ANONYMOUS"


@strawberry.type(description="The caller: its role and, for agency roles, its agency; for REGIONAL_STAFF, its region.")
class Viewer:
    name: str
    role: Role
    kind: ViewerKind = strawberry.field(
        description="ACCOUNT: a person signed in (session cookie); TOKEN: an API token; ANONYMOUS: neither "
        "(development only, read as VIEWER)."
    )
    agency_pk: strawberry.Private[int | None]
    region_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, actor: Actor) -> Viewer:
        if actor.account_id is not None:
            kind = ViewerKind.ACCOUNT
        elif actor.token_id is not None:
            kind = ViewerKind.TOKEN
        else:
            kind = ViewerKind.ANONYMOUS
        return cls(name=actor.name, role=actor.role, kind=kind, agency_pk=actor.agency_id, region_pk=actor.region_id)

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return None if self.agency_pk is None else await load_agency(info.context.loaders, self.agency_pk)

    @strawberry.field(description="The region (and everything below it) a REGIONAL_STAFF caller works in.")
    async def region(self, info: Info) -> Region | None:
        return None if self.region_pk is None else await load_region(info, self.region_pk)
