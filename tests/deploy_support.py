"""nginx for tests: the deployment's own proxy rules (deploy/nginx/) in front of test servers, run
as the current user from a temporary prefix on a free port, never the machine's nginx."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT, free_port

SITE = ROOT / "deploy" / "nginx" / "qianshou.conf"
PROXY_RULES = ROOT / "deploy" / "nginx" / "qianshou-proxy.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def _block(text: str, head: str) -> str:
    """The `head { ... }` block of the site file (no nested braces in the ones we take)."""
    match = re.search(re.escape(head) + r"\s*\{[^}]*\}", text)
    assert match, f"{head} is missing from {SITE}"
    return match.group(0)


class Nginx:
    def __init__(self, directory: Path, upstream_ports: list[int]) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = SITE.read_text()
        upstream = _block(site, "upstream qianshou")
        addresses = re.findall(r"server (127\.0\.0\.1:\d+)", upstream)
        assert len(addresses) == len(upstream_ports), "one upstream line per test server"
        for address, port in zip(addresses, upstream_ports, strict=True):
            upstream = upstream.replace(address, f"127.0.0.1:{port}")
        temp = {name: directory / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (directory / "nginx.conf").write_text(
            f"""{user}worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    {_block(site, "map $http_upgrade $connection_upgrade")}
    {upstream}
    server {{
        listen 127.0.0.1:{self.port};
        include {PROXY_RULES};
    }}
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        command = [
            NGINX,
            "-p",
            str(self.directory),
            "-c",
            str(self.directory / "nginx.conf"),
            "-e",
            str(self.directory / "error.log"),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not listen in 10 s") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
