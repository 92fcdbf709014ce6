"""CORS for dashboards on other origins: off unless QIANSHOU_CORS_ORIGINS names origins.

Listed origins may send credentials (the session cookie) and the headers the API reads; `*`
allows every origin but never with credentials, so that no site can act with a visitor's session.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ALLOWED_HEADERS = ["Authorization", "Content-Type", "Accept", "Accept-Language", "X-Requested-With", "If-None-Match"]
# ETag: for clients that keep tags themselves (server/etag.py); the browser's cache needs neither.
EXPOSED_HEADERS = ["X-Request-Id", "Retry-After", "ETag"]
# How long a browser may keep a preflight's answer.
PREFLIGHT_MAX_AGE = 600


def cors_middleware(origins: list[str]) -> list[Middleware]:
    if not origins:
        return []
    any_origin = "*" in origins
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"] if any_origin else origins,
            allow_methods=["GET", "POST"],
            allow_headers=ALLOWED_HEADERS,
            allow_credentials=not any_origin,
            expose_headers=EXPOSED_HEADERS,
            max_age=PREFLIGHT_MAX_AGE,
        )
    ]
