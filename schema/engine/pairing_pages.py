"""Pairings as a page shows them: what the query selects on them fetched with the page.

A dashboard page of 50 pairings shows each one's agencies with their regions, its progress and
its totals. Loaded field by field, that is a resolver, a loader future and a completion per
pairing and field; here the page's agencies, regions, progress and totals come in one statement
(resolvers/pairing_details.py, for the parts the query selects: node_paths), each agency and region
is built once however many pairings share it, and the pairings' lists are asked for at the same
time (schema/engine/fetch_ahead.py). The pairings then hold plain values, which the fast
execution path completes without resolvers.
"""

from __future__ import annotations

from collections.abc import Sequence

from db import models
from db.reads.fast_paths import FAST_PATHS
from resolvers.loaders import Loaders
from resolvers.pairing_details import DetailParts, PairingDetails
from schema.agencies import Agency
from schema.context import Info
from schema.engine.fetch_ahead import Fetch, fetch_lists_ahead
from schema.engine.lookahead import Selected, node_paths
from schema.pairings import PAIRING_LISTS, Pairing
from schema.regions import Region


async def pairings_of(info: Info, rows: Sequence[models.Pairing]) -> list[Pairing]:
    """The pairings of the page that the current field returns, with what the query selects on them
    fetched ahead: their agencies, progress and totals in one statement, their lists in a batch each."""
    loaders, pks = info.context.loaders, [row.id for row in rows]
    parts = _detail_parts(node_paths(info))
    fetching = fetch_lists_ahead(loaders, pks, PAIRING_LISTS, Selected.here(info).connection_nodes())
    try:
        if not parts or not FAST_PATHS.fetch_ahead:
            return [Pairing.from_model(row, loaders) for row in rows]
        details = await loaders.pairing_details(parts).load_many(pks)
    finally:
        await fetching
    return _built(loaders, rows, details)


def fetch_pairing_ahead(info: Info, pk: int) -> Fetch:
    """fetch_lists_ahead for the pairing that `pairing(id)` or `node(id)` reads."""
    return fetch_lists_ahead(info.context.loaders, [pk], PAIRING_LISTS, Selected.here(info, "Pairing"))


def _detail_parts(paths: frozenset[str]) -> DetailParts:
    """The parts of the pairings' details that the query selects on them."""
    return DetailParts(
        agencies=bool({"mentor", "supported"} & paths),
        progress="progress" in paths,
        totals=bool({"serviceTotals", "resourceTotals"} & paths),
    )


def _built(loaders: Loaders, rows: Sequence[models.Pairing], details: list[PairingDetails]) -> list[Pairing]:
    agencies = _Agencies(loaders)
    return [
        Pairing.from_model(
            row,
            loaders,
            found,
            agencies.get(found.mentor, found.mentor_region),
            agencies.get(found.supported, found.supported_region),
        )
        for row, found in zip(rows, details, strict=True)
    ]


class _Agencies:
    """The agencies and regions a page fetched, each built once however many of its pairings share it."""

    def __init__(self, loaders: Loaders) -> None:
        self.loaders = loaders
        self.agencies: dict[int, Agency] = {}
        self.regions: dict[int, Region] = {}

    def get(self, row: models.Agency | None, region_row: models.Region | None) -> Agency | None:
        # Both are None where the page did not fetch agencies; an agency comes with its region's row.
        if row is None or region_row is None:
            return None
        agency = self.agencies.get(row.id)
        if agency is None:
            region = self.regions.get(region_row.id)
            if region is None:
                region = self.regions[region_row.id] = Region.from_model(region_row)
            agency = self.agencies[row.id] = Agency.from_model(row, self.loaders, region)
        return agency
