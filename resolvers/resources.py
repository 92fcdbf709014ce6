"""Linked resources (链接资源): one disbursement of a charity project per record, amounts in yuan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from db.models import Pairing, ResourceKind, ResourceLink
from resolvers.totals import add_to_totals, resource_delta
from resolvers.tx import Tx
from resolvers.validation import MAX_PEOPLE, NAME_LENGTH, Checks
from resolvers.voiding import VoidRecord, void_record
from resolvers.writes import mutation

MAX_BATCH = 1_000


@dataclass(frozen=True)
class RecordResourceLink:
    pairing_id: str
    project_name: str
    kind: ResourceKind
    amount_yuan: Decimal
    occurred_on: dt.date
    donor: str | None = None
    disbursement_batch: int | None = None
    people_funded: int = 0
    idempotency_key: str | None = None
    # EvidenceUpload (or StoredEvidence once stored): the files the write attaches.
    evidence: list[Any] = field(default_factory=list)


def check_resource(
    checks: Checks, pairing: Pairing, request: RecordResourceLink, today: dt.date
) -> tuple[str | None, str | None]:
    """The rules of a linked resource, for the mutation and the spreadsheet import; project and donor stripped."""
    project_name = checks.text("project_name", request.project_name, max_length=NAME_LENGTH)
    donor = checks.text("donor", request.donor, max_length=NAME_LENGTH, required=False)
    checks.decimal("amount_yuan", request.amount_yuan)
    checks.within_term("occurred_on", request.occurred_on, pairing)
    checks.not_future("occurred_on", request.occurred_on, today)
    checks.number("disbursement_batch", request.disbursement_batch, low=1, high=MAX_BATCH)
    checks.number("people_funded", request.people_funded, high=MAX_PEOPLE)
    return project_name, donor


@mutation("recordResourceLink", replay=ResourceLink)
async def record_resource_link(tx: Tx, request: RecordResourceLink) -> ResourceLink:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    tx.require(pairing=pairing)
    checks = Checks()
    project_name, donor = check_resource(checks, pairing, request, tx.today)
    checks.done()
    link = await tx.add(
        ResourceLink(
            pairing_id=pairing.id,
            project_name=project_name,
            donor=donor,
            kind=request.kind,
            amount_yuan=request.amount_yuan,
            disbursement_batch=request.disbursement_batch,
            people_funded=request.people_funded,
            occurred_on=request.occurred_on,
        ),
        request.evidence,
    )
    await add_to_totals(tx.session, pairing.id, resource_delta(link))
    return link


@mutation("voidResourceLink")
async def void_resource_link(tx: Tx, request: VoidRecord) -> ResourceLink:
    link = await void_record(tx, ResourceLink, request)
    await add_to_totals(tx.session, link.pairing_id, resource_delta(link, -1))
    return link
