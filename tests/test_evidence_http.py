"""Evidence files end to end: uploads as GraphQL multipart requests and downloads, through a real
Uvicorn server, on the database under test (SQLite or PostgreSQL); what is stored, who may read it,
and `qianshou files gc`. The multipart request itself is tested in tests/test_evidence_multipart.py."""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from db.models import AuditEvent
from resolvers.ids import encode_id
from tests.commands import qianshou
from tests.evidence_support import PDF, SUBMIT, World, evidence_rows, evidence_world, gps_of, photo, submit, upload

pytestmark = pytest.mark.slow  # a real server and the qianshou command


@pytest.fixture(scope="module")
async def world(databases, tmp_path_factory) -> AsyncIterator[World]:
    async with evidence_world(databases, tmp_path_factory.mktemp("evidence-files")) as world:
        yield world


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


async def test_a_write_on_a_hidden_milestone_attaches_nothing(world: World) -> None:
    before = await evidence_rows(world.db)
    with world.client("mentor") as client:
        response = upload(client, SUBMIT, {"milestoneId": world.milestones["other"], "note": "x"}, [("a.pdf", PDF, {})])
    assert response.json()["data"]["submitMilestoneUpdate"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert await evidence_rows(world.db) == before


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
    result = qianshou("files", "gc", database_url=world.db.url, QIANSHOU_FILES_DIR=str(world.files_dir))
    assert result.returncode == 0, result.stderr
    assert "1 unreferenced removed" in result.stdout
    assert not orphan_path.exists() and young_path.exists() and referenced_path.exists()
    young_path.unlink()
