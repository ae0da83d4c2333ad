"""One unit of domain work: who acts, when, and the side effects it committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from models.events import is_event, publish
from models.foundation.client_address import current_client_address
from models.foundation.clock import utcnow
from models.foundation.errors import NotAuthenticated
from models.foundation.request_id import REQUEST_ID_KEY, current_request_id
from models.foundation.settings import InvitationQuotas
from models.identity.actors import Actor
from models.infrastructure.change_feed import Change
from models.infrastructure.tokens import Sealer
from models.tables.activity import ActivityEntry
from models.tables.outbox import OutboxMessage, Task


@dataclass
class Transaction:
    """Handed to the code inside `Operation.atomic()`; records outbox messages and activity
    entries with the change, and notes the objects it changed (`changed`), to announce to
    live subscribers once it commits."""

    actor: Actor | None = None
    on_behalf_of: UUID | None = None
    recorded: list[OutboxMessage] = field(default_factory=list)
    changed: set[Change] = field(default_factory=set)

    def touch(self, object_type: str, object_id: UUID) -> None:
        """Note a change of an object that no activity entry names (`record` notes those)."""
        self.changed.add(Change(object_type, object_id))

    async def enqueue(self, task: Task, **payload: Any) -> OutboxMessage:
        """Record a job; it carries the id of the request that caused it, when there is one."""
        request_id = current_request_id()
        if request_id is not None:
            payload[REQUEST_ID_KEY] = request_id
        message = await OutboxMessage.create(task=task, payload=payload)
        self.recorded.append(message)
        return message

    async def record(
        self,
        action: str,
        object_type: str,
        object_id: UUID,
        *,
        customer_id: UUID | None = None,
        partner_id: UUID | None = None,
        relationship_id: UUID | None = None,
        changes: dict[str, Any] | None = None,
    ) -> ActivityEntry:
        """Record a state change: one activity entry and, when `action` is an event type
        (`models.events.EVENT_TYPES`), its webhook deliveries. This is the one call every
        rule makes after its change, inside the same transaction.

        `action` is a dotted name (`invitation.sent`); the object is what changed; the
        customer and the partner are the organizations the change concerns (both sides of
        `relationship_id`, or one of them), and both see the entry. The acting user (or API
        client), their organization, the customer acted for, the request id and the client's
        address come from the operation and the request. `changes` summarises what changed, as
        JSON. The object, and the relationship it belongs to, count as changed for live updates.
        """
        self.touch(object_type, object_id)
        if relationship_id is not None:
            self.touch("Relationship", relationship_id)
        entry = await ActivityEntry.create(
            created_at=utcnow(),
            action=action,
            actor_user_id=self.actor.person_id if self.actor else None,
            actor_organization_id=self.actor.organization_id if self.actor else None,
            actor_api_client_id=self.actor.api_client_id if self.actor else None,
            on_behalf_of_id=self.on_behalf_of,
            object_type=object_type,
            object_id=object_id,
            relationship_id=relationship_id,
            customer_id=customer_id,
            partner_id=partner_id,
            changes=changes or {},
            request_id=current_request_id(),
            client_address=current_client_address(),
        )
        if is_event(action):
            endpoint_ids = await publish(entry)
            if endpoint_ids:
                await self.enqueue(Task.DELIVER_WEBHOOKS, endpoint_ids=endpoint_ids)
        return entry


@dataclass
class Operation:
    """The context every domain rule receives.

    `actor` is None for the system (workers, cron jobs); `on_behalf_of` is the customer a
    partner agent acts for, when it does. `quotas` are the deployment's limits on invitation
    emails (`Settings.invitation_quotas`; the defaults unless the caller passes them, never
    none). `committed` collects the outbox messages of transactions that committed, for the
    caller to dispatch afterwards, and `changed` the objects they changed, for the caller to
    announce (`workers/dispatch.py`: `after_commit`).
    """

    actor: Actor | None
    sealer: Sealer
    on_behalf_of: UUID | None = None
    quotas: InvitationQuotas = field(default_factory=InvitationQuotas)
    committed: list[OutboxMessage] = field(default_factory=list)
    changed: set[Change] = field(default_factory=set)

    def now(self) -> datetime:
        return utcnow()

    def require_actor(self) -> Actor:
        """The acting user; the system may not run an operation that needs one."""
        if self.actor is None:
            raise NotAuthenticated("A signed-in user is required.")
        return self.actor

    @asynccontextmanager
    async def atomic(self, *, actor: Actor | None = None) -> AsyncIterator[Transaction]:
        """A database transaction; its outbox messages count as committed only if it commits.

        `actor` records the transaction's changes as that person's instead of the operation's
        actor: a sign-in, which starts with nobody and ends with someone.
        """
        tx = Transaction(actor=actor or self.actor, on_behalf_of=self.on_behalf_of)
        async with in_transaction():
            yield tx
        self.committed.extend(tx.recorded)
        self.changed |= tx.changed
