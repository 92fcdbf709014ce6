"""What the web app's pages read beyond the contract: trends by month, the coverage grid, the
review queue and the enum labels. Each is a plain read any dashboard may use too."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import strawberry

from resolvers.coverage_grid import CoverageCell, coverage_grid
from resolvers.health_counts import health_counts
from resolvers.labels import LABELS
from resolvers.progress import Health
from resolvers.review_queue import list_pending_updates
from resolvers.trends import MAX_MONTHS, monthly_trends
from schema.context import Info
from schema.enums import PairingHealth
from schema.milestones import MilestoneUpdate
from schema.regions import Region
from schema.relay import Connection


@strawberry.type(description="Figures of one calendar month (China dates); voided records count nowhere.")
class MonthTrend:
    month: str = strawberry.field(description="YYYY-MM.")
    activities: int = strawberry.field(description="Service activities recorded (records, not people).")
    beneficiaries: int = strawberry.field(description="受益群众 (人) of those activities.")
    training_sessions: int = strawberry.field(description="Training sessions started (期).")
    cash_yuan: Decimal
    in_kind_yuan: Decimal


@strawberry.type
class HealthCount:
    health: PairingHealth
    pairings: int

    @staticmethod
    def all_of(counts: Counter[Health]) -> list[HealthCount]:
        """Every health in the order of the enum, zeros included."""
        return [HealthCount(health=PairingHealth(health.value), pairings=counts[health]) for health in Health]


@strawberry.type(
    name="CoverageCell", description="One region of a coverage grid: its coverage and its pairings' health."
)
class GridCell:
    region: Region
    counties: int
    counties_covered: int
    county_coverage_percent: float
    townships: int
    townships_covered: int
    township_coverage_percent: float
    pairings_by_health: list[HealthCount] = strawberry.field(
        description="Pairings whose supported agency lies in the region, by health; every health, zeros included."
    )

    @classmethod
    def of(cls, cell: CoverageCell) -> GridCell:
        return cls(
            region=Region.from_model(cell.region),
            counties=cell.counties,
            counties_covered=cell.counties_covered,
            county_coverage_percent=cell.county_percent,
            townships=cell.townships,
            townships_covered=cell.townships_covered,
            township_coverage_percent=cell.township_percent,
            pairings_by_health=HealthCount.all_of(cell.health),
        )


@strawberry.type(description="The display labels of one enum value (resolvers/labels.py).")
class EnumLabel:
    enum: str = strawberry.field(description="The enum's name, e.g. PairingHealth.")
    value: str
    zh: str
    en: str


LABEL_ROWS = [
    EnumLabel(enum=enum, value=value, zh=label.zh, en=label.en)
    for enum, values in LABELS.items()
    for value, label in values.items()
]


@strawberry.type
class DashboardQuery:
    @strawberry.field(
        description=f"Trends by month over the pairings of a program and/or region that the caller may see, the "
        f"last `months` months (1 to {MAX_MONTHS}) up to this one, oldest first; months without records are zeros."
    )
    async def monthly_trends(
        self,
        info: Info,
        program_id: strawberry.ID | None = None,
        region_id: strawberry.ID | None = None,
        months: int = 12,
    ) -> list[MonthTrend]:
        rows = await monthly_trends(info.context, program_id=program_id, region_id=region_id, months=months)
        return [MonthTrend(**vars(row)) for row in rows]

    @strawberry.field(
        description="Pairings of a program and/or region that the caller may see, by health: every health, zeros "
        "included (the rules are in the README)."
    )
    async def pairing_health(
        self, info: Info, program_id: strawberry.ID | None = None, region_id: strawberry.ID | None = None
    ) -> list[HealthCount]:
        return HealthCount.all_of(await health_counts(info.context, program_id=program_id, region_id=region_id))

    @strawberry.field(
        description="一区县一中心、一镇街一站点 for each region directly below `regionId` (cities of a province, "
        "counties of a city, ...), with the health of the pairings (of `programId`, if given) that the caller may see."
    )
    async def coverage_grid(
        self, info: Info, region_id: strawberry.ID, program_id: strawberry.ID | None = None
    ) -> list[GridCell]:
        return [GridCell.of(cell) for cell in await coverage_grid(info.context, region_id, program_id=program_id)]

    @strawberry.field(
        description="Milestone updates waiting for review (PENDING_REVIEW) in the pairings the caller may read, "
        "oldest first. Reviewing them takes MINISTRY, REGIONAL_STAFF (in its region) or ADMIN."
    )
    async def pending_updates(
        self,
        info: Info,
        program_id: strawberry.ID | None = None,
        region_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MilestoneUpdate]:
        page = await list_pending_updates(
            info.context, program_id=program_id, region_id=region_id, first=first, after=after
        )
        return Connection.of(page, MilestoneUpdate.from_model)

    @strawberry.field(
        description="Chinese and English labels of every enum value, for display; codes stay as they are."
    )
    def enum_labels(self) -> list[EnumLabel]:
        return LABEL_ROWS
