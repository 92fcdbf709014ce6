"""The assembled Schema."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache

from schema.execution import FastExecutionContext
from schema.mutation import Mutation
from schema.query import Query
from schema.subscription import Subscription
from schema.validation_cache import ValidationCache

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # Factories: a fresh extension per request; both caches live at module level and are shared.
    extensions=[lambda: ParserCache(maxsize=1024), ValidationCache],
    # Plain-attribute subtrees skip graphql-core's per-field machinery (see schema/execution.py).
    execution_context_class=FastExecutionContext,
)
