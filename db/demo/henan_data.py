"""The Henan 牵手计划 demo's data: the program, its agencies and 20 pairings, and the Ye County
pairing's records as the Henan Daily report (2020) gives them. Loaded by db/demo/henan.py.

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
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from db.models import (
    FocusArea,
    IncubationStage,
    MilestoneCategory,
    MilestoneStatus,
    PairingStatus,
    ResourceKind,
    ServiceKind,
    TrainingMode,
)

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
    PairingRow(
        "淅川县光明社会工作服务中心",
        "411326",
        "shangdu",
        dt.date(2017, 9, 1),
        COMPLETED,
        (RELOCATION, LEFT_BEHIND, ELDERLY),
    ),
    PairingRow(
        "兰考县焦桐社会工作服务中心", "410225", "huarun", dt.date(2017, 9, 1), COMPLETED, (ASSISTANCE, DISABILITY)
    ),
    PairingRow("卢氏县莘川社会工作服务中心", "411224", "gulou", dt.date(2017, 9, 1), COMPLETED, (LEFT_BEHIND, ELDERLY)),
    PairingRow(
        "嵩县伊河社会工作服务中心", "410325", "jianye", dt.date(2017, 10, 1), COMPLETED, (IN_DIFFICULTY, GOVERNANCE)
    ),
    PairingRow(
        "栾川县君山社会工作服务中心", "410324", "liangxi", dt.date(2018, 3, 1), COMPLETED, (ELDERLY, GOVERNANCE)
    ),
    PairingRow(
        "滑县道口社会工作服务中心", "410526", "tianning", dt.date(2018, 3, 1), COMPLETED, (LEFT_BEHIND, ASSISTANCE)
    ),
    PairingRow(
        "台前县将军渡社会工作服务中心", "410927", "chongchuan", dt.date(2018, 9, 1), COMPLETED, (RELOCATION, ELDERLY)
    ),
    PairingRow(
        "洛宁县洛河社会工作服务中心", "410328", "wuzhong", dt.date(2023, 12, 1), ACTIVE, (LEFT_BEHIND, GOVERNANCE)
    ),
    PairingRow("南召县丹霞社会工作服务中心", "411321", "shangdu", dt.date(2023, 12, 1), ACTIVE, (ELDERLY, ASSISTANCE)),
    PairingRow(
        "桐柏县淮源社会工作服务中心", "411330", "gulou", dt.date(2024, 1, 1), ACTIVE, (IN_DIFFICULTY, LEFT_BEHIND)
    ),
    PairingRow("范县阳光社会工作服务中心", "410926", "huarun", dt.date(2024, 1, 1), ACTIVE, (RELOCATION, GOVERNANCE)),
    PairingRow(
        "封丘县黄河湾社会工作服务中心", "410727", "gusu", dt.date(2024, 3, 1), ACTIVE, (RELOCATION, LEFT_BEHIND)
    ),
    PairingRow(
        "民权县葵丘社会工作服务中心", "411421", "liangxi", dt.date(2024, 3, 1), ACTIVE, (DISABILITY, ASSISTANCE)
    ),
    PairingRow("宁陵县葛天社会工作服务中心", "411423", "tianning", dt.date(2024, 6, 1), ACTIVE, (ELDERLY, LEFT_BEHIND)),
    PairingRow(
        "沈丘县槐园社会工作服务中心", "411624", "jianye", dt.date(2024, 6, 1), ACTIVE, (IN_DIFFICULTY, ASSISTANCE)
    ),
    PairingRow(
        "太康县阳夏社会工作服务中心", "411627", "chongchuan", dt.date(2024, 9, 1), ACTIVE, (LEFT_BEHIND, ELDERLY)
    ),
    PairingRow("商城县赤城社会工作服务中心", "411524", "wuzhong", dt.date(2024, 9, 1), ACTIVE, (ELDERLY, GOVERNANCE)),
    PairingRow(
        "光山县弦山社会工作服务中心",
        "411522",
        "gulou",
        dt.date(2024, 3, 1),
        PairingStatus.SUSPENDED,
        (IN_DIFFICULTY, LEFT_BEHIND),
    ),
    PairingRow(
        "新蔡县今是社会工作服务中心",
        "411729",
        "shangdu",
        dt.date(2027, 1, 1),
        PairingStatus.PLANNED,
        (LEFT_BEHIND, ELDERLY),
    ),
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
    YE_COUNTY: (
        "鲁山县尚德社会工作服务中心",
        "410423",
        IncubationStage.REGISTERED,
        dt.date(2018, 9, 1),
        dt.date(2019, 11, 8),
        None,
    ),
    "淅川县光明社会工作服务中心": (
        "淅川县丹阳社会工作服务中心",
        "411326",
        IncubationStage.INDEPENDENT,
        dt.date(2018, 9, 1),
        dt.date(2019, 6, 18),
        dt.date(2020, 7, 1),
    ),
    "卢氏县莘川社会工作服务中心": (
        "卢氏县暖阳社会工作服务中心",
        "411224",
        IncubationStage.REGISTERED,
        dt.date(2019, 3, 1),
        dt.date(2019, 10, 15),
        None,
    ),
    "洛宁县洛河社会工作服务中心": (
        "洛宁县长水社会工作服务中心",
        "410328",
        IncubationStage.INCUBATING,
        dt.date(2025, 9, 1),
        None,
        None,
    ),
    "南召县丹霞社会工作服务中心": (
        "南召县云阳社会工作服务中心",
        "411321",
        IncubationStage.REGISTERED,
        dt.date(2025, 3, 1),
        dt.date(2026, 2, 12),
        None,
    ),
    "范县阳光社会工作服务中心": (
        "范县同行社会工作服务中心",
        "410926",
        IncubationStage.REGISTERED,
        dt.date(2025, 3, 1),
        dt.date(2026, 3, 20),
        None,
    ),
    "封丘县黄河湾社会工作服务中心": (
        "封丘县滩区社会工作服务中心",
        "410727",
        IncubationStage.REGISTERED,
        dt.date(2025, 5, 1),
        dt.date(2026, 5, 20),
        None,
    ),
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
