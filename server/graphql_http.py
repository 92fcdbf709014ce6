"""GraphQL over HTTP (the GraphQL-over-HTTP spec): request parsing, checks before execution,
execution, and responses in `application/graphql-response+json` or `application/json`.

With `application/graphql-response+json` the status says what happened: 400 when the document
could not be parsed or validated (limits included), 401/403 when the request as a whole was refused.
With `application/json` such answers are 200 with `errors`, as older clients expect.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    get_variable_values,
    specified_rules,
    validate,
)
from starlette.requests import Request
from starlette.responses import Response
from strawberry import Schema

from resolvers.scope import Scope
from schema.schema import execute_checked
from server import outage
from server.graphql_errors import format_error, formatted
from server.headers import preferred
from server.i18n import pick
from server.limits import Limits, check_limits, parse_limited
from server.multipart import MultipartLimits, MultipartRefused, is_multipart, read_multipart
from server.persisted_queries import PersistedQueries

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    # Files of a multipart request, placed in `variables`; closed once the request is answered.
    files: tuple[Any, ...] = ()
    # Sent by its hash (a persisted query): such a request may be answered 304 (server/etag.py).
    persisted: bool = False

    async def close(self) -> None:
        for file in self.files:
            await file.close()


class BadRequest(Exception):
    def __init__(
        self, message: str, status: int = 400, code: str = "BAD_REQUEST", *, message_zh: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message_zh = message_zh


def json_response(
    payload: dict[str, Any], status: int = 200, media_type: str = JSON, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type=media_type, headers=headers)


def error_payload(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


# What we answer in for each media type an Accept header may name.
OFFERED_MEDIA_TYPES = {GRAPHQL_RESPONSE: GRAPHQL_RESPONSE, JSON: JSON, "application/*": JSON, "*/*": JSON}


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None when we can serve none it accepts.
    No Accept header, or a wildcard, gets `application/json`, which every client understands."""
    if accept is None or not accept.strip():
        return JSON
    return preferred(accept, OFFERED_MEDIA_TYPES.get)


async def read_request(
    request: Request, max_bytes: int, documents: PersistedQueries, uploads: MultipartLimits | None = None
) -> GraphQLRequest:
    """The request as sent: GET parameters, a JSON body, or, when `uploads` allows it, a GraphQL
    multipart request (server/multipart.py) whose files are in the variables. `documents` holds the
    persisted queries."""
    if request.method == "POST" and uploads is not None and is_multipart(request):
        return await _read_multipart(request, uploads, documents)
    if request.method == "GET":
        body: dict[str, Any] = dict(request.query_params)
        if len(request.url.query) > max_bytes:
            raise BadRequest(
                f"the query string is larger than the limit of {max_bytes} bytes",
                413,
                "LIMIT_EXCEEDED",
                message_zh=f"查询字符串超过了 {max_bytes} 字节的上限",
            )
        for name in ("variables", "extensions"):  # JSON text in a query string
            if name in body:
                body[name] = _loads(body[name], name)
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            # Also what keeps cross-site form posts from running anything (multipart needs a preflight).
            accepted = "application/json or multipart/form-data" if uploads is not None else "application/json"
            raise BadRequest(
                f"POST requests must have content-type {accepted}",
                status=415,
                message_zh=f"POST 请求的 content-type 必须是 {accepted}",
            )
        body = _loads(await read_body(request, max_bytes), "body")
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object", message_zh="请求体必须是一个 JSON 对象")
    query = await persisted_query(body.get("query"), body.get("extensions"), documents)
    parsed = graphql_request(query, body.get("variables"), body.get("operationName"))
    return dataclasses.replace(parsed, persisted=by_hash(body.get("extensions")))


async def _read_multipart(request: Request, uploads: MultipartLimits, documents: PersistedQueries) -> GraphQLRequest:
    try:
        multipart = await read_multipart(request, uploads)
    except MultipartRefused as exc:
        raise BadRequest(str(exc), exc.status, exc.code, message_zh=exc.message_zh) from None
    try:
        body = multipart.body
        query = await persisted_query(body.get("query"), body.get("extensions"), documents)
        parsed = graphql_request(query, body.get("variables"), body.get("operationName"))
    except BaseException:
        await multipart.close()
        raise
    return GraphQLRequest(parsed.query, parsed.variables, parsed.operation_name, multipart.files)


def check_extensions(extensions: Any) -> None:
    """The GraphQL-over-HTTP spec: `extensions`, when present, is a map; anything else is a bad
    request, over HTTP (400) and WebSocket alike."""
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("`extensions` must be a JSON object", message_zh="`extensions` 必须是一个 JSON 对象")


def graphql_request(query: Any, variables: Any, operation_name: Any) -> GraphQLRequest:
    """The parts of a request as received (over HTTP or WebSocket), refused unless well typed."""
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("the request has no `query` string", message_zh="请求缺少 `query` 字符串")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object", message_zh="`variables` 必须是一个 JSON 对象")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string", message_zh="`operationName` 必须是字符串")
    return GraphQLRequest(query, variables, operation_name)


def by_hash(extensions: Any) -> bool:
    """Whether the request names its document by hash (checked by `persisted_query` already)."""
    return isinstance(extensions, dict) and extensions.get("persistedQuery") is not None


async def persisted_query(query: Any, extensions: Any, documents: PersistedQueries) -> Any:
    """The document to run: `query` as sent, or the one its `extensions.persistedQuery` names."""
    if isinstance(extensions, str):  # GET sends extensions as JSON text
        extensions = _loads(extensions, "extensions")
    check_extensions(extensions)
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    if persisted is None:
        return query
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise BadRequest(
            "unsupported persisted query version; send persistedQuery {version: 1, sha256Hash}",
            message_zh="不支持的持久化查询版本；请发送 persistedQuery {version: 1, sha256Hash}",
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise BadRequest(
            "persistedQuery.sha256Hash must be the 64 hex digits of the document's SHA-256",
            message_zh="persistedQuery.sha256Hash 必须是查询文档 SHA-256 的 64 位十六进制数",
        )
    sha256 = sha256.lower()
    if isinstance(query, str) and query:
        if hashlib.sha256(query.encode()).hexdigest() != sha256:
            raise BadRequest(
                "provided sha does not match query",
                code="PERSISTED_QUERY_HASH_MISMATCH",
                message_zh="提供的 SHA 与查询文档不符",
            )
        await documents.put(sha256, query)
        return query
    known = await documents.get(sha256)
    if known is None:
        # Apollo clients look for this message and resend with the document; 200 as they expect.
        # The message stays as it is in every language: clients match on it.
        raise BadRequest(
            "PersistedQueryNotFound", status=200, code="PERSISTED_QUERY_NOT_FOUND", message_zh="PersistedQueryNotFound"
        )
    return known


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, refused with 413 as soon as it passes `max_bytes` (never read whole first)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_bytes: int) -> BadRequest:
    # Made when refusing, not on every request: most bodies are well within the limit.
    return BadRequest(
        f"the request body is larger than the limit of {max_bytes} bytes",
        413,
        "LIMIT_EXCEEDED",
        message_zh=f"请求体超过了 {max_bytes} 字节的上限",
    )


def _loads(raw: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        what_zh = "请求体" if what == "body" else f"{what} "
        raise BadRequest(
            f"the {what} is not valid JSON: {exc}", message_zh=f"{what_zh}不是有效的 JSON：{exc}"
        ) from None


@dataclass(frozen=True)
class Checked:
    """A document that passed parsing, the limits and validation, or the errors that refuse it."""

    document: DocumentNode | None
    errors: list[dict[str, Any]]
    # What the document's chosen operation is (query, mutation, subscription), once it passed.
    operation: OperationType | None = None
    # Its variables' values as coerced in checking, for whoever runs it without graphql-core.
    variables: dict[str, Any] | None = None


def check_document(
    schema: Schema, request: GraphQLRequest, limits: Limits, *, production: bool, language: str
) -> Checked:
    """Everything that can refuse a request before a resolver runs, cheapest first. The one gate
    for HTTP requests and WebSocket operations alike (server/websocket.py)."""
    try:
        document, validation_errors = _parsed_and_validated(schema, request.query, limits, production)
    except GraphQLError as exc:
        code = (exc.extensions or {}).get("code") or "GRAPHQL_PARSE_FAILED"
        return Checked(None, [formatted(exc, code, language)])
    if limit_errors := check_limits(schema._schema, document, request.variables, limits):
        return Checked(None, [formatted(error, "LIMIT_EXCEEDED", language) for error in limit_errors])
    if validation_errors:
        return Checked(None, [formatted(error, "GRAPHQL_VALIDATION_FAILED") for error in validation_errors])
    operation = _operation(document, request.operation_name)
    if operation is None:
        message = pick(
            language,
            f"`operationName` {request.operation_name!r} names no operation in the document",
            f"文档中没有 `operationName` {request.operation_name!r} 所指的操作",
        )
        return Checked(None, error_payload(message, "OPERATION_RESOLUTION_FAILURE")["errors"])
    coerced = get_variable_values(
        schema._schema, operation.variable_definitions or (), request.variables or {}, hide_suggestions=production
    )
    if isinstance(coerced, list):
        return Checked(None, [formatted(error, "BAD_USER_INPUT") for error in coerced])
    return Checked(document, [], operation.operation, coerced.coerced)


@functools.lru_cache(maxsize=1024)
def _parsed_and_validated(
    schema: Schema, query: str, limits: Limits, production: bool
) -> tuple[DocumentNode, tuple[GraphQLError, ...]]:
    """Parsing and validating depend on the text alone (the limits on variables are checked on each
    request), and cost more than executing a small query: dashboards send the same few documents
    all day. A parse error raises and so is never cached."""
    document = parse_limited(query, limits)
    rules = (*specified_rules, NoSchemaIntrospectionCustomRule) if production else specified_rules
    return document, tuple(validate(schema._schema, document, rules, hide_suggestions=production))


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is None or (definition.name and definition.name.value == operation_name):
            return definition
    return None


async def execute(
    document: DocumentNode,
    request: GraphQLRequest,
    scope: Scope,
    *,
    production: bool,
    coerced: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload of a document that check_document let through (`coerced`: its Checked.variables)."""
    try:
        result = await execute_checked(document, scope, request.variables, request.operation_name, coerced)
    finally:
        # What the request loaded is freed now rather than by the cycle collector (Loaders.release).
        scope.loaders.release()
    if result.errors and any(outage.database_away(error.original_error) for error in result.errors):
        # Data read around an outage is not to be trusted in part: the request fails as a whole.
        raise outage.DatabaseUnavailable()
    payload: dict[str, Any] = {}
    if result.errors:
        payload["errors"] = [
            format_error(error, scope.request_id, production=production, language=scope.language)
            for error in result.errors
        ]
    payload["data"] = result.data
    return payload


def execution_status(payload: dict[str, Any]) -> int:
    """The status of a request under `application/graphql-response+json`: 400 when it failed before
    execution, 200 once execution produced data; when it produced none because the caller was
    refused, 401 or 403."""
    if "data" not in payload:
        return 400
    if payload.get("data") is not None or not payload.get("errors"):
        return 200
    codes = {(error.get("extensions") or {}).get("code") for error in payload["errors"]}
    if codes == {"UNAUTHENTICATED"}:
        return 401
    if codes == {"FORBIDDEN"}:
        return 403
    return 200
