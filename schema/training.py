from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from db import models
from resolvers.ids import encode_id
from schema.context import Info
from schema.enums import TrainingMode
from schema.evidence import EVIDENCE_DESCRIPTION, EvidenceFile, evidence_of
from schema.relay import Node, instance


@strawberry.type(description="社工人才培养: one training session (期).")
class TrainingSession(Node):
    topic: str
    starts_on: dt.date
    ends_on: dt.date
    hours: Decimal
    mode: TrainingMode
    participants: int
    voided_at: dt.datetime | None = strawberry.field(
        description="Set when the record was voided; voided records count nowhere."
    )
    void_reason: str | None
    pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, session: models.TrainingSession) -> TrainingSession:
        return instance(
            cls,
            {
                "id": encode_id("TrainingSession", session.id),
                "pk": session.id,
                "voided_at": session.voided_at,
                "void_reason": session.void_reason,
                "topic": session.topic,
                "starts_on": session.starts_on,
                "ends_on": session.ends_on,
                "hours": session.hours,
                "mode": session.mode,
                "participants": session.participants,
            },
        )

    @strawberry.field(description=EVIDENCE_DESCRIPTION)
    async def evidence(self, info: Info) -> list[EvidenceFile]:
        return await evidence_of(info, "TrainingSession", self.pk)
