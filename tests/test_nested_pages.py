"""Pages of a milestone's updates read together with the page of milestones (NestedPageKey) are the
pages that the milestone's own updates loader reads once the milestones are known."""

from __future__ import annotations

import asyncio
import itertools
from collections import namedtuple

import pytest
from sqlalchemy import select

from db.models import Milestone, MilestoneStatus, MilestoneUpdate
from db.statements import recording
from resolvers.access import ANONYMOUS
from resolvers.batching import BatchLoader
from resolvers.child_pages import ChildPageKey, NestedPageKey
from resolvers.ids import encode_id
from resolvers.loaders import UPDATES, Loaders, _prime_nested_pages
from resolvers.pagination import Page, encode_cursor
from tests.conftest import TODAY, gql


async def pairings_with_updates(db) -> list[int]:
    async with db.read_engine.connect() as connection:
        rows = await connection.execute(
            select(Milestone.pairing_id).join(MilestoneUpdate, MilestoneUpdate.milestone_id == Milestone.id).distinct()
        )
        return sorted(pk for (pk,) in rows)


OUTER_PAGES = [(12, None, None), (2, None, None), (2, 1, None), (12, None, MilestoneStatus.ACHIEVED)]
INNER_PAGES = [(10, None), (1, None), (1, 1)]


@pytest.mark.parametrize(("outer", "inner"), list(itertools.product(OUTER_PAGES, INNER_PAGES)))
async def test_nested_pages_are_the_pages_read_after(demo_db, outer, inner) -> None:
    pairing_ids = await pairings_with_updates(demo_db)
    assert pairing_ids, "the demo has updates"
    first, after_milestones, status = outer
    inner_first, after_updates = inner
    milestone_keys = [
        ChildPageKey(pk, first, await cursor_after(demo_db, pk, after_milestones), (status,)) for pk in pairing_ids
    ]
    nested = Loaders(demo_db, ANONYMOUS, TODAY)
    keys = [NestedPageKey(key, inner_first, None, ()) for key in milestone_keys]
    pages, _ = await asyncio.gather(
        nested.milestones_of_pairing.load_many(milestone_keys), nested.updates_on_milestone_pages.load_many(keys)
    )
    on_pages = [milestone.id for page in pages for milestone in page.items]
    assert on_pages, "some pages hold milestones"
    plain = Loaders(demo_db, ANONYMOUS, TODAY)
    for milestone_pk in on_pages:
        key = ChildPageKey(milestone_pk, inner_first, None)
        primed = nested.updates_of_milestone.loaded(key)
        assert primed is not None, f"milestone {milestone_pk} was read with its page"
        read_after = await plain.updates_of_milestone.load(key)
        assert [tuple(row) for row in primed.items] == [tuple(row) for row in read_after.items]
        assert [row._fields for row in primed.items] == [row._fields for row in read_after.items]
        assert (primed.has_next_page, primed.has_previous_page) == (read_after.has_next_page, False)
        assert await primed.count() == await read_after.count()
    if after_updates is not None:
        # A page after a cursor: the cursor of each milestone's first update.
        await assert_pages_after_cursor(demo_db, milestone_keys, on_pages, inner_first)


async def assert_pages_after_cursor(db, milestone_keys, on_pages, first) -> None:
    nested, plain = Loaders(db, ANONYMOUS, TODAY), Loaders(db, ANONYMOUS, TODAY)
    firsts = await plain.updates_of_milestone.load_many([ChildPageKey(pk, 1, None) for pk in on_pages])
    cursor = next(page.cursor(0) for page in firsts if page.items)
    keys = [NestedPageKey(key, first, cursor, ()) for key in milestone_keys]
    await asyncio.gather(
        nested.milestones_of_pairing.load_many(milestone_keys), nested.updates_on_milestone_pages.load_many(keys)
    )
    for milestone_pk in on_pages:
        key = ChildPageKey(milestone_pk, first, cursor)
        primed, read_after = nested.updates_of_milestone.loaded(key), await plain.updates_of_milestone.load(key)
        assert [row.id for row in primed.items] == [row.id for row in read_after.items]
        assert (primed.has_next_page, primed.has_previous_page) == (read_after.has_next_page, True)


async def cursor_after(db, pairing_pk: int, skip: int | None) -> str | None:
    """The cursor after the pairing's first `skip` milestones, or None."""
    if skip is None:
        return None
    async with db.read_engine.connect() as connection:
        ids = (
            (
                await connection.execute(
                    select(Milestone.id).where(Milestone.pairing_id == pairing_pk).order_by(Milestone.id).limit(skip)
                )
            )
            .scalars()
            .all()
        )
    return encode_cursor((ids[-1],)) if ids else None


def test_a_milestone_the_nested_read_did_not_see_loads_its_own() -> None:
    """After a write between the two reads, a milestone on the page that the nested read did not
    see gets no page from it; the others do, including one it saw with no updates."""
    milestone = namedtuple("milestone", "id")
    update = namedtuple("update", "id milestone_id")
    page = Page(
        items=[milestone(1), milestone(2), milestone(3)],
        has_next_page=False,
        has_previous_page=False,
        count=None,
        key_of=lambda row: (row.id,),
    )
    updates = BatchLoader(None)
    key = NestedPageKey(ChildPageKey(7, 12, None, (None,)), 10, None, ())
    _prime_nested_pages(None, updates, UPDATES, [key], [page], [{1: [], 3: [update(30, 3)]}])
    assert updates.loaded(ChildPageKey(1, 10, None)).items == []
    assert updates.loaded(ChildPageKey(2, 10, None)) is None
    assert updates.loaded(ChildPageKey(3, 10, None)).items == [update(30, 3)]


async def test_a_pairing_detail_reads_its_updates_with_its_lists(demo_db) -> None:
    """pairing(id) with its milestones' updates: the updates are read by the pairing's id, not by
    its milestones', so with the pairing and its lists rather than after them (one statement on
    PostgreSQL, db/reads/combined.py); and nothing is read per milestone."""
    (pairing_pk, *_) = await pairings_with_updates(demo_db)
    query = """query($id: ID!) { pairing(id: $id) {
      milestones(first: 12) { edges { node { title updates(first: 10) { totalCount edges { node { status } } } } } }
      trainingSessions(first: 20) { edges { node { topic } } }
    } }"""
    with recording(demo_db) as statements:
        data = await gql(demo_db, query, {"id": encode_id("Pairing", pairing_pk)})
    updates = [edge["node"]["updates"] for edge in data["pairing"]["milestones"]["edges"]]
    assert any(page["edges"] for page in updates)
    assert all(page["totalCount"] >= len(page["edges"]) for page in updates)
    # The pairing, its milestones, their updates, its training sessions, and one count of updates.
    assert statements.count == 5, statements.texts
    (updates_read,) = [(text, args) for text, args in statements.recorded if "on_pages" in text]
    assert [pairing_pk] in list(updates_read[1]) or str([pairing_pk]) in str(updates_read[1])
