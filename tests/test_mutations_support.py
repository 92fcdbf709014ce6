"""Shared set-up for the write tests: a small world of its own (one region chain, a program, three
agencies, an ACTIVE pairing with an open milestone) in a new migrated database, and an HTTP client
against the real Starlette app with one bearer token per role.

The tests import the fixtures from here; this module has no tests of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from db.credit_code import credit_code_check_char
from db.engine import Database
from db.models import (
    Agency,
    Milestone,
    MilestoneCategory,
    MilestoneStatus,
    Pairing,
    PairingStatus,
    PairingTotals,
    Program,
    Region,
    RegionLevel,
    Role,
)
from resolvers.ids import encode_id
from resolvers.tokens import create_token
from server.app import create_app
from server.settings import load_settings
from tests.conftest import TODAY

USER_ERRORS = "userErrors { field message code }"
PAIRING_STARTS = dt.date(2025, 1, 1)
PAIRING_ENDS = dt.date(2027, 12, 31)


def credit_code(body: str) -> str:
    """A well-formed unified social credit code from its first 17 characters."""
    return body + credit_code_check_char(body)


@dataclass
class World:
    db: Database
    program: str
    pairing: str
    pairing_pk: int
    milestone: str
    mentor: str
    mentor_pk: int
    supported: str
    supported_pk: int
    other: str
    county: str
    village: str


async def build_world(db: Database) -> World:
    async with db.writing() as session:
        province = Region(code="410000", name="河南省", level=RegionLevel.PROVINCE, path="")
        session.add(province)
        await session.flush()
        province.path = f"/{province.id}/"
        county = Region(code="410423", name="鲁山县", level=RegionLevel.COUNTY, parent_id=province.id, path="")
        session.add(county)
        await session.flush()
        county.path = f"{province.path}{county.id}/"
        village = Region(
            code="410423101213", name="十亩地洼村", level=RegionLevel.VILLAGE, parent_id=county.id, path=""
        )
        session.add(village)
        await session.flush()
        village.path = f"{county.path}{village.id}/"
        program = Program(name="测试牵手计划", starts_on=dt.date(2024, 1, 1), default_term_months=36)
        mentor = Agency(
            name="郑州市商都社会工作服务中心", region_id=county.id, credit_code=credit_code("52410000MJ0000001")
        )
        supported = Agency(name="鲁山县心天地社会工作服务中心", region_id=county.id)
        other = Agency(name="鲁山县尚德社工中心", region_id=county.id)
        session.add_all([program, mentor, supported, other])
        await session.flush()
        pairing = Pairing(
            program_id=program.id,
            mentor_id=mentor.id,
            supported_id=supported.id,
            starts_on=PAIRING_STARTS,
            ends_on=PAIRING_ENDS,
            status=PairingStatus.ACTIVE,
        )
        session.add(pairing)
        await session.flush()
        session.add(PairingTotals(pairing_id=pairing.id))
        milestone = Milestone(
            pairing_id=pairing.id,
            title="建立理事会制度",
            category=MilestoneCategory.GOVERNANCE,
            term_year=1,
            due_on=dt.date(2025, 12, 31),
            status=MilestoneStatus.IN_PROGRESS,
        )
        session.add(milestone)
        await session.flush()
    return World(
        db=db,
        program=encode_id("Program", program.id),
        pairing=encode_id("Pairing", pairing.id),
        pairing_pk=pairing.id,
        milestone=encode_id("Milestone", milestone.id),
        mentor=encode_id("Agency", mentor.id),
        mentor_pk=mentor.id,
        supported=encode_id("Agency", supported.id),
        supported_pk=supported.id,
        other=encode_id("Agency", other.id),
        county=encode_id("Region", county.id),
        village=encode_id("Region", village.id),
    )


async def add_milestone(world: World, title: str, due_on: dt.date) -> str:
    """A new NOT_STARTED milestone of the world's pairing, its id: a milestone has one update
    waiting at a time, so a test that submits several gives each a milestone of its own."""
    async with world.db.writing() as session:
        milestone = Milestone(
            pairing_id=world.pairing_pk,
            title=title,
            category=MilestoneCategory.TALENT,
            term_year=2,
            due_on=due_on,
            status=MilestoneStatus.NOT_STARTED,
        )
        session.add(milestone)
        await session.flush()
    return encode_id("Milestone", milestone.id)


class Api:
    """GraphQL over HTTP as a given principal ("staff", "mentor", "supported", "viewer")."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, as_: str = "staff") -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[as_]}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def query(self, query: str, variables: dict[str, Any] | None = None, *, as_: str = "staff") -> dict[str, Any]:
        body = await self.post(query, variables, as_=as_)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def mutate(
        self, name: str, input: dict[str, Any], selection: str = "", *, as_: str = "staff"
    ) -> dict[str, Any]:
        """The mutation's payload; `selection` picks fields besides userErrors."""
        body = await self.post(mutation_text(name, selection), {"input": input}, as_=as_)
        assert "errors" not in body, body["errors"]
        return body["data"][name]

    async def node(self, global_id: str, selection: str, *, as_: str = "staff") -> dict[str, Any] | None:
        data = await self.query(f"query($id: ID!) {{ node(id: $id) {{ id {selection} }} }}", {"id": global_id}, as_=as_)
        return data["node"]


def input_type(name: str) -> str:
    return "VoidRecordInput" if name.startswith("void") else name[0].upper() + name[1:] + "Input"


def mutation_text(name: str, selection: str) -> str:
    return f"mutation($input: {input_type(name)}!) {{ {name}(input: $input) {{ {selection} {USER_ERRORS} }} }}"


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


def fields(payload: dict[str, Any]) -> list[list[str] | None]:
    return [error["field"] for error in payload["userErrors"]]


async def make_tokens(world: World) -> dict[str, str]:
    db = world.db
    return {
        "staff": await create_token(db, "ministry-staff", Role.MINISTRY),
        "admin": await create_token(db, "admin", Role.ADMIN),
        "mentor": await create_token(db, "mentor-shangdu", Role.MENTOR_AGENCY, agency_id=world.mentor),
        "supported": await create_token(db, "supported-xintiandi", Role.SUPPORTED_AGENCY, agency_id=world.supported),
        "viewer": await create_token(db, "viewer", Role.VIEWER),
    }


def app_for(db: Database, **settings: Any):
    return create_app(load_settings(database_url=db.url, today=TODAY, **settings))


async def totals_row(db: Database, pairing_pk: int) -> PairingTotals:
    async with db.reading() as session:
        return (await session.scalars(select(PairingTotals).where(PairingTotals.pairing_id == pairing_pk))).one()


async def count_rows(db: Database, model: Any) -> int:
    async with db.reading() as session:
        return len((await session.scalars(select(model.id))).all())
