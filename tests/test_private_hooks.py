"""The private hooks of libraries that our fast paths rely on are where we expect them.

The fast paths (db/reads/fast_paths.py) reach into strawberry-graphql, graphql-core, SQLAlchemy and
Uvicorn beyond their public APIs; pyproject.toml caps those libraries to the minor series tested.
When an upgrade moves a hook, its test here fails with the library, the hook and OUR file to fix,
before the fast path breaks at run time (or quietly falls back on every request).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import GraphQLResolveInfo
from sqlalchemy import column, select, table
from sqlalchemy.dialects import postgresql


@dataclass(frozen=True)
class Hook:
    library: str
    name: str
    ours: str  # our file that relies on it
    holds: Callable[[], Any]  # true while the hook is as we use it; may raise if it is gone

    def __str__(self) -> str:
        return self.name


def item(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def takes(function: Callable[..., Any], *names: str) -> bool:
    """Whether `function`'s first parameters (after self) are `names`, in this order."""
    parameters = [name for name in inspect.signature(function).parameters if name != "self"]
    return parameters[: len(names)] == list(names)


def executor() -> Any:
    return item("strawberry.schema.schema", "StrawberryGraphQLCoreExecutionContext")


def fields_of(cls: Any) -> set[str]:
    return set(getattr(cls, "_fields", ())) or {each.name for each in dataclasses.fields(cls)}


def pg_select() -> Any:
    rows = table("rows", column("id"), column("name"))
    return select(rows.c.id).where(rows.c.name == "x").order_by(rows.c.id)


def compiled() -> Any:
    return pg_select().compile(dialect=postgresql.asyncpg.dialect())


# The engine's files (schema/engine/README.md) that use the hooks.
EXECUTION, COMPLETERS = "schema/engine/execution.py", "schema/engine/completers.py"
LOOKAHEAD = "schema/engine/lookahead.py"
PREPARED, COMBINED = "db/reads/prepared.py", "db/reads/combined.py"
GRAPHQL_CORE, STRAWBERRY, SQLALCHEMY = "graphql-core", "strawberry-graphql", "SQLAlchemy"

HOOKS = [
    # graphql-core's executor, extended by the fast execution path.
    Hook(
        GRAPHQL_CORE,
        "complete_object_value(return_type, field_details_list, info, path, result, position_context)",
        EXECUTION,
        lambda: takes(
            executor().complete_object_value,
            "return_type",
            "field_details_list",
            "info",
            "path",
            "result",
            "position_context",
        ),
    ),
    Hook(
        GRAPHQL_CORE,
        "collect_subfields(return_type, field_details_list) -> (fields, defer usages, ...)",
        EXECUTION,
        lambda: takes(executor().collect_subfields, "return_type", "field_details_list"),
    ),
    Hook(
        GRAPHQL_CORE,
        "execute_fields(parent_type, source_value, path, grouped_field_set, position_context)",
        EXECUTION,
        lambda: takes(
            executor().execute_fields, "parent_type", "source_value", "path", "grouped_field_set", "position_context"
        ),
    ),
    Hook(
        GRAPHQL_CORE,
        "gather_async_work and track_async_work",
        EXECUTION,
        lambda: takes(executor().gather_async_work, "values") and takes(executor().track_async_work, "values"),
    ),
    Hook(
        GRAPHQL_CORE,
        "GraphQLResolveInfoHelpers(gather, track)",
        EXECUTION,
        lambda: fields_of(item("graphql", "GraphQLResolveInfoHelpers")) == {"gather", "track"},
    ),
    Hook(
        GRAPHQL_CORE,
        "graphql.execution.collect_fields.FieldDetails(node, fragment_variable_values)",
        EXECUTION,
        lambda: (
            item("graphql.execution.collect_fields", "FieldDetailsList") is not None
            and {"node", "fragment_variable_values"}
            <= set(item("graphql.execution.collect_fields", "FieldDetails").__annotations__)
        ),
    ),
    Hook(
        GRAPHQL_CORE,
        "GraphQLScalarType(coerce_output_value=...)",
        COMPLETERS,
        lambda: "coerce_output_value" in inspect.signature(item("graphql", "GraphQLScalarType")).parameters,
    ),
    Hook(
        GRAPHQL_CORE,
        "graphql.execution.values.VariableValues(sources, coerced)",
        LOOKAHEAD,
        lambda: fields_of(item("graphql.execution.values", "VariableValues")) == {"sources", "coerced"},
    ),
    Hook(
        GRAPHQL_CORE,
        "get_argument_values(type_def, node, variable_values)",
        LOOKAHEAD,
        lambda: takes(item("graphql", "get_argument_values"), "type_def", "node", "variable_values"),
    ),
    # strawberry's execution context, schema and field definitions.
    Hook(STRAWBERRY, "strawberry.schema.schema.StrawberryGraphQLCoreExecutionContext", EXECUTION, executor),
    Hook(
        STRAWBERRY,
        "strawberry.types.arguments.convert_arguments(value, arguments, scalar_registry, config)",
        LOOKAHEAD,
        lambda: takes(
            item("strawberry.types.arguments", "convert_arguments"), "value", "arguments", "scalar_registry", "config"
        ),
    ),
    Hook(
        STRAWBERRY,
        "Info(_raw_info, ...)",
        LOOKAHEAD,
        lambda: takes(item("strawberry.types.info", "Info").__init__, "_raw_info"),
    ),
    Hook(
        STRAWBERRY,
        "StrawberryField.default_resolver, python_name, metadata, extensions, arguments",
        f"{EXECUTION}, {COMPLETERS}",
        lambda: (
            {"default_resolver", "python_name", "metadata", "extensions", "arguments"}
            <= set(inspect.signature(item("strawberry.types.field", "StrawberryField").__init__).parameters)
            | set(dir(item("strawberry.types.field", "StrawberryField")))
        ),
    ),
    Hook(
        STRAWBERRY,
        "StrawberryObjectDefinition.origin and concrete_of",
        EXECUTION,
        lambda: {"origin", "concrete_of"} <= fields_of(item("strawberry.types.base", "StrawberryObjectDefinition")),
    ),
    Hook(
        STRAWBERRY,
        "BaseGraphQLTransportWSHandler._send_result_stream(operation, result_source)",
        "server/websocket.py",
        lambda: takes(
            item(
                "strawberry.subscriptions.protocols.graphql_transport_ws.handlers", "BaseGraphQLTransportWSHandler"
            )._send_result_stream,
            "operation",
            "result_source",
        ),
    ),
    Hook(
        STRAWBERRY,
        "BaseGraphQLTransportWSHandler.run_operation(operation)",
        "server/websocket.py",
        lambda: takes(
            item(
                "strawberry.subscriptions.protocols.graphql_transport_ws.handlers", "BaseGraphQLTransportWSHandler"
            ).run_operation,
            "operation",
        ),
    ),
    Hook(
        STRAWBERRY,
        "Operation(handler, id, query, variables, operation_name).send_operation_message",
        "server/websocket.py",
        lambda: (
            takes(
                item("strawberry.subscriptions.protocols.graphql_transport_ws.handlers", "Operation").__init__,
                "handler",
                "id",
                "query",
                "variables",
                "operation_name",
            )
            and callable(
                item(
                    "strawberry.subscriptions.protocols.graphql_transport_ws.handlers", "Operation"
                ).send_operation_message
            )
        ),
    ),
    Hook(
        STRAWBERRY,
        "strawberry.execution.optimized_is_awaitable",
        "schema/schema.py",
        lambda: callable(item("strawberry.execution", "optimized_is_awaitable")),
    ),
    # SQLAlchemy's statements and compiled statements, read by the prepared and combined reads.
    Hook(
        SQLALCHEMY,
        "Select._distinct and Select._order_by_clauses",
        COMBINED,
        lambda: pg_select()._distinct is False and len(pg_select()._order_by_clauses) == 1,
    ),
    Hook(
        SQLALCHEMY,
        "SQLCompiler.positiontup, binds, post_compile_params, string",
        PREPARED,
        lambda: (
            compiled().positiontup == ["name_1"]
            and "name_1" in compiled().binds
            and not compiled().post_compile_params
            and "$1" in compiled().string
        ),
    ),
    Hook(
        SQLALCHEMY,
        "SQLCompiler.construct_params(params)",
        PREPARED,
        lambda: compiled().construct_params({"name_1": "y"})["name_1"] == "y",
    ),
    Hook(
        SQLALCHEMY,
        "sqlalchemy.util.concurrency.greenlet_spawn(fn, *args)",
        "db/engine.py",
        lambda: takes(item("sqlalchemy.util.concurrency", "greenlet_spawn"), "fn", "args"),
    ),
    Hook(
        "uvicorn",
        "uvicorn.Server.run(sockets)",
        "server/workers.py",
        lambda: takes(item("uvicorn", "Server").run, "sockets"),
    ),
    Hook(
        "uvicorn",
        "HttpToolsProtocol's connection and parser callbacks",
        "server/timeouts.py",
        lambda: all(
            callable(getattr(item("uvicorn.protocols.http.httptools_impl", "HttpToolsProtocol"), name))
            for name in (
                "connection_made",
                "connection_lost",
                "on_message_begin",
                "on_headers_complete",
                "on_body",
                "on_message_complete",
                "handle_websocket_upgrade",
            )
        ),
    ),
    # Starlette's multipart parser, extended with a per-file limit.
    Hook(
        "starlette",
        "MultiPartParser.on_part_begin, on_part_data(data, start, end) and _current_part",
        "server/multipart.py",
        lambda: (
            takes(item("starlette.formparsers", "MultiPartParser").on_part_data, "data", "start", "end")
            and callable(item("starlette.formparsers", "MultiPartParser").on_part_begin)
            and "_current_part" in inspect.getsource(item("starlette.formparsers", "MultiPartParser"))
        ),
    ),
]


@pytest.mark.parametrize("hook", HOOKS, ids=str)
def test_every_private_hook_we_rely_on_is_where_we_expect_it(hook: Hook) -> None:
    try:
        holds = hook.holds()
    except Exception as error:  # a hook that is gone raises (ImportError, AttributeError, ...)
        pytest.fail(f"{hook.library} no longer has {hook.name} ({error!r}): fix {hook.ours}")
    assert holds, f"{hook.library} changed {hook.name}: fix {hook.ours}"


def test_every_hook_names_a_file_that_exists() -> None:
    """A canary that names a moved or deleted file would send whoever upgrades to the wrong place."""
    root = Path(__file__).resolve().parent.parent
    named = {path.strip() for hook in HOOKS for path in hook.ours.split(",")}
    assert sorted(path for path in named if not (root / path).is_file()) == []


# What the executor holds while it completes an object, as schema/engine/execution.py reads it.
seen: dict[str, Any] = {}


class Recording(executor()):  # type: ignore[misc]
    def complete_object_value(
        self, return_type: Any, field_details_list: Any, info: GraphQLResolveInfo, *args: Any
    ) -> Any:
        if "grouped" not in seen:
            fragment = next(iter(self.fragments.values()))
            seen.update(
                operation=self.operation,
                variable_values=self.variable_values,
                middleware_manager=self.middleware_manager,
                is_awaitable=self.is_awaitable,
                async_helpers=self.async_helpers,
                fragment=(fragment.definition, fragment.variable_signatures),
                grouped=self.collect_subfields(return_type, field_details_list),
                resolve=return_type.fields["name"].resolve.__name__,
                definition=return_type.extensions["strawberry-definition"],
                raw_info=info,
            )
        return super().complete_object_value(return_type, field_details_list, info, *args)


@strawberry.type
class Leaf:
    name: str


@strawberry.type
class Tree:
    @strawberry.field
    def leaf(self, info: strawberry.Info) -> Leaf:
        seen["strawberry_schema"] = info._raw_info.schema._strawberry_schema
        return Leaf(name="x")


async def test_the_executor_holds_what_the_fast_path_reads_while_completing_an_object() -> None:
    hooks = strawberry.Schema(query=Tree, execution_context_class=Recording)
    seen.clear()
    result = await hooks.execute("query { leaf { ...F } } fragment F on Leaf { name }")
    assert result.errors is None, f"graphql-core or strawberry changed the executor: fix {EXECUTION}"
    grouped, *_ = seen["grouped"]
    assert "name" in grouped, f"collect_subfields no longer returns the grouped fields first: fix {EXECUTION}"
    assert seen["resolve"] == "_get_basic_result", f"strawberry renamed its default resolver: fix {EXECUTION}"
    assert seen["definition"].origin is Leaf, f"strawberry moved its type definitions: fix {EXECUTION}"
    assert seen["raw_info"].field_name == "leaf", f"complete_object_value's info moved: fix {EXECUTION}"
    assert seen["strawberry_schema"] is hooks, f"GraphQLSchema._strawberry_schema moved: fix {LOOKAHEAD}"
    assert hooks._schema is seen["raw_info"].schema, (
        "strawberry's Schema._schema moved: fix schema/schema.py, server/graphql_http.py"
    )
