"""Evidence files over HTTP: GET /files/{id} and /files/{id}/thumbnail, and the stores and limits
the GraphQL endpoint takes uploads with.

A download is checked on every request with the same rules as the owning record
(resolvers/access.py through the loaders): a file the caller may not read is 404 exactly like one
that does not exist. The file is sent from the blob store with ranges (Starlette's FileResponse
answers `Range` with 206), its original name (RFC 5987 `filename*` for Chinese names), the type
decided from its content when it was uploaded, and `X-Content-Type-Options: nosniff`, so a browser
never runs an upload as a page.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from db.blobs import DiskBlobStore
from resolvers.evidence import EvidenceStore, FileLimits, readable_file
from resolvers.images import THUMBNAIL_TYPE
from server.auth import Unauthenticated
from server.graphql_http import error_payload, json_response
from server.i18n import language_of, pick
from server.multipart import MultipartLimits
from server.sessions import unauthenticated
from server.settings import Settings

NOT_FOUND = ("no such file, or not one you may read", "文件不存在或无权查看")


def evidence_files(settings: Settings) -> EvidenceStore:
    limits = FileLimits(settings.max_file_bytes, settings.max_upload_bytes, settings.max_upload_files)
    return EvidenceStore(DiskBlobStore(settings.files_path), limits)


def upload_limits(settings: Settings) -> MultipartLimits:
    return MultipartLimits(
        max_upload_bytes=settings.max_upload_bytes,
        max_field_bytes=settings.max_body_bytes,
        max_files=settings.max_upload_files,
        max_file_bytes=settings.max_file_bytes,
    )


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """The name for every browser: an ASCII fallback, and the exact (e.g. Chinese) name in RFC 5987 form."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class FileRoutes:
    def __init__(self, service: Any) -> None:
        self.service = service

    async def download(self, request: Request) -> Response:
        return await self._send(request, thumbnail=False)

    async def thumbnail(self, request: Request) -> Response:
        return await self._send(request, thumbnail=True)

    async def _send(self, request: Request, *, thumbnail: bool) -> Response:
        service = self.service
        language = language_of(request.headers.get("accept-language"))
        try:
            actor = await service.caller(request)  # downloads spend the caller's budget (server/budget.py)
        except Unauthenticated as exc:
            return unauthenticated(request, exc, language)
        scope = service.scope(actor, request_id=uuid.uuid4().hex, language=language)
        try:
            row = await readable_file(scope, request.path_params["file_id"])
        finally:
            scope.loaders.release()
        sha256 = None if row is None else row.thumbnail_sha256 if thumbnail else row.sha256
        store = service.files.blobs
        if row is None or sha256 is None or not store.exists(sha256):
            message, message_zh = NOT_FOUND
            return json_response(
                error_payload(pick(language, message, message_zh), "NOT_FOUND", messageZh=message_zh), 404
            )
        headers = {
            "X-Content-Type-Options": "nosniff",
            # Kept by the caller's browser alone, and asked for again each time: access is checked per request.
            "Cache-Control": "private, no-cache",
            # A file shown inline in the browser may not run scripts, whatever it holds.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
            "Content-Disposition": content_disposition(row.name, "inline" if thumbnail else "attachment"),
        }
        return FileResponse(
            store.path(sha256),
            media_type=THUMBNAIL_TYPE if thumbnail else row.content_type,
            headers=headers,
        )
