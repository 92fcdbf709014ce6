from __future__ import annotations

import strawberry

from db.models import RegionLevel
from resolvers import coverage
from schema.context import Info
from schema.regions import Region
from schema.relay import Connection


@strawberry.type(
    description="一区县一中心、一镇街一站点: below a region, the counties with a REGISTERED agency and the "
    "townships with a service station (not voided), each in the region or below it."
)
class Coverage:
    region: Region
    counties: int = strawberry.field(description="County-level divisions in the region.")
    counties_covered: int = strawberry.field(description="Counties with at least one REGISTERED agency.")
    county_coverage_percent: float = strawberry.field(description="countiesCovered / counties * 100; 0 if none.")
    townships: int = strawberry.field(description="Townships (镇街) in the region.")
    townships_covered: int = strawberry.field(description="Townships with at least one service station.")
    township_coverage_percent: float = strawberry.field(description="townshipsCovered / townships * 100; 0 if none.")
    figures: strawberry.Private[coverage.CoverageFigures]

    @classmethod
    def from_figures(cls, figures: coverage.CoverageFigures) -> Coverage:
        return cls(
            region=Region.from_model(figures.region),
            counties=figures.counties,
            counties_covered=figures.counties_covered,
            county_coverage_percent=figures.county_percent,
            townships=figures.townships,
            townships_covered=figures.townships_covered,
            township_coverage_percent=figures.township_percent,
            figures=figures,
        )

    @strawberry.field(description="Counties without a REGISTERED agency, by code.")
    async def uncovered_counties(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Region]:
        page = await coverage.uncovered(info.context, self.figures.region, RegionLevel.COUNTY, first=first, after=after)
        return Connection.of(page, Region.from_model)

    @strawberry.field(description="Townships without a service station, by code.")
    async def uncovered_townships(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Region]:
        page = await coverage.uncovered(
            info.context, self.figures.region, RegionLevel.TOWNSHIP, first=first, after=after
        )
        return Connection.of(page, Region.from_model)
