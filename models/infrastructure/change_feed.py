"""Live updates across processes: "this object changed", announced on Redis pub/sub.

A change that commits, in a web process or a worker, is announced after its commit on the
channel of each object it touched (`announce`); the message says which object, never what
changed, so nothing of its content passes through Redis. Each web process keeps one
`ChangeFeed`: one Redis connection subscribed to the channels its listeners (GraphQL
subscriptions) watch, waking the listeners of a channel when a message arrives. A listener
then reads the object again through the normal, authorized path.

Announcing never holds a change back: it comes after the commit, waits no longer than
REDIS_TIMEOUT, and a Redis that is down only means that no one is told (a warning in the
log). A feed that loses its connection connects again with a growing pause, subscribes to
what its listeners watch, and wakes them all: they may have missed a change meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection, Iterable
from dataclasses import dataclass
from uuid import UUID

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from models.infrastructure.redis_clients import redis_client

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "partnerhub:changed:"
# Subscribed at all times, so the feed's connection always has a subscription; nothing is
# ever published on it.
IDLE_CHANNEL = f"{CHANNEL_PREFIX}feed"
# An idle feed pings Redis this often (seconds), to find a dead connection.
PING_EVERY = 15.0
# After a lost connection the feed waits this long, doubling up to the cap, between tries.
RECONNECT_PAUSE = 0.2
RECONNECT_PAUSE_CAP = 5.0


@dataclass(frozen=True, slots=True, order=True)
class Change:
    """One object that changed: its kind (its GraphQL type's name, as activity entries and
    global IDs name it: `Invitation`) and its id."""

    kind: str
    id: UUID

    @property
    def channel(self) -> str:
        return f"{CHANNEL_PREFIX}{self.kind}:{self.id}"

    @classmethod
    def of_channel(cls, channel: str) -> Change | None:
        kind, _, raw_id = channel.removeprefix(CHANNEL_PREFIX).partition(":")
        try:
            return cls(kind, UUID(raw_id))
        except ValueError:
            return None


async def announce(redis: Redis | None, changes: Collection[Change]) -> int:
    """Publish each change on its channel, in one round trip; how many listeners (web
    processes) received them. Redis down, or slower than its time-out, is a warning only."""
    if not changes or redis is None:
        return 0
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for change in sorted(changes):
                pipe.publish(change.channel, "")
            received = await pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("changes: Redis unreachable, %d change(s) not announced: %s", len(changes), exc)
        return 0
    return sum(int(n) for n in received)


class Listener:
    """What one watcher hears: the changes since it last looked, or that it may have missed
    some (`missed`: the feed's connection was lost)."""

    def __init__(self, watched: frozenset[Change]) -> None:
        self.watched = watched
        self._woken = asyncio.Event()
        self._changes: set[Change] = set()
        self._missed = False

    def notify(self, change: Change | None) -> None:
        """`change` happened; None: changes may have been missed."""
        if change is None:
            self._missed = True
        else:
            self._changes.add(change)
        self._woken.set()

    async def next(self, within: float | None) -> tuple[set[Change], bool]:
        """Wait for changes, at most `within` seconds: those heard, and whether some may have
        been missed. Both empty when the time ran out."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._woken.wait()
        self._woken.clear()
        changes, self._changes = self._changes, set()
        missed, self._missed = self._missed, False
        return changes, missed


class ChangeFeed:
    """One process's subscription to the change channels its listeners watch.

    Without a Redis URL nothing is ever heard (a process alone has no one to tell it).
    """

    def __init__(self, redis_url: str | None, *, timeout: float) -> None:
        self.redis_url = redis_url
        self.timeout = timeout
        self._listeners: dict[str, set[Listener]] = {}
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.redis_url and self._task is None:
            self._task = asyncio.create_task(self._run(self.redis_url), name="change feed")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    @contextlib.asynccontextmanager
    async def watching(self, changes: Iterable[Change]) -> AsyncIterator[Listener]:
        """A listener of `changes`, subscribed (as far as Redis answers within its time-out)
        before the block starts: read the objects' state inside it, and no later change is
        missed."""
        listener = Listener(frozenset(changes))
        new, pending = [], []
        for change in listener.watched:
            listeners = self._listeners.setdefault(change.channel, set())
            if not listeners:
                new.append(change.channel)
            elif change.channel in self._confirmations:  # another watcher's, under way
                pending.append(self._confirmations[change.channel])
            listeners.add(listener)
        try:
            await self._subscribe(new, pending)
            yield listener
        finally:
            gone = []
            for change in listener.watched:
                listeners = self._listeners.get(change.channel, set())
                listeners.discard(listener)
                if not listeners:
                    self._listeners.pop(change.channel, None)
                    gone.append(change.channel)
            await self._unsubscribe(gone)

    async def _subscribe(self, channels: list[str], pending: list[asyncio.Future[None]]) -> None:
        """Subscribe to `channels` and wait until Redis confirms them, and `pending` (other
        watchers' subscriptions to the rest, still under way)."""
        pubsub = self._pubsub
        if not (channels or pending) or pubsub is None:
            return  # the feed subscribes to them when it connects
        loop = asyncio.get_running_loop()
        waiting = [self._confirmations.setdefault(c, loop.create_future()) for c in channels]
        try:
            async with asyncio.timeout(self.timeout):
                if channels:
                    await pubsub.subscribe(*channels)
                await asyncio.gather(*(asyncio.shield(f) for f in waiting + pending))
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("changes: subscribing to %d channel(s) failed: %s", len(channels), exc)
        finally:
            for channel in channels:
                self._confirmations.pop(channel, None)

    async def _unsubscribe(self, channels: list[str]) -> None:
        pubsub = self._pubsub
        if not channels or pubsub is None:
            return
        try:
            async with asyncio.timeout(self.timeout):
                await pubsub.unsubscribe(*channels)
        except (RedisError, OSError, TimeoutError) as exc:
            log.info("changes: unsubscribing failed (the connection is renewed): %s", exc)

    async def _run(self, redis_url: str) -> None:
        pause = RECONNECT_PAUSE
        connected_before = False
        failing = False  # told once per outage, not at every try
        while True:
            client = redis_client(
                redis_url, Redis, socket_connect_timeout=self.timeout, decode_responses=True
            )
            pubsub = client.pubsub()
            try:
                async with asyncio.timeout(self.timeout):
                    await pubsub.subscribe(IDLE_CHANNEL, *self._listeners)
                self._pubsub = pubsub
                if connected_before:
                    self._wake_all()
                    log.info("changes: the feed's Redis connection is back")
                connected_before, pause, failing = True, RECONNECT_PAUSE, False
                await self._read(pubsub)
            except (RedisError, OSError, TimeoutError) as exc:
                log.log(
                    logging.INFO if failing else logging.WARNING,
                    "changes: the feed's Redis connection failed: %s",
                    exc,
                )
                failing = True
            finally:
                self._pubsub = None
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                    await client.aclose()
            await asyncio.sleep(pause)
            pause = min(pause * 2, RECONNECT_PAUSE_CAP)

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=PING_EVERY)
            if message is None:
                async with asyncio.timeout(self.timeout):
                    await pubsub.ping()
                continue
            channel = message.get("channel")
            if not isinstance(channel, str):
                continue
            if message["type"] == "subscribe":
                confirmed = self._confirmations.pop(channel, None)
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(None)
            elif message["type"] == "message":
                change = Change.of_channel(channel)
                for listener in list(self._listeners.get(channel, ())):
                    listener.notify(change)

    def _wake_all(self) -> None:
        for listeners in list(self._listeners.values()):
            for listener in list(listeners):
                listener.notify(None)
