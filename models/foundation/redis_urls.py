"""REDIS_URL in Sentinel form: the Sentinels to ask, the primary's service name, its database.

`redis+sentinel://[user:password@]host:26379,host2:26379/mymaster/0` names the Sentinels
(`host:port`, comma-separated; the port defaults to 26379), the service name they monitor
(`mymaster`) and the database number (`0` unless given). The credentials are those of the
Redis servers, primary and replicas; the Sentinels are asked without. `rediss+sentinel://`
reaches the servers over TLS. Any other REDIS_URL is a Redis server's own URL, as redis-py
reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")
SENTINEL_PORT = 26379
SENTINEL_EXAMPLE = "redis+sentinel://host:26379,host2:26379/mymaster/0"


class NotASentinelUrl(ValueError):
    """A Sentinel URL that cannot be read; the message says what is wrong, without secrets."""


@dataclass(frozen=True, slots=True)
class SentinelUrl:
    """What a Sentinel-form REDIS_URL names."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> SentinelUrl | None:
        """The URL's parts, None for a URL not in Sentinel form, or NotASentinelUrl."""
        scheme, separator, rest = url.partition("://")
        if not separator or scheme not in SENTINEL_SCHEMES:
            return None
        authority, _, path = rest.partition("/")
        userinfo, at, hosts = authority.rpartition("@")
        username = password = None
        if at:
            user, colon, secret = userinfo.partition(":")
            username = unquote(user) or None
            password = unquote(secret) if colon else None
        sentinels = tuple(_host_and_port(part) for part in hosts.split(","))
        service, _, db = path.strip("/").partition("/")
        if not service:
            raise NotASentinelUrl(
                f"names no service after the Sentinels' addresses, as in {SENTINEL_EXAMPLE}"
            )
        if db and not db.isdigit():
            raise NotASentinelUrl(f"names a database that is not a number: {db!r}")
        return cls(
            sentinels=sentinels,
            service=unquote(service),
            db=int(db or 0),
            username=username,
            password=password,
            tls=scheme == "rediss+sentinel",
        )


def _host_and_port(part: str) -> tuple[str, int]:
    """One Sentinel's `host:port` (IPv6 in brackets), by urllib's own reading of it."""
    try:
        address = urlsplit(f"//{part}")
        host, port = address.hostname, address.port
    except ValueError:
        host = port = None
    if not host or port == 0:
        raise NotASentinelUrl(f"names a Sentinel that is not host:port: {part!r}")
    return host, port or SENTINEL_PORT
