"""The directory an import resolves references against, read once per import: regions by code or
name, agencies by credit code or name, programs by name, pairings by their supported agency, and
stations by pairing and name. A name that matches several objects is refused, never guessed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from db.engine import Database
from db.models import Agency, Pairing, Program, Region, ServiceStation
from db.records import read_columns


class Unresolved(Exception):
    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


@dataclass
class Directory:
    regions_by_code: dict[str, Any] = field(default_factory=dict)
    regions_by_name: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    agencies_by_code: dict[str, Any] = field(default_factory=dict)
    agencies_by_name: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    agencies_by_id: dict[int, Any] = field(default_factory=dict)
    programs_by_name: dict[str, Any] = field(default_factory=dict)
    pairings_by_supported: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    stations: dict[tuple[int, str], list[Any]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    async def read(cls, db: Database, *, stations: bool = False) -> Directory:
        directory = cls()
        for region in await db.fetch(select(Region.id, Region.code, Region.name, Region.level, Region.path)):
            directory.regions_by_code[region.code] = region
            directory.regions_by_name[region.name].append(region)
        for agency in await db.fetch(select(*read_columns(Agency))):
            directory.add_agency(agency)
        for program in await db.fetch(select(*read_columns(Program))):
            directory.programs_by_name[program.name] = program
        for pairing in await db.fetch(select(*read_columns(Pairing))):
            directory.pairings_by_supported[pairing.supported_id].append(pairing)
        if stations:
            for station in await db.fetch(
                select(*read_columns(ServiceStation)).where(ServiceStation.voided_at.is_(None))
            ):
                if station.pairing_id is not None:
                    directory.stations[(station.pairing_id, station.name)].append(station)
        return directory

    def add_agency(self, agency: Any) -> None:
        if agency.credit_code:
            self.agencies_by_code[agency.credit_code] = agency
        self.agencies_by_name[agency.name].append(agency)
        self.agencies_by_id[agency.id] = agency

    def region(self, text: str) -> Any:
        if text in self.regions_by_code:
            return self.regions_by_code[text]
        return _one(self.regions_by_name.get(text, []), text, "region", "地区", "code", "区划代码")

    def agency(self, text: str) -> Any:
        code = text.upper()
        if code in self.agencies_by_code:
            return self.agencies_by_code[code]
        return _one(self.agencies_by_name.get(text, []), text, "agency", "机构", "credit code", "统一社会信用代码")

    def program(self, text: str) -> Any:
        program = self.programs_by_name.get(text)
        if program is None:
            raise Unresolved(f"no program named {text!r}", f"没有名为「{text}」的帮扶计划")
        return program

    def pairing(self, supported: Any, program: Any | None, starts_on: Any | None) -> Any:
        """The pairing of a supported agency, narrowed by program and start date where given."""
        found = [
            pairing
            for pairing in self.pairings_by_supported.get(supported.id, [])
            if (program is None or pairing.program_id == program.id)
            and (starts_on is None or pairing.starts_on == starts_on)
        ]
        if not found:
            raise Unresolved(f"{supported.name} has no such pairing", f"找不到{supported.name}的该结对")
        if len(found) > 1:
            raise Unresolved(
                f"{supported.name} has {len(found)} such pairings: give the program and the pairing's start date",
                f"{supported.name}有 {len(found)} 个结对，请填写帮扶计划和结对开始日期以区分",
            )
        return found[0]

    def station(self, pairing_id: int, name: str) -> Any:
        found = self.stations.get((pairing_id, name), [])
        if not found:
            raise Unresolved(f"the pairing has no station named {name!r}", f"该结对没有名为「{name}」的服务站")
        return _one(found, name, "station", "服务站", "name", "名称")


def _one(found: list[Any], text: str, thing: str, thing_zh: str, key: str, key_zh: str) -> Any:
    if not found:
        raise Unresolved(f"no {thing} with the {key} or name {text!r}", f"找不到{key_zh}或名称为「{text}」的{thing_zh}")
    if len(found) > 1:
        raise Unresolved(
            f"{len(found)} {thing}s are named {text!r}: give the {key} instead",
            f"名称为「{text}」的{thing_zh}有 {len(found)} 个，请改填{key_zh}",
        )
    return found[0]
