"""The assembled Schema."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from schema.query import Query

schema = strawberry.Schema(
    query=Query,
    extensions=[ParserCache(maxsize=1024), ValidationCache(maxsize=1024)],
)
