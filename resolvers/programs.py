"""Programs (帮扶计划): reads."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Program
from resolvers.pagination import Ordering, Page, paginate
from resolvers.scope import Scope

PROGRAM_ORDER = Ordering(columns=(Program.id,), key_of=lambda program: (program.id,))


async def list_programs(scope: Scope, *, first: int | None, after: str | None) -> Page[Program]:
    return await paginate(scope.db.read_sessions, select(Program), PROGRAM_ORDER, first=first, after=after)
