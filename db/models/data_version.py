from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class DataVersion(Base):
    """One slot of the data version (db/data_version.py): the sum of all slots goes up by at least one
    with every committed transaction that changed what a query can return. Written by triggers only."""

    __tablename__ = "data_versions"

    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
