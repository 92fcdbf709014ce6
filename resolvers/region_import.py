"""Import of administrative divisions (GB/T 2260) from a CSV of `code,name,level,parent_code`.

Idempotent: a region is matched by its code, so a second import changes nothing and a region that
agencies or stations already point at keeps its id. Paths ("/id/id/.../") are recomputed for
every region whose parent chain changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from db.engine import Database
from db.models import Region, RegionLevel

NATIONAL_REGIONS_CSV = Path(__file__).resolve().parent.parent / "db" / "data" / "gb2260_regions.csv"
LEVEL_ORDER = list(RegionLevel)
COLUMNS = ("code", "name", "level", "parent_code")


class RegionImportError(ValueError):
    """The file cannot be imported; the message names the line."""


@dataclass(frozen=True)
class RegionRow:
    line: int
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def read_region_rows(path: Path) -> list[RegionRow]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise RegionImportError(f"{path}: the header must be {','.join(COLUMNS)}")
            return [_row(path, reader.line_num, record) for record in reader]
    except OSError as exc:
        raise RegionImportError(f"cannot read {path}: {exc.strerror}") from None


def _row(path: Path, line: int, record: dict[str, str]) -> RegionRow:
    code, name = (record["code"] or "").strip(), (record["name"] or "").strip()
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise RegionImportError(f"{path}:{line}: code {code!r} is not a 6-, 9- or 12-digit division code")
    if not name or len(name) > 100:
        raise RegionImportError(f"{path}:{line}: the name must be 1 to 100 characters")
    try:
        level = RegionLevel((record["level"] or "").strip())
    except ValueError:
        known = ", ".join(level.value for level in RegionLevel)
        raise RegionImportError(f"{path}:{line}: level {record['level']!r} is not one of {known}") from None
    return RegionRow(line, code, name, level, (record["parent_code"] or "").strip() or None)


async def import_regions(db: Database, rows: Iterable[RegionRow]) -> ImportResult:
    """Upsert the rows by code in one transaction: all of them or, on any error, none."""
    rows = sorted(rows, key=lambda row: LEVEL_ORDER.index(row.level))
    _check_unique(rows)
    added = updated = 0
    async with db.writing() as session:
        regions = {region.code: region for region in (await session.scalars(select(Region))).all()}
        for level in LEVEL_ORDER:
            for row in (row for row in rows if row.level is level):
                parent_id = _parent_id(row, regions)
                region = regions.get(row.code)
                if region is None:
                    region = Region(code=row.code, name=row.name, level=row.level, parent_id=parent_id, path="")
                    session.add(region)
                    regions[row.code] = region
                    added += 1
                elif (region.name, region.level, region.parent_id) != (row.name, row.level, parent_id):
                    region.name, region.level, region.parent_id = row.name, row.level, parent_id
                    updated += 1
            # New parents need their ids before the next level refers to them.
            await session.flush()
        _set_paths(regions.values())
    return ImportResult(added=added, updated=updated, unchanged=len(rows) - added - updated)


def _check_unique(rows: list[RegionRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            raise RegionImportError(f"line {row.line}: code {row.code} appears again (first on line {seen[row.code]})")
        seen[row.code] = row.line


def _parent_id(row: RegionRow, regions: dict[str, Region]) -> int | None:
    if row.parent_code is None:
        return None
    parent = regions.get(row.parent_code)
    if parent is None:
        raise RegionImportError(
            f"line {row.line}: parent {row.parent_code} of {row.code} is neither in the file nor in the database"
        )
    if LEVEL_ORDER.index(parent.level) >= LEVEL_ORDER.index(row.level):
        raise RegionImportError(f"line {row.line}: parent {row.parent_code} of {row.code} is not above it")
    return parent.id


def _set_paths(regions: Iterable[Region]) -> None:
    by_id = {region.id: region for region in regions}
    paths: dict[int, str] = {}

    def path_of(region: Region) -> str:
        if region.id not in paths:
            parent_path = "/" if region.parent_id is None else path_of(by_id[region.parent_id])
            paths[region.id] = f"{parent_path}{region.id}/"
        return paths[region.id]

    for region in by_id.values():
        if region.path != path_of(region):
            region.path = path_of(region)
