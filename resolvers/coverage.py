"""Coverage (一区县一中心、一镇街一站点): below a region, the counties that have a registered agency and
the townships that have a service station, and the ones that still lack them.

A county counts as covered when a REGISTERED agency sits in it or anywhere below it; a township
when a service station that is not voided sits in it or in one of its villages.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, exists, func, select
from sqlalchemy.orm import aliased

from db.models import Agency, AgencyStatus, Region, RegionLevel, ServiceStation
from db.records import read_columns
from resolvers.pagination import Page, paginate
from resolvers.regions import REGION_ORDER, in_subtree, region_by_global_id
from resolvers.scope import Scope


class CoveragePercents:
    """The two shares of a thing that counts counties and townships, covered or not."""

    counties: int
    counties_covered: int
    townships: int
    townships_covered: int

    @property
    def county_percent(self) -> float:
        return percent(self.counties_covered, self.counties)

    @property
    def township_percent(self) -> float:
        return percent(self.townships_covered, self.townships)


@dataclass(frozen=True)
class CoverageFigures(CoveragePercents):
    region: Region
    counties: int
    counties_covered: int
    townships: int
    townships_covered: int


def percent(part: int, whole: int) -> float:
    return round(part * 100.0 / whole, 2) if whole else 0.0


def _below(located: type[Region], place: type[Region]) -> ColumnElement[bool]:
    """Region `located` lies at or below region `place`: the same index range as `in_subtree`,
    with the bounds taken from a column instead of a loaded row."""
    upper = func.substr(place.path, 1, func.length(place.path) - 1, type_=String()) + "0"
    return (located.path >= place.path) & (located.path < upper)


def _has_registered_agency(county: type[Region]) -> ColumnElement[bool]:
    located = aliased(Region, name="agency_region")
    return exists(
        select(Agency.id)
        .join(located, located.id == Agency.region_id)
        .where(Agency.status == AgencyStatus.REGISTERED, _below(located, county))
    )


def _has_station(township: type[Region]) -> ColumnElement[bool]:
    located = aliased(Region, name="station_region")
    return exists(
        select(ServiceStation.id)
        .join(located, located.id == ServiceStation.region_id)
        .where(ServiceStation.voided_at.is_(None), _below(located, township))
    )


def _covered(place: type[Region], level: RegionLevel) -> ColumnElement[bool]:
    return _has_registered_agency(place) if level is RegionLevel.COUNTY else _has_station(place)


def _places(root: Region, level: RegionLevel) -> tuple[type[Region], list[ColumnElement[bool]]]:
    place = aliased(Region, name=level.value.lower())
    return place, [place.level == level, in_subtree(place.path, root.path)]


async def coverage_of(scope: Scope, region_id: str) -> CoverageFigures:
    root = await region_by_global_id(scope, region_id)
    county, county_where = _places(root, RegionLevel.COUNTY)
    township, township_where = _places(root, RegionLevel.TOWNSHIP)
    county_counts = select(
        func.count(county.id), func.count(county.id).filter(_covered(county, RegionLevel.COUNTY))
    ).where(*county_where)
    township_counts = select(
        func.count(township.id), func.count(township.id).filter(_covered(township, RegionLevel.TOWNSHIP))
    ).where(*township_where)
    async with scope.db.reading() as session:
        counties_total, counties_covered = (await session.execute(county_counts)).one()
        townships_total, townships_covered = (await session.execute(township_counts)).one()
    return CoverageFigures(root, counties_total, counties_covered, townships_total, townships_covered)


async def uncovered(
    scope: Scope, root: Region, level: RegionLevel, *, first: int | None, after: str | None
) -> Page[Region]:
    """The counties without a registered agency, or townships without a station, by code."""
    place, where = _places(root, level)
    uncovered_places = select(place.id).where(*where, ~_covered(place, level))
    statement = select(*read_columns(Region)).where(Region.id.in_(uncovered_places))
    return await paginate(scope.db, statement, REGION_ORDER, first=first, after=after)
