"""Per-request batch loaders: every nested object or list is fetched in one batched statement.

Loaders read plain rows (SQLAlchemy Core), not ORM objects: rows carry the same attributes, and
building ORM objects cost more than the queries. Their statements are built once per process
with the ids as one parameter (`one_of`), so each batch only binds and runs. Each batch takes its
own connection, because batches of one request run concurrently.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select

from db.engine import Database
from db.functions import one_of
from db.models import (
    Agency,
    AuditEvent,
    IncubatedOrganization,
    Milestone,
    MilestoneUpdate,
    Pairing,
    Program,
    Region,
    ResourceLink,
    ServiceActivity,
    ServiceStation,
    TrainingSession,
)
from db.prepared import PreparedRead
from db.records import read_columns
from resolvers.access import Actor, can_read, is_scoped, visible_pairings
from resolvers.batching import BatchLoader
from resolvers.errors import ApiError, ErrorCode
from resolvers.pagination import ChildList, ChildPageKey, Page, load_child_pages
from resolvers.pairing_details import DetailParts, PairingDetails, fetch_pairing_details

M = TypeVar("M")


@functools.cache
def rows_by_id(model: Any) -> PreparedRead:
    return PreparedRead(select(*read_columns(model)).where(one_of(model.id, "ids")))


@functools.cache
def live_children(model: Any, parent_key: str) -> PreparedRead:
    table = model.__table__
    return PreparedRead(
        select(*read_columns(model))
        .where(one_of(table.c[parent_key], "ids"), table.c.voided_at.is_(None))
        .order_by(table.c.id)
    )


def _live(model: Any) -> Callable[[tuple[Hashable, ...]], list[ColumnElement[bool]]]:
    return lambda filters: [model.voided_at.is_(None)]


# The nested connections. Their filters: a milestone status or None; the actor, whose pairings show.
MILESTONES = ChildList(
    Milestone, "pairing_id", lambda filters: [] if filters[0] is None else [Milestone.status == filters[0]]
)
UPDATES = ChildList(MilestoneUpdate, "milestone_id")
TRAINING = ChildList(TrainingSession, "pairing_id", _live(TrainingSession))
ACTIVITIES = ChildList(ServiceActivity, "pairing_id", _live(ServiceActivity))
RESOURCES = ChildList(ResourceLink, "pairing_id", _live(ResourceLink))
PROGRAM_PAIRINGS = ChildList(Pairing, "program_id", lambda filters: [visible_pairings(filters[0])])


class Loaders:
    def __init__(self, db: Database, actor: Actor, today: dt.date) -> None:
        self.db = db
        self.actor = actor
        self.today = today

        def unfiltered(model: type[M]) -> BatchLoader[int, Any]:
            async def load(ids: Sequence[int]) -> list[Any]:
                found = {row.id: row for row in await db.fetch(rows_by_id(model), {"ids": ids})}
                return [found.get(pk) for pk in ids]

            return BatchLoader(load)

        # Rows as stored, whoever asks: only for the access check and to tell hidden from missing.
        self._unfiltered: dict[type, BatchLoader[int, Any]] = {}
        self._unfiltered_of: dict[int, BatchLoader[int, Any]] = {}
        self._pairing_of_milestone: dict[int, int] = {}

        def by_id(model: type[M]) -> BatchLoader[int, Any]:
            """Rows by ID that the actor may read; a hidden row comes back as None."""
            raw = self._unfiltered[model] = unfiltered(model)

            async def load(ids: Sequence[int]) -> list[Any]:
                return await self._readable(model, await raw.load_many(ids))

            loader = BatchLoader(load)
            self._unfiltered_of[id(loader)] = raw
            return loader

        def children(model: Any, parent_column: ColumnElement[int]) -> BatchLoader[int, list[Any]]:
            async def load(parent_ids: Sequence[int]) -> list[list[Any]]:
                rows = await db.fetch(live_children(model, parent_column.key), {"ids": parent_ids})
                grouped: dict[int, list[Any]] = defaultdict(list)
                for row in rows:
                    grouped[getattr(row, parent_column.key)].append(row)
                return [grouped.get(pk, []) for pk in parent_ids]

            return BatchLoader(load)

        def child_pages(children: ChildList) -> BatchLoader[ChildPageKey, Page[Any]]:
            async def load(keys: Sequence[ChildPageKey]) -> list[Page[Any]]:
                return await load_child_pages(db, children, keys)

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

        self.milestones_of_pairing = child_pages(MILESTONES)
        self.updates_of_milestone = child_pages(UPDATES)
        self.training_of_pairing = child_pages(TRAINING)
        self.activities_of_pairing = child_pages(ACTIVITIES)
        self.resources_of_pairing = child_pages(RESOURCES)
        self.pairings_of_program = child_pages(PROGRAM_PAIRINGS)

        self._details: dict[DetailParts, BatchLoader[int, PairingDetails]] = {}

    def pairing_details(self, parts: DetailParts) -> BatchLoader[int, PairingDetails]:
        """Details (agencies, progress, totals) of pairings that the caller already may read: one
        statement for all the pages and single pairings of a request that ask for the same parts."""
        loader = self._details.get(parts)
        if loader is None:

            async def load(pairing_ids: Sequence[int]) -> list[PairingDetails]:
                return await fetch_pairing_details(self.db, self.today, pairing_ids, parts)

            loader = self._details[parts] = BatchLoader(load)
        return loader

    async def _readable(self, model: type, rows: list[Any]) -> list[Any]:
        """Each row, or None where `can_read` refuses it."""
        pairings = await self._pairings_of(model, rows) if is_scoped(self.actor) else {}
        return [
            row if row is not None and can_read(self.actor, model, row, pairings.get(self._pairing_id(model, row)))
            else None
            for row in rows
        ]

    async def _pairings_of(self, model: type, rows: list[Any]) -> dict[int, Any]:
        """The pairings that decide whether the rows are readable, in one batch (an update's goes
        through its milestone, one more batch), never one query per row."""
        if model is MilestoneUpdate:
            updates = [row for row in rows if row is not None]
            milestones = await self._unfiltered[Milestone].load_many([update.milestone_id for update in updates])
            self._pairing_of_milestone.update({m.id: m.pairing_id for m in milestones if m is not None})
        wanted = {pk for row in rows if row is not None and (pk := self._pairing_id(model, row)) is not None}
        found = await self._unfiltered[Pairing].load_many(sorted(wanted))
        return {pairing.id: pairing for pairing in found if pairing is not None}

    def _pairing_id(self, model: type, row: Any) -> int | None:
        if model is MilestoneUpdate:
            return self._pairing_of_milestone.get(row.milestone_id)
        return getattr(row, "pairing_id", None)

    async def readable_or_forbidden(self, loader: BatchLoader[int, Any], pk: int) -> Any:
        """The row when the actor may read it, None when there is none; an existing row the actor
        may not read is refused with FORBIDDEN (how the API answers a direct request for it)."""
        row = await loader.load(pk)
        if row is None and await self._unfiltered_of[id(loader)].load(pk) is not None:
            raise ApiError(ErrorCode.FORBIDDEN, f"{self.actor.role.value} may not read this object")
        return row
