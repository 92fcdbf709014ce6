"""coverage(regionId:): counties with a registered agency, townships with a station, and the gaps."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from db.models import Agency, AgencyStatus, Region, RegionLevel, ServiceStation
from resolvers.ids import encode_id
from tests.conftest import gql, run_graphql

COVERAGE = """
query($region: ID!, $first: Int, $countiesAfter: String, $townshipsAfter: String) {
  coverage(regionId: $region) {
    region { name }
    counties countiesCovered countyCoveragePercent
    townships townshipsCovered townshipCoveragePercent
    uncoveredCounties(first: $first, after: $countiesAfter) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { code name level } }
    }
    uncoveredTownships(first: $first, after: $townshipsAfter) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { code name level } }
    }
  }
}
"""


async def region_id(db, code: str) -> str:
    async with db.reading() as session:
        return encode_id("Region", await session.scalar(select(Region.id).where(Region.code == code)))


async def expected_coverage(db, root_code: str) -> dict[str, set[str]]:
    """Coverage worked out in Python from every region, agency and station, to check the SQL against."""
    async with db.reading() as session:
        regions = (await session.scalars(select(Region))).all()
        agencies = (await session.scalars(select(Agency))).all()
        stations = (await session.scalars(select(ServiceStation))).all()
    by_id = {region.id: region for region in regions}
    root = next(region for region in regions if region.code == root_code)

    def ancestors(region_pk: int) -> set[int]:
        found = set()
        while region_pk is not None:
            found.add(region_pk)
            region_pk = by_id[region_pk].parent_id
        return found

    below_root = {region.id for region in regions if root.id in ancestors(region.id)}
    counties = {r.code for r in regions if r.id in below_root and r.level is RegionLevel.COUNTY}
    townships = {r.code for r in regions if r.id in below_root and r.level is RegionLevel.TOWNSHIP}
    with_agency = {
        by_id[pk].code for a in agencies if a.status is AgencyStatus.REGISTERED for pk in ancestors(a.region_id)
    }
    with_station = {by_id[pk].code for s in stations if s.voided_at is None for pk in ancestors(s.region_id)}
    return {
        "counties": counties,
        "counties_covered": counties & with_agency,
        "townships": townships,
        "townships_covered": townships & with_station,
    }


async def uncovered_codes(db, region: str, field: str, page_size: int) -> list[str]:
    codes, after = [], None
    cursor_name = "countiesAfter" if field == "uncoveredCounties" else "townshipsAfter"
    while True:
        data = await gql(db, COVERAGE, {"region": region, "first": page_size, cursor_name: after})
        connection = data["coverage"][field]
        codes += [edge["node"]["code"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            assert connection["totalCount"] == len(codes)
            return codes
        after = connection["pageInfo"]["endCursor"]


async def check_against_python(db, root_code: str) -> dict:
    expected = await expected_coverage(db, root_code)
    region = await region_id(db, root_code)
    figures = (await gql(db, COVERAGE, {"region": region}))["coverage"]
    assert figures["counties"] == len(expected["counties"])
    assert figures["countiesCovered"] == len(expected["counties_covered"])
    assert figures["townships"] == len(expected["townships"])
    assert figures["townshipsCovered"] == len(expected["townships_covered"])
    if expected["counties"]:
        percent = round(len(expected["counties_covered"]) * 100 / len(expected["counties"]), 2)
        assert figures["countyCoveragePercent"] == percent
    counties = await uncovered_codes(db, region, "uncoveredCounties", 7)
    assert counties == sorted(expected["counties"] - expected["counties_covered"])
    townships = await uncovered_codes(db, region, "uncoveredTownships", 2)
    assert townships == sorted(expected["townships"] - expected["townships_covered"])
    return figures


async def test_henan_coverage_matches_the_data(demo_db):
    figures = await check_against_python(demo_db, "410000")
    assert figures["region"]["name"] == "河南省"
    assert figures["counties"] == 157
    assert 0 < figures["countiesCovered"] < figures["counties"]
    assert figures["townshipsCovered"] >= 1


async def test_city_and_county_coverage(demo_db):
    await check_against_python(demo_db, "410400")  # 平顶山市
    lushan = await check_against_python(demo_db, "410423")  # 鲁山县: 尚德社工服务站 in 下汤镇
    assert lushan["counties"] == 1
    assert lushan["townships"] >= 1 and lushan["townshipsCovered"] >= 1


async def test_coverage_follows_new_townships_voided_stations_and_deregistered_agencies(fresh_db):
    async with fresh_db.writing() as session:
        county = await session.scalar(select(Region).where(Region.code == "410423"))
        township = Region(code="410423199000", name="测试镇", level=RegionLevel.TOWNSHIP, parent_id=county.id)
        session.add(township)
        await session.flush()
        township.path = f"{county.path}{township.id}/"
    before = await check_against_python(fresh_db, "410000")
    assert "410423199000" in await uncovered_codes(
        fresh_db, await region_id(fresh_db, "410000"), "uncoveredTownships", 100
    )

    async with fresh_db.writing() as session:
        await session.execute(update(ServiceStation).values(voided_at=dt.datetime.now(dt.UTC), void_reason="test"))
        await session.execute(update(Agency).values(status=AgencyStatus.DEREGISTERED))
    after = await check_against_python(fresh_db, "410000")
    assert after["countiesCovered"] == 0 and after["townshipsCovered"] == 0
    assert after["countyCoveragePercent"] == 0.0
    assert after["townships"] == before["townships"]


async def test_coverage_of_an_unknown_region_is_an_error(demo_db):
    result = await run_graphql(demo_db, COVERAGE, {"region": encode_id("Region", 999_999)})
    assert result.errors and result.errors[0].extensions["code"] == "NOT_FOUND"
