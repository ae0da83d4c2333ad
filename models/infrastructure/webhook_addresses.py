"""Where a webhook may go: HTTPS to public addresses only, checked when an endpoint is saved
and again, on the addresses the name resolves to then, before each delivery.

A name that resolves to a private, loopback, link-local or otherwise non-public address is
refused (no one may point our workers at the internal network), unless private addresses
are allowed (development, tests); plain http is allowed then, for loopback only. So are the
IPv6 ranges that carry an IPv4 address inside (NAT64, 6to4, Teredo, IPv4-compatible and
translated addresses): the IPv4 address inside may be private, and a public receiver has no
reason to sit behind one. A URL with spaces or control characters, or one the HTTP client
would not send, is refused too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpx

MAX_URL_LENGTH = 2000

# IPv6 ranges refused outright: each carries (or routes to) an IPv4 address inside, or is
# deprecated, while Python's `is_global` may call it public. IPv4-mapped addresses
# (::ffff:0:0/96) are checked as the IPv4 address they hold instead.
REFUSED_IPV6 = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "::/96",  # IPv4-compatible (deprecated), and the unspecified and loopback addresses
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64, well-known prefix
        "64:ff9b:1::/48",  # NAT64, local use
        "2001::/32",  # Teredo
        "2002::/16",  # 6to4
        "fec0::/10",  # site-local (deprecated)
    )
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The URL may not receive webhooks; the message says why, for a person to read."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to, so that the connection goes where the
    check looked (a name that resolves elsewhere a moment later cannot redirect it)."""

    url: str
    host: str  # the name in the URL, for the Host header and TLS
    address: str  # the IP address to connect to
    port: int
    https: bool


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if any(address in network for network in REFUSED_IPV6):
            return False
    return address.is_global and not address.is_multicast


def _has_control_or_space(url: str) -> bool:
    return any(ord(ch) < 0x21 or 0x7F <= ord(ch) <= 0x9F or ch.isspace() for ch in url)


def parse(url: str) -> SplitResult:
    """The URL's parts, when it is an absolute http(s) URL without credentials."""
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if _has_control_or_space(url):
        raise AddressRefused("The URL may not hold spaces or control characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
        httpx.URL(url)  # what the delivery will send: it must take the URL as it is
    except (ValueError, httpx.InvalidURL) as exc:
        raise AddressRefused("The URL is not valid.") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AddressRefused("The URL must be an https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("The URL may not hold a user name or password.")
    return parts


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to (an IP address resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"The host {host} does not resolve.") from exc
    return list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos)
    )


async def check(url: str, *, allow_private: bool) -> Target:
    """The target to deliver to, or AddressRefused.

    With `allow_private` false, every address the name resolves to must be public and the
    scheme https. With it true, any address goes, and http too when every address is loopback.
    """
    parts = parse(url)
    https = parts.scheme == "https"
    host = parts.hostname
    assert host is not None
    port = parts.port or (443 if https else 80)
    addresses = await resolve(host, port)
    if not addresses:
        raise AddressRefused(f"The host {host} does not resolve.")
    if not allow_private and not all(is_public(address) for address in addresses):
        raise AddressRefused(
            "The URL resolves to a private, loopback or link-local address; webhooks go to "
            "public addresses only."
        )
    if not https and not (allow_private and all(a.is_loopback for a in addresses)):
        raise AddressRefused("The URL must be an https:// URL.")
    return Target(url=url, host=host, address=str(addresses[0]), port=port, https=https)
