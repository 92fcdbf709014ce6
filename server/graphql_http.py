"""GraphQL over HTTP: request parsing, execution and JSON responses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.http.ides import get_graphql_ide_html

from resolvers.scope import Scope

log = logging.getLogger("qianshou.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def json_response(payload: dict[str, Any], status: int = 200, media_type: str = JSON) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type=media_type)


def error_payload(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def read_request(request: Request) -> GraphQLRequest:
    if request.method == "GET":
        params = request.query_params
        body: dict[str, Any] = dict(params)
        if "variables" in body:
            body["variables"] = _loads(body["variables"], "variables")
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise BadRequest("POST requests must have content-type application/json", status=415)
        body = _loads(await request.body(), "body")
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("the request has no `query` string")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object")
    operation_name = body.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string")
    return GraphQLRequest(query, variables, operation_name)


def _loads(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the {what} is not valid JSON: {exc}") from None


def format_error(error: GraphQLError) -> dict[str, Any]:
    formatted = error.formatted
    if "code" not in (formatted.get("extensions") or {}):
        code = "INTERNAL" if error.original_error is not None else "GRAPHQL_VALIDATION_FAILED"
        formatted["extensions"] = {**(formatted.get("extensions") or {}), "code": code}
    return formatted


def graphiql_page() -> HTMLResponse:
    return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))


async def execute(schema, request: GraphQLRequest, scope: Scope) -> dict[str, Any]:
    result = await schema.execute(
        request.query,
        variable_values=request.variables,
        context_value=scope,
        operation_name=request.operation_name,
    )
    payload: dict[str, Any] = {}
    if result.errors:
        payload["errors"] = [format_error(error) for error in result.errors]
    payload["data"] = result.data
    return payload
