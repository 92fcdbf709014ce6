"""Service stations (社工服务站) a pairing set up in a township or village."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from db.models import Agency, Pairing, Region, RegionLevel, ServiceStation
from resolvers.tx import Tx
from resolvers.validation import NAME_LENGTH, Checks
from resolvers.voiding import VoidRecord, void_record
from resolvers.writes import mutation

STATION_LEVELS = frozenset({RegionLevel.TOWNSHIP, RegionLevel.VILLAGE})


@dataclass(frozen=True)
class CreateServiceStation:
    """The operating agency defaults to the pairing's supported agency, which runs the station."""

    pairing_id: str
    name: str
    region_id: str
    established_on: dt.date
    agency_id: str | None = None
    idempotency_key: str | None = None


def check_station(
    checks: Checks,
    pairing: Pairing,
    region: Region,
    agency: Agency | None,
    request: CreateServiceStation,
    today: dt.date,
) -> str | None:
    """The rules of a service station, for the mutation and the spreadsheet import; the name stripped."""
    name = checks.text("name", request.name, max_length=NAME_LENGTH)
    if region.level not in STATION_LEVELS:
        checks.fail(
            "region_id",
            f"a station lies in a township or village, not a {region.level.value}",
            message_zh="服务站须设在乡镇（街道）或村（社区）",
        )
    if agency is not None and agency.id not in (pairing.mentor_id, pairing.supported_id):
        checks.fail(
            "agency_id",
            "the operating agency must be the pairing's mentor or supported agency",
            message_zh="运营机构须为该结对的帮扶机构或受援机构",
        )
    checks.within_term("established_on", request.established_on, pairing)
    checks.not_future("established_on", request.established_on, today)
    return name


@mutation("createServiceStation", replay=ServiceStation)
async def create_service_station(tx: Tx, request: CreateServiceStation) -> ServiceStation:
    pairing = await tx.load(Pairing, request.pairing_id, "pairing_id")
    region = await tx.load(Region, request.region_id, "region_id")
    agency = await tx.load_optional(Agency, request.agency_id, "agency_id")
    tx.require(pairing=pairing)
    checks = Checks()
    name = check_station(checks, pairing, region, agency, request, tx.today)
    checks.done()
    return await tx.add(
        ServiceStation(
            pairing_id=pairing.id,
            name=name,
            region_id=region.id,
            agency_id=agency.id if agency else pairing.supported_id,
            established_on=request.established_on,
        )
    )


@mutation("voidServiceStation")
async def void_service_station(tx: Tx, request: VoidRecord) -> ServiceStation:
    return await void_record(tx, ServiceStation, request)
