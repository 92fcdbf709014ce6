"""One request budget per caller, whichever door the request comes through.

Every door spends from it: POST/GET /graphql, GET /reports/*, a WebSocket's connection_init and
each operation sent over an open WebSocket. A caller is their token; without one (anonymous in
development, or a credential that was refused) their address. So a token cannot be used to run
more over a WebSocket than over HTTP, and guessing tokens costs the guesser's address as fast as
requests do. The buckets themselves are server/ratelimit.py's, whose storage can be swapped.
"""

from __future__ import annotations

from resolvers.access import Actor
from server.ratelimit import RateLimiter, retry_after

CODE = "RATE_LIMITED"


class RateLimited(Exception):
    def __init__(self, wait: float) -> None:
        self.retry_after = retry_after(wait)
        super().__init__(f"too many requests: the limit is per minute; retry in {self.retry_after} s")
        self.message_zh = f"请求过于频繁（按每分钟计）；请在 {self.retry_after} 秒后重试"


def caller_key(actor: Actor | None, client: str) -> str:
    """Whose budget: the token's or the signed-in account's; the address's when there is no
    (accepted) credential."""
    if actor is not None and actor.token_id is not None:
        return f"token:{actor.token_id}"
    if actor is not None and actor.account_id is not None:
        return f"account:{actor.account_id}"
    return f"ip:{client}"


class Budget:
    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def spend(self, actor: Actor | None, client: str) -> None:
        """Take one request from the caller's budget, or raise RateLimited. `actor` None means the
        credential was refused: the attempt is charged to the address it came from. A coroutine,
        so that buckets kept in a shared store (Redis) can be asked without blocking."""
        if (wait := await self.limiter.take(caller_key(actor, client))) is not None:
            raise RateLimited(wait)
