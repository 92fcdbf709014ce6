from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from db import models
from resolvers.child_pages import ChildPageKey
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.stats import program_stats
from schema.context import Info
from schema.regions import Region, load_region
from schema.relay import Connection, Node, instance
from schema.stats import ProgramStats

if TYPE_CHECKING:
    from schema.pairings import Pairing


@strawberry.type(description="帮扶计划: a paired-assistance program.")
class Program(Node):
    name: str
    policy_reference: str | None
    starts_on: dt.date
    ends_on: dt.date | None
    default_term_months: int
    version: int
    pk: strawberry.Private[int]
    scope_region_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, program: models.Program) -> Program:
        return instance(
            cls,
            {
                "id": encode_id("Program", program.id),
                "pk": program.id,
                "name": program.name,
                "policy_reference": program.policy_reference,
                "starts_on": program.starts_on,
                "ends_on": program.ends_on,
                "default_term_months": program.default_term_months,
                "version": program.version,
                "scope_region_pk": program.scope_region_id,
            },
        )

    @strawberry.field
    async def scope_region(self, info: Info) -> Region | None:
        return None if self.scope_region_pk is None else await load_region(info, self.scope_region_pk)

    @strawberry.field
    async def pairings(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Pairing, strawberry.lazy("schema.pairings")]]:
        from schema.engine.pairing_pages import pairings_of  # noqa: PLC0415 - Pairing refers back to Program

        loaders = info.context.loaders
        page = await loaders.pairings_of_program.load(ChildPageKey(self.pk, first, after, (info.context.actor,)))
        return Connection.of_nodes(page, await pairings_of(info, page.items))

    @strawberry.field(description="Totals over this program's pairings that the caller may see.")
    async def stats(self, info: Info) -> ProgramStats:
        return ProgramStats.from_stats(await program_stats(info.context, program_id=self.id, region_id=None))


async def load_program(loaders: Loaders, pk: int) -> Program:
    return Program.from_model(await loaders.program.load(pk))
