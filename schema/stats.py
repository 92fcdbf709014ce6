from __future__ import annotations

from decimal import Decimal

import strawberry

from db import models
from resolvers import stats
from resolvers.totals import money
from schema.relay import instance


@strawberry.type(description="Service figures; each counts records that are not voided.")
class ServiceTotals:
    home_visits: int = strawberry.field(description="家庭探访 (人次)")
    casework_cases: int = strawberry.field(description="个案 (人次)")
    group_sessions: int = strawberry.field(description="小组活动 (节次)")
    themed_activities: int = strawberry.field(description="主题活动 (次)")
    training_sessions: int = strawberry.field(description="社工人才培养 (期)")
    beneficiaries: int = strawberry.field(description="受益群众 (人)")

    @classmethod
    def from_totals(cls, totals: models.PairingTotals) -> ServiceTotals:
        return instance(
            cls,
            {
                "home_visits": totals.home_visits,
                "casework_cases": totals.casework_cases,
                "group_sessions": totals.group_sessions,
                "themed_activities": totals.themed_activities,
                "training_sessions": totals.training_sessions,
                "beneficiaries": totals.beneficiaries,
            },
        )


@strawberry.type(description="Linked charity resources, in yuan.")
class ResourceTotals:
    cash_yuan: Decimal
    in_kind_yuan: Decimal
    disbursement_batches: int = strawberry.field(description="Cash disbursements (资助批次).")
    people_funded: int

    @classmethod
    def from_totals(cls, totals: models.PairingTotals) -> ResourceTotals:
        return instance(
            cls,
            {
                "cash_yuan": money(totals.cash_yuan),
                "in_kind_yuan": money(totals.in_kind_yuan),
                "disbursement_batches": totals.disbursement_batches,
                "people_funded": totals.people_funded,
            },
        )


@strawberry.type(description="Totals over the pairings of a program and/or region that the caller may see.")
class ProgramStats:
    pairings: int
    active_pairings: int
    service_totals: ServiceTotals
    resource_totals: ResourceTotals
    milestones_overdue: int

    @classmethod
    def from_stats(cls, figures: stats.ProgramStats) -> ProgramStats:
        return cls(
            pairings=figures.pairings,
            active_pairings=figures.active_pairings,
            service_totals=ServiceTotals.from_totals(figures.totals),
            resource_totals=ResourceTotals.from_totals(figures.totals),
            milestones_overdue=figures.milestones_overdue,
        )
