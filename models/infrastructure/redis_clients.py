"""A Redis client for REDIS_URL: a server's URL, or its Sentinels' (redis-py's Sentinel support).

With Sentinels (`models/foundation/redis_urls.py`), the client asks them for the current
primary of the service before each new connection, and drops its connections when a command
finds the address no longer the primary (a failover under way); the web's dispatch, the
workers' poll loops and the change feed then reconnect to the new primary as they would to
a Redis that came back.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

from models.foundation.redis_urls import SentinelUrl

R = TypeVar("R", bound=Redis)
# Options of a connection that the Sentinels' own connections share.
_SENTINEL_OPTIONS = ("socket_connect_timeout", "socket_timeout", "decode_responses")


def redis_client(url: str, redis_class: type[R], **options: Any) -> R:
    """A client of `redis_class` for `url`, its connections made with `options` (time-outs,
    retries, health checks, as redis-py's `from_url` takes them)."""
    sentinel_url = SentinelUrl.parse(url)
    if sentinel_url is None:
        return cast(R, redis_class.from_url(url, **options))
    sentinel_options = {key: options[key] for key in _SENTINEL_OPTIONS if key in options}
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        list(sentinel_url.sentinels), sentinel_kwargs=sentinel_options
    )
    client = sentinel.master_for(
        sentinel_url.service,
        redis_class=redis_class,
        connection_pool_class=_PrimaryPool,
        db=sentinel_url.db,
        username=sentinel_url.username,
        password=sentinel_url.password,
        ssl=sentinel_url.tls,
        **options,
    )
    return cast(R, client)


class _PrimaryPool(SentinelConnectionPool):
    """redis-py's pool of connections to the primary, which also closes its connections to
    the Sentinels when it closes (redis-py leaves them open)."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await super().disconnect(inuse_connections)
        for sentinel in self.sentinel_manager.sentinels:
            await sentinel.connection_pool.disconnect()
