"""What the national data set is made of: its scale, dates, the provinces, and the words, titles,
proportions and health patterns its rows are drawn from."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from db.models import MilestoneCategory, ServiceKind

PROGRAM_NAME = "全国社会工作服务机构牵手计划（合成数据）"
POLICY_PREFIX = "合成数据，用于容量与性能测试；规模 scale="
AS_OF = dt.date(2026, 11, 30)
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
TERM_DAYS = 1095
MILESTONE_SPACING = 91  # twelve milestones, one a quarter, the last on the term's end
MAX_SCALE = 100.0

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
