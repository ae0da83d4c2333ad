"""How often one client address may send Contact me: a fixed window counted in Redis."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `limit` hits per `window` seconds for each key, counted in `redis`.

    Without Redis (none configured, or down) it lets requests through and logs it: the
    Contact me form stays open rather than losing visitors while Redis is away.
    """

    redis: Redis | None
    limit: int
    window: int
    name: str

    async def allow(self, key: str) -> bool:
        """Count a hit for `key`; False once the window already holds `limit` of them."""
        if self.redis is None:
            return True
        bucket = f"ratelimit:{self.name}:{key}:{int(time.time()) // self.window}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(bucket)
                pipe.expire(bucket, self.window)
                hits, _ = await pipe.execute()
        except (RedisError, OSError) as exc:
            log.warning("rate limit %s not checked, Redis failed: %s", self.name, exc)
            return True
        return int(hits) <= self.limit

    def retry_after(self) -> int:
        """Seconds until the current window ends, when a refused key may try again."""
        return self.window - int(time.time()) % self.window
