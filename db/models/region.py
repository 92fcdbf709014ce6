from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, Id, IdMixin, PathString


class RegionLevel(enum.StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"


class Region(IdMixin, Base):
    """行政区划. `path` lists the ids from the root, e.g. "/1/5/23/", so a subtree is one index range."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=16, create_constraint=True))
    parent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("regions.id"), index=True)
    path: Mapped[str] = mapped_column(PathString, index=True, default="")

    parent: Mapped[Region | None] = relationship(remote_side="Region.id", lazy="raise")
