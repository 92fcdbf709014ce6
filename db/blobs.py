"""Where evidence files live: content-addressed blobs behind one small interface.

A blob is named by the SHA-256 of its bytes, so the same file stored twice is stored once, and a
blob never changes once written. `put` writes to a temporary file in the store's own directory,
fsyncs it and renames it into place, so a reader sees a whole blob or none. Rows that reference a
blob (evidence_files) are written in the transaction of the write that attaches the file, after
`put`: a write that fails or is refused leaves at most an unreferenced blob, which nothing can
reach and `qianshou files gc` removes once it is a day old (old enough that no write still under
way can be about to reference it).

Several servers share one store by mounting the same directory (a shared volume, e.g. NFS or a
cloud file share) at QIANSHOU_FILES_DIR: writes are atomic renames and names are content hashes, so
two servers storing the same file at once write the same bytes to the same name. An S3-compatible
store can implement the same interface later.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


class BlobStore(Protocol):
    def put(self, stream: IO[bytes]) -> Stored: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str, *, stored_before: float | None = None) -> bool:
        """Remove the blob; with `stored_before`, only if it was not stored (or stored again) since."""
        ...

    def blobs(self) -> Iterator[tuple[str, float]]:
        """Every blob with the time it was stored (seconds since the epoch)."""
        ...


def is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


class DiskBlobStore:
    """Blobs as files `ab/cd/abcd…` under one directory (two levels keep directories small)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.staging = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        """The blob's file, for responses that send a file (with ranges) from disk."""
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: IO[bytes]) -> Stored:
        """Store the stream's bytes (read from where it stands to its end). Blocking: run it in a thread."""
        self.staging.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temporary = tempfile.mkstemp(dir=self.staging, prefix="put-")
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            target = self.path(sha256)
            if target.exists():
                # Stored before: the bytes are the same by their hash. Touch it, so that gc's
                # grace period counts from this put and not from the first.
                os.utime(target)
                return Stored(sha256, size)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, target)
            _fsync_directory(target.parent)
            return Stored(sha256, size)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str, *, stored_before: float | None = None) -> bool:
        path = self.path(sha256)
        try:
            # A put of the same bytes touches the blob: then a write is about to reference it.
            if stored_before is not None and path.stat().st_mtime >= stored_before:
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def blobs(self) -> Iterator[tuple[str, float]]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if is_sha256(path.name) and path.is_file():
                yield path.name, path.stat().st_mtime

    def clean_staging(self, older_than: float) -> int:
        """Remove temporary files left by a put that a crash interrupted."""
        removed = 0
        if self.staging.is_dir():
            for path in self.staging.iterdir():
                if path.stat().st_mtime < time.time() - older_than:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


def _fsync_directory(directory: Path) -> None:
    """The rename is durable only once the directory is synced."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
