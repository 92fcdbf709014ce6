"""The request scope every resolver works in: database, actor, today's date, loaders."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from db.engine import Database
from resolvers.access import ANONYMOUS, Actor
from resolvers.errors import ENGLISH
from resolvers.evidence import EvidenceStore
from resolvers.imports.files import ImportLimits
from resolvers.loaders import Loaders

CHINA = ZoneInfo("Asia/Shanghai")


def china_today() -> dt.date:
    """Dates in this domain are China dates, whatever the server's own time zone."""
    return dt.datetime.now(CHINA).date()


@dataclass
class Scope:
    db: Database
    actor: Actor = ANONYMOUS
    today: dt.date = field(default_factory=china_today)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # CHINESE when the caller reads Chinese (server/i18n.py): messages to people are then in Chinese.
    language: str = ENGLISH
    import_limits: ImportLimits = field(default_factory=ImportLimits)
    # Where writes put evidence files; None where no files are taken (scripts, the CLI).
    files: EvidenceStore | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.actor, self.today)
