"""GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec): files
sent beside the operation, for any mutation with an `Upload` argument.

The form holds `operations` (the usual JSON body), `map` (which file goes to which variable, e.g.
`{"0": ["variables.input.evidence.0.file"]}`) and the files themselves. Each file is put into the
variables at its paths as a Starlette UploadFile (spooled to a temporary file beyond 1 MB, never held
whole in memory), so resolvers receive it as the `Upload` scalar's value.

Cross-site request forgery: a browser sends a multipart form to any site without asking first (a
"simple" CORS request), so a multipart request must carry the header `GraphQL-Require-Preflight`
(or Apollo's `Apollo-Require-Preflight`), which no form can set and which makes a browser send a
CORS preflight that other origins fail.

Sizes are enforced while the request streams in: each file is refused as soon as it passes the
per-file limit, and the request as soon as its whole passes the limit for all files; nothing is
read to the end first. The parts are parsed by python-multipart through Starlette's parser.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

MULTIPART = "multipart/form-data"
PREFLIGHT_HEADERS = ("graphql-require-preflight", "apollo-require-preflight")


class MultipartRefused(Exception):
    """A multipart request refused as a whole: status, code, and the message in English and Chinese."""

    def __init__(self, message: str, message_zh: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message_zh = message_zh
        self.status = status
        self.code = code


@dataclass(frozen=True)
class MultipartLimits:
    # The files of one request together (each is also checked against its own limit later).
    max_upload_bytes: int
    # The `operations` and `map` fields, each.
    max_field_bytes: int
    max_files: int
    max_file_bytes: int

    @property
    def max_request_bytes(self) -> int:
        """The files, the two fields, and a few hundred bytes of headers for each part."""
        return self.max_upload_bytes + 2 * self.max_field_bytes + 1024 * (self.max_files + 2)


@dataclass(frozen=True)
class MultipartBody:
    """The JSON body as `operations` gave it, with the files in its variables, and the files to close."""

    body: dict[str, Any]
    files: tuple[UploadFile, ...]

    async def close(self) -> None:
        for file in self.files:
            await file.close()


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == MULTIPART


def require_preflight(request: Request) -> None:
    if not any(request.headers.get(name) for name in PREFLIGHT_HEADERS):
        raise MultipartRefused(
            "multipart requests must carry the header `GraphQL-Require-Preflight: 1` (protection against "
            "cross-site request forgery)",
            "multipart 请求须带请求头 `GraphQL-Require-Preflight: 1`（防范跨站请求伪造）",
            code="PREFLIGHT_REQUIRED",
        )


async def read_multipart(request: Request, limits: MultipartLimits) -> MultipartBody:
    """The operation and its files; any fault refuses the request and leaves no temporary file open."""
    require_preflight(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_request_bytes:
        raise _too_large(limits)
    parser = _FileLimitedParser(
        limits.max_file_bytes,
        request.headers,
        _counted(request, limits),
        max_files=limits.max_files,
        max_fields=2,
        max_part_size=limits.max_field_bytes,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise MultipartRefused(
            f"the multipart request is malformed: {exc.message}", f"multipart 请求格式有误：{exc.message}"
        ) from None
    files = tuple(value for _, value in form.multi_items() if isinstance(value, UploadFile))
    try:
        return MultipartBody(_with_files(form), files)
    except BaseException:
        for file in files:
            await file.close()
        raise


class _FileLimitedParser(MultiPartParser):
    """Starlette's parser, refusing a file part once it has passed the per-file limit. (It reads
    the current part from the parser's own state: pyproject caps Starlette's major version.)"""

    def __init__(self, max_file_bytes: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_file_bytes = max_file_bytes
        self._part_bytes = 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._part_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._part_bytes += end - start
        upload = self._current_part.file
        if upload is not None and self._part_bytes > self.max_file_bytes:
            megabytes = self.max_file_bytes / 1024 / 1024
            raise MultipartRefused(
                f"the file {upload.filename!r} is larger than the limit of {megabytes:g} MB",
                f"文件“{upload.filename}”超过单个文件大小上限 {megabytes:g} MB",
                413,
                "LIMIT_EXCEEDED",
            )
        super().on_part_data(data, start, end)


async def _counted(request: Request, limits: MultipartLimits) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_request_bytes:
            raise _too_large(limits)
        yield chunk


def _too_large(limits: MultipartLimits) -> MultipartRefused:
    megabytes = limits.max_upload_bytes / 1024 / 1024
    return MultipartRefused(
        f"the request is larger than the limit of {megabytes:g} MB for all files of one request",
        f"请求超过单次上传总大小上限 {megabytes:g} MB",
        413,
        "LIMIT_EXCEEDED",
    )


def _with_files(form: FormData) -> dict[str, Any]:
    operations = _json_field(form, "operations")
    if not isinstance(operations, dict):
        # The spec allows a list (a batch of operations); this server runs one operation a request.
        raise _malformed("`operations` must be one JSON object", "`operations` 须为一个 JSON 对象")
    mapping = _json_field(form, "map")
    if not isinstance(mapping, dict):
        raise _malformed("`map` must be a JSON object", "`map` 须为一个 JSON 对象")
    files = {key: value for key, value in form.multi_items() if isinstance(value, UploadFile)}
    if unmapped := files.keys() - mapping.keys():
        raise _malformed(f"files not named in `map`: {sorted(unmapped)}", f"`map` 中未列出的文件：{sorted(unmapped)}")
    if missing := mapping.keys() - files.keys():
        raise _malformed(
            f"`map` names files the request lacks: {sorted(missing)}", f"`map` 列出的文件不在请求中：{sorted(missing)}"
        )
    for key, paths in mapping.items():
        if not isinstance(paths, list) or not paths:
            raise _malformed(f"`map[{key!r}]` must be a list of paths", f"`map[{key!r}]` 须为路径列表")
        for path in paths:
            _place(operations, path, files[key])
    return operations


def _place(operations: dict[str, Any], path: Any, file: UploadFile) -> None:
    """Put the file where `path` (e.g. "variables.input.evidence.0.file") points; that spot must hold null."""
    parts = path.split(".") if isinstance(path, str) else []
    if len(parts) < 2 or parts[0] != "variables":
        raise _malformed(
            f"file path {path!r} must start with `variables.`", f"文件路径 {path!r} 须以 `variables.` 开头"
        )
    target: Any = operations
    for part in parts[:-1]:
        target = _step(target, part, path)
    last = parts[-1]
    if isinstance(target, dict) and target.get(last, None) is None:
        target[last] = file
    elif isinstance(target, list) and last.isdigit() and int(last) < len(target) and target[int(last)] is None:
        target[int(last)] = file
    else:
        raise _malformed(f"file path {path!r} names no null variable", f"文件路径 {path!r} 未指向值为 null 的变量")


def _step(target: Any, part: str, path: str) -> Any:
    if isinstance(target, dict) and isinstance(target.get(part), dict | list):
        return target[part]
    if isinstance(target, list) and part.isdigit() and int(part) < len(target):
        return target[int(part)]
    raise _malformed(f"file path {path!r} names no variable", f"文件路径 {path!r} 未指向任何变量")


def _json_field(form: FormData, name: str) -> Any:
    raw = form.get(name)
    if not isinstance(raw, str):
        raise _malformed(f"the multipart request has no `{name}` field", f"multipart 请求缺少 `{name}` 字段")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _malformed(f"`{name}` is not valid JSON: {exc}", f"`{name}` 不是有效的 JSON：{exc}") from None


def _malformed(message: str, message_zh: str) -> MultipartRefused:
    return MultipartRefused(f"malformed multipart request: {message}", f"multipart 请求格式有误：{message_zh}")
