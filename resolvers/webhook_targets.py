"""Where a webhook may be sent: http(s) URLs whose host resolves only to public addresses.

Every address the host resolves to is checked (a name with one private address among public ones
is refused), when a subscription is saved and again before each delivery, and the delivery then
connects to an address that was checked, so that a name re-pointed in between (DNS rebinding)
cannot reach inside. `QIANSHOU_WEBHOOK_ALLOW_PRIVATE=true` lifts the address check, for a receiver
on the same host or network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000


@dataclass
class TargetPolicy:
    """Set once by the server (and the CLI) from QIANSHOU_WEBHOOK_ALLOW_PRIVATE."""

    allow_private: bool = False


POLICY = TargetPolicy()


class TargetRefused(Exception):
    """The URL may not be sent to; `message` and `message_zh` say why."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message, self.message_zh = message, message_zh


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    # The checked addresses, in the resolver's order.
    addresses: tuple[str, ...]


def check_url(url: str) -> tuple[str, int]:
    """The URL's host and port; TargetRefused unless it is an absolute http(s) URL with a host."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"at most {MAX_URL_LENGTH} characters", f"不能超过 {MAX_URL_LENGTH} 个字符")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("not a valid URL", "不是有效的网址") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("only http and https URLs are allowed", "只允许 http 或 https 网址")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not allowed", "网址中不能包含用户名或密码")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve_target(url: str, *, allow_private: bool | None = None) -> Target:
    """The URL checked and its host resolved; TargetRefused if it may not be sent to."""
    host, port = check_url(url)
    allow_private = POLICY.allow_private if allow_private is None else allow_private
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(f"the host {host!r} does not resolve", f"无法解析主机名 {host!r}") from None
    # typeshed allows an AF_INET6 address of (int, bytes), for a Python built with --disable-ipv6;
    # a host name resolves to IPv4 and IPv6 addresses as text, which is_public parses.
    addresses = tuple(dict.fromkeys(cast(str, info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefused(f"the host {host!r} does not resolve", f"无法解析主机名 {host!r}")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise TargetRefused(
                    f"the host {host!r} resolves to the non-public address {address}; "
                    "set QIANSHOU_WEBHOOK_ALLOW_PRIVATE=true to allow it",
                    f"主机 {host!r} 解析到非公网地址 {address}，不允许发送",
                )
    return Target(url, host, port, addresses)
