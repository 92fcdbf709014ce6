"""What each kind of import reads: its sheet, its columns (Chinese headers, the report's vocabulary),
which are required, how each cell is read, and the help and example a template shows for it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from db.models import (
    AgencyStatus,
    FocusArea,
    MilestoneCategory,
    PairingStatus,
    ResourceKind,
    ServiceKind,
    TrainingMode,
)

# A template's second sheet, which explains the columns; the import never reads it.
HELP_SHEET = "填写说明"


class ImportKind(enum.StrEnum):
    AGENCIES = "AGENCIES"
    PAIRINGS = "PAIRINGS"
    MILESTONES = "MILESTONES"
    TRAINING_SESSIONS = "TRAINING_SESSIONS"
    SERVICE_ACTIVITIES = "SERVICE_ACTIVITIES"
    RESOURCE_LINKS = "RESOURCE_LINKS"
    SERVICE_STATIONS = "SERVICE_STATIONS"

    @property
    def slug(self) -> str:
        """The kind as the CLI and the template URL spell it: service-activities."""
        return self.value.lower().replace("_", "-")

    @classmethod
    def from_slug(cls, slug: str) -> ImportKind | None:
        return next((kind for kind in cls if kind.slug == slug.strip().lower()), None)


class Cell(enum.Enum):
    """How a cell is read."""

    TEXT = "文本"
    INTEGER = "整数"
    DECIMAL = "数值"
    DATE = "日期"
    CHOICE = "下拉选择"
    CHOICES = "多选（用顿号、分隔）"


@dataclass(frozen=True)
class Column:
    key: str  # the mutation input's field name, which Checks report problems under
    header: str
    cell: Cell
    required: bool
    help: str
    example: str
    choices: type[enum.Enum] | None = None


@dataclass(frozen=True)
class KindSpec:
    kind: ImportKind
    sheet: str  # the template's data sheet, which the import reads
    title: str
    columns: tuple[Column, ...]
    # Columns whose values, with the row's place among rows alike in them, make a record's key
    # when the row gives no external ID (records only).
    key_columns: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


def _text(key: str, header: str, help: str, example: str, *, required: bool = True) -> Column:
    return Column(key, header, Cell.TEXT, required, help, example)


def _date(key: str, header: str, help: str, example: str, *, required: bool = True) -> Column:
    return Column(key, header, Cell.DATE, required, help + "；格式 2024-05-01", example)


def _int(key: str, header: str, help: str, example: str, *, required: bool = True) -> Column:
    return Column(key, header, Cell.INTEGER, required, help, example)


def _choice(
    key: str, header: str, choices: type[enum.Enum], help: str, example: str, *, required: bool = True
) -> Column:
    return Column(key, header, Cell.CHOICE, required, help, example, choices)


AGENCY_REFERENCE = "填统一社会信用代码，或能唯一确定机构的机构全称"
# The pairing a record belongs to: its supported agency, and where that is not enough the program
# and the pairing's start date.
PAIRING_COLUMNS = (
    _text("supported", "受援机构", AGENCY_REFERENCE + "；用于确定记录所属的结对", "叶县心天地社会工作服务中心"),
    _text(
        "program",
        "帮扶计划",
        "计划全称；受援机构在多个计划中有结对时必填",
        "河南省社会工作服务机构牵手计划",
        required=False,
    ),
    _date("pairing_starts_on", "结对开始日期", "受援机构在同一计划中有多个结对时必填", "2017-09-01", required=False),
)
EXTERNAL_ID = _text(
    "external_id",
    "外部编号",
    "可选。本记录在原系统中的编号，最多 100 字符；填写后按它识别同一记录，修改其他列即更新该记录。"
    "不填时按结对、日期、类型及该行在同类行中的次序识别",
    "YX-2019-0001",
    required=False,
)

SPECS: dict[ImportKind, KindSpec] = {
    ImportKind.AGENCIES: KindSpec(
        ImportKind.AGENCIES,
        "社工机构",
        "社会工作服务机构",
        (
            _text("name", "机构名称", "机构全称，最多 200 字", "叶县心天地社会工作服务中心"),
            _text("credit_code", "统一社会信用代码", "18 位，含校验位；按它识别同一机构", "52410422MJY000000H"),
            _text("region", "所在地区", "行政区划代码（如 410422），或能唯一确定地区的名称（如 叶县）", "410422"),
            _choice("status", "登记状态", AgencyStatus, "不填为已登记", "已登记", required=False),
        ),
    ),
    ImportKind.PAIRINGS: KindSpec(
        ImportKind.PAIRINGS,
        "结对",
        "结对帮扶",
        (
            _text("program", "帮扶计划", "计划全称，须已在系统中建立", "河南省社会工作服务机构牵手计划"),
            _text("mentor", "帮扶机构", AGENCY_REFERENCE, "郑州市中原区商都社会工作服务中心"),
            _text("supported", "受援机构", AGENCY_REFERENCE, "叶县心天地社会工作服务中心"),
            _date("starts_on", "开始日期", "帮扶计划、受援机构与开始日期一起识别同一结对", "2017-09-01"),
            _date("ends_on", "结束日期", "不填则按计划的帮扶期限计算", "2020-08-31", required=False),
            _choice("status", "状态", PairingStatus, "新结对为计划中或进行中；不填为计划中", "进行中", required=False),
            Column(
                "focus_areas",
                "重点领域",
                Cell.CHOICES,
                False,
                "可填多个，用顿号、分隔",
                "留守儿童、困境儿童",
                FocusArea,
            ),
            _text("status_reason", "状态说明", "改为已终止时必填", "", required=False),
        ),
    ),
    ImportKind.MILESTONES: KindSpec(
        ImportKind.MILESTONES,
        "能力建设里程碑",
        "能力建设里程碑",
        (
            *PAIRING_COLUMNS,
            _text("title", "里程碑名称", "最多 200 字", "完善机构章程与内部治理制度"),
            _choice("category", "类别", MilestoneCategory, "", "机构治理"),
            _int("term_year", "年度", "帮扶期的第几年：1、2 或 3", "1"),
            _date("due_on", "截止日期", "须在结对期限内", "2017-12-31"),
            Column("target_value", "目标值", Cell.DECIMAL, False, "可选，最多 2 位小数", "2"),
            _text("unit", "单位", "可选，最多 20 字", "期", required=False),
            EXTERNAL_ID,
        ),
        key_columns=("due_on", "category"),
    ),
    ImportKind.TRAINING_SESSIONS: KindSpec(
        ImportKind.TRAINING_SESSIONS,
        "人才培养",
        "社工人才培养（期）",
        (
            *PAIRING_COLUMNS,
            _text("topic", "培训主题", "最多 200 字", "个案管理实务"),
            _date("starts_on", "开始日期", "须在结对期限内，且不晚于今天", "2018-05-10"),
            _date("ends_on", "结束日期", "不填则与开始日期相同", "2018-05-11", required=False),
            Column("hours", "学时", Cell.DECIMAL, True, "大于 0，最多 1 位小数", "12.5"),
            _choice("mode", "培训方式", TrainingMode, "", "现场"),
            _int("participants", "参训人数", "0 到 100000", "18"),
            EXTERNAL_ID,
        ),
        key_columns=("starts_on", "mode"),
    ),
    ImportKind.SERVICE_ACTIVITIES: KindSpec(
        ImportKind.SERVICE_ACTIVITIES,
        "服务记录",
        "服务记录",
        (
            *PAIRING_COLUMNS,
            _choice("kind", "服务类型", ServiceKind, "家庭探访、个案按人次，小组活动按节次，主题活动按次", "家庭探访"),
            _date("occurred_on", "服务日期", "须在结对期限内，且不晚于今天", "2018-06-01"),
            _int("count", "服务数量", "按服务类型的单位计（人次、节次或次），0 到 100000", "12"),
            _int("beneficiaries", "受益人数", "可选，0 到 1000000", "30", required=False),
            _text("station", "服务站", "可选；该结对的服务站名称", "尚德社工服务站", required=False),
            _text("note", "备注", "可选，最多 500 字", "", required=False),
            EXTERNAL_ID,
        ),
        key_columns=("occurred_on", "kind"),
    ),
    ImportKind.RESOURCE_LINKS: KindSpec(
        ImportKind.RESOURCE_LINKS,
        "链接资源",
        "链接资源",
        (
            *PAIRING_COLUMNS,
            _text("project_name", "项目名称", "链接的公益项目，最多 200 字", "清泉公益一对一助童助学"),
            _choice("kind", "资源类型", ResourceKind, "资金计入资助金额和资助批次，物资计入物资折价", "资金"),
            Column("amount_yuan", "金额(元)", Cell.DECIMAL, True, "不小于 0，最多 2 位小数", "30766.67"),
            _date("occurred_on", "日期", "须在结对期限内，且不晚于今天", "2019-09-01"),
            _text("donor", "捐赠方", "可选，最多 200 字", "清泉公益", required=False),
            _int("disbursement_batch", "资助批次", "可选，第几批，1 到 1000", "1", required=False),
            _int("people_funded", "资助人数", "可选，本条记录新资助的人数", "16", required=False),
            EXTERNAL_ID,
        ),
        key_columns=("occurred_on", "kind"),
    ),
    ImportKind.SERVICE_STATIONS: KindSpec(
        ImportKind.SERVICE_STATIONS,
        "社工服务站",
        "社工服务站",
        (
            *PAIRING_COLUMNS,
            _text("name", "服务站名称", "最多 200 字", "尚德社工服务站"),
            _text("region", "所在地区", "乡镇（街道）或村（社区）的区划代码，或能唯一确定它的名称", "410423101213"),
            _date("established_on", "建站日期", "须在结对期限内，且不晚于今天", "2018-03-15"),
            _text(
                "agency", "运营机构", "可选；结对的帮扶或受援机构（信用代码或全称），不填为受援机构", "", required=False
            ),
            EXTERNAL_ID,
        ),
        key_columns=("established_on", "name"),
    ),
}
