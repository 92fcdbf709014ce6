"""A synthetic national 牵手计划 for load and performance work: `load_national_demo(db, scale)`.

At scale 1: the 31 provinces (real GB/T 2260 codes and names), their capitals (real codes) and two
synthetic cities each, three synthetic counties per city and one synthetic township per county;
3,000 agencies (1,000 mentors, 1,500 supported, 500 incubated), 1,500 pairings, and per pairing
12 milestones with 2 updates each, 20 training sessions, 200 service activities (2 of them voided),
10 resource links and 1 or 2 service stations: about 400,000 rows. Everything but the regions scales
with `scale`; everything is drawn from seeded generators, so a load is the same on every machine.

Statuses and dates are set against `AS_OF` (2026-11-30, the date the tests fix) so that every health
value (NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK, COMPLETED) is represented.

Rows are written with bulk statements (PostgreSQL: COPY; SQLite: executemany) with ids assigned here,
in one transaction, and the counter rows are rebuilt from the records at the end.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.credit_code import credit_code_check_char
from db.demo.henan import organization_code_check_digit
from db.engine import Database
from db.models import (
    Agency,
    AgencyStatus,
    FocusArea,
    IncubatedOrganization,
    IncubationStage,
    Milestone,
    MilestoneCategory,
    MilestoneStatus,
    MilestoneUpdate,
    Pairing,
    PairingStatus,
    Program,
    Region,
    RegionLevel,
    ResourceKind,
    ResourceLink,
    ServiceActivity,
    ServiceKind,
    ServiceStation,
    TrainingMode,
    TrainingSession,
    UpdateStatus,
)
from db.totals import recount_all

PROGRAM_NAME = "全国社会工作服务机构牵手计划（合成数据）"
POLICY_PREFIX = "合成数据，用于容量与性能测试；规模 scale="
AS_OF = dt.date(2026, 11, 30)
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
TERM_DAYS = 1095
MILESTONE_SPACING = 91  # twelve milestones, one a quarter, the last on the term's end
MAX_SCALE = 100.0
CHUNK = 5_000
PAIRINGS_PER_SLICE = 500

PER_PAIRING_TRAINING = 20
PER_PAIRING_ACTIVITIES = 200
PER_PAIRING_RESOURCES = 10
VOIDED_EVERY = 100  # one activity in a hundred was entered by mistake and voided

# code, name, capital name (the capital keeps its real code, province + "0100")
PROVINCES = (
    ("110000", "北京市", "市辖区"),
    ("120000", "天津市", "市辖区"),
    ("130000", "河北省", "石家庄市"),
    ("140000", "山西省", "太原市"),
    ("150000", "内蒙古自治区", "呼和浩特市"),
    ("210000", "辽宁省", "沈阳市"),
    ("220000", "吉林省", "长春市"),
    ("230000", "黑龙江省", "哈尔滨市"),
    ("310000", "上海市", "市辖区"),
    ("320000", "江苏省", "南京市"),
    ("330000", "浙江省", "杭州市"),
    ("340000", "安徽省", "合肥市"),
    ("350000", "福建省", "福州市"),
    ("360000", "江西省", "南昌市"),
    ("370000", "山东省", "济南市"),
    ("410000", "河南省", "郑州市"),
    ("420000", "湖北省", "武汉市"),
    ("430000", "湖南省", "长沙市"),
    ("440000", "广东省", "广州市"),
    ("450000", "广西壮族自治区", "南宁市"),
    ("460000", "海南省", "海口市"),
    ("500000", "重庆市", "市辖区"),
    ("510000", "四川省", "成都市"),
    ("520000", "贵州省", "贵阳市"),
    ("530000", "云南省", "昆明市"),
    ("540000", "西藏自治区", "拉萨市"),
    ("610000", "陕西省", "西安市"),
    ("620000", "甘肃省", "兰州市"),
    ("630000", "青海省", "西宁市"),
    ("640000", "宁夏回族自治区", "银川市"),
    ("650000", "新疆维吾尔自治区", "乌鲁木齐市"),
)
# Synthetic codes use digits that GB/T 2260 leaves unused (cities x7x, counties x9x), so they never
# take the code of a real division that another data set (the Henan demo) may already hold.
SYNTHETIC_CITIES = (("7100", "甲"), ("7200", "乙"))
COUNTY_SUFFIXES = (("91", "东"), ("92", "西"), ("93", "北"))

AGENCY_WORDS = (
    "阳光",
    "同心",
    "善行",
    "启明",
    "和煦",
    "惠众",
    "仁爱",
    "馨和",
    "春晖",
    "晨曦",
    "暖心",
    "睦邻",
    "守望",
    "益友",
    "明德",
    "至善",
    "同行",
    "众安",
    "乐群",
    "心桥",
    "向阳",
    "安康",
    "博爱",
    "恒信",
    "正源",
    "光华",
    "嘉禾",
    "长青",
    "润泽",
    "德馨",
    "新禾",
    "友邻",
    "厚德",
    "知行",
    "扬帆",
    "春雨",
    "星火",
    "手牵手",
    "彩虹",
    "燎原",
)
MILESTONE_TITLES = (
    ("完善机构章程与内部治理制度", MilestoneCategory.GOVERNANCE, None, None),
    ("建立财务与档案管理制度", MilestoneCategory.GOVERNANCE, None, None),
    ("建立个案管理与专业督导制度", MilestoneCategory.PROFESSIONAL_SERVICE, None, None),
    ("开展社工人才培训", MilestoneCategory.TALENT, Decimal(4), "期"),
    ("培育本土社工人才", MilestoneCategory.TALENT, Decimal(10), "人"),
    ("引入公益慈善资源项目", MilestoneCategory.RESOURCE_MOBILIZATION, Decimal(2), "个"),
    ("形成本土特色服务品牌项目", MilestoneCategory.PROFESSIONAL_SERVICE, Decimal(1), "个"),
    ("建成村（社区）社工服务站", MilestoneCategory.PROFESSIONAL_SERVICE, Decimal(1), "个"),
    ("孵化本土社会组织", MilestoneCategory.INCUBATION, Decimal(1), "家"),
    ("链接社会资金", MilestoneCategory.RESOURCE_MOBILIZATION, Decimal(50000), "元"),
    ("独立承接政府购买服务项目", MilestoneCategory.PROJECT_MANAGEMENT, Decimal(1), "个"),
    ("通过结项评估并形成可持续发展方案", MilestoneCategory.PROJECT_MANAGEMENT, None, None),
)
TRAINING_TOPICS = (
    "社会工作伦理与专业价值",
    "个案管理与需求评估",
    "小组工作设计与带领",
    "社区活动策划与执行",
    "项目申报与财务管理",
    "督导与团队建设",
    "儿童保护与安全评估",
    "公益资源链接与传播",
)
RESOURCE_PROJECTS = (
    ("清泉公益一对一助童助学", "清泉公益基金会"),
    ("焕新乐园", "中国儿童少年基金会"),
    ("仁人书包", "爱德基金会"),
    ("冬季暖衣包", "爱心企业联合捐赠"),
    ("困境儿童助学金", "县慈善总会"),
)
ACTIVITY_KINDS = (
    (ServiceKind.HOME_VISIT, 45, (1, 4), (1, 3)),
    (ServiceKind.CASEWORK, 20, (1, 2), (1, 1)),
    (ServiceKind.GROUP_SESSION, 25, (1, 2), (6, 12)),
    (ServiceKind.THEMED_ACTIVITY, 10, (1, 1), (20, 80)),
)
REVIEWER = "民政部社会工作司（合成）"
RETURN_NOTE = "佐证材料不完整：请补充活动签到表、现场照片及受益对象名单后重新提交。"

# Pairing status and health pattern by pairing index modulo 20.
PATTERNS = (
    ("PLANNED", "planned"),
    ("COMPLETED", "completed"),
    ("COMPLETED", "completed"),
    ("COMPLETED", "completed"),
    ("SUSPENDED", "at_risk"),
    ("TERMINATED", "off_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "on_track"),
    ("ACTIVE", "at_risk"),
    ("ACTIVE", "at_risk"),
    ("ACTIVE", "at_risk"),
    ("ACTIVE", "off_track"),
    ("ACTIVE", "off_track"),
    ("ACTIVE", "off_track"),
)


class NationalDemoError(Exception):
    """The national data cannot be loaded as asked; the message is one line fit for the terminal."""


@dataclass(frozen=True)
class Counts:
    """How many of each thing a scale gives: every count is proportional to the scale."""

    pairings: int
    mentors: int
    incubated: int

    @classmethod
    def of(cls, scale: float) -> Counts:
        pairings = max(1, round(1500 * scale))
        return cls(pairings=pairings, mentors=math.ceil(pairings * 2 / 3), incubated=math.ceil(pairings / 3))

    @property
    def agencies(self) -> int:
        return self.mentors + self.pairings + self.incubated


@dataclass
class Rows:
    """Rows per table not yet written, in insertion order (parents first), the next free id of each
    table and how many rows of each this load made."""

    next_id: dict[str, int]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    made: dict[str, int] = field(default_factory=dict)

    def add(self, table: Table, row: dict[str, Any]) -> int:
        pk = self.next_id[table.name]
        self.next_id[table.name] = pk + 1
        self.made[table.name] = self.made.get(table.name, 0) + 1
        self.tables.setdefault(table.name, []).append({"id": pk, **row})
        return pk

    def take(self, table: Table) -> list[dict[str, Any]]:
        """The rows of `table` made since the last take, which are then written."""
        return self.tables.pop(table.name, [])


def check_scale(scale: float) -> float:
    if not (0 < scale <= MAX_SCALE) or not math.isfinite(scale):
        raise NationalDemoError(f"scale must be above 0 and at most {MAX_SCALE:g}, got {scale}")
    return scale


async def load_national_demo(db: Database, scale: float = 1.0) -> bool:
    """Load the data set in one transaction; False, with nothing changed, if it is already there at
    this scale. A different scale already loaded is an error: drop the database to change it."""
    check_scale(scale)
    policy = f"{POLICY_PREFIX}{scale:g}"
    async with db.writing() as session:
        existing = await session.scalar(select(Program.policy_reference).where(Program.name == PROGRAM_NAME))
        if existing is not None:
            if existing != policy:
                raise NationalDemoError(
                    f"the national data is already loaded with {existing.removeprefix(POLICY_PREFIX)!r}; "
                    f"use a new database for scale {scale:g}"
                )
            return False
        regions = await _load_regions(session)
        rows = Rows(next_id={table.name: await _next_id(session, table) for table in _TABLES})
        # Made and written a slice of pairings at a time: at scale 30 (12 million rows) the whole
        # set would not fit in memory.
        for _ in _generate(rows, Counts.of(scale), regions, policy):
            for table in _TABLES:
                await _bulk_insert(session, table, rows.take(table))
        if not db.is_sqlite:
            for table in _TABLES:
                await session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"
                    )
                )
        await recount_all(session)
        # Fresh planner statistics: without them the first hours after a bulk load get plans made
        # for empty tables (sequential scans where an index range is a hundred times cheaper).
        await session.execute(text("ANALYZE"))
    return True


_TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[attr-defined]
    for model in (
        Agency,
        Program,
        Pairing,
        ServiceStation,
        IncubatedOrganization,
        Milestone,
        MilestoneUpdate,
        TrainingSession,
        ServiceActivity,
        ResourceLink,
    )
)


async def _next_id(session: AsyncSession, table: Table) -> int:
    return (await session.scalar(select(func.coalesce(func.max(table.c.id), 0)))) + 1


# --- regions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A county with its township, where agencies are registered and stations stand."""

    county_id: int
    county_code: str
    county_name: str
    township_id: int
    capital: bool


def _region_plan() -> Iterator[tuple[str, str, RegionLevel, str | None, bool]]:
    """(code, name, level, parent code, in a capital city) for every region, parents first."""
    for code, name, _ in PROVINCES:
        yield code, name, RegionLevel.PROVINCE, None, False
    cities = []
    for code, name, capital in PROVINCES:
        short = name[:2]
        cities.append((f"{code[:2]}0100", capital, code, True))
        cities += [
            (f"{code[:2]}{suffix}", f"{short}{mark}市（合成）", code, False) for suffix, mark in SYNTHETIC_CITIES
        ]
    for city_code, city_name, province_code, _ in cities:
        yield city_code, city_name, RegionLevel.CITY, province_code, False
    counties = [
        (f"{city_code[:4]}{suffix}", f"{city_name.removesuffix('（合成）')}{mark}县（合成）", city_code, capital)
        for city_code, city_name, _, capital in cities
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


async def _load_regions(session: AsyncSession) -> tuple[list[Place], list[Place]]:
    """Insert the regions level by level, reusing any already present by code; returns the places
    in capital cities (where mentors are) and elsewhere (where supported agencies are)."""
    plan = list(_region_plan())
    existing = await session.execute(
        select(Region.code, Region.id, Region.path, Region.name).where(Region.code.in_([row[0] for row in plan]))
    )
    known = {code: (pk, path, name) for code, pk, path, name in existing}
    next_id = (await session.scalar(select(func.coalesce(func.max(Region.id), 0)))) + 1
    fresh = []
    for code, name, level, parent_code, _ in plan:
        if code in known:
            continue
        parent_id, parent_path = (known[parent_code][0], known[parent_code][1]) if parent_code else (None, "/")
        known[code] = (next_id, f"{parent_path}{next_id}/", name)
        fresh.append(
            {"id": next_id, "code": code, "name": name, "level": level, "parent_id": parent_id, "path": known[code][1]}
        )
        next_id += 1
    await _bulk_insert(session, Region.__table__, fresh)  # type: ignore[arg-type]
    if fresh and session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT setval(pg_get_serial_sequence('regions', 'id'), (SELECT max(id) FROM regions))")
        )
    places = [
        Place(known[code][0], code, known[code][2], known[f"{code}901000"][0], capital)
        for code, _, level, _, capital in plan
        if level is RegionLevel.COUNTY
    ]
    return [p for p in places if p.capital], [p for p in places if not p.capital]


# --- generation ---------------------------------------------------------------------------------


def _stamp(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA).astimezone(dt.UTC)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _credit_code(region_code: str, serial: int) -> str:
    # "MK" + serial: the Henan demo draws "MJ" bodies, so the two data sets never share a code.
    body = f"MK{serial:06d}"
    first17 = f"52{region_code}{body}{organization_code_check_digit(body)}"
    return first17 + credit_code_check_char(first17)


def _agency_name(place: Place, serial: int, kind: str) -> str:
    word = AGENCY_WORDS[serial % len(AGENCY_WORDS)]
    round_ = serial // len(AGENCY_WORDS)
    county = place.county_name.removesuffix("（合成）")
    return f"{county}{word}{kind}" + (f"（{round_ + 1}）" if round_ else "")


def _generate(rows: Rows, counts: Counts, regions: tuple[list[Place], list[Place]], policy: str) -> Iterator[None]:
    """Make the rows into `rows`, pausing (yielding) whenever a slice of pairings is made and
    whole: every row's parents are made in the same slice or an earlier one."""
    capitals, others = regions
    stamp = _stamp(dt.date(2023, 1, 1))
    program_id = rows.add(
        Program.__table__,  # type: ignore[arg-type]
        {
            "name": PROGRAM_NAME,
            "policy_reference": policy,
            "starts_on": dt.date(2020, 1, 1),
            "ends_on": None,
            "default_term_months": 36,
            "scope_region_id": None,
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    mentors = [
        _add_agency(rows, capitals[(n * 7) % len(capitals)], "社会工作服务中心", AgencyStatus.REGISTERED)
        for n in range(counts.mentors)
    ]
    for index in range(counts.pairings):
        place = others[(index * 11) % len(others)]
        supported = _add_agency(rows, place, "社会工作服务中心", AgencyStatus.REGISTERED)
        _generate_pairing(
            rows, random.Random(index), index, program_id, mentors[index % len(mentors)], supported, place
        )
        if index % PAIRINGS_PER_SLICE == PAIRINGS_PER_SLICE - 1:
            yield
    yield


def _add_agency(rows: Rows, place: Place, kind: str, status: AgencyStatus) -> int:
    # The serial (agencies made so far in this load) keeps names and credit codes unique.
    serial = rows.made.get("agencies", 0)
    stamp = _stamp(dt.date(2019, 1, 1) + _days(serial % 1000))
    registered = status is AgencyStatus.REGISTERED
    return rows.add(
        Agency.__table__,  # type: ignore[arg-type]
        {
            "name": _agency_name(place, serial, kind),
            "credit_code": _credit_code(place.county_code, serial) if registered else None,
            "region_id": place.county_id,
            "status": status,
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )


def _pairing_dates(rng: random.Random, pattern: str) -> tuple[dt.date, int]:
    """(starts_on, how many milestones are already due) for a health pattern."""
    if pattern == "planned":
        return AS_OF + _days(rng.randint(1, 120)), 0
    if pattern == "completed":
        return AS_OF - _days(TERM_DAYS + rng.randint(30, 900)), 12
    due = rng.randint(2, 11)
    # Days since the latest due milestone: an AT_RISK pairing's latest is at most 60 days overdue.
    since = rng.randint(1, 60) if pattern == "at_risk" else rng.randint(1, MILESTONE_SPACING - 1)
    return AS_OF - _days(due * MILESTONE_SPACING + since), due


def _milestone_statuses(rng: random.Random, pattern: str, due: int) -> list[MilestoneStatus]:
    achieved, open_ = MilestoneStatus.ACHIEVED, MilestoneStatus.IN_PROGRESS
    if pattern == "completed":
        statuses = [achieved] * 12
        if rng.random() < 0.3:
            statuses[8] = MilestoneStatus.WAIVED
        return statuses
    overdue = {"on_track": 0, "at_risk": 1, "off_track": 2}.get(pattern, 0)
    statuses = [achieved] * (due - overdue) + [
        rng.choice((open_, MilestoneStatus.SUBMITTED, MilestoneStatus.RETURNED)) for _ in range(overdue)
    ]
    upcoming = [open_] * (12 - due)
    if upcoming and pattern != "planned" and rng.random() < 0.3:
        upcoming[0] = MilestoneStatus.SUBMITTED
    return statuses + upcoming


def _generate_pairing(
    rows: Rows, rng: random.Random, index: int, program_id: int, mentor_id: int, supported_id: int, place: Place
) -> None:
    status, pattern = PATTERNS[index % len(PATTERNS)]
    starts_on, due = _pairing_dates(rng, pattern)
    ends_on = starts_on + _days(TERM_DAYS)
    # Records run from the start to today (or the end); a planned pairing has had 90 days of preparation.
    first_day = starts_on if starts_on < AS_OF else AS_OF - _days(90)
    last_day = min(AS_OF, ends_on) - _days(1)
    span = max((last_day - first_day).days, 1)
    stamp = _stamp(first_day)
    focus = rng.sample(list(FocusArea), 2)
    pairing_id = rows.add(
        Pairing.__table__,  # type: ignore[arg-type]
        {
            "program_id": program_id,
            "mentor_id": mentor_id,
            "supported_id": supported_id,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "status": PairingStatus(status),
            "focus_areas": [area.value for area in focus],
            "status_reason": "受援机构负责人变动，暂停结对"
            if status == "SUSPENDED"
            else ("受援机构注销，终止结对" if status == "TERMINATED" else None),
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    stations = [
        rows.add(
            ServiceStation.__table__,  # type: ignore[arg-type]
            {
                "name": f"{place.county_name.removesuffix('（合成）')}第{n + 1}社工服务站",
                "region_id": place.township_id,
                "agency_id": supported_id,
                "pairing_id": pairing_id,
                "established_on": first_day + _days(30 * n),
                "created_at": stamp,
                "updated_at": stamp,
                "voided_at": None,
                "void_reason": None,
            },
        )
        for n in range(1 + index % 2)
    ]
    if index % 3 == 0:
        _add_incubation(rows, rng, index, pairing_id, place, first_day, span)
    statuses = _milestone_statuses(rng, pattern, due)
    for number, ((title, category, target, unit), milestone_status) in enumerate(
        zip(MILESTONE_TITLES, statuses, strict=True), start=1
    ):
        due_on = starts_on + _days(min(number * MILESTONE_SPACING, TERM_DAYS))
        _add_milestone(rows, rng, pairing_id, number, title, category, target, unit, due_on, milestone_status)
    _add_records(rows, rng, pairing_id, stations, first_day, span)


def _add_incubation(
    rows: Rows, rng: random.Random, index: int, pairing_id: int, place: Place, first_day: dt.date, span: int
) -> None:
    stage = (IncubationStage.INCUBATING, IncubationStage.REGISTERED, IncubationStage.INDEPENDENT)[index // 3 % 3]
    agency_status = AgencyStatus.PREPARING if stage is IncubationStage.INCUBATING else AgencyStatus.REGISTERED
    agency_id = _add_agency(rows, place, "社会工作服务社", agency_status)
    started_on = first_day + _days(rng.randint(0, span // 3))
    registered_on = started_on + _days(200) if stage is not IncubationStage.INCUBATING else None
    independent_on = started_on + _days(400) if stage is IncubationStage.INDEPENDENT else None
    stamp = _stamp(started_on)
    rows.add(
        IncubatedOrganization.__table__,  # type: ignore[arg-type]
        {
            "pairing_id": pairing_id,
            "agency_id": agency_id,
            "stage": stage,
            "started_on": started_on,
            "registered_on": registered_on,
            "independent_on": independent_on,
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
            "voided_at": None,
            "void_reason": None,
        },
    )


def _add_milestone(
    rows: Rows,
    rng: random.Random,
    pairing_id: int,
    number: int,
    title: str,
    category: MilestoneCategory,
    target: Decimal | None,
    unit: str | None,
    due_on: dt.date,
    status: MilestoneStatus,
) -> None:
    done_by = due_on - _days(rng.randint(1, 30)) if status is MilestoneStatus.ACHIEVED else None
    last = min(done_by or due_on, AS_OF - _days(2))
    second_day = last - _days(rng.randint(1, 10))
    # Achieved when the approved (second) report was submitted, approved the day after.
    achieved_on = second_day if done_by is not None else None
    approved_on = second_day + _days(1) if done_by is not None else None
    stamp = _stamp(due_on - _days(MILESTONE_SPACING))
    milestone_id = rows.add(
        Milestone.__table__,  # type: ignore[arg-type]
        {
            "pairing_id": pairing_id,
            "title": title,
            "category": category,
            "term_year": (number - 1) // 4 + 1,
            "due_on": due_on,
            "target_value": target,
            "unit": unit,
            "status": status,
            "achieved_on": achieved_on,
            "approved_on": approved_on,
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    # Two reports per milestone; the second one's review state is the milestone's.
    first_state, second_state, second_percent = {
        MilestoneStatus.ACHIEVED: (UpdateStatus.RETURNED, UpdateStatus.APPROVED, 100),
        MilestoneStatus.WAIVED: (UpdateStatus.APPROVED, UpdateStatus.RETURNED, 40),
        MilestoneStatus.SUBMITTED: (UpdateStatus.APPROVED, UpdateStatus.PENDING_REVIEW, 90),
        MilestoneStatus.RETURNED: (UpdateStatus.APPROVED, UpdateStatus.RETURNED, 70),
    }.get(status, (UpdateStatus.APPROVED, UpdateStatus.APPROVED, 50))
    for nth, (state, percent, day) in enumerate(
        ((first_state, 30, last - _days(40)), (second_state, second_percent, second_day))
    ):
        reviewed = state is not UpdateStatus.PENDING_REVIEW
        rows.add(
            MilestoneUpdate.__table__,  # type: ignore[arg-type]
            {
                "milestone_id": milestone_id,
                "note": f"“{title}”第{nth + 1}次进展报告：已完成约{percent}%。",
                "progress_value": None if target is None else target * percent / 100,
                "progress_percent": percent,
                "evidence_urls": [f"https://files.example.org/qianshou-national/{milestone_id}-{nth + 1}.pdf"],
                "status": state,
                "submitted_by": "帮扶机构（合成）",
                "submitted_at": _stamp(day),
                "reviewed_by": REVIEWER if reviewed else None,
                "reviewed_at": _stamp(day + _days(1), 15) if reviewed else None,
                "review_note": (RETURN_NOTE if state is UpdateStatus.RETURNED else "同意。") if reviewed else None,
            },
        )


def _add_records(
    rows: Rows, rng: random.Random, pairing_id: int, stations: list[int], first_day: dt.date, span: int
) -> None:
    for n in range(PER_PAIRING_TRAINING):
        starts_on = first_day + _days(rng.randint(0, span))
        two_days = n % 3 == 0
        mode = TrainingMode.REMOTE if n % 4 == 3 else TrainingMode.ON_SITE
        _add_record(
            rows,
            TrainingSession.__table__,
            starts_on,
            {  # type: ignore[arg-type]
                "pairing_id": pairing_id,
                "topic": TRAINING_TOPICS[n % len(TRAINING_TOPICS)],
                "starts_on": starts_on,
                "ends_on": starts_on + _days(1) if two_days else starts_on,
                "hours": Decimal("12.0") if two_days else Decimal("6.5" if mode is TrainingMode.ON_SITE else "3.0"),
                "mode": mode,
                "participants": rng.randint(12, 35),
            },
        )
    weights = [weight for _, weight, _, _ in ACTIVITY_KINDS]
    for n in range(PER_PAIRING_ACTIVITIES):
        kind, _, (low, high), (people_low, people_high) = rng.choices(ACTIVITY_KINDS, weights)[0]
        count = rng.randint(low, high)
        day = first_day + _days(rng.randint(0, span))
        _add_record(
            rows,
            ServiceActivity.__table__,
            day,
            {  # type: ignore[arg-type]
                "pairing_id": pairing_id,
                "station_id": stations[n % len(stations)] if n % 2 else None,
                "kind": kind,
                "occurred_on": day,
                "count": count,
                "beneficiaries": count * rng.randint(people_low, people_high),
                "note": None,
            },
            voided=n % VOIDED_EVERY == VOIDED_EVERY - 1,
        )
    for n in range(PER_PAIRING_RESOURCES):
        project, donor = RESOURCE_PROJECTS[n % len(RESOURCE_PROJECTS)]
        cash = n % 5 < 3
        day = first_day + _days(rng.randint(0, span))
        _add_record(
            rows,
            ResourceLink.__table__,
            day,
            {  # type: ignore[arg-type]
                "pairing_id": pairing_id,
                "project_name": project,
                "donor": donor,
                "kind": ResourceKind.CASH if cash else ResourceKind.IN_KIND,
                "amount_yuan": Decimal(rng.randint(500, 30000)) + Decimal(rng.randint(0, 99)) / 100,
                "disbursement_batch": n // 5 * 3 + n % 5 + 1 if cash else None,
                "people_funded": rng.randint(0, 8),
                "occurred_on": day,
            },
        )


def _add_record(rows: Rows, table: Table, day: dt.date, values: dict[str, Any], *, voided: bool = False) -> None:
    stamp = _stamp(day, 18)
    rows.add(
        table,
        {
            **values,
            "created_at": stamp,
            "updated_at": stamp,
            "voided_at": stamp + _days(2) if voided else None,
            "void_reason": "重复录入" if voided else None,
        },
    )


# --- bulk writing -------------------------------------------------------------------------------


def _chunks(items: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def _bulk_insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if session.bind.dialect.name == "postgresql":
        await _copy(session, table, rows)
        return
    for chunk in _chunks(rows):
        await session.execute(insert(table), chunk)


async def _copy(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY through asyncpg: the values go as they are, so JSON is encoded and enums spelled here."""
    columns = list(rows[0])
    json_columns = {name for name in columns if table.c[name].type.__class__.__name__ == "JSON"}

    def value(name: str, item: Any) -> Any:
        if name in json_columns:
            return orjson.dumps(item).decode()
        return item.value if hasattr(item, "value") and not isinstance(item, Decimal) else item

    records = [tuple(value(name, row[name]) for name in columns) for row in rows]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)
