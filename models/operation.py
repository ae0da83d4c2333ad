"""One unit of domain work: who acts, when, and the side effects it committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from models.actors import Actor
from models.clock import utcnow
from models.errors import NotAuthenticated
from models.outbox import OutboxMessage, Task
from models.request_id import REQUEST_ID_KEY, current_request_id
from models.tokens import Sealer


@dataclass
class Transaction:
    """Handed to the code inside `Operation.atomic()`; records outbox messages with the change."""

    recorded: list[OutboxMessage] = field(default_factory=list)

    async def enqueue(self, task: Task, **payload: Any) -> OutboxMessage:
        """Record a job; it carries the id of the request that caused it, when there is one."""
        request_id = current_request_id()
        if request_id is not None:
            payload[REQUEST_ID_KEY] = request_id
        message = await OutboxMessage.create(task=task, payload=payload)
        self.recorded.append(message)
        return message


@dataclass
class Operation:
    """The context every domain rule receives.

    `actor` is None for the system (workers, cron jobs). `committed` collects the outbox
    messages of transactions that committed, for the caller to dispatch afterwards.
    """

    actor: Actor | None
    sealer: Sealer
    committed: list[OutboxMessage] = field(default_factory=list)

    def now(self) -> datetime:
        return utcnow()

    def require_actor(self) -> Actor:
        """The acting user; the system may not run an operation that needs one."""
        if self.actor is None:
            raise NotAuthenticated("A signed-in user is required.")
        return self.actor

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[Transaction]:
        """A database transaction; its outbox messages count as committed only if it commits."""
        tx = Transaction()
        async with in_transaction():
            yield tx
        self.committed.extend(tx.recorded)
