"""The GraphQL multipart request of an evidence upload, through a real Uvicorn server: refused while
it streams once over a limit, refused when malformed or without its preflight header, and nothing stored."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest

from tests.evidence_support import PDF, PREFLIGHT, SUBMIT, World, evidence_rows, evidence_world, upload

pytestmark = pytest.mark.slow  # a real server


@pytest.fixture(scope="module")
async def world(databases, tmp_path_factory) -> AsyncIterator[World]:
    async with evidence_world(databases, tmp_path_factory.mktemp("evidence-files")) as world:
        yield world


async def test_multipart_without_a_preflight_header_is_refused(world: World) -> None:
    before = await evidence_rows(world.db)
    with world.client("mentor") as client:
        response = upload(
            client, SUBMIT, {"milestoneId": world.milestones["own"], "note": "x"}, [("a.pdf", PDF, {})], headers={}
        )
    assert response.status_code == 400 and response.json()["errors"][0]["extensions"]["code"] == "PREFLIGHT_REQUIRED"
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
