"""An uploaded file saved to a temporary file, a chunk at a time and no further than the size limit:
the import then reads it as a stream, and a background job keeps it after the request has ended.

An upload is whatever GraphQL multipart handing gives (Starlette's UploadFile, whose `read` is a
coroutine), a plain binary file object, or bytes."""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from resolvers.imports.files import FileRefused, ImportLimits

CHUNK = 1 << 20


def upload_name(upload: Any) -> str:
    name = getattr(upload, "filename", None) or getattr(upload, "name", None) or ""
    return os.path.basename(str(name))


async def save_upload(upload: Any, limits: ImportLimits) -> Path:
    """The upload's bytes in a new temporary file (the caller deletes it); FileRefused past the limit."""
    handle, name = tempfile.mkstemp(prefix="qianshou-import-")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            size = 0
            async for chunk in _chunks(upload):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise FileRefused(
                        f"the file is larger than {limits.max_bytes / 1e6:.1f} MB, the most that may be imported at once: split it",
                        f"文件超过单次导入上限 {limits.max_bytes / 1e6:.1f} MB，请拆分后导入",
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


async def _chunks(upload: Any) -> AsyncIterator[bytes]:
    if isinstance(upload, bytes | bytearray):
        for start in range(0, len(upload), CHUNK):
            yield bytes(upload[start : start + CHUNK])
        return
    while True:
        chunk = upload.read(CHUNK)
        if inspect.isawaitable(chunk):
            chunk = await chunk
        if not chunk:
            return
        yield chunk.encode() if isinstance(chunk, str) else chunk
