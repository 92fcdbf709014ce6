from __future__ import annotations

import strawberry

from resolvers.access import Actor
from schema.agencies import Agency, load_agency
from schema.context import Info
from schema.enums import Role


@strawberry.type(description="The caller: its role and, for agency roles, its agency.")
class Viewer:
    name: str
    role: Role
    agency_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, actor: Actor) -> Viewer:
        return cls(name=actor.name, role=actor.role, agency_pk=actor.agency_id)

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return None if self.agency_pk is None else await load_agency(info.context.loaders, self.agency_pk)
