"""Evidence files (佐证材料): the files a write attaches to a milestone update or a record.

A write that carries files goes in two steps. Before its transaction (`stored`, called by the
mutation runner in resolvers/writes.py), every file is checked (count, size, type from its content)
and only if all pass is each one prepared (location taken out of photos on request, thumbnails)
and put into the blob store: a refused request stores nothing. Inside the transaction the write
adds the rows that reference the blobs (`attach`), and names the files in its audit event; if the
transaction fails, the blobs stay unreferenced and `qianshou files gc` removes them a day later.

Reading: a file is read by whoever may read its owner (resolvers/access.py), checked on every
download; a hidden file is answered as a missing one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import io
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, TypedDict

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.blobs import BlobStore, DiskBlobStore
from db.models import (
    EvidenceFile,
    IncubatedOrganization,
    MilestoneUpdate,
    ResourceLink,
    ServiceActivity,
    TrainingSession,
)
from resolvers import file_types, images
from resolvers.batching import BatchLoader
from resolvers.errors import ApiError, ErrorCode, UserError, UserErrors
from resolvers.ids import decode_id
from resolvers.loaders import Loaders

# Unreferenced blobs younger than this may belong to a write still under way; gc leaves them.
GC_GRACE = dt.timedelta(days=1)
NAME_LENGTH = 255
CAPTION_LENGTH = 500
# The models whose rows carry evidence, by the name their rows give as owner_type.
OWNERS: dict[str, type] = {
    model.__name__: model
    for model in (MilestoneUpdate, TrainingSession, ServiceActivity, ResourceLink, IncubatedOrganization)
}


@dataclass(frozen=True)
class FileLimits:
    max_file_bytes: int = 20 * 1024 * 1024
    max_upload_bytes: int = 50 * 1024 * 1024
    max_files: int = 20


@dataclass(frozen=True)
class EvidenceStore:
    """What a request's scope needs to take files: the blob store and the limits."""

    blobs: BlobStore
    limits: FileLimits = FileLimits()


@dataclass(frozen=True)
class EvidenceUpload:
    """One file of a write's input. `file` is what the HTTP layer received: anything with a
    `filename` and a seekable binary `file` (Starlette's UploadFile)."""

    file: Any
    caption: str | None = None
    strip_location: bool = False


@dataclass(frozen=True)
class StoredEvidence:
    """A file checked and in the blob store, ready to be attached. Also what the idempotency hash
    of a write sees of its files: their names, captions and contents' hashes."""

    name: str
    sha256: str
    size: int
    content_type: str
    caption: str | None
    thumbnail_sha256: str | None


def _fail(index: int, part: str, message: str, message_zh: str, code: ErrorCode = ErrorCode.INVALID) -> UserError:
    return UserError(message, code, ["evidence", str(index), part], message_zh=message_zh)


async def stored(scope: Any, request: Any) -> Any:
    """The request with its `evidence` uploads checked and stored (StoredEvidence), or unchanged
    when it has none. Raises UserErrors, having stored nothing, when any file is refused."""
    uploads = getattr(request, "evidence", None)
    if not uploads:
        return request
    store: EvidenceStore | None = scope.files
    if store is None:
        raise UserErrors(
            UserError("this server takes no files", ErrorCode.INVALID, ["evidence"], message_zh="此服务器不接收文件")
        )
    checked = _checked(store.limits, uploads)
    kinds = await asyncio.gather(*(asyncio.to_thread(file_types.sniff, binary) for _, binary, _ in checked))
    errors = [
        _fail(
            index,
            "file",
            f"the file {name!r} is not an allowed type: send {file_types.ALLOWED_DESCRIPTION}",
            f"文件“{name}”的类型不允许：请上传{file_types.ALLOWED_DESCRIPTION_ZH}文件",
        )
        for index, ((name, _, _), kind) in enumerate(zip(checked, kinds, strict=True))
        if kind is None
    ]
    if errors:
        raise UserErrors(*errors)
    allowed = [kind for kind in kinds if kind is not None]  # all of them, none having been refused
    # Photos are read (stripped, thumbnailed) before anything is stored: one that cannot be read
    # refuses the write with nothing stored.
    prepared = []
    for index, ((name, binary, upload), kind) in enumerate(zip(checked, allowed, strict=True)):
        try:
            prepared.append(await asyncio.to_thread(_prepared, name, binary, upload, kind))
        except images.NotAnImage:
            raise UserErrors(
                _fail(index, "file", f"the file {name!r} cannot be read as an image", f"文件“{name}”无法作为图片读取")
            ) from None
    return dataclasses.replace(request, evidence=[await asyncio.to_thread(_put, store.blobs, p) for p in prepared])


def _checked(limits: FileLimits, uploads: list[Any]) -> list[tuple[str, BinaryIO, EvidenceUpload]]:
    """Name, bytes and upload of each file, once count, sizes and captions pass."""
    if len(uploads) > limits.max_files:
        raise UserErrors(
            UserError(
                f"at most {limits.max_files} files per write, got {len(uploads)}",
                ErrorCode.LIMIT_EXCEEDED,
                ["evidence"],
                message_zh=f"每次最多上传 {limits.max_files} 个文件，收到 {len(uploads)} 个",
            )
        )
    errors, checked, total = [], [], 0
    max_mb = limits.max_file_bytes / 1024 / 1024
    for index, upload in enumerate(uploads):
        binary = getattr(upload.file, "file", None)
        if binary is None or not hasattr(binary, "seek"):
            errors.append(
                _fail(
                    index,
                    "file",
                    "not a file: send it as a multipart request part",
                    "不是文件：请以 multipart 请求的文件部分上传",
                )
            )
            continue
        name = file_name(getattr(upload.file, "filename", None))
        binary.seek(0, 2)
        size = binary.tell()
        binary.seek(0)
        total += size
        if size > limits.max_file_bytes:
            errors.append(
                _fail(
                    index,
                    "file",
                    f"the file {name!r} is larger than the limit of {max_mb:g} MB",
                    f"文件“{name}”超过单个文件大小上限 {max_mb:g} MB",
                    ErrorCode.LIMIT_EXCEEDED,
                )
            )
        if upload.caption is not None and len(upload.caption.strip()) > CAPTION_LENGTH:
            errors.append(
                _fail(index, "caption", f"at most {CAPTION_LENGTH} characters", f"说明最多 {CAPTION_LENGTH} 个字符")
            )
        checked.append((name, binary, upload))
    if total > limits.max_upload_bytes:
        total_mb = limits.max_upload_bytes / 1024 / 1024
        errors.append(
            UserError(
                f"the files of one write are larger together than the limit of {total_mb:g} MB",
                ErrorCode.LIMIT_EXCEEDED,
                ["evidence"],
                message_zh=f"本次上传文件总大小超过上限 {total_mb:g} MB",
            )
        )
    if errors:
        raise UserErrors(*errors)
    return checked


def file_name(raw: str | None) -> str:
    """The name to keep and offer on download: the last part of a path some browsers send whole,
    without control characters, at most 255 characters, keeping its extension."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    name = name.lstrip(".") or "file"
    if len(name) > NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = f"{dot}{extension}" if dot and len(extension) < 16 else ""
        name = name[: NAME_LENGTH - len(keep)] + keep
    return name


@dataclass(frozen=True)
class _Prepared:
    evidence: StoredEvidence  # sha256 and size still to be filled in by _put
    binary: IO[bytes]
    thumbnail: bytes | None


def _prepared(name: str, binary: IO[bytes], upload: EvidenceUpload, kind: file_types.FileType) -> _Prepared:
    """One file that passed the checks, its location stripped and thumbnail made when it is a
    photo. Blocking: runs in a thread."""
    thumbnail = None
    if kind.image:
        if upload.strip_location:
            binary = images.without_location(binary)
        thumbnail = images.thumbnail(binary)
    if "." not in name:
        name += kind.extension
    caption = (upload.caption.strip() or None) if upload.caption is not None else None
    return _Prepared(StoredEvidence(name, "", 0, kind.content_type, caption, None), binary, thumbnail)


def _put(blobs: BlobStore, prepared: _Prepared) -> StoredEvidence:
    """Store a prepared file and its thumbnail. Blocking: runs in a thread."""
    thumbnail_sha256 = None if prepared.thumbnail is None else blobs.put(io.BytesIO(prepared.thumbnail)).sha256
    prepared.binary.seek(0)
    blob = blobs.put(prepared.binary)
    return dataclasses.replace(prepared.evidence, sha256=blob.sha256, size=blob.size, thumbnail_sha256=thumbnail_sha256)


class AttachedFile(TypedDict):
    """A file attached to a record, as its audit event names it."""

    name: str
    size: int
    contentType: str
    sha256: str


async def attach(session: AsyncSession, actor_name: str, owner: Any, files: list[StoredEvidence]) -> list[AttachedFile]:
    """Add the rows that reference the stored files to `owner`, in the write's transaction; what
    the audit event records of them."""
    for file in files:
        session.add(
            EvidenceFile(
                owner_type=type(owner).__name__,
                owner_id=owner.id,
                name=file.name,
                caption=file.caption,
                size=file.size,
                content_type=file.content_type,
                sha256=file.sha256,
                thumbnail_sha256=file.thumbnail_sha256,
                uploaded_by=actor_name,
            )
        )
    await session.flush()
    return [
        {"name": file.name, "size": file.size, "contentType": file.content_type, "sha256": file.sha256}
        for file in files
    ]


async def readable_file(scope: Any, global_id: str) -> Any | None:
    """The evidence file row a download names, or None when there is none or the caller may not
    read its owner: the two are answered alike."""
    try:
        kind, pk = decode_id(global_id)
    except ApiError:
        return None
    if kind != "EvidenceFile":
        return None
    row = await scope.loaders.unfiltered(EvidenceFile).load(pk)
    if row is None or row.owner_type not in OWNERS:
        return None
    owner_loader = _OWNER_LOADERS[row.owner_type](scope.loaders)
    return row if await owner_loader.load(row.owner_id) is not None else None


# Each kind of owner's by-id loader in the request's Loaders, the one that applies the access rules.
_OWNER_LOADERS: dict[str, Callable[[Loaders], BatchLoader[int, Any]]] = {
    "MilestoneUpdate": lambda loaders: loaders.milestone_update,
    "TrainingSession": lambda loaders: loaders.training_session,
    "ServiceActivity": lambda loaders: loaders.service_activity,
    "ResourceLink": lambda loaders: loaders.resource_link,
    "IncubatedOrganization": lambda loaders: loaders.incubated_organization,
}


@dataclass(frozen=True)
class Collected:
    removed: int
    kept: int


async def collect_garbage(db: Any, blobs: BlobStore, *, older_than: dt.timedelta = GC_GRACE) -> Collected:
    """Remove the blobs that no evidence row references and that were stored more than
    `older_than` ago: a write still under way may be about to reference a younger one."""
    cutoff = time.time() - older_than.total_seconds()
    candidates = [
        sha256 for sha256, stored_at in await asyncio.to_thread(lambda: list(blobs.blobs())) if stored_at < cutoff
    ]
    referenced: set[str] = set()
    for start in range(0, len(candidates), 500):
        batch = candidates[start : start + 500]
        rows = await db.fetch(
            select(EvidenceFile.sha256, EvidenceFile.thumbnail_sha256).where(
                or_(EvidenceFile.sha256.in_(batch), EvidenceFile.thumbnail_sha256.in_(batch))
            )
        )
        referenced.update(value for row in rows for value in row if value is not None)
    removed = 0
    for sha256 in candidates:
        if sha256 not in referenced:
            removed += await asyncio.to_thread(functools.partial(blobs.delete, sha256, stored_before=cutoff))
    if isinstance(blobs, DiskBlobStore):
        await asyncio.to_thread(blobs.clean_staging, older_than.total_seconds())
    return Collected(removed=removed, kept=len(candidates) - removed)
