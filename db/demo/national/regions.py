"""The regions of the national data set: the 31 provinces with their real codes, their capitals
and two synthetic cities each, three synthetic counties per city and a township per county."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import table_of
from db.demo.national.bulk import bulk_insert, next_id, reset_sequence
from db.demo.national.catalog import COUNTY_SUFFIXES, PROVINCES, SYNTHETIC_CITIES
from db.models import Region, RegionLevel


@dataclass(frozen=True)
class Place:
    """A county with its township, where agencies are registered and stations stand."""

    county_id: int
    county_code: str
    county_name: str
    township_id: int
    capital: bool


@dataclass(frozen=True)
class City:
    code: str
    name: str
    province_code: str
    capital: bool


def region_plan() -> Iterator[tuple[str, str, RegionLevel, str | None, bool]]:
    """(code, name, level, parent code, in a capital city) for every region, parents first."""
    for code, name, _ in PROVINCES:
        yield code, name, RegionLevel.PROVINCE, None, False
    cities: list[City] = []
    for code, name, capital_name in PROVINCES:
        cities.append(City(f"{code[:2]}0100", capital_name, code, True))
        cities += [
            City(f"{code[:2]}{suffix}", f"{name[:2]}{mark}市（合成）", code, False) for suffix, mark in SYNTHETIC_CITIES
        ]
    for city in cities:
        yield city.code, city.name, RegionLevel.CITY, city.province_code, False
    counties = [
        (f"{city.code[:4]}{suffix}", f"{city.name.removesuffix('（合成）')}{mark}县（合成）", city.code, city.capital)
        for city in cities
        for suffix, mark in COUNTY_SUFFIXES
    ]
    for county_code, county_name, city_code, capital in counties:
        yield county_code, county_name, RegionLevel.COUNTY, city_code, capital
    for county_code, county_name, _, capital in counties:
        yield (
            f"{county_code}901000",
            f"{county_name.removesuffix('（合成）')}合成镇",
            RegionLevel.TOWNSHIP,
            county_code,
            capital,
        )


async def load_regions(session: AsyncSession) -> tuple[list[Place], list[Place]]:
    """Insert the regions level by level, reusing any already present by code; returns the places
    in capital cities (where mentors are) and elsewhere (where supported agencies are)."""
    plan = list(region_plan())
    existing = await session.execute(
        select(Region.code, Region.id, Region.path, Region.name).where(Region.code.in_([row[0] for row in plan]))
    )
    known = {code: (pk, path, name) for code, pk, path, name in existing}
    table = table_of(Region)
    pk = await next_id(session, table)
    fresh = []
    for code, name, level, parent_code, _ in plan:
        if code in known:
            continue
        parent_id, parent_path = (known[parent_code][0], known[parent_code][1]) if parent_code else (None, "/")
        known[code] = (pk, f"{parent_path}{pk}/", name)
        fresh.append(
            {"id": pk, "code": code, "name": name, "level": level, "parent_id": parent_id, "path": known[code][1]}
        )
        pk += 1
    await bulk_insert(session, table, fresh)
    if fresh:
        await reset_sequence(session, table)
    places = [
        Place(known[code][0], code, known[code][2], known[f"{code}901000"][0], capital)
        for code, _, level, _, capital in plan
        if level is RegionLevel.COUNTY
    ]
    return [p for p in places if p.capital], [p for p in places if not p.capital]
