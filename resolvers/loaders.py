"""Per-request batch loaders: every nested object or list is fetched in one batched statement.

Each batch opens its own session from the factory, because resolvers run concurrently and an
AsyncSession must not be shared between them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select

from db.engine import Database
from db.models import (
    Agency,
    AuditEvent,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    PairingTotals,
    Program,
    Region,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from resolvers.access import Actor, can_read, is_scoped, visible_pairings
from resolvers.batching import BatchLoader
from resolvers.errors import ApiError, ErrorCode
from resolvers.pagination import ChildPageKey, Ordering, Page, load_child_pages
from resolvers.progress import Progress, progress_from_row, progress_select

M = TypeVar("M")


def id_ordering(model: Any) -> Ordering:
    return Ordering(columns=(model.id,), key_of=lambda item: (item.id,))


class Loaders:
    def __init__(self, db: Database, actor: Actor, today: dt.date) -> None:
        self.db = db
        self.actor = actor
        self.today = today
        sessions = db.read_sessions

        def unfiltered(model: type[M]) -> BatchLoader[int, M | None]:
            async def load(ids: Sequence[int]) -> list[M | None]:
                async with sessions() as session:
                    rows = (await session.scalars(select(model).where(model.id.in_(ids)))).all()
                found = {row.id: row for row in rows}
                return [found.get(pk) for pk in ids]

            return BatchLoader(load)

        # Rows as stored, whoever asks: only for the access check and to tell hidden from missing.
        self._unfiltered: dict[type, BatchLoader[int, Any]] = {}
        self._unfiltered_of: dict[int, BatchLoader[int, Any]] = {}
        self._pairing_of_milestone: dict[int, int] = {}

        def by_id(model: type[M]) -> BatchLoader[int, M | None]:
            """Rows by ID that the actor may read; a hidden row comes back as None."""
            raw = self._unfiltered[model] = unfiltered(model)

            async def load(ids: Sequence[int]) -> list[M | None]:
                return await self._readable(await raw.load_many(ids))

            loader = BatchLoader(load)
            self._unfiltered_of[id(loader)] = raw
            return loader

        def children(model: Any, parent_column: ColumnElement[int]) -> BatchLoader[int, list[Any]]:
            async def load(parent_ids: Sequence[int]) -> list[list[Any]]:
                statement = select(model).where(parent_column.in_(parent_ids), model.voided_at.is_(None))
                async with sessions() as session:
                    rows = (await session.scalars(statement.order_by(model.id))).all()
                grouped: dict[int, list[Any]] = defaultdict(list)
                for row in rows:
                    grouped[getattr(row, parent_column.key)].append(row)
                return [grouped.get(pk, []) for pk in parent_ids]

            return BatchLoader(load)

        def child_pages(
            model: Any,
            parent_column: ColumnElement[int],
            where: Callable[[tuple[Hashable, ...]], list[ColumnElement[bool]]] = lambda filters: [],
        ) -> BatchLoader[ChildPageKey, Page[Any]]:
            ordering = id_ordering(model)

            async def load(keys: Sequence[ChildPageKey]) -> list[Page[Any]]:
                return await load_child_pages(sessions, model, parent_column, ordering, keys, where)

            return BatchLoader(load)

        self.region = by_id(Region)
        self.agency = by_id(Agency)
        self.program = by_id(Program)
        self.pairing = by_id(Pairing)
        self.milestone = by_id(Milestone)
        self.milestone_update = by_id(MilestoneUpdate)
        self.training_session = by_id(TrainingSession)
        self.service_activity = by_id(ServiceActivity)
        self.service_station = by_id(ServiceStation)
        self.incubated_organization = by_id(IncubatedOrganization)
        self.resource_link = by_id(ResourceLink)
        self.audit_event = by_id(AuditEvent)

        self.stations_of_pairing = children(ServiceStation, ServiceStation.pairing_id)
        self.incubations_of_pairing = children(IncubatedOrganization, IncubatedOrganization.pairing_id)

        self.milestones_of_pairing = child_pages(
            Milestone,
            Milestone.pairing_id,
            lambda filters: [Milestone.status == filters[0]] if filters and filters[0] is not None else [],
        )
        self.updates_of_milestone = child_pages(MilestoneUpdate, MilestoneUpdate.milestone_id)
        self.training_of_pairing = child_pages(
            TrainingSession, TrainingSession.pairing_id, lambda filters: [TrainingSession.voided_at.is_(None)]
        )
        self.activities_of_pairing = child_pages(
            ServiceActivity, ServiceActivity.pairing_id, lambda filters: [ServiceActivity.voided_at.is_(None)]
        )
        self.resources_of_pairing = child_pages(
            ResourceLink, ResourceLink.pairing_id, lambda filters: [ResourceLink.voided_at.is_(None)]
        )
        self.pairings_of_program = child_pages(
            Pairing, Pairing.program_id, lambda filters: [visible_pairings(actor)]
        )

        async def load_progress(pairing_ids: Sequence[int]) -> list[Progress]:
            async with sessions() as session:
                rows = (await session.execute(progress_select(today, Pairing.id.in_(pairing_ids)))).all()
            found = {row.pairing_id: progress_from_row(row) for row in rows}
            return [found[pk] for pk in pairing_ids]

        async def load_totals(pairing_ids: Sequence[int]) -> list[PairingTotals]:
            async with sessions() as session:
                rows = (await session.scalars(select(PairingTotals).where(PairingTotals.pairing_id.in_(pairing_ids)))).all()
            found = {row.pairing_id: row for row in rows}
            return [found.get(pk) or empty_totals(pk) for pk in pairing_ids]

        self.progress = BatchLoader(load_progress)
        self.totals = BatchLoader(load_totals)

    async def _readable(self, rows: list[Any]) -> list[Any]:
        """Each row, or None where `can_read` refuses it."""
        pairings = await self._pairings_of(rows) if is_scoped(self.actor) else {}
        return [
            row if row is not None and can_read(self.actor, row, pairings.get(self._pairing_id(row))) else None
            for row in rows
        ]

    async def _pairings_of(self, rows: list[Any]) -> dict[int, Pairing]:
        """The pairings that decide whether the rows are readable, in one batch (an update's goes
        through its milestone, one more batch), never one query per row."""
        updates = [row for row in rows if isinstance(row, MilestoneUpdate)]
        milestones = await self._unfiltered[Milestone].load_many([update.milestone_id for update in updates])
        self._pairing_of_milestone.update({m.id: m.pairing_id for m in milestones if m is not None})
        wanted = {pk for row in rows if row is not None and (pk := self._pairing_id(row)) is not None}
        found = await self._unfiltered[Pairing].load_many(sorted(wanted))
        return {pairing.id: pairing for pairing in found if pairing is not None}

    def _pairing_id(self, row: Any) -> int | None:
        if isinstance(row, MilestoneUpdate):
            return self._pairing_of_milestone.get(row.milestone_id)
        return getattr(row, "pairing_id", None)

    async def readable_or_forbidden(self, loader: BatchLoader[int, M | None], pk: int) -> M | None:
        """The row when the actor may read it, None when there is none; an existing row the actor
        may not read is refused with FORBIDDEN (how the API answers a direct request for it)."""
        row = await loader.load(pk)
        if row is None and await self._unfiltered_of[id(loader)].load(pk) is not None:
            raise ApiError(ErrorCode.FORBIDDEN, f"{self.actor.role.value} may not read this object")
        return row


def empty_totals(pairing_id: int) -> PairingTotals:
    return PairingTotals(
        pairing_id=pairing_id,
        home_visits=0,
        casework_cases=0,
        group_sessions=0,
        themed_activities=0,
        training_sessions=0,
        beneficiaries=0,
        cash_yuan=Decimal("0.00"),
        in_kind_yuan=Decimal("0.00"),
        disbursement_batches=0,
        people_funded=0,
    )
