"""Evidence files end to end: uploads as GraphQL multipart requests and downloads, through a real
Uvicorn server, on the database under test (SQLite or PostgreSQL)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEvent, EvidenceFile, Role
from resolvers.ids import encode_id
from resolvers.tokens import create_token
from tests.conftest import ROOT, LiveServer, reopen_ye_county

pytestmark = pytest.mark.slow  # a real server and the qianshou command

YE_COUNTY = encode_id("Pairing", 1)  # mentored by 姑苏区善行; its supported agency lies in 平顶山市
LUONING = encode_id("Pairing", 9)  # another mentor agency's pairing
PREFLIGHT = {"GraphQL-Require-Preflight": "1"}

SUBMIT = """
mutation($input: SubmitMilestoneUpdateInput!) {
  submitMilestoneUpdate(input: $input) {
    milestoneUpdate { id evidence { id name size contentType caption url thumbnailUrl uploadedAt sha256 } }
    userErrors { field message code }
  }
}"""

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + bytes(range(256)) * 40


def photo(*, gps: bool, size: tuple[int, int] = (640, 480), fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "QianshouCam"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (33.0, 45.0, 0.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (112.0, 50.0, 0.0),
        }
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


@dataclass
class World:
    db: Database
    server: LiveServer
    files_dir: Path
    tokens: dict[str, str]
    milestones: dict[str, str]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=30)

    def blobs(self) -> set[str]:
        return {path.name for path in self.files_dir.glob("??/??/*")}


async def _milestone_of(db: Database, pairing_pk: int) -> str:
    async with db.read_engine.connect() as connection:
        pk = (
            await connection.exec_driver_sql(
                "SELECT id FROM milestones WHERE pairing_id = %d ORDER BY status IN ('ACHIEVED', 'WAIVED'), id LIMIT 1"
                % pairing_pk
            )
        ).scalar_one()
    return encode_id("Milestone", pk)


def _open_milestone(world: World, pairing_id: str) -> str:
    """A milestone that takes updates, made by an admin in the pairing's term."""
    with world.client("admin") as client:
        pairing = client.post(
            "/graphql",
            json={"query": "query($id: ID!) { pairing(id: $id) { endsOn } }", "variables": {"id": pairing_id}},
        ).json()["data"]["pairing"]
        created = client.post(
            "/graphql",
            json={
                "query": "mutation($input: CreateMilestoneInput!) { createMilestone(input: $input) { milestone { id } userErrors { message } } }",
                "variables": {
                    "input": {
                        "pairingId": pairing_id,
                        "title": "佐证材料测试",
                        "category": "GOVERNANCE",
                        "termYear": 3,
                        "dueOn": pairing["endsOn"],
                    }
                },
            },
        ).json()
    return created["data"]["createMilestone"]["milestone"]["id"]


@pytest.fixture(scope="module")
async def world(databases, tmp_path_factory) -> AsyncIterator[World]:
    db = await databases.new_database("evidence", demo=True)
    await reopen_ye_county(db)  # evidence is about files, on an open pairing
    agencies = {}
    async with db.read_engine.connect() as connection:
        for pk in (1, 9):
            agencies[pk] = (
                await connection.exec_driver_sql(f"SELECT mentor_id, supported_id FROM pairings WHERE id = {pk}")
            ).one()
        region = (
            await connection.exec_driver_sql(
                "SELECT r.parent_id FROM agencies a JOIN regions r ON r.id = a.region_id WHERE a.id = %d"
                % agencies[1].supported_id
            )
        ).scalar_one()
    tokens = {
        "mentor": await create_token(
            db, "ev-mentor", Role.MENTOR_AGENCY, agency_id=encode_id("Agency", agencies[1].mentor_id)
        ),
        "other": await create_token(
            db, "ev-other", Role.MENTOR_AGENCY, agency_id=encode_id("Agency", agencies[9].mentor_id)
        ),
        "reviewer": await create_token(db, "ev-reviewer", Role.REGIONAL_STAFF, region_id=encode_id("Region", region)),
        "admin": await create_token(db, "ev-admin", Role.ADMIN),
    }
    files_dir = tmp_path_factory.mktemp("evidence-files")
    server = LiveServer(
        db.url, env={"QIANSHOU_FILES_DIR": str(files_dir), "QIANSHOU_RATE_LIMIT_PER_MINUTE": "0"}
    ).start()
    try:
        world = World(db, server, files_dir, tokens, {"other": await _milestone_of(db, 9)})
        world.milestones["own"] = _open_milestone(world, YE_COUNTY)
        yield world
    finally:
        server.stop()
        await db.dispose()


def upload(
    client: httpx.Client, query: str, input: dict, files: list[tuple[str, bytes, dict]], headers: dict | None = None
) -> httpx.Response:
    """A GraphQL multipart request: each file goes to input.evidence.N.file, with its other fields."""
    input = {**input, "evidence": [{**extra, "file": None} for _, _, extra in files]}
    mapping = {str(n): [f"variables.input.evidence.{n}.file"] for n in range(len(files))}
    return client.post(
        "/graphql",
        data={
            "operations": orjson.dumps({"query": query, "variables": {"input": input}}).decode(),
            "map": orjson.dumps(mapping).decode(),
        },
        files={str(n): (name, data, "application/octet-stream") for n, (name, data, _) in enumerate(files)},
        headers=PREFLIGHT if headers is None else headers,
    )


async def evidence_rows(db: Database) -> int:
    async with db.read_engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(EvidenceFile))).scalar_one()


def submit(world: World, files, note: str = "签到表与活动照片", token: str = "mentor") -> dict:
    # A milestone of its own for each update: a milestone has one pending update at a time.
    milestone = _open_milestone(world, YE_COUNTY)
    with world.client(token) as client:
        response = upload(client, SUBMIT, {"milestoneId": milestone, "note": note}, files)
    assert response.status_code == 200, response.text
    return response.json()["data"]["submitMilestoneUpdate"]


async def test_a_pdf_and_a_photo_go_up_and_come_back_byte_identical_to_the_reviewer(world: World) -> None:
    picture = photo(gps=False, fmt="PNG")
    result = submit(world, [("培训签到表.pdf", PDF, {"caption": "第一期签到"}), ("活动照片.png", picture, {})])
    assert result["userErrors"] == []
    pdf, png = result["milestoneUpdate"]["evidence"]
    assert (pdf["name"], pdf["size"], pdf["contentType"], pdf["caption"]) == (
        "培训签到表.pdf",
        len(PDF),
        "application/pdf",
        "第一期签到",
    )
    assert (png["name"], png["contentType"], png["thumbnailUrl"]) == (
        "活动照片.png",
        "image/png",
        png["url"] + "/thumbnail",
    )
    assert pdf["thumbnailUrl"] is None
    with world.client("reviewer") as client:
        listed = client.post(
            "/graphql",
            json={
                "query": "query($id: ID!) { node(id: $id) { ... on MilestoneUpdate { evidence { name url } } } }",
                "variables": {"id": result["milestoneUpdate"]["id"]},
            },
        ).json()
        got_pdf, got_png, thumb = client.get(pdf["url"]), client.get(png["url"]), client.get(png["thumbnailUrl"])
    assert [file["name"] for file in listed["data"]["node"]["evidence"]] == ["培训签到表.pdf", "活动照片.png"]
    assert got_pdf.status_code == 200 and got_pdf.content == PDF
    assert got_pdf.headers["content-type"] == "application/pdf"
    assert got_pdf.headers["x-content-type-options"] == "nosniff"
    assert f"filename*=UTF-8''{quote('培训签到表.pdf')}" in got_pdf.headers["content-disposition"]
    assert got_png.content == picture and got_png.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert small.format == "JPEG" and max(small.size) == 320


async def test_the_audit_event_of_the_write_names_its_files(world: World) -> None:
    submit(world, [("会议纪要.txt", "第一次理事会会议纪要\n".encode(), {})])
    async with world.db.read_engine.connect() as connection:
        changes = (
            await connection.execute(
                select(AuditEvent.changes)
                .where(AuditEvent.action == "submitMilestoneUpdate", AuditEvent.object_type == "MilestoneUpdate")
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
        ).scalar_one()
    assert [file["name"] for file in changes["after"]["evidence"]] == ["会议纪要.txt"]
    assert changes["after"]["evidence"][0]["contentType"] == "text/plain; charset=utf-8"


async def test_another_agency_gets_404_exactly_as_for_a_missing_file(world: World) -> None:
    result = submit(world, [("名单.pdf", PDF, {})])
    url = result["milestoneUpdate"]["evidence"][0]["url"]
    missing = f"/files/{encode_id('EvidenceFile', 987654)}"
    with world.client("other") as other, world.client("reviewer") as reviewer:
        hidden, absent, garbage = other.get(url), other.get(missing), other.get("/files/not-an-id")
        assert reviewer.get(url).status_code == 200
    assert hidden.status_code == absent.status_code == garbage.status_code == 404
    assert hidden.json() == absent.json()
    with world.client() as anonymous_is_viewer_in_development, world.client("other") as other:
        assert other.get(url + "/thumbnail").status_code == 404
        assert anonymous_is_viewer_in_development.get(url).status_code == 200


async def test_an_exe_renamed_pdf_is_refused_naming_the_file_and_leaves_nothing(world: World) -> None:
    before_rows, before_blobs = await evidence_rows(world.db), world.blobs()
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 4096
    result = submit(world, [("好材料.pdf", PDF + b"unique-1", {}), ("报告.pdf", program, {})])
    assert result["milestoneUpdate"] is None
    (error,) = result["userErrors"]
    assert error["field"] == ["evidence", "1", "file"] and "报告.pdf" in error["message"]
    assert error["code"] == "INVALID"
    assert await evidence_rows(world.db) == before_rows and world.blobs() == before_blobs


async def test_other_zips_and_binary_files_are_refused_and_office_documents_taken(world: World) -> None:
    def zipped(names: list[str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in names:
                archive.writestr(name, "<x/>")
        return out.getvalue()

    docx = zipped(["[Content_Types].xml", "word/document.xml"])
    result = submit(
        world,
        [
            ("总结.docx", docx, {}),
            ("数据.xlsx", zipped(["[Content_Types].xml", "xl/workbook.xml"]), {}),
            ("旧表.txt", "清泉公益 资助名单".encode("gb18030"), {}),
        ],
    )
    assert result["userErrors"] == []
    assert [file["contentType"] for file in result["milestoneUpdate"]["evidence"]] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/plain; charset=gb18030",
    ]
    refused = submit(world, [("a.docx", zipped(["evil.js"]), {}), ("b.txt", b"abc\x00def", {})])
    assert [error["field"] for error in refused["userErrors"]] == [["evidence", "0", "file"], ["evidence", "1", "file"]]


async def test_the_same_file_twice_is_stored_once(world: World) -> None:
    same = PDF + b"stored-once"
    first = submit(world, [("一.pdf", same, {})])["milestoneUpdate"]["evidence"][0]
    blobs = world.blobs()
    second = submit(world, [("二.pdf", same, {})])["milestoneUpdate"]["evidence"][0]
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    assert world.blobs() == blobs and first["sha256"] in blobs


async def test_exif_location_is_stripped_on_request(world: World) -> None:
    original = photo(gps=True)
    assert gps_of(original)
    result = submit(world, [("家访.jpg", original, {"stripLocation": True}), ("原图.jpg", original, {})])
    stripped, kept = result["milestoneUpdate"]["evidence"]
    with world.client("reviewer") as client:
        stripped_bytes, kept_bytes = client.get(stripped["url"]).content, client.get(kept["url"]).content
    assert gps_of(stripped_bytes) == {} and kept_bytes == original
    # Only the metadata was rewritten: the compressed image, from the start of scan on, is the same.
    assert stripped_bytes[stripped_bytes.index(b"\xff\xda") :] == original[original.index(b"\xff\xda") :]
    with Image.open(io.BytesIO(stripped_bytes)) as image:
        assert image.getexif()[ExifTags.Base.Make] == "QianshouCam" and image.size == (640, 480)


async def test_a_range_request_is_answered_206(world: World) -> None:
    url = submit(world, [("大文件.pdf", PDF + b"ranged", {})])["milestoneUpdate"]["evidence"][0]["url"]
    with world.client("reviewer") as client:
        response = client.get(url, headers={"Range": "bytes=5-14"})
    assert response.status_code == 206 and response.content == PDF[5:15]
    assert response.headers["content-range"] == f"bytes 5-14/{len(PDF) + 6}"


async def test_multipart_without_a_preflight_header_is_refused(world: World) -> None:
    before = await evidence_rows(world.db)
    with world.client("mentor") as client:
        response = upload(
            client, SUBMIT, {"milestoneId": world.milestones["own"], "note": "x"}, [("a.pdf", PDF, {})], headers={}
        )
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "PREFLIGHT_REQUIRED"
    assert await evidence_rows(world.db) == before


async def test_a_write_on_a_hidden_milestone_attaches_nothing(world: World) -> None:
    before = await evidence_rows(world.db)
    with world.client("mentor") as client:
        response = upload(client, SUBMIT, {"milestoneId": world.milestones["other"], "note": "x"}, [("a.pdf", PDF, {})])
    assert response.json()["data"]["submitMilestoneUpdate"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert await evidence_rows(world.db) == before


def _streamed_upload(url: str, token: str, megabytes: list[int]) -> tuple[int, bytes]:
    """A multipart request with files of these sizes, sent in chunked encoding and made as it is
    sent (the test never holds it); stops sending as soon as the server answers."""
    host, port = url.removeprefix("http://").split(":")
    boundary = "qianshou-test-boundary"
    operations = orjson.dumps(
        {
            "query": SUBMIT,
            "variables": {"input": {"milestoneId": "x", "note": "x", "evidence": [{"file": None} for _ in megabytes]}},
        }
    ).decode()
    mapping = orjson.dumps({str(n): [f"variables.input.evidence.{n}.file"] for n in range(len(megabytes))}).decode()

    def parts() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{mapping}\r\n'
        ).encode()
        chunk = b"0" * (1024 * 1024)
        for n, size in enumerate(megabytes):
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"; filename="big.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
            ).encode()
            for _ in range(size):
                yield chunk
            yield b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nGraphQL-Require-Preflight: 1\r\n"
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        sock.setblocking(False)
        answer, closed = b"", False
        try:
            for part in parts():
                data = f"{len(part):x}\r\n".encode() + part + b"\r\n"
                while data and not answer:
                    try:
                        received = sock.recv(65536)  # the server may answer before the body ends
                        answer, closed = answer + received, not received
                        break
                    except BlockingIOError:
                        pass
                    try:
                        data = data[sock.send(data) :]
                    except BlockingIOError:
                        time.sleep(0.001)
                if answer or closed:
                    break
            sock.setblocking(True)
            while chunk := sock.recv(65536):
                answer += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection on the rest of the body, once it had answered
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    ("megabytes", "message"),
    [
        ([19, 19, 19, 3], b"the limit of 50 MB for all files of one request"),
        ([60], b"the file 'big.pdf' is larger than the limit of 20 MB"),
    ],
)
async def test_an_upload_over_a_limit_is_refused_while_streaming_and_leaves_nothing(
    world: World, megabytes, message
) -> None:
    before_rows, before_blobs = await evidence_rows(world.db), world.blobs()
    status, body = _streamed_upload(world.server.url, world.tokens["mentor"], megabytes)
    assert status == 413
    assert b"LIMIT_EXCEEDED" in body and message in body
    assert await evidence_rows(world.db) == before_rows and world.blobs() == before_blobs


async def test_gc_removes_an_old_orphan_and_keeps_referenced_blobs(world: World) -> None:
    referenced = submit(world, [("保留.pdf", PDF + b"keep", {})])["milestoneUpdate"]["evidence"][0]["sha256"]
    orphan_path = world.files_dir / "ab" / "cd" / ("abcd" + "0" * 60)
    young_path = world.files_dir / "ab" / "cd" / ("abcd" + "1" * 60)
    orphan_path.parent.mkdir(parents=True, exist_ok=True)
    orphan_path.write_bytes(b"left by a failed write")
    young_path.write_bytes(b"a write under way")
    two_days_ago = time.time() - 2 * 86400
    os.utime(orphan_path, (two_days_ago, two_days_ago))
    referenced_path = world.files_dir / referenced[:2] / referenced[2:4] / referenced
    os.utime(referenced_path, (two_days_ago, two_days_ago))
    result = subprocess.run(
        [sys.executable, "-m", "server", "files", "gc"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QIANSHOU_DATABASE_URL": world.db.url, "QIANSHOU_FILES_DIR": str(world.files_dir)},
    )
    assert result.returncode == 0, result.stderr
    assert "1 unreferenced removed" in result.stdout
    assert not orphan_path.exists() and young_path.exists() and referenced_path.exists()
    young_path.unlink()


@pytest.mark.parametrize(
    ("operations", "mapping", "message"),
    [
        ("{not json", '{"0": ["variables.input.evidence.0.file"]}', "`operations` is not valid JSON"),
        ('[{"query": "{ viewer { role } }"}]', "{}", "`operations` must be one JSON object"),
        ('{"query": "{ viewer { role } }"}', '{"0": ["query"]}', "must start with `variables.`"),
        ('{"query": "{ viewer { role } }", "variables": {}}', '{"0": ["variables.nothing.here"]}', "names no variable"),
        (
            '{"query": "{ viewer { role } }"}',
            '{"0": ["variables.a"], "1": ["variables.b"]}',
            "names files the request lacks: ['1']",
        ),
    ],
)
def test_a_malformed_multipart_request_is_400_with_what_is_wrong(world: World, operations, mapping, message) -> None:
    with world.client("mentor") as client:
        response = client.post(
            "/graphql",
            data={"operations": operations, "map": mapping},
            files={"0": ("a.pdf", PDF, "application/pdf")},
            headers=PREFLIGHT,
        )
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
