"""GET /imports/templates/{kind}.xlsx: an import template, under the same authentication as every
route (a token, or in development the anonymous viewer). The kind is spelled as the CLI spells it,
e.g. service-activities. Templates hold no data; each is made once per process and kept."""

from __future__ import annotations

import asyncio
import functools
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from resolvers.imports.kinds import SPECS, ImportKind
from resolvers.imports.templates import XLSX_MEDIA_TYPE, write_template
from server.auth import Unauthenticated
from server.graphql_http import error_payload, json_response
from server.i18n import language_of, pick
from server.sessions import unauthenticated


@functools.cache
def template_bytes(kind: ImportKind) -> bytes:
    with tempfile.TemporaryDirectory(prefix="qianshou-template-") as folder:
        path = Path(folder) / "template.xlsx"
        write_template(kind, path)
        return path.read_bytes()


def content_disposition(kind: ImportKind) -> str:
    """An ASCII name for old clients and the Chinese one (RFC 6266) for the rest."""
    chinese = f"{SPECS[kind].title}导入模板.xlsx"
    return f"attachment; filename=\"{kind.slug}.xlsx\"; filename*=UTF-8''{quote(chinese)}"


class TemplateRoutes:
    def __init__(self, service: Any) -> None:
        self.service = service

    async def template(self, request: Request) -> Response:
        language = language_of(request.headers.get("accept-language"))
        try:
            await self.service.caller(request)  # downloads spend the caller's budget (server/budget.py)
        except Unauthenticated as exc:
            return unauthenticated(request, exc, language)
        kind = ImportKind.from_slug(request.path_params["kind"])
        if kind is None:
            kinds = ", ".join(kind.slug for kind in ImportKind)
            message = pick(
                language,
                f"no import template of that kind; the kinds are {kinds}",
                f"没有这种导入模板；可选的种类为 {kinds}",
            )
            return json_response(error_payload(message, "NOT_FOUND"), 404)
        body = await asyncio.to_thread(template_bytes, kind)
        return Response(body, media_type=XLSX_MEDIA_TYPE, headers={"content-disposition": content_disposition(kind)})
