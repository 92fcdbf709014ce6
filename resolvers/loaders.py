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
from typing import Any

from sqlalchemy import ColumnElement, bindparam, select

from db.engine import Database
from db.functions import one_of
from db.models import (
    Agency,
    AuditEvent,
    EvidenceFile,
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
from db.reads.prepared import PreparedRead
from db.records import read_columns
from resolvers.access import Actor, can_read, is_scoped, visible_pairings
from resolvers.batching import BatchLoader
from resolvers.child_pages import (
    ChildList,
    ChildPageKey,
    NestedPageKey,
    child_pages,
    load_child_pages,
    load_nested_child_rows,
)
from resolvers.errors import ApiError, ErrorCode
from resolvers.pagination import Page
from resolvers.pairing_details import DetailParts, PairingDetails, fetch_pairing_details


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


@functools.cache
def evidence_of_owners() -> PreparedRead:
    return PreparedRead(
        select(*read_columns(EvidenceFile))
        .where(EvidenceFile.owner_type == bindparam("owner_type"), one_of(EvidenceFile.owner_id, "ids"))
        .order_by(EvidenceFile.id)
    )


def live(model: Any) -> Callable[[tuple[Hashable, ...]], list[ColumnElement[bool]]]:
    return lambda filters: [model.voided_at.is_(None)]


# The nested connections. Their filters: a milestone status or None; the actor, whose pairings show.
MILESTONES = ChildList(
    Milestone, "pairing_id", lambda filters: [] if filters[0] is None else [Milestone.status == filters[0]]
)
UPDATES = ChildList(MilestoneUpdate, "milestone_id")
TRAINING = ChildList(TrainingSession, "pairing_id", live(TrainingSession))
ACTIVITIES = ChildList(ServiceActivity, "pairing_id", live(ServiceActivity))
RESOURCES = ChildList(ResourceLink, "pairing_id", live(ResourceLink))


def _visible_to_actor(filters: tuple[Hashable, ...]) -> list[ColumnElement[bool]]:
    """The pairings of a program that the key's actor may read (schema/programs.py puts the actor
    in the key, where the other lists have a filter)."""
    actor = filters[0]
    if not isinstance(actor, Actor):
        raise TypeError(f"the pairings of a program are keyed by an Actor, not {actor!r}")
    return [visible_pairings(actor)]


PROGRAM_PAIRINGS = ChildList(Pairing, "program_id", _visible_to_actor)


_NOT_LOADED = object()


async def _stored_rows(db: Database, model: Any, ids: Sequence[int]) -> list[Any]:
    """The rows of these ids as stored, in their order; None where there is none."""
    found = {row.id: row for row in await db.fetch(rows_by_id(model), {"ids": ids})}
    return [found.get(pk) for pk in ids]


def _by_id(model: type) -> functools.cached_property[BatchLoader[int, Any]]:
    """Rows by ID that the actor may read; a hidden row comes back as None."""

    def make(self: Loaders) -> BatchLoader[int, Any]:
        raw, db = self.unfiltered(model), self.db

        async def load(ids: Sequence[int]) -> list[Any]:
            # Read here rather than in a batch of `raw`, which would start a turn of the event loop
            # later and miss the reads that this one goes with (db/reads/combined.py); `raw` then holds
            # the rows for the access checks.
            if missing := [pk for pk in ids if raw.loaded(pk, _NOT_LOADED) is _NOT_LOADED]:
                for pk, row in zip(missing, await _stored_rows(db, model, missing), strict=True):
                    raw.prime(pk, row)
            return await self._readable(model, await raw.load_many(ids))

        loader = BatchLoader(load)
        self._raw_of[id(loader)] = raw
        return loader

    return functools.cached_property(make)


def _children(model: Any, parent_key: str) -> functools.cached_property[BatchLoader[int, list[Any]]]:
    def make(self: Loaders) -> BatchLoader[int, list[Any]]:
        db = self.db

        async def load(parent_ids: Sequence[int]) -> list[list[Any]]:
            rows = await db.fetch(live_children(model, parent_key), {"ids": parent_ids})
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[getattr(row, parent_key)].append(row)
            return [grouped.get(pk, []) for pk in parent_ids]

        return BatchLoader(load)

    return functools.cached_property(make)


def _nested_pages(
    outer: ChildList,
    inner: ChildList,
    outer_pages: Callable[[Loaders], BatchLoader[ChildPageKey, Page[Any]]],
    inner_pages: Callable[[Loaders], BatchLoader[ChildPageKey, Page[Any]]],
) -> functools.cached_property[BatchLoader[NestedPageKey, None]]:
    """Pages of `inner` children of the objects on pages of `outer` (NestedPageKey), read with
    those pages rather than after them, and handed to the loader `inner_pages` as its own. Each
    key's page of `outer` is to be asked for of the loader `outer_pages` in the same turn; one that
    is not is read after the nested read."""

    def make(self: Loaders) -> BatchLoader[NestedPageKey, None]:
        db = self.db

        async def load(keys: Sequence[NestedPageKey]) -> list[None]:
            found = await load_nested_child_rows(db, outer, inner, keys)
            pages = await outer_pages(self).load_many([key.outer for key in keys])
            _prime_nested_pages(db, inner_pages(self), inner, keys, pages, found)
            return [None] * len(keys)

        return BatchLoader(load)

    return functools.cached_property(make)


def _prime_nested_pages(
    db: Database,
    loader: BatchLoader[ChildPageKey, Page[Any]],
    children: ChildList,
    keys: Sequence[NestedPageKey],
    pages: Sequence[Page[Any]],
    found: Sequence[dict[int, list[Any]]],
) -> None:
    """The pages of children of each object on `pages` that the nested read saw too (`found`); one
    it did not see, after a write between the two reads, is left to load its own. All pages of one
    shape count their children in one statement, as load_child_pages's do."""
    shapes: dict[tuple[Any, ...], tuple[dict[int, None], dict[int, list[Any]]]] = {}
    for key, page, rows_of in zip(keys, pages, found, strict=True):
        parents, rows = shapes.setdefault((key.first, key.after, key.filters), ({}, {}))
        parents.update(dict.fromkeys(parent.id for parent in page.items if parent.id in rows_of))
        rows.update(rows_of)
    for (first, after, filters), (parents, rows) in shapes.items():
        for page_key, children_page in child_pages(db, children, list(parents), rows, first, after, filters).items():
            loader.prime(page_key, children_page)


def _child_pages(children: ChildList) -> functools.cached_property[BatchLoader[ChildPageKey, Page[Any]]]:
    def make(self: Loaders) -> BatchLoader[ChildPageKey, Page[Any]]:
        db = self.db

        async def load(keys: Sequence[ChildPageKey]) -> list[Page[Any]]:
            return await load_child_pages(db, children, keys)

        return BatchLoader(load)

    return functools.cached_property(make)


class Loaders:
    """A request's loaders, each a typed attribute made when first used: most requests use a few of
    them. Refer to a loader by its attribute (`loaders.pairing`, or `lambda loaders: loaders.x` where
    it is chosen ahead), never by a string name, so that a type checker and a rename see every use."""

    def __init__(self, db: Database, actor: Actor, today: dt.date) -> None:
        self.db = db
        self.actor = actor
        self.today = today
        self._unfiltered: dict[type, BatchLoader[int, Any]] = {}
        # Each by-id loader's unfiltered loader, by the by-id loader's id.
        self._raw_of: dict[int, BatchLoader[int, Any]] = {}
        self._pairing_of_milestone: dict[int, int] = {}
        self._details: dict[DetailParts, BatchLoader[int, PairingDetails]] = {}
        self._evidence: dict[str, BatchLoader[int, list[Any]]] = {}

    region = _by_id(Region)
    agency = _by_id(Agency)
    program = _by_id(Program)
    pairing = _by_id(Pairing)
    milestone = _by_id(Milestone)
    milestone_update = _by_id(MilestoneUpdate)
    training_session = _by_id(TrainingSession)
    service_activity = _by_id(ServiceActivity)
    service_station = _by_id(ServiceStation)
    incubated_organization = _by_id(IncubatedOrganization)
    resource_link = _by_id(ResourceLink)
    audit_event = _by_id(AuditEvent)

    stations_of_pairing = _children(ServiceStation, "pairing_id")
    incubations_of_pairing = _children(IncubatedOrganization, "pairing_id")

    milestones_of_pairing = _child_pages(MILESTONES)
    updates_of_milestone = _child_pages(UPDATES)
    training_of_pairing = _child_pages(TRAINING)
    activities_of_pairing = _child_pages(ACTIVITIES)
    resources_of_pairing = _child_pages(RESOURCES)
    pairings_of_program = _child_pages(PROGRAM_PAIRINGS)
    updates_on_milestone_pages = _nested_pages(
        MILESTONES, UPDATES, lambda loaders: loaders.milestones_of_pairing, lambda loaders: loaders.updates_of_milestone
    )

    def release(self) -> None:
        """Drops the loaders and what they hold, once the request is answered. Their fetch functions
        refer back to this object, so that otherwise every row the request read would wait for the
        cycle collector, whose passes then came every few dozen requests and took milliseconds."""
        for name in _LOADER_NAMES:
            self.__dict__.pop(name, None)
        self._unfiltered.clear()
        self._raw_of.clear()
        self._details.clear()
        self._pairing_of_milestone.clear()
        self._evidence.clear()

    def unfiltered(self, model: type) -> BatchLoader[int, Any]:
        """Rows as stored, whoever asks: only for the access check and to tell hidden from missing."""
        loader = self._unfiltered.get(model)
        if loader is None:
            db = self.db

            async def load(ids: Sequence[int]) -> list[Any]:
                return await _stored_rows(db, model, ids)

            loader = self._unfiltered[model] = BatchLoader(load)
        return loader

    def evidence(self, owner_type: str) -> BatchLoader[int, list[Any]]:
        """The evidence files of objects of one type (the owner's model name), by the objects' ids,
        in upload order: one statement for all the objects of that type a request shows."""
        loader = self._evidence.get(owner_type)
        if loader is None:
            db = self.db

            async def load(owner_ids: Sequence[int]) -> list[list[Any]]:
                rows = await db.fetch(evidence_of_owners(), {"owner_type": owner_type, "ids": owner_ids})
                grouped: dict[int, list[Any]] = defaultdict(list)
                for row in rows:
                    grouped[row.owner_id].append(row)
                return [grouped.get(pk, []) for pk in owner_ids]

            loader = self._evidence[owner_type] = BatchLoader(load)
        return loader

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
            row
            if row is not None and can_read(self.actor, model, row, pairings.get(self._pairing_id(model, row)))
            else None
            for row in rows
        ]

    async def _pairings_of(self, model: type, rows: list[Any]) -> dict[int | None, Any]:
        """The pairings that decide whether the rows are readable, by id (None, the pairing of a row
        that has none, finds none), in one batch (an update's goes through its milestone, one more
        batch), never one query per row."""
        if model is MilestoneUpdate:
            updates = [row for row in rows if row is not None]
            milestones = await self.unfiltered(Milestone).load_many([update.milestone_id for update in updates])
            self._pairing_of_milestone.update({m.id: m.pairing_id for m in milestones if m is not None})
        wanted = {pk for row in rows if row is not None and (pk := self._pairing_id(model, row)) is not None}
        found = await self.unfiltered(Pairing).load_many(sorted(wanted))
        return {pairing.id: pairing for pairing in found if pairing is not None}

    def _pairing_id(self, model: type, row: Any) -> int | None:
        if model is MilestoneUpdate:
            return self._pairing_of_milestone.get(row.milestone_id)
        return getattr(row, "pairing_id", None)

    async def readable_or_forbidden(self, loader: BatchLoader[int, Any], pk: int) -> Any:
        """The row when the actor may read it, None when there is none; an existing row the actor
        may not read is refused with FORBIDDEN (how the API answers a direct request for it)."""
        row = await loader.load(pk)
        if row is None and await self._raw_of[id(loader)].load(pk) is not None:
            raise ApiError(
                ErrorCode.FORBIDDEN,
                f"{self.actor.role.value} may not read this object",
                message_zh=f"{self.actor.role.value} 角色无权查看此对象",
            )
        return row


# The loaders that Loaders makes when first used, by attribute name.
_LOADER_NAMES = tuple(name for name, value in vars(Loaders).items() if isinstance(value, functools.cached_property))
