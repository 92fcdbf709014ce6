"""Evidence files without HTTP: the records that take them, the batched loader, idempotent retries,
and the checks on names and contents."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from db.blobs import DiskBlobStore
from db.engine import Database
from db.models import Role, TrainingMode
from db.statements import recording
from resolvers import file_types, images
from resolvers.access import SYSTEM, Actor
from resolvers.evidence import EvidenceStore, EvidenceUpload, file_name
from resolvers.scope import Scope
from resolvers.training import RecordTrainingSession, record_training_session
from schema.schema import schema
from tests.conftest import TODAY, reopen_ye_county
from tests.test_access_matrix import OWN_PAIRING, make_actors, objects_of

PDF = b"%PDF-1.7\n" + b"evidence " * 100


@dataclass
class Upload:
    """What the HTTP layer hands a resolver: a name and a seekable binary file."""

    filename: str
    file: io.BytesIO


def upload(name: str, data: bytes, caption: str | None = None) -> EvidenceUpload:
    return EvidenceUpload(Upload(name, io.BytesIO(data)), caption)


@dataclass
class World:
    db: Database
    store: EvidenceStore
    actors: dict[Role, Actor]

    def scope(self, actor: Actor = SYSTEM) -> Scope:
        return Scope(db=self.db, actor=actor, today=TODAY, files=self.store)

    async def run(self, query: str, variables: dict, actor: Actor = SYSTEM):
        result = await schema.execute(query, variable_values=variables, context_value=self.scope(actor))
        assert result.errors is None, result.errors
        return result.data


@pytest.fixture(scope="module")
async def world(databases, tmp_path_factory) -> AsyncIterator[World]:
    db = await databases.new_database("evidence-unit", demo=True)
    await reopen_ye_county(db)  # evidence is about files, on an open pairing
    store = EvidenceStore(DiskBlobStore(Path(tmp_path_factory.mktemp("blobs"))))
    try:
        yield World(db, store, await make_actors(db))
    finally:
        await db.dispose()


RECORD_TRAINING = """mutation($input: RecordTrainingSessionInput!) { recordTrainingSession(input: $input) {
  trainingSession { id evidence { name caption contentType } } userErrors { field code message } } }"""


def training(topic: str, files: list[EvidenceUpload], key: str | None = None) -> dict:
    return {
        "pairingId": OWN_PAIRING,
        "topic": topic,
        "startsOn": "2019-11-01",
        "hours": "3.0",
        "mode": "ON_SITE",
        "participants": 12,
        "idempotencyKey": key,
        "evidence": [{"file": item.file, "caption": item.caption} for item in files],
    }


async def test_records_carry_their_files_with_names_and_captions(world: World) -> None:
    data = await world.run(
        RECORD_TRAINING,
        {"input": training("督导培训", [upload("签到表.pdf", PDF, "第一期"), upload("纪要", "会议纪要".encode())])},
        world.actors[Role.MENTOR_AGENCY],
    )
    payload = data["recordTrainingSession"]
    assert payload["userErrors"] == []
    assert payload["trainingSession"]["evidence"] == [
        {"name": "签到表.pdf", "caption": "第一期", "contentType": "application/pdf"},
        # A name without an extension is given the one of its content.
        {"name": "纪要.txt", "caption": None, "contentType": "text/plain; charset=utf-8"},
    ]


@pytest.mark.parametrize(
    "mutation, input_type, extra",
    [
        (
            "recordServiceActivity",
            "RecordServiceActivityInput",
            {"kind": "HOME_VISIT", "occurredOn": "2019-11-02", "count": 3},
        ),
        (
            "recordResourceLink",
            "RecordResourceLinkInput",
            {
                "projectName": "清泉公益",
                "donor": "清泉",
                "kind": "CASH",
                "amountYuan": "100.00",
                "occurredOn": "2019-11-02",
            },
        ),
    ],
)
async def test_service_activities_and_resource_links_take_files_too(world: World, mutation, input_type, extra) -> None:
    field = {"recordServiceActivity": "serviceActivity", "recordResourceLink": "resourceLink"}[mutation]
    query = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input) {{
        {field} {{ evidence {{ name }} }} userErrors {{ field message }} }} }}"""
    data = await world.run(
        query,
        {"input": {"pairingId": OWN_PAIRING, **extra, "evidence": [{"file": Upload("照片.pdf", io.BytesIO(PDF))}]}},
        world.actors[Role.MENTOR_AGENCY],
    )
    assert data[mutation]["userErrors"] == []
    assert data[mutation][field]["evidence"] == [{"name": "照片.pdf"}]


async def test_a_retry_with_the_same_files_returns_the_first_result_and_other_files_are_refused(world: World) -> None:
    actor = world.actors[Role.MENTOR_AGENCY]
    first = await world.run(RECORD_TRAINING, {"input": training("重试", [upload("a.pdf", PDF)], "retry-1")}, actor)
    again = await world.run(RECORD_TRAINING, {"input": training("重试", [upload("a.pdf", PDF)], "retry-1")}, actor)
    other = await world.run(
        RECORD_TRAINING, {"input": training("重试", [upload("a.pdf", PDF + b"x")], "retry-1")}, actor
    )
    assert again["recordTrainingSession"]["trainingSession"] == first["recordTrainingSession"]["trainingSession"]
    assert other["recordTrainingSession"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_the_files_of_a_page_are_read_in_one_statement_whatever_its_size(world: World) -> None:
    for n in range(6):
        await record_training_session(
            world.scope(),
            RecordTrainingSession(
                pairing_id=OWN_PAIRING,
                topic=f"分页 {n}",
                starts_on=dt.date(2019, 11, 1),
                mode=TrainingMode.ON_SITE,
                participants=5,
                hours=Decimal(1),
                evidence=[upload(f"{n}.pdf", PDF + bytes([n]))],
            ),
        )
    query = """query($id: ID!, $first: Int) { pairing(id: $id) {
        trainingSessions(first: $first) { edges { node { topic evidence { name size } } } } } }"""
    counts = {}
    for first in (2, 20):
        with recording(world.db) as statements:
            data = await world.run(query, {"id": OWN_PAIRING, "first": first})
        edges = data["pairing"]["trainingSessions"]["edges"]
        assert len(edges) == first or len(edges) >= 6
        counts[first] = statements.count
        evidence_reads = [text for text in statements.texts if "evidence_files" in text]
        assert len(evidence_reads) == 1, evidence_reads
    assert counts[2] == counts[20], counts


def test_a_file_name_keeps_its_last_part_without_control_characters() -> None:
    assert file_name("C:\\fakepath\\培训签到表.pdf") == "培训签到表.pdf"
    assert file_name("../../etc/passwd") == "passwd"
    assert file_name("a\x00b\r\n.pdf") == "ab.pdf"
    assert file_name("") == "file" and file_name(".bashrc") == "bashrc"
    long = file_name("长" * 300 + ".docx")
    assert len(long) == 255 and long.endswith(".docx")


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, expected",
    [
        (PDF, file_types.PDF),
        (_image("JPEG"), file_types.JPEG),
        (_image("PNG"), file_types.PNG),
        (_image("WEBP"), file_types.WEBP),
        # An OLE2 compound file whose directory names the WordDocument stream (a legacy .doc).
        (file_types.OLE2_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00\x00", file_types.DOC),
        (file_types.OLE2_MAGIC + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00\x00", file_types.XLS),
        ("项目总结：服务 312 人次".encode(), file_types.TEXT_UTF8),
        ("项目总结".encode("gb18030"), file_types.TEXT_GB18030),
        (b"MZ\x90\x00" + b"\x00" * 60, None),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, None),
        (file_types.OLE2_MAGIC + b"\x00" * 100, None),
        (b"PK\x03\x04 not really a zip", None),
        (b"", None),
    ],
)
def test_types_are_told_by_content(data: bytes, expected) -> None:
    assert file_types.sniff(io.BytesIO(data)) is expected


async def test_an_incubation_reaching_a_stage_takes_its_certificate_and_the_audit_names_it(world: World) -> None:
    incubation = (await objects_of(world.db, OWN_PAIRING))["IncubatedOrganization"]
    query = """mutation($input: ChangeIncubationStageInput!) { changeIncubationStage(input: $input) {
        incubatedOrganization { stage evidence { name caption } } userErrors { field message } } }"""
    data = await world.run(
        query,
        {
            "input": {
                "incubationId": incubation,
                "stage": "INDEPENDENT",
                "evidence": [{"file": Upload("登记证书.pdf", io.BytesIO(PDF)), "caption": "民政局登记证书"}],
            }
        },
        world.actors[Role.MENTOR_AGENCY],
    )
    payload = data["changeIncubationStage"]
    assert payload["userErrors"] == []
    assert payload["incubatedOrganization"] == {
        "stage": "INDEPENDENT",
        "evidence": [{"name": "登记证书.pdf", "caption": "民政局登记证书"}],
    }
    trail = await world.run(
        "query($id: ID!) { auditEvents(objectId: $id) { edges { node { action changes } } } }", {"id": incubation}
    )
    (last,) = [
        edge["node"] for edge in trail["auditEvents"]["edges"] if edge["node"]["action"] == "changeIncubationStage"
    ]
    assert [file["name"] for file in last["changes"]["after"]["evidence"]] == ["登记证书.pdf"]


def test_the_store_keeps_one_blob_per_content_and_gc_spares_one_stored_again(tmp_path: Path) -> None:
    store = DiskBlobStore(tmp_path)
    first, second = store.put(io.BytesIO(PDF)), store.put(io.BytesIO(PDF))
    assert first == second and [path.name for path in tmp_path.glob("??/??/*")] == [first.sha256]
    assert list(store.staging.iterdir()) == []  # no temporary file left behind
    a_day_ago = time.time() - 86400
    os.utime(store.path(first.sha256), (a_day_ago - 60, a_day_ago - 60))
    store.put(io.BytesIO(PDF))  # a write about to reference it, while gc decides
    assert store.delete(first.sha256, stored_before=a_day_ago) is False and store.exists(first.sha256)
    assert store.delete(first.sha256) is True and not store.exists(first.sha256)


async def test_a_photo_that_cannot_be_read_refuses_the_write_with_nothing_stored(world: World) -> None:
    blobs = set(world.store.blobs.blobs())
    broken = b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10
    data = await world.run(
        RECORD_TRAINING,
        {"input": training("坏图", [upload("好.pdf", PDF + b"fresh"), upload("坏.jpg", broken)])},
        world.actors[Role.MENTOR_AGENCY],
    )
    (error,) = data["recordTrainingSession"]["userErrors"]
    assert error["field"] == ["evidence", "1", "file"] and "坏.jpg" in error["message"]
    assert set(world.store.blobs.blobs()) == blobs


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_location_is_taken_out_of_each_kind_of_photo(fmt: str) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "QianshouCam"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (33.0, 45.0, 0.0)}
    original = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(original, format=fmt, exif=exif.tobytes())
    stripped = images.without_location(io.BytesIO(original.getvalue()))
    with Image.open(stripped) as image:
        assert image.format == fmt and image.size == (64, 48)
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert image.getexif()[ExifTags.Base.Make] == "QianshouCam"
