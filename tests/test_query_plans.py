"""On PostgreSQL, a page of a parent's children is a range of an index in the page's own order: the
database numbers the rows as the index hands them over and stops at the page's end, with no sort of
all the parent's children first. Checked on the plans PostgreSQL makes with sorting disabled, which
still hold a sort where no index gives the order (the demo data is too small for the planner to
prefer an index otherwise). The pages of children of the objects on a page (a milestone's updates)
are one such range per object."""

from __future__ import annotations

from typing import Any

import pytest

from db.engine import Database
from db.reads.prepared import PreparedRead
from resolvers.child_pages import ChildList, _child_page_statement, _nested_page_statement
from resolvers.loaders import ACTIVITIES, MILESTONES, RESOURCES, TRAINING, UPDATES

PAGES = [
    pytest.param(MILESTONES, (None,), id="milestones of a pairing"),
    pytest.param(UPDATES, (), id="updates of a milestone"),
    pytest.param(TRAINING, (), id="training sessions of a pairing"),
    pytest.param(ACTIVITIES, (), id="service activities of a pairing"),
    pytest.param(RESOURCES, (), id="resource links of a pairing"),
]


async def plan_without_sorting(db: Database, read: PreparedRead, parameters: dict[str, Any]) -> str:
    async with db.read_engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        plan = await read.plan(driver, db.read_engine.dialect)
        async with driver.transaction():
            await driver.execute("SET LOCAL enable_sort = off")
            await driver.execute("SET LOCAL enable_seqscan = off")
            rows = await driver.fetch(f"EXPLAIN {plan.sql}", *plan.arguments(parameters))
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize(("children", "filters"), PAGES)
async def test_a_page_of_children_is_read_in_index_order(demo_db: Database, children: ChildList, filters) -> None:
    if demo_db.is_sqlite:
        pytest.skip("PostgreSQL plans")
    read = _child_page_statement(children, filters, False)
    text = await plan_without_sorting(demo_db, read, {"parents": [1], "limit": 13})
    window = text[text.index("WindowAgg") :]
    assert "Sort" not in window, f"the children are sorted before they are numbered:\n{text}"
    assert f"Index Scan using ix_{children.model.__tablename__}_{children.parent_key}_id" in window, text


async def test_the_updates_on_a_page_of_milestones_are_an_index_range_per_milestone(demo_db: Database) -> None:
    """Each milestone's page of updates is read as the first rows of an index range (a LIMIT under
    a LATERAL join), not by numbering every update of every milestone on the page."""
    if demo_db.is_sqlite:
        pytest.skip("PostgreSQL plans")
    read = _nested_page_statement(MILESTONES, (None,), False, UPDATES, (), False, True)
    text = await plan_without_sorting(demo_db, read, {"outer_parents": [1], "outer_limit": 12, "limit": 11})
    assert "Limit" in text, f"no page is a LIMIT:\n{text}"
    per_milestone = text[text.index("Limit") :]
    assert "Index Scan using ix_milestone_updates_milestone_id_id" in per_milestone, text
    assert "WindowAgg" not in per_milestone and "Sort" not in per_milestone, text
