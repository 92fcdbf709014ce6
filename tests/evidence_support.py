"""What the evidence tests over HTTP share: a real server with its files directory on a demo database,
tokens of a mentor agency, another agency, a reviewer and an admin, and uploads as GraphQL multipart requests."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from PIL import ExifTags, Image
from sqlalchemy import func, select

from db.engine import Database
from db.models import EvidenceFile, Role
from resolvers.ids import encode_id
from resolvers.tokens import create_token
from tests.conftest import DatabaseFactory, LiveServer, reopen_ye_county

YE_COUNTY = encode_id("Pairing", 1)  # mentored by 姑苏区善行; its supported agency lies in 平顶山市
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


def open_milestone(world: World, pairing_id: str) -> str:
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


@asynccontextmanager
async def evidence_world(databases: DatabaseFactory, files_dir: Path) -> AsyncIterator[World]:
    """The demo data (the Ye County pairing open) served with `files_dir` as its files directory."""
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
    server = LiveServer(
        db.url, env={"QIANSHOU_FILES_DIR": str(files_dir), "QIANSHOU_RATE_LIMIT_PER_MINUTE": "0"}
    ).start()
    try:
        world = World(db, server, files_dir, tokens, {"other": await _milestone_of(db, 9)})
        world.milestones["own"] = open_milestone(world, YE_COUNTY)
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
    milestone = open_milestone(world, YE_COUNTY)
    with world.client(token) as client:
        response = upload(client, SUBMIT, {"milestoneId": milestone, "note": note}, files)
    assert response.status_code == 200, response.text
    return response.json()["data"]["submitMilestoneUpdate"]
