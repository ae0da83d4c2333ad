"""The people of a customer's directory, as its admins and partners acting on its behalf see
them: each is a `User` of the customer, with the same ID as `Organization.members` gives; and
the directory's groups, which its identity provider provisions (SCIM Groups), with their
members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.policy.people import holds_admin_roles
from models.reference.enums import UserStatus
from models.tables import organizations as m
from models.tables.access import SecurityGroup
from schema.context import Info
from schema.customers.disclosure import disclosed_partner
from schema.organizations.types import Organization
from schema.pagination import After, Connection, First
from schema.relay import Node


@strawberry.type(
    description="A person of the customer's directory: the same person, with the same ID, "
    "as `Organization.members` lists (a `User` ID), seen through the customer's data."
)
class DirectoryUser:
    id: strawberry.ID = strawberry.field(description="Opaque ID: the person's `User` ID.")
    email: str = strawberry.field(description="The person's email address, their sign-in name.")
    display_name: str = strawberry.field(
        description="The person's name (their email address when they have none)."
    )
    user_principal_name: str = strawberry.field(
        description="The sign-in name (UPN): the person's email address."
    )
    roles: list[str] = strawberry.field(
        description="The admin roles the person holds (catalog keys); empty for someone "
        "holding none."
    )
    status: UserStatus = strawberry.field(
        description="ACTIVE, DISABLED, or INVITED until the person has a password."
    )
    enabled: bool = strawberry.field(description="Whether the person may sign in (not DISABLED).")
    is_admin: bool = strawberry.field(
        description="Whether the person holds admin roles: a partner's helpdesk roles may not "
        "reset their password (RESET_ADMIN_PASSWORD)."
    )
    must_change_password: bool = strawberry.field(
        description="Whether the person holds a temporary password, to change at their next "
        "sign-in."
    )
    password_reset_at: datetime | None = strawberry.field(
        description="When someone else last reset the password to a temporary one."
    )
    created_at: datetime = strawberry.field(description="When the person was added.")
    _reset_by_partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.User) -> DirectoryUser:
        return cls(
            id=encode_id("User", row.id),
            email=row.email,
            display_name=row.display_name or row.email,
            user_principal_name=row.email,
            roles=list(row.roles),
            status=row.status,
            enabled=row.status is not UserStatus.DISABLED,
            is_admin=holds_admin_roles(row),
            must_change_password=row.must_change_password,
            password_reset_at=row.password_reset_at,
            created_at=row.created_at,
            _reset_by_partner_id=row.password_reset_by_partner_id,
        )

    @strawberry.field(
        description="The partner whose agent last reset the password on the customer's behalf "
        "(to a partner's agents, only their own organization)."
    )
    async def password_reset_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._reset_by_partner_id)


@strawberry.type(
    description="A group of the customer's directory, as its identity provider provisions it "
    "(a SCIM Group), holding people of the directory."
)
class DirectoryGroup(Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque ID: the group's `SecurityGroup` ID (its SCIM `id` is the same UUID); "
        "`directoryGroup(id:)` and `node(id:)` read it again."
    )
    display_name: str = strawberry.field(
        description="The group's name (its SCIM `displayName`), unique in the directory."
    )
    external_id: str | None = strawberry.field(
        description="The identity provider's own ID for the group (its SCIM `externalId`)."
    )
    created_at: datetime = strawberry.field(description="When the group was created.")
    updated_at: datetime = strawberry.field(
        description="When the identity provider last changed the group: its name or its "
        "members (its creation until then)."
    )
    _id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: SecurityGroup) -> DirectoryGroup:
        return cls(
            id=encode_id("SecurityGroup", row.id),
            display_name=row.name,
            external_id=row.external_id,
            created_at=row.created_at,
            updated_at=row.provisioned_at or row.created_at,
            _id=row.id,
        )

    @strawberry.field(
        description="The group's members, newest first: people of the directory, with the "
        "same IDs as `Customer.users` gives."
    )
    async def members(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[DirectoryUser]:
        rows = info.context.loaders.customer_data.group_members
        return await rows.connection(self._id, first, after, DirectoryUser.of)
