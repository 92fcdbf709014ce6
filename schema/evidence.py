"""Evidence files in the API: the `EvidenceFile` type, the `EvidenceInput` a write takes files with
(GraphQL multipart requests, README "Evidence files"), and the `evidence` field of the types that
carry files."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from sqlalchemy import Row
from strawberry.file_uploads import Upload

from resolvers.ids import encode_id
from schema.context import Info

EVIDENCE_DESCRIPTION = (
    "佐证材料: the files attached when this was written, in upload order. Read by whoever reads this object."
)


@strawberry.type(description="佐证材料: a file attached to a milestone update or a record.")
class EvidenceFile:
    id: strawberry.ID
    name: str = strawberry.field(description="The file's name as uploaded.")
    size: int = strawberry.field(description="In bytes.")
    content_type: str = strawberry.field(description="Decided from the file's content when it was uploaded.")
    caption: str | None
    uploaded_by: str
    uploaded_at: dt.datetime
    sha256: str = strawberry.field(description="SHA-256 of the file's bytes, hex.")
    url: str = strawberry.field(
        description="Where to download it (relative to the API's origin), with the same token as for the API; "
        "404 for callers who may not read the owning object."
    )
    thumbnail_url: str | None = strawberry.field(description="A JPEG at most 320 pixels wide or high; images only.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> EvidenceFile:
        global_id = encode_id("EvidenceFile", row.id)
        return cls(
            id=strawberry.ID(global_id),
            name=row.name,
            size=row.size,
            content_type=row.content_type,
            caption=row.caption,
            uploaded_by=row.uploaded_by,
            uploaded_at=row.uploaded_at,
            sha256=row.sha256,
            url=f"/files/{global_id}",
            thumbnail_url=f"/files/{global_id}/thumbnail" if row.thumbnail_sha256 else None,
        )


@strawberry.input(description="A file to attach, sent as a part of a GraphQL multipart request.")
class EvidenceInput:
    file: Upload
    caption: str | None = strawberry.field(default=None, description="What the file shows; at most 500 characters.")
    strip_location: bool = strawberry.field(
        default=False, description="Photos: remove the GPS location from the EXIF data before storing."
    )


def evidence_argument() -> list[EvidenceInput] | None:
    # A field specifier standing as the argument's default, which strawberry.field types as Any (as
    # dataclasses.field types it as the default's type).
    return cast(
        "list[EvidenceInput] | None",
        strawberry.field(
            default=None,
            description="Files proving it (PDF, JPEG, PNG, WebP, Office documents, plain text): at most 20 files, "
            "20 MB each and 50 MB together by default.",
        ),
    )


async def evidence_of(info: Info, owner_type: str, owner_pk: int) -> list[EvidenceFile]:
    rows = await info.context.loaders.evidence(owner_type).load(owner_pk)
    return [EvidenceFile.from_row(row) for row in rows]
