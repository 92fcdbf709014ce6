"""Evidence files through a real server: uploads (GraphQL multipart) and downloads, timed one at a
time on a new SQLite demo database.

    .venv/bin/python -m bench.files [--rounds 10]

Prints, for each case, the median and p90 wall time per request and the throughput in MB/s.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import httpx
import orjson
from PIL import ExifTags, Image
from sqlalchemy import select

from bench.server import Server
from db.demo.henan import load_henan_demo
from db.engine import Database
from db.migrate import upgrade
from db.models import Pairing, PairingStatus, Role
from resolvers.ids import encode_id
from resolvers.tokens import create_token

SUBMIT = """mutation($input: SubmitMilestoneUpdateInput!) { submitMilestoneUpdate(input: $input) {
  milestoneUpdate { evidence { url sha256 } } userErrors { message } } }"""


class Evidence(TypedDict):
    """An uploaded file as SUBMIT reads it back."""

    url: str
    sha256: str


@dataclass
class Setup:
    mentor_token: str
    admin_token: str
    pairing_id: str
    due_on: str


async def prepare(url: str) -> Setup:
    db = Database.from_url(url)
    try:
        await upgrade(db.write_engine)
        await load_henan_demo(db)
        # The demo's first pairings have completed their three years and take no new milestones.
        async with db.read_engine.connect() as connection:
            active = select(Pairing.id, Pairing.mentor_id, Pairing.ends_on).where(
                Pairing.status == PairingStatus.ACTIVE
            )
            pairing, mentor, ends_on = (await connection.execute(active.order_by(Pairing.id).limit(1))).one()
        return Setup(
            mentor_token=await create_token(
                db, "bench-mentor", Role.MENTOR_AGENCY, agency_id=encode_id("Agency", mentor)
            ),
            admin_token=await create_token(db, "bench-admin", Role.ADMIN),
            pairing_id=encode_id("Pairing", pairing),
            due_on=ends_on.isoformat(),
        )
    finally:
        await db.dispose()


def photo(width: int, height: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (33.0, 45.0, 0.0)}
    out = io.BytesIO()
    Image.effect_noise((width, height), 40).convert("RGB").save(out, format="JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def open_milestone(client: httpx.Client, setup: Setup) -> str:
    created = client.post(
        "/graphql",
        json={
            "query": "mutation($i: CreateMilestoneInput!) {"
            " createMilestone(input: $i) { milestone { id } userErrors { code message } } }",
            "variables": {
                "i": {
                    "pairingId": setup.pairing_id,
                    "title": "bench",
                    "category": "GOVERNANCE",
                    "termYear": 3,
                    "dueOn": setup.due_on,
                }
            },
        },
    ).json()
    answer = created["data"]["createMilestone"]
    if answer["milestone"] is None:
        raise SystemExit(f"createMilestone was refused: {answer['userErrors']}")
    milestone_id: str = answer["milestone"]["id"]
    return milestone_id


def upload(client: httpx.Client, milestone: str, name: str, data: bytes, strip: bool) -> Evidence:
    operations = {
        "query": SUBMIT,
        "variables": {
            "input": {"milestoneId": milestone, "note": "bench", "evidence": [{"file": None, "stripLocation": strip}]}
        },
    }
    response = client.post(
        "/graphql",
        headers={"GraphQL-Require-Preflight": "1"},
        data={"operations": orjson.dumps(operations).decode(), "map": '{"0": ["variables.input.evidence.0.file"]}'},
        files={"0": (name, data, "application/octet-stream")},
    )
    payload = response.json()["data"]["submitMilestoneUpdate"]
    assert not payload["userErrors"], payload
    evidence: Evidence = payload["milestoneUpdate"]["evidence"][0]
    return evidence


def timed(rounds: int, work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def report(label: str, size: int, times: list[float]) -> None:
    median = statistics.median(times)
    p90 = sorted(times)[int(len(times) * 0.9) - 1] if len(times) > 1 else median
    print(
        f"{label:<34} {size / 1e6:>8.2f} MB {median * 1000:>9.1f} ms {p90 * 1000:>9.1f} ms {size / 1e6 / median:>9.1f} MB/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench-files.sqlite3'}"
        setup = asyncio.run(prepare(url))
        server = Server(
            url, workers=1, today="2026-11-30", env={"QIANSHOU_FILES_DIR": str(Path(directory) / "files")}
        ).start()
        try:
            with httpx.Client(
                base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {setup.admin_token}"}
            ) as admin_client:
                # A milestone takes one pending update at a time: each upload goes to a milestone of its own.
                milestones = iter([open_milestone(admin_client, setup) for _ in range(3 * rounds + 1)])
            small = b"%PDF-1.7\n" + bytes(range(256)) * 40
            large = b"%PDF-1.7\n" + bytes(range(256)) * (18 * 4096)
            picture = photo(4000, 3000)
            print(f"{'case':<34} {'size':>11} {'p50':>12} {'p90':>12} {'throughput':>14}")
            with httpx.Client(
                base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {setup.mentor_token}"}
            ) as client:
                counter = iter(range(10**6))
                # Each upload differs by a byte, so that every one is stored, not found stored already.
                report(
                    "upload 10 KB PDF",
                    len(small),
                    timed(
                        rounds,
                        lambda: upload(client, next(milestones), "a.pdf", small + str(next(counter)).encode(), False),
                    ),
                )
                report(
                    "upload 18 MB PDF",
                    len(large),
                    timed(
                        rounds,
                        lambda: upload(client, next(milestones), "b.pdf", large + str(next(counter)).encode(), False),
                    ),
                )
                stored = upload(client, next(milestones), "b.pdf", large, False)
                report(
                    "upload 12 MP photo, GPS stripped",
                    len(picture),
                    timed(
                        rounds,
                        lambda: upload(client, next(milestones), "c.jpg", picture + str(next(counter)).encode(), True),
                    ),
                )
                report("download 18 MB PDF", len(large), timed(rounds, lambda: client.get(stored["url"]).content))
                report(
                    "download 1 MB range of it",
                    1 << 20,
                    timed(
                        rounds, lambda: client.get(stored["url"], headers={"Range": f"bytes=0-{(1 << 20) - 1}"}).content
                    ),
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
