"""Every table of the service; importing this package registers them all on `Base.metadata`."""

from db.base import Base
from db.models.account import Account, AccountSession, SignInAttempt
from db.models.activity import ServiceActivity, ServiceKind
from db.models.agency import Agency, AgencyStatus
from db.models.audit import AuditEvent
from db.models.data_version import DataVersion
from db.models.event import MilestoneEvent, MilestoneEventKind
from db.models.evidence import EvidenceFile
from db.models.idempotency import IdempotencyRecord
from db.models.imports import ImportJob, ImportJobStatus
from db.models.incubation import IncubatedOrganization, IncubationStage
from db.models.milestone import (
    CLOSED_MILESTONE_STATUSES,
    Milestone,
    MilestoneCategory,
    MilestoneStatus,
    MilestoneUpdate,
    UpdateStatus,
)
from db.models.notification import (
    DeliveryStatus,
    DigestClaim,
    Notification,
    NotificationKind,
    NotificationSettings,
    PairingHealthMark,
    PrincipalKind,
    WebhookDelivery,
    WebhookFormat,
    WebhookSubscription,
)
from db.models.pairing import FocusArea, Pairing, PairingStatus
from db.models.program import Program
from db.models.region import Region, RegionLevel
from db.models.resource import ResourceKind, ResourceLink
from db.models.station import ServiceStation
from db.models.token import ApiToken, CredentialChanges, Role
from db.models.totals import PairingTotals, ProgramOpenMilestones, ProgramTotals
from db.models.training import TrainingMode, TrainingSession

__all__ = [
    "CLOSED_MILESTONE_STATUSES",
    "Account",
    "AccountSession",
    "SignInAttempt",
    "Agency",
    "AgencyStatus",
    "ApiToken",
    "CredentialChanges",
    "AuditEvent",
    "DataVersion",
    "Base",
    "EvidenceFile",
    "FocusArea",
    "IdempotencyRecord",
    "ImportJob",
    "ImportJobStatus",
    "IncubatedOrganization",
    "IncubationStage",
    "Milestone",
    "MilestoneCategory",
    "MilestoneEvent",
    "MilestoneEventKind",
    "MilestoneStatus",
    "MilestoneUpdate",
    "Pairing",
    "PairingStatus",
    "PairingTotals",
    "ProgramOpenMilestones",
    "ProgramTotals",
    "Program",
    "Region",
    "RegionLevel",
    "ResourceKind",
    "ResourceLink",
    "Role",
    "ServiceActivity",
    "ServiceKind",
    "ServiceStation",
    "TrainingMode",
    "TrainingSession",
    "UpdateStatus",
    "DeliveryStatus",
    "DigestClaim",
    "Notification",
    "NotificationKind",
    "NotificationSettings",
    "PairingHealthMark",
    "PrincipalKind",
    "WebhookDelivery",
    "WebhookFormat",
    "WebhookSubscription",
]
