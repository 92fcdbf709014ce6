"""Display labels of every enum value, in Chinese and English: the one table that the web app (via
the `enumLabels` query), the reports and any dashboard share. Codes stay the API's; labels are for
people. A test checks that every value of every enum in the schema has a label here."""

from __future__ import annotations

import enum
from typing import NamedTuple, TypeVar

E = TypeVar("E", bound=enum.Enum)


class Label(NamedTuple):
    zh: str
    en: str


LABELS: dict[str, dict[str, Label]] = {
    "AgencyStatus": {
        "PREPARING": Label("筹备中", "Preparing"),
        "REGISTERED": Label("已登记", "Registered"),
        "DEREGISTERED": Label("已注销", "Deregistered"),
    },
    "PairingStatus": {
        "PLANNED": Label("计划中", "Planned"),
        "ACTIVE": Label("进行中", "Active"),
        "SUSPENDED": Label("已暂停", "Suspended"),
        "COMPLETED": Label("已完成", "Completed"),
        "TERMINATED": Label("已终止", "Terminated"),
    },
    "PairingHealth": {
        "NOT_STARTED": Label("未开始", "Not started"),
        "ON_TRACK": Label("正常", "On track"),
        "AT_RISK": Label("有风险", "At risk"),
        "OFF_TRACK": Label("严重滞后", "Off track"),
        "COMPLETED": Label("已完成", "Completed"),
    },
    "FocusArea": {
        "LEFT_BEHIND_CHILDREN": Label("留守儿童", "Left-behind children"),
        "CHILDREN_IN_DIFFICULTY": Label("困境儿童", "Children in difficulty"),
        "ELDERLY": Label("老年人", "Elderly"),
        "RELOCATION_COMMUNITY": Label("易地搬迁社区", "Relocation communities"),
        "GRASSROOTS_GOVERNANCE": Label("基层治理", "Grassroots governance"),
        "DISABILITY": Label("残疾人", "People with disabilities"),
        "SOCIAL_ASSISTANCE": Label("社会救助", "Social assistance"),
    },
    "MilestoneCategory": {
        "GOVERNANCE": Label("机构治理", "Governance"),
        "PROFESSIONAL_SERVICE": Label("专业服务", "Professional service"),
        "TALENT": Label("人才培养", "Talent"),
        "RESOURCE_MOBILIZATION": Label("资源链接", "Resource mobilization"),
        "INCUBATION": Label("组织孵化", "Incubation"),
        "PROJECT_MANAGEMENT": Label("项目管理", "Project management"),
    },
    "MilestoneStatus": {
        "NOT_STARTED": Label("未开始", "Not started"),
        "IN_PROGRESS": Label("进行中", "In progress"),
        "SUBMITTED": Label("待审核", "Submitted"),
        "RETURNED": Label("已退回", "Returned"),
        "ACHIEVED": Label("已达成", "Achieved"),
        "WAIVED": Label("已豁免", "Waived"),
    },
    "UpdateStatus": {
        "PENDING_REVIEW": Label("待审核", "Pending review"),
        "APPROVED": Label("已通过", "Approved"),
        "RETURNED": Label("已退回", "Returned"),
    },
    "MilestoneEventKind": {
        "SUBMITTED": Label("提交进展", "Submitted"),
        "APPROVED": Label("审核通过", "Approved"),
        "RETURNED": Label("退回修改", "Returned"),
    },
    "ReviewDecision": {
        "APPROVE": Label("通过", "Approve"),
        "RETURN": Label("退回", "Return"),
    },
    "TrainingMode": {
        "ON_SITE": Label("现场", "On site"),
        "REMOTE": Label("远程", "Remote"),
    },
    "ServiceKind": {
        "HOME_VISIT": Label("家庭探访", "Home visit"),
        "CASEWORK": Label("个案", "Casework"),
        "GROUP_SESSION": Label("小组活动", "Group session"),
        "THEMED_ACTIVITY": Label("主题活动", "Themed activity"),
    },
    "IncubationStage": {
        "INCUBATING": Label("孵化中", "Incubating"),
        "REGISTERED": Label("已登记", "Registered"),
        "INDEPENDENT": Label("独立运营", "Independent"),
    },
    "ResourceKind": {
        "CASH": Label("资金", "Cash"),
        "IN_KIND": Label("物资", "In kind"),
    },
    "RegionLevel": {
        "PROVINCE": Label("省", "Province"),
        "CITY": Label("市", "City"),
        "COUNTY": Label("县区", "County"),
        "TOWNSHIP": Label("镇街", "Township"),
        "VILLAGE": Label("村社区", "Village"),
    },
    "Role": {
        "ADMIN": Label("系统管理员", "Administrator"),
        "MINISTRY": Label("民政部门", "Ministry staff"),
        "REGIONAL_STAFF": Label("地方民政", "Regional staff"),
        "MENTOR_AGENCY": Label("帮扶机构", "Mentor agency"),
        "SUPPORTED_AGENCY": Label("受援机构", "Supported agency"),
        "VIEWER": Label("只读访客", "Viewer"),
    },
    "ImportKind": {
        "AGENCIES": Label("社工机构", "Agencies"),
        "PAIRINGS": Label("结对", "Pairings"),
        "MILESTONES": Label("能力建设里程碑", "Milestones"),
        "TRAINING_SESSIONS": Label("人才培养", "Training sessions"),
        "SERVICE_ACTIVITIES": Label("服务记录", "Service activities"),
        "RESOURCE_LINKS": Label("链接资源", "Resource links"),
        "SERVICE_STATIONS": Label("社工服务站", "Service stations"),
    },
    "ImportRowOutcome": {
        "CREATED": Label("新建", "Created"),
        "UPDATED": Label("更新", "Updated"),
        "UNCHANGED": Label("未变", "Unchanged"),
    },
    "ImportJobStatus": {
        "QUEUED": Label("排队中", "Queued"),
        "RUNNING": Label("导入中", "Running"),
        "SUCCEEDED": Label("已完成", "Succeeded"),
        "FAILED": Label("失败", "Failed"),
    },
    "ViewerKind": {
        "ACCOUNT": Label("账号", "Account"),
        "TOKEN": Label("API 令牌", "API token"),
        "ANONYMOUS": Label("匿名访客", "Anonymous"),
    },
    "NotificationKind": {
        "UPDATE_SUBMITTED": Label("进展报告待审核", "Update submitted"),
        "UPDATE_APPROVED": Label("进展报告已通过", "Update approved"),
        "UPDATE_RETURNED": Label("进展报告被退回", "Update returned"),
        "MILESTONE_DUE_SOON": Label("里程碑即将到期", "Milestone due soon"),
        "MILESTONE_OVERDUE": Label("里程碑已逾期", "Milestone overdue"),
        "PAIRING_OFF_TRACK": Label("结对进展严重滞后", "Pairing off track"),
    },
    "PairingSort": {
        "ID": Label("创建顺序", "Creation order"),
        "SUPPORTED_NAME": Label("受援机构名称", "Supported agency name"),
        "MENTOR_NAME": Label("帮扶机构名称", "Mentor agency name"),
        "REGION": Label("受援机构所在地区", "Supported agency's region"),
        "STARTS_ON": Label("开始日期", "Start date"),
        "PROGRESS": Label("完成进度", "Progress"),
        "OVERDUE": Label("逾期里程碑数", "Overdue milestones"),
        "HEALTH": Label("健康度", "Health"),
    },
    "SortDirection": {
        "ASC": Label("升序", "Ascending"),
        "DESC": Label("降序", "Descending"),
    },
    "WebhookFormat": {
        "PLAIN": Label("JSON", "JSON"),
        "WECOM": Label("企业微信群机器人", "WeCom group robot"),
        "DINGTALK": Label("钉钉群机器人", "DingTalk group robot"),
    },
    "WebhookDeliveryStatus": {
        "PENDING": Label("待发送", "Pending"),
        "DELIVERED": Label("已送达", "Delivered"),
        "FAILED": Label("发送失败", "Failed"),
    },
}


def zh(enum_name: str, value: str) -> str:
    """The Chinese label of a value, e.g. zh("PairingHealth", "AT_RISK") == "有风险"."""
    return LABELS[enum_name][value].zh


# --- by enum class, for the spreadsheet import and its templates ------------------------------------


def labels_of(enum_class: type[enum.Enum]) -> list[str]:
    """The Chinese labels in the enum's own order, as a template's drop-down lists them."""
    return [zh(enum_class.__name__, member.value) for member in enum_class]


def value_of(enum_class: type[E], text: str) -> E | None:
    """The member whose Chinese label (or code, any case) is `text`; None if there is none."""
    text = text.strip()
    for member in enum_class:
        if text == zh(enum_class.__name__, member.value) or text.upper() == member.value:
            return member
    return None
