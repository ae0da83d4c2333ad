"""Security groups of a partner's agents and their access assignments, as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.reference.catalog import AdminRole
from models.tables import access as m
from schema.access.loaders import AccessLoaders
from schema.context import Info
from schema.errors import UserError
from schema.global_ids import GlobalId, OptionalGlobalId
from schema.organizations.types import Organization, User, load_organization
from schema.relationships.types import DelegatedAdminRelationship
from schema.relay import Node


@strawberry.type(
    description="A granted role assigned to a partner's security group in one delegated admin "
    "relationship (as the anchor's access assignments are): one of its roles, ended with it."
)
class AccessAssignment:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    role: AdminRole = strawberry.field(description="The role the group's agents hold.")
    relationship_id: strawberry.ID = strawberry.field(
        description="The relationship whose grant it comes from."
    )
    delegated_admin_relationship: DelegatedAdminRelationship | None = strawberry.field(
        description="The delegated admin relationship it belongs to, whose grant of the role "
        "it holds; null for a role of a type without one (ADVISOR, PARTNER), held through the "
        "relationship's grant."
    )
    security_group_id: strawberry.ID = strawberry.field(description="The group it is assigned to.")
    security_group_name: str = strawberry.field(description="That group's name.")
    created_at: datetime = strawberry.field(description="When it was assigned.")
    _customer_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.AccessAssignment) -> AccessAssignment:
        dar = row.delegated_admin_relationship
        return cls(
            id=encode_id("AccessAssignment", row.id),
            role=AdminRole(row.role),
            relationship_id=encode_id("Relationship", row.relationship_id),
            delegated_admin_relationship=DelegatedAdminRelationship.of(dar) if dar else None,
            security_group_id=encode_id("SecurityGroup", row.group_id),
            security_group_name=row.group.name,
            created_at=row.created_at,
            _customer_id=row.relationship.customer_id,
        )

    @strawberry.field(description="The customer the role is held over.")
    async def customer(self, info: Info) -> Organization:
        org = await load_organization(info, self._customer_id)
        assert org is not None
        return org


@strawberry.type(description="A security group of a partner's agents.")
class SecurityGroup(Node):
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    name: str = strawberry.field(description="The group's name, unique in the partner.")
    created_at: datetime = strawberry.field(description="When it was created.")
    _id: strawberry.Private[Any]
    _loaders: strawberry.Private[AccessLoaders]

    @classmethod
    def of(cls, row: m.SecurityGroup, loaders: AccessLoaders) -> SecurityGroup:
        return cls(
            id=encode_id("SecurityGroup", row.id),
            name=row.name,
            created_at=row.created_at,
            _id=row.id,
            _loaders=loaders,
        )

    @strawberry.field(description="The agents in the group, first added first.")
    async def members(self) -> list[User]:
        return [User.of(user) for user in await self._loaders.members.load(self._id)]

    @strawberry.field(description="The granted roles assigned to the group, per relationship.")
    async def assignments(self) -> list[AccessAssignment]:
        rows = await self._loaders.assignments.load(self._id)
        return [AccessAssignment.of(row) for row in rows]


@strawberry.input(description="Create a security group.")
class CreateSecurityGroupInput:
    name: str = strawberry.field(description="Its name: 1 to 100 characters, unique.")


@strawberry.input(description="Rename a security group.")
class RenameSecurityGroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    name: str = strawberry.field(description="Its new name: 1 to 100 characters, unique.")
    group = GlobalId("SecurityGroup", "group_id")


@strawberry.input(description="Names a security group.")
class SecurityGroupIdInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    group = GlobalId("SecurityGroup", "group_id")


@strawberry.input(description="An agent of the partner, and a security group.")
class SecurityGroupMemberInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    user_id: strawberry.ID = strawberry.field(description="The agent.")
    group = GlobalId("SecurityGroup", "group_id")
    user = GlobalId("User", "user_id")


@strawberry.input(
    description="A granted role, a relationship (and one of its delegated admin "
    "relationships), and a security group."
)
class GroupRoleInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    relationship_id: strawberry.ID = strawberry.field(description="The relationship.")
    role: AdminRole = strawberry.field(
        description="A role the relationship holds as an ACTIVE grant."
    )
    delegated_admin_relationship_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The delegated admin relationship of the relationship that the assignment "
        "belongs to: in force, and granting the role. Omitted when assigning: the newest one "
        "in force that grants it (for a role of a type without one, such as ADVISOR, the "
        "relationship itself), or ROLE_NOT_GRANTED naming this field when none does. Omitted "
        "when taking a role away: from every one of the relationship.",
    )
    group = GlobalId("SecurityGroup", "group_id")
    relationship = GlobalId("Relationship", "relationship_id")
    delegated_admin_relationship = OptionalGlobalId(
        "DelegatedAdminRelationship", "delegated_admin_relationship_id"
    )


@strawberry.type(description="The result of a security group mutation.")
class SecurityGroupPayload:
    security_group: SecurityGroup | None = strawberry.field(description="The group changed.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
