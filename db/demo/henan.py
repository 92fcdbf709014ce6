"""The Henan 牵手计划 demo: the program of the Henan Daily report (2020), its 20 pairings and their records.

`load_henan_demo` loads everything in one transaction. The Ye County pairing reproduces the report's
figures exactly; the other nineteen get plausible records drawn from `random.Random(2017)`. Statuses are
set as of `AS_OF` (2026-11-01), so that a reader in late 2026 sees achieved, pending, returned and
overdue milestones side by side. Loaded on another day, the pairings still running (ACTIVE, SUSPENDED,
PLANNED) and everything in them move in time by the whole months from AS_OF to that day (`_move_running`),
so the demo tells the same story whenever it is loaded; the finished 2017-2021 pairings are the
report's history and stay where they are.

Real: the GB/T 2260 codes in `henan_regions.csv` (河南省, its 17 cities and 157 county-level divisions,
the Jiangsu cities and districts used); the 12-digit statistical division codes of the townships, e.g.
下汤镇 410423101000; the names 叶县心天地, 郑州市中原区商都, 新郑市华润 and 鲁山县尚德 from the report.

Illustrative (invented for the demo): the village code of 十亩地洼村 (410423101213); every other agency
name; every credit code (well-formed, with valid check characters, but of no registered organization);
the policy reference wording; every exact date (the report gives years at most); every record of the
other nineteen pairings. The functional zones (codes xx7x, e.g. 郑州航空港经济综合实验区) are statistical
areas, not GB/T 2260 divisions, and are left out.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Date, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import UTCDateTime
from db.credit_code import credit_code_check_char
from db.engine import Database
from db.models import (
    Agency,
    AgencyStatus,
    Base,
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

PROGRAM_NAME = "河南省社会工作服务机构牵手计划"
POLICY_REFERENCE = (
    "民政部关于社会工作服务机构“牵手计划”的部署；河南省民政厅《河南省社会工作服务机构牵手计划实施方案》"
    "（豫民文〔2017〕168号）：引入江苏省和郑州市优秀社会工作服务机构，一对一牵手帮扶贫困地区社会工作服务机构，"
    "每轮帮扶期三年，所需经费从福彩公益金中列支。"
)
PROGRAM_STARTS_ON = dt.date(2017, 9, 1)
TERM_MONTHS = 36
HENAN = "410000"

# The demo's "today": statuses and records are as a reviewer would find them on this day.
AS_OF = dt.date(2026, 11, 1)
REVIEWER = "河南省民政厅慈善事业促进和社会工作处"
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
ONE_DAY = dt.timedelta(days=1)
SEED = 2017
# Days from an achieved milestone's report to its approval.
REVIEW_DAYS = dt.timedelta(days=5)

REGIONS_CSV = Path(__file__).with_name("henan_regions.csv")

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

LEFT_BEHIND = FocusArea.LEFT_BEHIND_CHILDREN
IN_DIFFICULTY = FocusArea.CHILDREN_IN_DIFFICULTY
ELDERLY = FocusArea.ELDERLY
RELOCATION = FocusArea.RELOCATION_COMMUNITY
GOVERNANCE = FocusArea.GRASSROOTS_GOVERNANCE
DISABILITY = FocusArea.DISABILITY
ASSISTANCE = FocusArea.SOCIAL_ASSISTANCE

# key, name, district (GB/T 2260). The first two are named in the report; the Jiangsu ones are invented.
MENTORS = (
    ("shangdu", "郑州市中原区商都社会工作服务中心", "410102"),
    ("huarun", "新郑市华润社会工作服务中心", "410184"),
    ("gulou", "南京市鼓楼区仁爱社会工作服务中心", "320106"),
    ("jianye", "南京市建邺区同心社会工作服务中心", "320105"),
    ("gusu", "苏州市姑苏区善行社会工作服务中心", "320508"),
    ("wuzhong", "苏州市吴中区馨和社会工作服务中心", "320506"),
    ("liangxi", "无锡市梁溪区惠众社会工作服务中心", "320213"),
    ("tianning", "常州市天宁区和煦社会工作服务中心", "320402"),
    ("chongchuan", "南通市崇川区启明社会工作服务中心", "320613"),
)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months; the demo's terms start on the first of a month, so the day always exists."""
    month0 = day.month - 1 + months
    return day.replace(year=day.year + month0 // 12, month=month0 % 12 + 1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def move_months(day: dt.date, months: int) -> dt.date:
    """Any day moved by whole months: a month's last day stays its month's last (due dates are), and a
    day the shorter month lacks becomes its last."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last = calendar.monthrange(year, month)[1]
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return dt.date(year, month, last if month_end else min(day.day, last))


@dataclass(frozen=True)
class PairingRow:
    supported: str
    county_code: str
    mentor: str
    starts_on: dt.date
    status: PairingStatus
    focus_areas: tuple[FocusArea, ...]

    @property
    def ends_on(self) -> dt.date:
        return add_months(self.starts_on, TERM_MONTHS) - ONE_DAY

    @property
    def cutoff(self) -> dt.date:
        """The first day without service: records and achievements all fall before it."""
        match self.status:
            case PairingStatus.COMPLETED:
                return self.ends_on + ONE_DAY
            case PairingStatus.SUSPENDED:
                return SUSPENDED_ON
            case PairingStatus.PLANNED:
                return self.starts_on
            case _:
                return AS_OF


COMPLETED, ACTIVE = PairingStatus.COMPLETED, PairingStatus.ACTIVE
YE_COUNTY = "叶县心天地社会工作服务中心"
PAIRINGS = (
    PairingRow(YE_COUNTY, "410422", "gusu", dt.date(2017, 9, 1), COMPLETED, (IN_DIFFICULTY, LEFT_BEHIND)),
    PairingRow("淅川县光明社会工作服务中心", "411326", "shangdu", dt.date(2017, 9, 1), COMPLETED,
               (RELOCATION, LEFT_BEHIND, ELDERLY)),
    PairingRow("兰考县焦桐社会工作服务中心", "410225", "huarun", dt.date(2017, 9, 1), COMPLETED,
               (ASSISTANCE, DISABILITY)),
    PairingRow("卢氏县莘川社会工作服务中心", "411224", "gulou", dt.date(2017, 9, 1), COMPLETED, (LEFT_BEHIND, ELDERLY)),
    PairingRow("嵩县伊河社会工作服务中心", "410325", "jianye", dt.date(2017, 10, 1), COMPLETED,
               (IN_DIFFICULTY, GOVERNANCE)),
    PairingRow("栾川县君山社会工作服务中心", "410324", "liangxi", dt.date(2018, 3, 1), COMPLETED, (ELDERLY, GOVERNANCE)),
    PairingRow("滑县道口社会工作服务中心", "410526", "tianning", dt.date(2018, 3, 1), COMPLETED,
               (LEFT_BEHIND, ASSISTANCE)),
    PairingRow("台前县将军渡社会工作服务中心", "410927", "chongchuan", dt.date(2018, 9, 1), COMPLETED,
               (RELOCATION, ELDERLY)),
    PairingRow("洛宁县洛河社会工作服务中心", "410328", "wuzhong", dt.date(2023, 12, 1), ACTIVE, (LEFT_BEHIND, GOVERNANCE)),
    PairingRow("南召县丹霞社会工作服务中心", "411321", "shangdu", dt.date(2023, 12, 1), ACTIVE, (ELDERLY, ASSISTANCE)),
    PairingRow("桐柏县淮源社会工作服务中心", "411330", "gulou", dt.date(2024, 1, 1), ACTIVE, (IN_DIFFICULTY, LEFT_BEHIND)),
    PairingRow("范县阳光社会工作服务中心", "410926", "huarun", dt.date(2024, 1, 1), ACTIVE, (RELOCATION, GOVERNANCE)),
    PairingRow("封丘县黄河湾社会工作服务中心", "410727", "gusu", dt.date(2024, 3, 1), ACTIVE, (RELOCATION, LEFT_BEHIND)),
    PairingRow("民权县葵丘社会工作服务中心", "411421", "liangxi", dt.date(2024, 3, 1), ACTIVE, (DISABILITY, ASSISTANCE)),
    PairingRow("宁陵县葛天社会工作服务中心", "411423", "tianning", dt.date(2024, 6, 1), ACTIVE, (ELDERLY, LEFT_BEHIND)),
    PairingRow("沈丘县槐园社会工作服务中心", "411624", "jianye", dt.date(2024, 6, 1), ACTIVE, (IN_DIFFICULTY, ASSISTANCE)),
    PairingRow("太康县阳夏社会工作服务中心", "411627", "chongchuan", dt.date(2024, 9, 1), ACTIVE, (LEFT_BEHIND, ELDERLY)),
    PairingRow("商城县赤城社会工作服务中心", "411524", "wuzhong", dt.date(2024, 9, 1), ACTIVE, (ELDERLY, GOVERNANCE)),
    PairingRow("光山县弦山社会工作服务中心", "411522", "gulou", dt.date(2024, 3, 1), PairingStatus.SUSPENDED,
               (IN_DIFFICULTY, LEFT_BEHIND)),
    PairingRow("新蔡县今是社会工作服务中心", "411729", "shangdu", dt.date(2027, 1, 1), PairingStatus.PLANNED,
               (LEFT_BEHIND, ELDERLY)),
)
SUSPENDED_ON = dt.date(2025, 7, 1)
SUSPENSION_REASON = "受援机构主要负责人离任，经省民政厅同意暂停结对，待新负责人到岗后恢复。"

# term year, month of the term it is due at the end of, title, category, target, unit
MILESTONE_PLAN = (
    (1, 4, "完善机构章程与内部治理制度", MilestoneCategory.GOVERNANCE, None, None),
    (1, 8, "建立个案管理与专业督导制度", MilestoneCategory.PROFESSIONAL_SERVICE, None, None),
    (1, 12, "开展社工人才培训", MilestoneCategory.TALENT, Decimal(2), "期"),
    (2, 16, "培育本土社工人才", MilestoneCategory.TALENT, Decimal(10), "人"),
    (2, 20, "引入公益慈善资源项目", MilestoneCategory.RESOURCE_MOBILIZATION, Decimal(1), "个"),
    (2, 24, "形成本土特色服务品牌项目", MilestoneCategory.PROFESSIONAL_SERVICE, Decimal(1), "个"),
    (3, 28, "孵化本土社会组织", MilestoneCategory.INCUBATION, Decimal(1), "家"),
    (3, 32, "独立承接政府购买服务项目", MilestoneCategory.PROJECT_MANAGEMENT, Decimal(1), "个"),
    (3, 36, "通过结项评估并形成可持续发展方案", MilestoneCategory.PROJECT_MANAGEMENT, None, None),
)
# The last milestone already due in each ACTIVE pairing takes these in turn, so every review state shows up.
LATEST_DUE_CYCLE = (
    MilestoneStatus.SUBMITTED,
    MilestoneStatus.RETURNED,
    MilestoneStatus.IN_PROGRESS,
    MilestoneStatus.ACHIEVED,
)
RETURN_NOTE = "佐证材料不完整：请补充活动签到表、现场照片及受益对象名单后重新提交。"

HOME, CASE, GROUP, THEMED = (
    ServiceKind.HOME_VISIT,
    ServiceKind.CASEWORK,
    ServiceKind.GROUP_SESSION,
    ServiceKind.THEMED_ACTIVITY,
)
# The report: 312 home visits, 62 casework cases, 89 group sessions, 14 themed activities, 1,800 reached.
# date, kind, count, beneficiaries, held at the station, note
YE_SERVICE = (
    (dt.date(2017, 12, 15), HOME, 40, 60, False, "2017年秋季困境儿童家庭探访"),
    (dt.date(2017, 12, 22), CASE, 6, 6, False, "父母外出务工儿童个案"),
    (dt.date(2018, 1, 13), GROUP, 10, 40, False, "“我的情绪小怪兽”儿童情绪管理小组"),
    (dt.date(2018, 6, 15), HOME, 52, 75, True, "2018年春季家庭探访"),
    (dt.date(2018, 6, 22), CASE, 10, 10, False, "困境儿童学业辅导个案"),
    (dt.date(2018, 6, 29), GROUP, 14, 55, True, "“同伴同行”人际交往小组"),
    (dt.date(2018, 12, 14), HOME, 58, 80, True, "2018年秋季家庭探访"),
    (dt.date(2018, 12, 21), CASE, 12, 12, False, "单亲家庭儿童心理支持个案"),
    (dt.date(2019, 1, 11), GROUP, 17, 65, True, "“阅读点亮童年”读书小组"),
    (dt.date(2019, 6, 14), HOME, 60, 85, True, "2019年春季家庭探访"),
    (dt.date(2019, 6, 21), CASE, 13, 13, False, "隔代抚养家庭亲子关系个案"),
    (dt.date(2019, 6, 28), GROUP, 18, 70, True, "“安全自护”儿童小组"),
    (dt.date(2019, 12, 13), HOME, 54, 75, True, "2019年秋季家庭探访"),
    (dt.date(2019, 12, 20), CASE, 11, 11, False, "辍学风险儿童返校个案"),
    (dt.date(2020, 1, 10), GROUP, 16, 60, True, "“梦想起航”生涯探索小组"),
    (dt.date(2020, 6, 19), HOME, 48, 65, True, "疫情期间电话与入户相结合的家庭探访"),
    (dt.date(2020, 6, 24), CASE, 10, 10, False, "网课学习困难儿童辅导个案"),
    (dt.date(2020, 7, 17), GROUP, 14, 50, True, "“快乐暑假”学习互助小组"),
    (dt.date(2017, 10, 3), THEMED, 1, 65, False, "“月满中秋”留守儿童团圆会"),
    (dt.date(2018, 1, 27), THEMED, 1, 55, False, "“新春送温暖”困境儿童家庭慰问"),
    (dt.date(2018, 6, 1), THEMED, 1, 90, True, "“六一”儿童节游园活动"),
    (dt.date(2018, 7, 20), THEMED, 1, 70, True, "暑期防溺水安全教育"),
    (dt.date(2018, 9, 22), THEMED, 1, 110, True, "“中秋月·十亩地洼情”邻里文艺汇演"),
    (dt.date(2019, 1, 26), THEMED, 1, 60, True, "“冬日暖阳”新春慰问"),
    (dt.date(2019, 5, 31), THEMED, 1, 85, True, "“快乐六一”儿童才艺展示"),
    (dt.date(2019, 7, 16), THEMED, 1, 75, True, "暑期防溺水与自我保护教育"),
    (dt.date(2019, 9, 10), THEMED, 1, 50, True, "“我的老师”感恩教师节活动"),
    (dt.date(2019, 10, 1), THEMED, 1, 80, True, "“我和我的祖国”国庆主题活动"),
    (dt.date(2020, 1, 18), THEMED, 1, 62, True, "“年味十亩地洼”迎新春活动"),
    (dt.date(2020, 6, 1), THEMED, 1, 55, False, "线上“六一”亲子手工大赛"),
    (dt.date(2020, 7, 10), THEMED, 1, 48, True, "暑期安全教育进村入户"),
    (dt.date(2020, 8, 15), THEMED, 1, 53, True, "“清泉助学”受助儿童夏令营"),
)
# The report's four training sessions (期): topic, first day, last day, hours, mode, participants
YE_TRAINING = (
    ("社会工作专业方法与儿童个案管理", dt.date(2017, 11, 18), dt.date(2017, 11, 19), "12.0", TrainingMode.ON_SITE, 18),
    ("困境儿童需求评估与家庭探访技巧", dt.date(2018, 5, 12), dt.date(2018, 5, 13), "12.0", TrainingMode.ON_SITE, 22),
    ("小组工作设计与带领", dt.date(2019, 4, 20), dt.date(2019, 4, 20), "6.5", TrainingMode.ON_SITE, 25),
    ("疫情期间的远程个案服务与督导", dt.date(2020, 5, 16), dt.date(2020, 5, 16), "4.0", TrainingMode.REMOTE, 30),
)
# The report: 47 children funded with 92,300 yuan in 3 batches, plus over 100,000 yuan in kind.
# `people_funded` counts the children newly funded by each record. The report names projects, not donors.
# project, kind, yuan, batch, newly funded, date
YE_RESOURCES = (
    ("清泉公益一对一助童助学", ResourceKind.CASH, "48000.00", 1, 30, dt.date(2018, 9, 10)),
    ("清泉公益一对一助童助学", ResourceKind.CASH, "26300.00", 2, 10, dt.date(2019, 3, 8)),
    ("清泉公益一对一助童助学", ResourceKind.CASH, "18000.00", 3, 7, dt.date(2019, 9, 6)),
    ("焕新乐园", ResourceKind.IN_KIND, "64800.00", None, 0, dt.date(2019, 6, 1)),
    ("仁人书包", ResourceKind.IN_KIND, "38500.00", None, 0, dt.date(2019, 8, 28)),
)

# supported agency: station name, township or village, established on
STATIONS = {
    YE_COUNTY: ("尚德社工服务站", "410423101213", dt.date(2018, 4, 20)),
    "兰考县焦桐社会工作服务中心": ("东坝头镇社工服务站", "410225106000", dt.date(2018, 5, 10)),
    "嵩县伊河社会工作服务中心": ("车村镇社工服务站", "410325103000", dt.date(2018, 6, 1)),
    "栾川县君山社会工作服务中心": ("潭头镇社工服务站", "410324103000", dt.date(2018, 10, 15)),
    "滑县道口社会工作服务中心": ("八里营镇社工服务站", "410526113000", dt.date(2018, 11, 20)),
    "洛宁县洛河社会工作服务中心": ("长水镇社工服务站", "410328110000", dt.date(2024, 6, 18)),
}
# supported agency: incubated agency, its county, stage, started, registered, independent
INCUBATIONS = {
    YE_COUNTY: ("鲁山县尚德社会工作服务中心", "410423", IncubationStage.REGISTERED,
                dt.date(2018, 9, 1), dt.date(2019, 11, 8), None),
    "淅川县光明社会工作服务中心": ("淅川县丹阳社会工作服务中心", "411326", IncubationStage.INDEPENDENT,
                                  dt.date(2018, 9, 1), dt.date(2019, 6, 18), dt.date(2020, 7, 1)),
    "卢氏县莘川社会工作服务中心": ("卢氏县暖阳社会工作服务中心", "411224", IncubationStage.REGISTERED,
                                  dt.date(2019, 3, 1), dt.date(2019, 10, 15), None),
    "洛宁县洛河社会工作服务中心": ("洛宁县长水社会工作服务中心", "410328", IncubationStage.INCUBATING,
                                  dt.date(2025, 9, 1), None, None),
    "南召县丹霞社会工作服务中心": ("南召县云阳社会工作服务中心", "411321", IncubationStage.REGISTERED,
                                  dt.date(2025, 3, 1), dt.date(2026, 2, 12), None),
    "范县阳光社会工作服务中心": ("范县同行社会工作服务中心", "410926", IncubationStage.REGISTERED,
                                dt.date(2025, 3, 1), dt.date(2026, 3, 20), None),
    "封丘县黄河湾社会工作服务中心": ("封丘县滩区社会工作服务中心", "410727", IncubationStage.REGISTERED,
                                    dt.date(2025, 5, 1), dt.date(2026, 5, 20), None),
}

# Generated records per quarter: (lowest, highest) count, and people reached per unit counted.
GENERATED_SERVICE = {
    HOME: ((8, 30), (1, 2)),
    CASE: ((1, 6), (1, 1)),
    GROUP: ((2, 8), (6, 12)),
    THEMED: ((1, 2), (30, 80)),
}
STATION_KINDS = (HOME, GROUP, THEMED)
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


# --- unified social credit codes ----------------------------------------------------------------


def organization_code_check_digit(body: str) -> str:
    """The GB 11714 check character of the 8-character organization code at positions 9-16."""
    total = sum(int(char, 36) * weight for char, weight in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def social_organization_credit_code(region_code: str, name: str) -> str:
    """A well-formed code of a 民办非企业单位 ("52") registered in `region_code`. The serial comes from the
    name (string seeds are hashed stably), so an agency gets the same code on every load."""
    body = f"MJ{random.Random(name).randrange(1_000_000):06d}"
    first17 = f"52{region_code}{body}{organization_code_check_digit(body)}"
    return first17 + credit_code_check_char(first17)


# --- loading ------------------------------------------------------------------------------------


async def load_henan_demo(db: Database, today: dt.date | None = None) -> bool:
    """Load the demo in one transaction; False, with nothing changed, if the program already exists.
    `today` (AS_OF if not given) is the day it is loaded on: see `_move_running`."""
    try:
        async with db.writing() as session:
            if await _program_exists(session):
                return False
            await _load(session, months_between(AS_OF, today or AS_OF))
    except IntegrityError:
        # A concurrent load that committed first is the same outcome as finding the demo loaded.
        async with db.reading() as session:
            if await _program_exists(session):
                return False
        raise
    return True


async def _program_exists(session: AsyncSession) -> bool:
    return await session.scalar(select(Program.id).where(Program.name == PROGRAM_NAME)) is not None


async def _load(session: AsyncSession, months: int) -> None:
    rng = random.Random(SEED)
    regions = await _load_regions(session)
    agencies = await _load_agencies(session, regions)
    program = Program(
        name=PROGRAM_NAME,
        policy_reference=POLICY_REFERENCE,
        starts_on=PROGRAM_STARTS_ON,
        ends_on=None,
        default_term_months=TERM_MONTHS,
        scope_region_id=regions[HENAN].id,
    )
    session.add(program)
    await session.flush()
    pairings = [
        Pairing(
            program_id=program.id,
            mentor_id=agencies[row.mentor].id,
            supported_id=agencies[row.supported].id,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
            focus_areas=[area.value for area in row.focus_areas],
            status_reason=SUSPENSION_REASON if row.status is PairingStatus.SUSPENDED else None,
        )
        for row in PAIRINGS
    ]
    session.add_all(pairings)
    await session.flush()
    stations = await _load_stations(session, regions, agencies, pairings)
    session.add_all(_incubations(agencies, pairings))
    await _load_milestones(session, rng, pairings)
    # PAIRINGS opens with the Ye County pairing, whose records are the report's; the rest are generated.
    session.add_all(_ye_county_records(pairings[0], stations[YE_COUNTY]))
    for row, pairing in zip(PAIRINGS[1:], pairings[1:], strict=True):
        session.add_all(_generated_records(rng, row, pairing, stations.get(row.supported), regions[row.county_code]))
    await session.flush()
    if months:
        await _move_running(session, months)
    await recount_all(session)


# Dates a row keeps whenever it is loaded: when it was written, not what it tells.
BOOKKEEPING_DATES = frozenset({"created_at", "updated_at", "voided_at"})
# What a pairing holds, each with the column naming its pairing.
IN_PAIRINGS = (
    (Pairing, Pairing.id),
    (Milestone, Milestone.pairing_id),
    (TrainingSession, TrainingSession.pairing_id),
    (ServiceActivity, ServiceActivity.pairing_id),
    (ServiceStation, ServiceStation.pairing_id),
    (IncubatedOrganization, IncubatedOrganization.pairing_id),
    (ResourceLink, ResourceLink.pairing_id),
)


async def _move_running(session: AsyncSession, months: int) -> None:
    """Move every date the demo tells of in the running pairings (and their milestones, updates,
    records, stations and incubations) by `months`: built as of AS_OF, the demo is then as of the
    month it is loaded in. Their dates are month-based (terms start on the first, milestones fall due
    on a month's last day), so a reader anywhere in that month sees the statuses as designed."""
    running = select(Pairing.id).where(Pairing.status != COMPLETED).scalar_subquery()
    rows: list[Base] = []
    for model, pairing_key in IN_PAIRINGS:
        rows += (await session.scalars(select(model).where(pairing_key.in_(running)))).all()
    updates = select(MilestoneUpdate).join(Milestone, Milestone.id == MilestoneUpdate.milestone_id)
    rows += (await session.scalars(updates.where(Milestone.pairing_id.in_(running)))).all()
    for row in rows:
        for column in type(row).__table__.columns:
            value = getattr(row, column.key)
            if value is None or column.key in BOOKKEEPING_DATES:
                continue
            if isinstance(column.type, UTCDateTime):
                setattr(row, column.key, dt.datetime.combine(move_months(value.date(), months), value.timetz()))
            elif isinstance(column.type, Date):
                setattr(row, column.key, move_months(value, months))
    await session.flush()


async def _load_regions(session: AsyncSession) -> dict[str, Region]:
    """Insert the regions of the CSV level by level, reusing any already present by code, and give each
    its path of ids, which exists only once the region and its ancestors have ids."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    existing = await session.scalars(select(Region).where(Region.code.in_([row["code"] for row in rows])))
    by_code = {region.code: region for region in existing}
    for level in RegionLevel:
        fresh = [
            (
                parent_code := row["parent_code"],
                Region(
                    code=row["code"],
                    name=row["name"],
                    level=level,
                    parent_id=by_code[parent_code].id if parent_code else None,
                ),
            )
            for row in rows
            if row["level"] == level and row["code"] not in by_code
        ]
        session.add_all(region for _, region in fresh)
        await session.flush()
        for parent_code, region in fresh:
            region.path = f"{by_code[parent_code].path if parent_code else '/'}{region.id}/"
            by_code[region.code] = region
    return by_code


async def _load_agencies(session: AsyncSession, regions: dict[str, Region]) -> dict[str, Agency]:
    """Mentors keyed by their MENTORS key, supported and incubated agencies by name."""
    specs = [(key, name, code, AgencyStatus.REGISTERED) for key, name, code in MENTORS]
    specs += [(row.supported, row.supported, row.county_code, AgencyStatus.REGISTERED) for row in PAIRINGS]
    specs += [
        (name, name, code, AgencyStatus.PREPARING if stage is IncubationStage.INCUBATING else AgencyStatus.REGISTERED)
        for name, code, stage, *_ in INCUBATIONS.values()
    ]
    agencies = {
        key: Agency(
            name=name,
            # An agency still being incubated is not registered yet, so it has no credit code.
            credit_code=social_organization_credit_code(code, name) if status is AgencyStatus.REGISTERED else None,
            region_id=regions[code].id,
            status=status,
        )
        for key, name, code, status in specs
    }
    session.add_all(agencies.values())
    await session.flush()
    return agencies


async def _load_stations(
    session: AsyncSession, regions: dict[str, Region], agencies: dict[str, Agency], pairings: Sequence[Pairing]
) -> dict[str, ServiceStation]:
    pairing_of = {row.supported: pairing for row, pairing in zip(PAIRINGS, pairings, strict=True)}
    stations = {
        supported: ServiceStation(
            name=name,
            region_id=regions[code].id,
            agency_id=agencies[supported].id,
            pairing_id=pairing_of[supported].id,
            established_on=established_on,
        )
        for supported, (name, code, established_on) in STATIONS.items()
    }
    session.add_all(stations.values())
    await session.flush()
    return stations


def _incubations(agencies: dict[str, Agency], pairings: Sequence[Pairing]) -> list[IncubatedOrganization]:
    pairing_of = {row.supported: pairing for row, pairing in zip(PAIRINGS, pairings, strict=True)}
    return [
        IncubatedOrganization(
            pairing_id=pairing_of[supported].id,
            agency_id=agencies[name].id,
            stage=stage,
            started_on=started_on,
            registered_on=registered_on,
            independent_on=independent_on,
        )
        for supported, (name, _, stage, started_on, registered_on, independent_on) in INCUBATIONS.items()
    ]


# --- milestones ---------------------------------------------------------------------------------


async def _load_milestones(session: AsyncSession, rng: random.Random, pairings: Sequence[Pairing]) -> None:
    mentor_names = {key: name for key, name, _ in MENTORS}
    planned = []
    for index, (row, pairing) in enumerate(zip(PAIRINGS, pairings, strict=True)):
        dues = [add_months(row.starts_on, month) - ONE_DAY for _, month, *_ in MILESTONE_PLAN]
        statuses = _milestone_statuses(index, row, dues)
        for number, ((year, _, title, category, target, unit), due_on, status) in enumerate(
            zip(MILESTONE_PLAN, dues, statuses, strict=True), start=1
        ):
            milestone = Milestone(
                pairing_id=pairing.id,
                title=title,
                category=category,
                term_year=year,
                due_on=due_on,
                target_value=target,
                unit=unit,
                status=status,
                achieved_on=_achieved_on(rng, row, due_on) if status is MilestoneStatus.ACHIEVED else None,
            )
            if milestone.achieved_on is not None:
                milestone.approved_on = milestone.achieved_on + REVIEW_DAYS
            planned.append((f"{index + 1:02d}/{number}", mentor_names[row.mentor], milestone))
    session.add_all(milestone for *_, milestone in planned)
    await session.flush()
    session.add_all(
        update
        for evidence_key, mentor, milestone in planned
        if (update := _update_for(milestone, mentor, evidence_key)) is not None
    )


def _milestone_statuses(index: int, row: PairingRow, dues: Sequence[dt.date]) -> list[MilestoneStatus]:
    if row.status is PairingStatus.PLANNED:
        return [MilestoneStatus.NOT_STARTED] * len(dues)
    statuses = [MilestoneStatus.ACHIEVED if due < row.cutoff else MilestoneStatus.NOT_STARTED for due in dues]
    if row.status is not COMPLETED:
        past = [i for i, due in enumerate(dues) if due < row.cutoff]
        if past:
            latest = past[-1]
            statuses[latest] = LATEST_DUE_CYCLE[index % 4] if row.status is ACTIVE else MilestoneStatus.IN_PROGRESS
        upcoming = len(past)
        if upcoming < len(dues):
            # Some mentors report ahead of the due date.
            early = row.status is ACTIVE and index % 3 == 0
            statuses[upcoming] = MilestoneStatus.SUBMITTED if early else MilestoneStatus.IN_PROGRESS
    # Without an incubated organization that reached registration, the incubation milestone cannot be
    # achieved: a finished term waives it, a running one is still working on it.
    incubated = row.supported in INCUBATIONS and INCUBATIONS[row.supported][2] is not IncubationStage.INCUBATING
    for i, (_, _, _, category, _, _) in enumerate(MILESTONE_PLAN):
        if category is MilestoneCategory.INCUBATION and statuses[i] is MilestoneStatus.ACHIEVED and not incubated:
            statuses[i] = MilestoneStatus.WAIVED if row.status is COMPLETED else MilestoneStatus.IN_PROGRESS
    return statuses


def _achieved_on(rng: random.Random, row: PairingRow, due_on: dt.date) -> dt.date:
    return max(due_on - dt.timedelta(days=rng.randint(3, 40)), row.starts_on + dt.timedelta(days=30))


def _china(day: dt.date, hour: int) -> dt.datetime:
    """A moment of a working day in China, as the UTC instant that is stored."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA).astimezone(dt.UTC)


def _update_for(milestone: Milestone, mentor: str, evidence_key: str) -> MilestoneUpdate | None:
    """The progress report behind a milestone's review state, if it has one."""
    evidence = [f"https://files.example.org/qianshou-demo/{evidence_key}.pdf"]
    match milestone.status:
        case MilestoneStatus.ACHIEVED:
            assert milestone.achieved_on is not None
            return MilestoneUpdate(
                milestone_id=milestone.id,
                note=f"“{milestone.title}”已完成，佐证材料见附件。",
                progress_value=milestone.target_value,
                progress_percent=100,
                evidence_urls=evidence,
                status=UpdateStatus.APPROVED,
                submitted_by=mentor,
                submitted_at=_china(milestone.achieved_on, 10),
                reviewed_by=REVIEWER,
                reviewed_at=_china(milestone.achieved_on + REVIEW_DAYS, 15),
                review_note="材料齐全，同意。",
            )
        case MilestoneStatus.SUBMITTED:
            return MilestoneUpdate(
                milestone_id=milestone.id,
                note=f"“{milestone.title}”已完成，现提交审核。",
                progress_value=milestone.target_value,
                progress_percent=100,
                evidence_urls=evidence,
                status=UpdateStatus.PENDING_REVIEW,
                submitted_by=mentor,
                submitted_at=_china(min(milestone.due_on + dt.timedelta(days=7), AS_OF - dt.timedelta(days=3)), 10),
            )
        case MilestoneStatus.RETURNED:
            submitted_on = min(milestone.due_on, AS_OF - dt.timedelta(days=20))
            return MilestoneUpdate(
                milestone_id=milestone.id,
                note=f"“{milestone.title}”阶段性完成情况报告。",
                progress_value=None if milestone.target_value is None else milestone.target_value * Decimal("0.6"),
                progress_percent=60,
                evidence_urls=[],
                status=UpdateStatus.RETURNED,
                submitted_by=mentor,
                submitted_at=_china(submitted_on, 10),
                reviewed_by=REVIEWER,
                reviewed_at=_china(submitted_on + dt.timedelta(days=6), 15),
                review_note=RETURN_NOTE,
            )
        case _:
            return None


# --- service, training and resource records ------------------------------------------------------


def _ye_county_records(pairing: Pairing, station: ServiceStation) -> list[Base]:
    activities = [
        ServiceActivity(
            pairing_id=pairing.id,
            station_id=station.id if at_station else None,
            kind=kind,
            occurred_on=day,
            count=count,
            beneficiaries=beneficiaries,
            note=note,
        )
        for day, kind, count, beneficiaries, at_station, note in YE_SERVICE
    ]
    training = [
        TrainingSession(
            pairing_id=pairing.id,
            topic=topic,
            starts_on=starts_on,
            ends_on=ends_on,
            hours=Decimal(hours),
            mode=mode,
            participants=participants,
        )
        for topic, starts_on, ends_on, hours, mode, participants in YE_TRAINING
    ]
    resources = [
        ResourceLink(
            pairing_id=pairing.id,
            project_name=project,
            kind=kind,
            amount_yuan=Decimal(amount),
            disbursement_batch=batch,
            people_funded=funded,
            occurred_on=day,
        )
        for project, kind, amount, batch, funded, day in YE_RESOURCES
    ]
    return [*activities, *training, *resources]


def _generated_records(
    rng: random.Random, row: PairingRow, pairing: Pairing, station: ServiceStation | None, county: Region
) -> list[Base]:
    last_day = row.cutoff - ONE_DAY
    return [
        *_generated_activities(rng, row, pairing, station, last_day),
        *_generated_training(rng, row, pairing, last_day),
        *_generated_resources(rng, row, pairing, county, last_day),
    ]


def _generated_activities(
    rng: random.Random, row: PairingRow, pairing: Pairing, station: ServiceStation | None, last_day: dt.date
) -> list[ServiceActivity]:
    activities = []
    quarter = row.starts_on
    while quarter <= last_day:
        for kind, ((low, high), (people_low, people_high)) in GENERATED_SERVICE.items():
            count = rng.randint(low, high)
            day = min(quarter + dt.timedelta(days=rng.randint(5, 85)), last_day)
            at_station = station is not None and kind in STATION_KINDS and day >= station.established_on
            activities.append(
                ServiceActivity(
                    pairing_id=pairing.id,
                    station_id=station.id if station is not None and at_station else None,
                    kind=kind,
                    occurred_on=day,
                    count=count,
                    beneficiaries=count * rng.randint(people_low, people_high),
                )
            )
        quarter = add_months(quarter, 3)
    return activities


def _generated_training(
    rng: random.Random, row: PairingRow, pairing: Pairing, last_day: dt.date
) -> list[TrainingSession]:
    sessions = []
    for year in range(3):
        year_start = add_months(row.starts_on, 12 * year)
        # Two sessions in the first year meet the first-year training milestone.
        for _ in range(2 if year == 0 else rng.randint(1, 2)):
            starts_on = year_start + dt.timedelta(days=rng.randint(20, 330))
            if starts_on > last_day:
                continue
            two_days = rng.random() < 0.4 and starts_on < last_day
            mode = TrainingMode.ON_SITE if two_days or rng.random() < 0.7 else TrainingMode.REMOTE
            sessions.append(
                TrainingSession(
                    pairing_id=pairing.id,
                    topic=rng.choice(TRAINING_TOPICS),
                    starts_on=starts_on,
                    ends_on=starts_on + ONE_DAY if two_days else starts_on,
                    hours=Decimal("12.0") if two_days else Decimal("6.5" if mode is TrainingMode.ON_SITE else "3.0"),
                    mode=mode,
                    participants=rng.randint(12, 35),
                )
            )
    return sessions


def _generated_resources(
    rng: random.Random, row: PairingRow, pairing: Pairing, county: Region, last_day: dt.date
) -> list[ResourceLink]:
    links = []
    for batch in range(1, rng.randint(1, 3) + 1):
        day = add_months(row.starts_on, 6 * batch) + dt.timedelta(days=rng.randint(0, 40))
        if day <= last_day:
            links.append(
                ResourceLink(
                    pairing_id=pairing.id,
                    project_name="困境儿童助学金",
                    donor=f"{county.name}慈善总会",
                    kind=ResourceKind.CASH,
                    amount_yuan=Decimal(rng.randint(80, 300) * 100),
                    disbursement_batch=batch,
                    people_funded=rng.randint(10, 25) if batch == 1 else rng.randint(0, 8),
                    occurred_on=day,
                )
            )
    winter = add_months(row.starts_on, 3) + dt.timedelta(days=rng.randint(0, 60))
    if rng.random() < 0.5 and winter <= last_day:
        links.append(
            ResourceLink(
                pairing_id=pairing.id,
                project_name="冬季暖衣包",
                donor="爱心企业联合捐赠",
                kind=ResourceKind.IN_KIND,
                amount_yuan=Decimal(rng.randint(50, 300) * 100),
                people_funded=0,
                occurred_on=winter,
            )
        )
    return links
