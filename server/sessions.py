"""POST /auth/sign-in and POST /auth/sign-out: the web app's only private endpoints.

Sign-in takes JSON `{"name", "password"}` (a JSON body cannot be posted cross-site without a CORS
preflight, so no page elsewhere can sign a browser in to an account of its choosing) and answers
with the account and a session cookie: HttpOnly, SameSite=Lax, Path=/, Secure when the request came
over TLS (directly, or as a trusted proxy's X-Forwarded-Proto, see Uvicorn's FORWARDED_ALLOW_IPS).
A wrong name or password, and a disabled account, get one answer (401 BAD_CREDENTIALS); a locked
name gets 429 LOCKED with Retry-After. Each attempt also counts against the client's address in
the per-minute rate limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from starlette.requests import Request
from starlette.responses import Response

from resolvers.ids import encode_id
from resolvers.sessions import Outcome, SessionPolicy, sign_in
from server.auth import CSRF_HEADER, CSRF_VALUE, SESSION_COOKIE, CsrfRefused, Unauthenticated
from server.graphql_http import JSON, BadRequest, error_payload, json_response, read_body
from server.i18n import language_of, pick
from server.ratelimit import retry_after

if TYPE_CHECKING:  # server/app.py makes the routes with its Service
    from server.app import Service

MAX_BODY_BYTES = 4_096


class SessionRoutes:
    def __init__(self, service: Service) -> None:
        self.service = service

    @property
    def policy(self) -> SessionPolicy:
        return self.service.session_policy

    async def sign_in(self, request: Request) -> Response:
        language = language_of(request.headers.get("accept-language"))

        def refuse(
            status: int, code: str, message: str, message_zh: str | None, headers: dict[str, str] | None = None
        ) -> Response:
            return json_response(error_payload(pick(language, message, message_zh), code), status, headers=headers)

        client = request.client.host if request.client else "unknown"
        # Sign-in attempts spend the address's request budget (server/budget.py), as other doors do.
        await self.service.budget.spend(None, client)
        try:
            name, password = await _credentials(request)
        except BadRequest as exc:
            return refuse(exc.status, exc.code, str(exc), exc.message_zh)
        result = await sign_in(
            self.service.db, name, password, self.policy, client=client, user_agent=request.headers.get("user-agent")
        )
        if result.outcome is Outcome.LOCKED and result.retry_after is not None:  # a lock says for how long
            seconds = retry_after(result.retry_after.total_seconds())
            return refuse(
                429,
                "LOCKED",
                f"too many failed sign-ins for this name; try again in {seconds} s",
                f"该账号登录失败次数过多，请 {seconds} 秒后再试",
                {"Retry-After": seconds},
            )
        account, secret = result.account, result.secret
        if result.outcome is not Outcome.OK or account is None or secret is None:  # OK comes with both
            return refuse(401, "BAD_CREDENTIALS", "wrong name or password", "账号或密码错误")
        agency_id = None if account.agency_id is None else encode_id("Agency", account.agency_id)
        response = json_response({"name": account.name, "role": account.role.value, "agencyId": agency_id})
        if old := request.cookies.get(SESSION_COOKIE):
            await self.service.credentials.sign_out(old)
        response.set_cookie(
            SESSION_COOKIE,
            secret,
            max_age=int(self.policy.absolute.total_seconds()),
            path="/",
            secure=_over_tls(request),
            httponly=True,
            samesite="lax",
        )
        return response

    async def sign_out(self, request: Request) -> Response:
        """Ends the cookie's session and clears the cookie; 204 whether or not there was one."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
            language = language_of(request.headers.get("accept-language"))
            refusal = CsrfRefused()
            return json_response(error_payload(pick(language, refusal.message, refusal.message_zh), "CSRF"), 403)
        if cookie:
            await self.service.credentials.sign_out(cookie)
        response = Response(status_code=204)
        clear_cookie(request, response)
        return response


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_over_tls(request), httponly=True, samesite="lax")


def unauthenticated(request: Request, error: Unauthenticated, language: str) -> Response:
    """The 401 of every route but /graphql (which adds its request ID): in the caller's language, and
    clearing a cookie that names no live session so that the browser stops sending it."""
    message = pick(language, str(error), error.message_zh)
    response = json_response(error_payload(message, "UNAUTHENTICATED"), 401, headers={"WWW-Authenticate": "Bearer"})
    if error.expired_cookie:
        clear_cookie(request, response)
    return response


def _over_tls(request: Request) -> bool:
    return request.url.scheme in ("https", "wss")


async def _credentials(request: Request) -> tuple[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise BadRequest(
            "sign in with content-type application/json",
            415,
            message_zh="登录请求的 content-type 必须是 application/json",
        )
    try:
        body = orjson.loads(await read_body(request, MAX_BODY_BYTES))
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("password"), str):
        raise BadRequest(
            'send {"name": "...", "password": "..."} as JSON',
            message_zh='请以 JSON 发送 {"name": "...", "password": "..."}',
        )
    return body["name"], body["password"]
