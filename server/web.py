"""The web app and GraphiQL, both built from web/ into server/static/app/ (see docs/user-guide.md, "Web app").

Every page of the app is a URL the server answers with index.html, so a bookmarked or shared link
opens the same page; the app reads the rest from its query string. Hashed assets never change under
their name, so browsers keep them for a year; index.html is checked on every visit so that a new
release shows at once. Nothing is fetched from another origin: the app and GraphiQL work offline.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static" / "app"

# The app's client-side routes (web/src/App.tsx).
APP_PATHS = ("/", "/pairings", "/pairings/{pairing_id}", "/review", "/report", "/import", "/inbox", "/sign-in")

# React sets style attributes, and GraphiQL's editor inline styles: hence 'unsafe-inline' for styles
# only. Scripts come from this origin alone. Images may be blob: URLs: a kiosk tab (a token, no cookie)
# fetches evidence thumbnails with its Authorization header and shows what it fetched.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
MISSING = "the web app is not built: run `npm ci && npm run build` in web/ (see docs/user-guide.md, 'Web app')\n"


def _page(name: str) -> Response:
    path = STATIC / name
    if not path.is_file():
        return PlainTextResponse(MISSING, status_code=503)
    return FileResponse(path, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


async def app_page(request: Request) -> Response:
    return _page("index.html")


def graphiql_page() -> Response:
    return _page("graphiql.html")


class HashedAssets(StaticFiles):
    """Files whose names carry a hash of their content: cached for a year, never revalidated."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message["headers"].append((b"cache-control", b"public, max-age=31536000, immutable"))
            await send(message)

        await super().__call__(scope, receive, send_cached)


def web_routes() -> list[BaseRoute]:
    return [
        *(Route(path, app_page, methods=["GET", "HEAD"]) for path in APP_PATHS),
        Mount("/assets", app=HashedAssets(directory=STATIC / "assets", check_dir=False), name="assets"),
    ]
