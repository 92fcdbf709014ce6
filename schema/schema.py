"""The assembled Schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard, cast

import strawberry
from graphql import DocumentNode, ExecutionResult, execute, get_operation_ast
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import ParserCache
from strawberry.tools import merge_types

from schema.accounts import AccountQuery
from schema.engine.execution import FastExecutionContext, JsonExecutionContext
from schema.engine.sql_answers import answer_in_sql
from schema.imports import ImportQuery
from schema.mutation import Mutation
from schema.notifications import NotificationQuery
from schema.query import Query
from schema.subscription import Subscription
from schema.webhooks import WebhookQuery

schema = strawberry.Schema(
    # The fields of parts of the domain with a module of their own are merged into the Query root.
    query=merge_types("Query", (Query, AccountQuery, ImportQuery, NotificationQuery, WebhookQuery)),
    mutation=Mutation,
    subscription=Subscription,
    # A factory: a fresh extension per request; the cache lives at module level and is shared.
    extensions=[lambda: ParserCache(maxsize=1024)],
    # Plain-attribute subtrees skip graphql-core's per-field machinery (see schema/engine/execution.py).
    execution_context_class=FastExecutionContext,
)

# strawberry types its check as returning bool where graphql-core asks for a TypeGuard: the same check.
_is_awaitable = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)


async def execute_checked(
    document: DocumentNode,
    context: Any,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    coerced: dict[str, Any] | None = None,
) -> ExecutionResult:
    """A document that has already been parsed and validated (the server's check_document), run
    by graphql-core directly. strawberry's Schema.execute would look up both again through its
    extensions and build its own execution context and extension runner: about 100 µs a request.
    The result's data is for orjson to write: it may hold dates and times (JsonExecutionContext), and
    the text of answers that PostgreSQL wrote (schema/engine/sql_answers.py). `coerced`: the variables
    as checking coerced them, if it did; graphql-core coerces its own."""
    operation = get_operation_ast(document, operation_name)  # None where graphql-core would refuse
    if operation is not None:
        data = await answer_in_sql(schema._schema, document, operation, context, variables, coerced)
        if data is not None:
            return ExecutionResult(data=data)
    result = execute(
        schema._schema,
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        executor_class=JsonExecutionContext,
        is_awaitable=_is_awaitable,
    )
    return result if isinstance(result, ExecutionResult) else await result
