"""How many pairings are in each health, over a program and/or region the caller may see: one
grouped read of the progress figures, where a count per health would compute them five times."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import and_, func, select

from resolvers.pairings import PairingFilter, pairing_conditions
from resolvers.progress import Health, progress_select
from resolvers.scope import Scope


async def health_counts(scope: Scope, *, program_id: str | None, region_id: str | None) -> Counter[Health]:
    conditions = await pairing_conditions(scope, PairingFilter(program_id=program_id, region_id=region_id))
    progress = progress_select(scope.today, and_(*conditions)).subquery("progress")
    rows = await scope.db.fetch(select(progress.c.health, func.count()).group_by(progress.c.health))
    return Counter({Health(health): count for health, count in rows})
