"""The Chinese label of every enum value people read: in reports, import templates and the web app.

One table, so that a template's drop-down, the import that reads it back and a report all say the
same words. `LABELS[EnumClass][value]` is the label; `value_of(EnumClass, text)` reads a label (or
the value's own English name) back.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from db.models import (
    AgencyStatus,
    FocusArea,
    IncubationStage,
    MilestoneCategory,
    MilestoneStatus,
    PairingStatus,
    ResourceKind,
    ServiceKind,
    TrainingMode,
)

E = TypeVar("E", bound=enum.Enum)

LABELS: dict[type[enum.Enum], dict[enum.Enum, str]] = {
    AgencyStatus: {
        AgencyStatus.PREPARING: "筹备中",
        AgencyStatus.REGISTERED: "已登记",
        AgencyStatus.DEREGISTERED: "已注销",
    },
    PairingStatus: {
        PairingStatus.PLANNED: "计划中",
        PairingStatus.ACTIVE: "进行中",
        PairingStatus.SUSPENDED: "已暂停",
        PairingStatus.COMPLETED: "已完成",
        PairingStatus.TERMINATED: "已终止",
    },
    FocusArea: {
        FocusArea.LEFT_BEHIND_CHILDREN: "留守儿童",
        FocusArea.CHILDREN_IN_DIFFICULTY: "困境儿童",
        FocusArea.ELDERLY: "老年人",
        FocusArea.RELOCATION_COMMUNITY: "易地搬迁社区",
        FocusArea.GRASSROOTS_GOVERNANCE: "基层治理",
        FocusArea.DISABILITY: "残疾人",
        FocusArea.SOCIAL_ASSISTANCE: "社会救助",
    },
    MilestoneCategory: {
        MilestoneCategory.GOVERNANCE: "机构治理",
        MilestoneCategory.PROFESSIONAL_SERVICE: "专业服务",
        MilestoneCategory.TALENT: "人才培养",
        MilestoneCategory.RESOURCE_MOBILIZATION: "资源链接",
        MilestoneCategory.INCUBATION: "孵化培育",
        MilestoneCategory.PROJECT_MANAGEMENT: "项目管理",
    },
    MilestoneStatus: {
        MilestoneStatus.NOT_STARTED: "未开始",
        MilestoneStatus.IN_PROGRESS: "进行中",
        MilestoneStatus.SUBMITTED: "待审核",
        MilestoneStatus.RETURNED: "已退回",
        MilestoneStatus.ACHIEVED: "已达成",
        MilestoneStatus.WAIVED: "已免除",
    },
    TrainingMode: {TrainingMode.ON_SITE: "现场", TrainingMode.REMOTE: "远程"},
    ServiceKind: {
        ServiceKind.HOME_VISIT: "家庭探访",
        ServiceKind.CASEWORK: "个案",
        ServiceKind.GROUP_SESSION: "小组活动",
        ServiceKind.THEMED_ACTIVITY: "主题活动",
    },
    ResourceKind: {ResourceKind.CASH: "资金", ResourceKind.IN_KIND: "物资"},
    IncubationStage: {
        IncubationStage.INCUBATING: "孵化中",
        IncubationStage.REGISTERED: "已登记",
        IncubationStage.INDEPENDENT: "已独立运营",
    },
}


def label(value: enum.Enum) -> str:
    return LABELS[type(value)][value]


def labels_of(enum_class: type[enum.Enum]) -> list[str]:
    """The labels in the enum's own order, as a template's drop-down lists them."""
    return [LABELS[enum_class][member] for member in enum_class]


def value_of(enum_class: type[E], text: str) -> E | None:
    """The member whose label (or English name, any case) is `text`; None if there is none."""
    text = text.strip()
    for member, member_label in LABELS[enum_class].items():
        if text == member_label or text.upper() == member.name:
            return member  # type: ignore[return-value]
    return None
