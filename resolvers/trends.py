"""Trends by month over the pairings of a program and/or region that the caller may see: service
activities and their beneficiaries, training sessions, and money linked in, each summed in SQL per
calendar month of the record's date. Voided records count nowhere, as in the totals."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from db.functions import month_of
from db.models import Pairing, ResourceKind, ResourceLink, ServiceActivity, TrainingSession
from resolvers.errors import ApiError, ErrorCode
from resolvers.pairings import PairingFilter, pairing_conditions
from resolvers.scope import Scope
from resolvers.totals import money

MAX_MONTHS = 60


@dataclass
class MonthTrend:
    month: str  # 'YYYY-MM'
    activities: int = 0
    beneficiaries: int = 0
    training_sessions: int = 0
    cash_yuan: Decimal = field(default_factory=lambda: money(0))
    in_kind_yuan: Decimal = field(default_factory=lambda: money(0))


def months_ending(today: dt.date, count: int) -> list[str]:
    """The `count` calendar months up to and including today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


async def monthly_trends(
    scope: Scope, *, program_id: str | None, region_id: str | None, months: int
) -> list[MonthTrend]:
    if not 1 <= months <= MAX_MONTHS:
        raise ApiError(
            ErrorCode.INVALID,
            f"months must be 1 to {MAX_MONTHS}, got {months}",
            message_zh=f"月数须在 1 到 {MAX_MONTHS} 之间，收到 {months}",
        )
    labels = months_ending(scope.today, months)
    since = dt.date.fromisoformat(labels[0] + "-01")
    pairings = select(Pairing.id).where(
        *await pairing_conditions(scope, PairingFilter(program_id=program_id, region_id=region_id))
    )

    def per_month(
        model: type[ServiceActivity | TrainingSession | ResourceLink],
        day: InstrumentedAttribute[dt.date],
        *figures: ColumnElement[Any],
    ) -> Select[*tuple[Any, ...]]:
        month = month_of(day)
        return (
            select(month, *figures)
            .where(model.pairing_id.in_(pairings), model.voided_at.is_(None), day >= since, day <= scope.today)
            .group_by(month)
        )

    activities = per_month(
        ServiceActivity, ServiceActivity.occurred_on, func.count(), func.sum(ServiceActivity.beneficiaries)
    )
    training = per_month(TrainingSession, TrainingSession.starts_on, func.count())
    resources = per_month(
        ResourceLink,
        ResourceLink.occurred_on,
        func.sum(case((ResourceLink.kind == ResourceKind.CASH, ResourceLink.amount_yuan), else_=0)),
        func.sum(case((ResourceLink.kind == ResourceKind.IN_KIND, ResourceLink.amount_yuan), else_=0)),
    )
    activity_rows, training_rows, resource_rows = await asyncio.gather(
        scope.db.fetch(activities), scope.db.fetch(training), scope.db.fetch(resources)
    )
    by_month = {label: MonthTrend(label) for label in labels}
    for label, count, beneficiaries in activity_rows:
        by_month[label].activities, by_month[label].beneficiaries = count, int(beneficiaries or 0)
    for label, count in training_rows:
        by_month[label].training_sessions = count
    for label, cash, in_kind in resource_rows:
        by_month[label].cash_yuan, by_month[label].in_kind_yuan = money(cash), money(in_kind)
    return list(by_month.values())
