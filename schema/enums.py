"""The domain's enums, exposed under the contract's names.

strawberry.enum registers the class itself and returns it; naming the class first (not the call's
result) keeps each name a type that mypy accepts in annotations."""

import enum

import strawberry

from db import models
from resolvers import pairing_order, progress

PairingStatus = models.PairingStatus
strawberry.enum(PairingStatus, name="PairingStatus")
PairingHealth = progress.Health
strawberry.enum(PairingHealth, name="PairingHealth")
MilestoneStatus = models.MilestoneStatus
strawberry.enum(MilestoneStatus, name="MilestoneStatus")
MilestoneCategory = models.MilestoneCategory
strawberry.enum(MilestoneCategory, name="MilestoneCategory")
UpdateStatus = models.UpdateStatus
strawberry.enum(UpdateStatus, name="UpdateStatus")
ServiceKind = models.ServiceKind
strawberry.enum(ServiceKind, name="ServiceKind")
RegionLevel = models.RegionLevel
strawberry.enum(RegionLevel, name="RegionLevel")
Role = models.Role
strawberry.enum(Role, name="Role")
AgencyStatus = models.AgencyStatus
strawberry.enum(AgencyStatus, name="AgencyStatus")
FocusArea = models.FocusArea
strawberry.enum(FocusArea, name="FocusArea")
TrainingMode = models.TrainingMode
strawberry.enum(TrainingMode, name="TrainingMode")
IncubationStage = models.IncubationStage
strawberry.enum(IncubationStage, name="IncubationStage")
ResourceKind = models.ResourceKind
strawberry.enum(ResourceKind, name="ResourceKind")
MilestoneEventKind = models.MilestoneEventKind
strawberry.enum(MilestoneEventKind, name="MilestoneEventKind")
PairingSort = pairing_order.PairingSort
strawberry.enum(
    PairingSort,
    name="PairingSort",
    description="What a pairing list sorts on. REGION is the supported agency's region code; HEALTH runs from "
    "COMPLETED, NOT_STARTED and ON_TRACK to AT_RISK and OFF_TRACK, so DESC puts pairings in trouble first.",
)


@strawberry.enum(description="Ascending or descending.")
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"
