"""The coverage grid of a region: one cell per region directly below it (the cities of a province,
the counties of a city, the townships of a county), each with its 一区县一中心、一镇街一站点
coverage and the health of the pairings whose supported agency lies in it. Dashboards draw it as a
grid where no map data is at hand; the same figures would colour a map.

Three reads, whatever the number of cells: the places with their coverage flags and the pairings
with their health come back as rows and are put into cells by their region path."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select

from db.models import Agency, Pairing, Region, RegionLevel
from db.records import read_columns
from resolvers.coverage import CoveragePercents, _covered, _places
from resolvers.pairings import PairingFilter, filter_conditions, supported_in_region
from resolvers.progress import Health, progress_select
from resolvers.regions import region_by_global_id
from resolvers.scope import Scope


@dataclass
class CoverageCell(CoveragePercents):
    region: Any  # a Region row
    counties: int = 0
    counties_covered: int = 0
    townships: int = 0
    townships_covered: int = 0
    health: Counter[Health] = field(default_factory=Counter)


def _coverage_rows(root: Region, level: RegionLevel) -> Select[str, bool]:
    place, where = _places(root, level)
    return select(place.path, _covered(place, level)).where(*where)


async def coverage_grid(scope: Scope, region_id: str, *, program_id: str | None = None) -> list[CoverageCell]:
    root = await region_by_global_id(scope, region_id)
    children = select(*read_columns(Region)).where(Region.parent_id == root.id).order_by(Region.code)
    conditions = filter_conditions(scope.actor, PairingFilter(program_id=program_id), scope.today)
    health = (
        progress_select(scope.today)
        .add_columns(Region.path.label("region_path"))
        .join(Agency, Agency.id == Pairing.supported_id)
        .join(Region, Region.id == Agency.region_id)
        .where(*conditions, supported_in_region(root.path))
    )
    child_rows, county_rows, township_rows, health_rows = await asyncio.gather(
        scope.db.fetch(children),
        scope.db.fetch(_coverage_rows(root, RegionLevel.COUNTY)),
        scope.db.fetch(_coverage_rows(root, RegionLevel.TOWNSHIP)),
        scope.db.fetch(health),
    )
    cells = [CoverageCell(row) for row in child_rows]
    by_path = {cell.region.path: cell for cell in cells}
    depth = len(root.path)

    def cell_of(path: str) -> CoverageCell | None:
        """The cell whose region holds `path`: the child path is the root's plus one id."""
        return by_path.get(path[: path.find("/", depth) + 1])

    for path, covered in county_rows:
        if (cell := cell_of(path)) is not None:
            cell.counties += 1
            cell.counties_covered += bool(covered)
    for path, covered in township_rows:
        if (cell := cell_of(path)) is not None:
            cell.townships += 1
            cell.townships_covered += bool(covered)
    for row in health_rows:
        if (cell := cell_of(row.region_path)) is not None:
            cell.health[Health(row.health)] += 1
    return cells
