"""The domain's enums, exposed under the contract's names."""

import enum

import strawberry

from db import models
from resolvers import pairing_order, progress

PairingStatus = strawberry.enum(models.PairingStatus, name="PairingStatus")
PairingHealth = strawberry.enum(progress.Health, name="PairingHealth")
MilestoneStatus = strawberry.enum(models.MilestoneStatus, name="MilestoneStatus")
MilestoneCategory = strawberry.enum(models.MilestoneCategory, name="MilestoneCategory")
UpdateStatus = strawberry.enum(models.UpdateStatus, name="UpdateStatus")
ServiceKind = strawberry.enum(models.ServiceKind, name="ServiceKind")
RegionLevel = strawberry.enum(models.RegionLevel, name="RegionLevel")
Role = strawberry.enum(models.Role, name="Role")
AgencyStatus = strawberry.enum(models.AgencyStatus, name="AgencyStatus")
FocusArea = strawberry.enum(models.FocusArea, name="FocusArea")
TrainingMode = strawberry.enum(models.TrainingMode, name="TrainingMode")
IncubationStage = strawberry.enum(models.IncubationStage, name="IncubationStage")
ResourceKind = strawberry.enum(models.ResourceKind, name="ResourceKind")
MilestoneEventKind = strawberry.enum(models.MilestoneEventKind, name="MilestoneEventKind")
PairingSort = strawberry.enum(
    pairing_order.PairingSort,
    name="PairingSort",
    description="What a pairing list sorts on. REGION is the supported agency's region code; HEALTH runs from "
    "COMPLETED, NOT_STARTED and ON_TRACK to AT_RISK and OFF_TRACK, so DESC puts pairings in trouble first.",
)


@strawberry.enum(description="Ascending or descending.")
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"
