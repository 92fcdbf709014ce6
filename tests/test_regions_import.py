"""`qianshou regions import`: the bundled GB/T 2260 list, idempotent, keeping ids and paths right."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Agency, Region, RegionLevel
from resolvers.region_import import (
    NATIONAL_REGIONS_CSV,
    RegionImportError,
    import_regions,
    read_region_rows,
)
from tests.commands import qianshou

pytestmark = pytest.mark.slow  # runs the qianshou command on the national list


async def all_regions(db) -> dict[str, Region]:
    async with db.reading() as session:
        return {region.code: region for region in (await session.scalars(select(Region))).all()}


def check_paths(regions: dict[str, Region]) -> None:
    by_id = {region.id: region for region in regions.values()}
    for region in regions.values():
        parent_path = "/" if region.parent_id is None else by_id[region.parent_id].path
        assert region.path == f"{parent_path}{region.id}/", region.code


async def test_the_bundled_list_loads_every_province_city_and_county_once(databases):
    db = await databases.new_database("regions")
    try:
        rows = read_region_rows(NATIONAL_REGIONS_CSV)
        first = await import_regions(db, rows)
        assert (first.added, first.updated) == (len(rows), 0)
        regions = await all_regions(db)
        levels = Counter(region.level for region in regions.values())
        assert levels[RegionLevel.PROVINCE] == 34
        assert levels[RegionLevel.CITY] > 300 and levels[RegionLevel.COUNTY] > 2800
        assert regions["410423"].name == "鲁山县"
        assert regions["410423"].parent_id == regions["410400"].id
        assert regions["419001"].parent_id == regions["410000"].id  # 济源市: a county under the province
        check_paths(regions)
        second = await import_regions(db, read_region_rows(NATIONAL_REGIONS_CSV))
        assert (second.added, second.updated, second.unchanged) == (0, 0, len(rows))
        assert {code: r.path for code, r in (await all_regions(db)).items()} == {c: r.path for c, r in regions.items()}
    finally:
        await db.dispose()


async def test_importing_over_the_demo_keeps_ids_townships_and_agencies(fresh_db):
    before = await all_regions(fresh_db)
    async with fresh_db.reading() as session:
        agency_regions = dict((await session.execute(select(Agency.id, Agency.region_id))).all())
    result = await import_regions(fresh_db, read_region_rows(NATIONAL_REGIONS_CSV))
    assert result.added > 2500 and result.updated == 0
    after = await all_regions(fresh_db)
    for code, region in before.items():
        assert (after[code].id, after[code].path) == (region.id, region.path), code
    assert after["410423101000"].level is RegionLevel.TOWNSHIP  # the demo's 下汤镇 is still there
    check_paths(after)
    async with fresh_db.reading() as session:
        assert dict((await session.execute(select(Agency.id, Agency.region_id))).all()) == agency_regions


async def test_a_renamed_or_moved_region_is_updated_with_its_subtree(fresh_db, tmp_path: Path):
    moved = tmp_path / "moved.csv"
    # 鲁山县 moves under 许昌市 and is renamed; its townships and village follow it.
    moved.write_text(
        "code,name,level,parent_code\n410000,河南省,PROVINCE,\n411000,许昌市,CITY,410000\n410423,鲁山县（测试）,COUNTY,411000\n",
        encoding="utf-8",
    )
    result = await import_regions(fresh_db, read_region_rows(moved))
    assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
    regions = await all_regions(fresh_db)
    assert regions["410423"].name == "鲁山县（测试）"
    assert regions["410423"].path.startswith(regions["411000"].path)
    assert regions["410423101213"].path.startswith(regions["410423"].path)
    check_paths(regions)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,name\n410000,河南省\n", "header"),
        ("code,name,level,parent_code\n41000X,河南省,PROVINCE,\n", "division code"),
        ("code,name,level,parent_code\n410000,河南省,STATE,\n", "level"),
        ("code,name,level,parent_code\n410100,郑州市,CITY,990000\n", "neither in the file nor in the database"),
        ("code,name,level,parent_code\n410000,河南省,PROVINCE,\n410000,河南,PROVINCE,\n", "appears again"),
    ],
)
async def test_a_bad_file_is_refused_and_changes_nothing(fresh_db, tmp_path: Path, content: str, message: str):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    async with fresh_db.reading() as session:
        count = await session.scalar(select(func.count()).select_from(Region))
    with pytest.raises(RegionImportError, match=message):
        await import_regions(fresh_db, read_region_rows(bad))
    async with fresh_db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Region)) == count


async def test_the_cli_imports_and_reports_errors_in_one_line(databases, tmp_path: Path):
    url = await databases.new_url("regions_cli")
    done = qianshou("regions", "import", database_url=url, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "0 updated" in done.stdout and "added" in done.stdout
    again = qianshou("regions", "import", database_url=url, timeout=300)
    assert again.returncode == 0 and again.stdout.startswith("regions: 0 added, 0 updated")
    missing = qianshou("regions", "import", "--file", str(tmp_path / "missing.csv"), database_url=url, timeout=300)
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
