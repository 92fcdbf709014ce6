"""Nodes made by `instance` (schema/relay.py) are what their dataclass __init__ would make."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from db import models
from db.engine import Database
from db.records import read_columns
from resolvers.ids import encode_id
from resolvers.pagination import Page
from resolvers.pairing_details import DetailParts
from schema.activities import ServiceActivity
from schema.agencies import Agency
from schema.audit import AuditEvent
from schema.incubations import IncubatedOrganization
from schema.milestones import Milestone, MilestoneUpdate
from schema.pairings import Pairing, PairingProgress
from schema.programs import Program
from schema.regions import Region
from schema.relay import Connection, Edge
from schema.resources import ResourceLink
from schema.stations import ServiceStation
from schema.stats import ResourceTotals, ServiceTotals
from schema.training import TrainingSession
from tests.conftest import make_scope

CONVERSIONS: list[tuple[Any, Callable[..., Any], bool]] = [
    (models.Milestone, Milestone.from_model, False),
    (models.MilestoneUpdate, MilestoneUpdate.from_model, False),
    (models.TrainingSession, TrainingSession.from_model, False),
    (models.ServiceActivity, ServiceActivity.from_model, False),
    (models.ResourceLink, ResourceLink.from_model, False),
    (models.ServiceStation, ServiceStation.from_model, False),
    (models.IncubatedOrganization, IncubatedOrganization.from_model, False),
    (models.Region, Region.from_model, False),
    (models.Program, Program.from_model, False),
    (models.Agency, Agency.from_model, True),
    (models.Pairing, Pairing.from_model, True),
]


def same_as_init(made: Any) -> None:
    """The dataclass __init__, given the fields `made` holds, makes an object holding the same: it
    would raise on a field missing from them, or hold one more (a default) that they lack."""
    fields = vars(made)
    assert vars(type(made)(**fields)) == fields


@pytest.mark.parametrize(("model", "from_model", "with_loaders"), CONVERSIONS, ids=lambda v: getattr(v, "__name__", ""))
async def test_from_model_makes_what_init_makes(demo_db: Database, model, from_model, with_loaders) -> None:
    rows = await demo_db.fetch(select(*read_columns(model)).order_by(model.id).limit(5))
    assert rows, f"the demo data has no {model.__name__}"
    loaders = make_scope(demo_db).loaders
    for row in rows:
        node = from_model(row, loaders) if with_loaders else from_model(row)
        same_as_init(node)
        assert node.pk == row.id


async def test_progress_and_totals_make_what_init_makes(demo_db: Database) -> None:
    pks = [row.id for row in await demo_db.fetch(select(models.Pairing.id).order_by(models.Pairing.id).limit(5))]
    loaders = make_scope(demo_db).loaders
    for details in await loaders.pairing_details(DetailParts(progress=True, totals=True)).load_many(pks):
        same_as_init(PairingProgress.from_progress(details.progress))
        same_as_init(ServiceTotals.from_totals(details.totals))
        same_as_init(ResourceTotals.from_totals(details.totals))


def test_audit_event_from_model_makes_what_init_makes() -> None:
    """The demo data has no audit events: one as a write would record it."""
    event = models.AuditEvent(
        id=7,
        occurred_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
        actor_name="admin",
        action="updateMilestone",
        object_type="Milestone",
        object_id=3,
        changes={"before": {"title": "a"}, "after": {"title": "b"}},
        request_id="r1",
    )
    node = AuditEvent.from_model(event)
    same_as_init(node)
    assert (node.pk, node.object_id) == (7, encode_id("Milestone", 3))


def test_connection_edges_are_what_init_makes() -> None:
    async def count() -> int:
        return 2

    page = Page(
        items=["a", "b"], has_next_page=False, has_previous_page=False, count=count, key_of=lambda item: (item,)
    )
    connection = Connection.of(page, str.upper)
    same_as_init(connection)
    for index, edge in enumerate(connection.edges):
        assert type(edge) is Edge
        same_as_init(edge)
        assert (edge.node, edge.index, edge.page) == ("AB"[index], index, page)
