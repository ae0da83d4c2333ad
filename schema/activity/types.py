"""Activity entries as GraphQL types, and the filter of the activity list."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from models.foundation.ids import encode_id
from models.tables import activity as m
from schema.api_clients.types import ActingApiClient
from schema.context import Info
from schema.organizations.types import Organization, User, load_organization
from schema.people.types import RemovedUser


def any_id(value: str) -> UUID | None:
    """The UUID inside a global ID of any type, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)).decode()
        return UUID(raw.partition(":")[2])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


@strawberry.type(description="One change: who made it, to what, when, and from which request.")
class ActivityEntry:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    action: str = strawberry.field(
        description="What happened, as a dotted name such as `invitation.sent`."
    )
    occurred_at: datetime = strawberry.field(description="When it happened.")
    object_type: str = strawberry.field(description="The type of the object that changed.")
    object_id: strawberry.ID = strawberry.field(description="The ID of the object that changed.")
    relationship_id: strawberry.ID | None = strawberry.field(
        description="The relationship the change belongs to, if any."
    )
    changes: JSON = strawberry.field(description="A summary of what changed.")
    request_id: str | None = strawberry.field(
        description="The id of the request that made the change (its X-Request-ID); none for "
        "the system."
    )
    client_address: str | None = strawberry.field(
        description="The network address the change came from: shown only for changes made "
        "by the viewer's own organization."
    )
    _actor_user_id: strawberry.Private[UUID | None]
    _actor_organization_id: strawberry.Private[UUID | None]
    _actor_api_client_id: strawberry.Private[UUID | None]
    _on_behalf_of_id: strawberry.Private[UUID | None]
    _customer_id: strawberry.Private[UUID | None]
    _partner_id: strawberry.Private[UUID | None]

    @classmethod
    def of(cls, entry: m.ActivityEntry, viewer_organization_id: UUID) -> ActivityEntry:
        own = entry.actor_organization_id == viewer_organization_id
        return cls(
            id=encode_id("ActivityEntry", entry.id),
            action=entry.action,
            occurred_at=entry.created_at,
            object_type=entry.object_type,
            object_id=encode_id(entry.object_type, entry.object_id),
            relationship_id=(
                encode_id("Relationship", entry.relationship_id) if entry.relationship_id else None
            ),
            changes=entry.changes,  # type: ignore[arg-type]  # JSON is a NewType of object
            request_id=entry.request_id,
            client_address=entry.client_address if own else None,
            _actor_user_id=entry.actor_user_id,
            _actor_organization_id=entry.actor_organization_id,
            _actor_api_client_id=entry.actor_api_client_id,
            _on_behalf_of_id=entry.on_behalf_of_id,
            _customer_id=entry.customer_id,
            _partner_id=entry.partner_id,
        )

    @strawberry.field(
        description="The API client that acted for its organization (then `actor` is null); "
        "none when a person or the system did."
    )
    async def actor_api_client(self, info: Info) -> ActingApiClient | None:
        if self._actor_api_client_id is None:
            return None
        client = await info.context.loaders.api_client.load(self._actor_api_client_id)
        return ActingApiClient.of(client.id, client.name) if client else None

    @strawberry.field(description="The user who acted; none for the system or an API client.")
    async def actor(self, info: Info) -> User | None:
        if self._actor_user_id is None:
            return None
        user = await info.context.loaders.user.load(self._actor_user_id)
        return User.of(user) if user else None

    @strawberry.field(
        description="The person who acted, when they have since been removed from their "
        "organization (`actor` is then null): who they were, as their removal recorded it."
    )
    async def removed_actor(self, info: Info) -> RemovedUser | None:
        if self._actor_user_id is None:
            return None
        if await info.context.loaders.user.load(self._actor_user_id) is not None:
            return None
        removal = await info.context.loaders.removal.load(self._actor_user_id)
        return RemovedUser.of(removal) if removal else None

    @strawberry.field(
        description="The organization that acted: the acting person's or API client's, or the "
        "customer whose identity provider provisioned its directory through a SCIM token; "
        "none for the system."
    )
    async def acting_organization(self, info: Info) -> Organization | None:
        return await load_organization(info, self._actor_organization_id)

    @strawberry.field(description="The customer a partner acted for, when it acted on its behalf.")
    async def on_behalf_of(self, info: Info) -> Organization | None:
        return await load_organization(info, self._on_behalf_of_id)

    @strawberry.field(description="The customer organization the change concerns, if any.")
    async def customer(self, info: Info) -> Organization | None:
        return await load_organization(info, self._customer_id)

    @strawberry.field(description="The partner organization the change concerns, if any.")
    async def partner(self, info: Info) -> Organization | None:
        return await load_organization(info, self._partner_id)


@strawberry.input(description="Narrows the activity list; every condition given must hold.")
class ActivityFilter:
    actions: list[str] | None = strawberry.field(
        default=None, description="Only these actions, such as `roles.removed`."
    )
    object_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes to this object."
    )
    relationship_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes belonging to this relationship."
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only changes at or after this time."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Only changes before this time."
    )

    def conditions(self) -> dict[str, Any] | None:
        """Tortoise filter arguments; None when an ID given matches nothing."""
        found: dict[str, Any] = {}
        if self.actions is not None:
            found["action__in"] = list(self.actions)
        for name, value in (
            ("object_id", self.object_id),
            ("relationship_id", self.relationship_id),
        ):
            if value is not None:
                uuid = any_id(value)
                if uuid is None:
                    return None
                found[name] = uuid
        if self.since is not None:
            found["created_at__gte"] = self.since
        if self.until is not None:
            found["created_at__lt"] = self.until
        return found
