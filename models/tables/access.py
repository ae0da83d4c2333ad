"""A partner's security groups of its own agents, and the granted roles assigned to them.

An assignment belongs to one delegated admin relationship (GDAP), as the anchor's access
assignments do: its role is one that relationship grants, and it ends with it. A role granted
by a type that has none (ADVISOR, PARTNER) is assigned for the relationship itself. An agent
holds, for one customer, the roles assigned to its groups that the same delegated admin
relationship (or, for those, the relationship's other grants) still gives as an active grant
(`models.policy.customer_access.effective_roles`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation

    from models.tables.delegated_admin import DelegatedAdminRelationship
    from models.tables.organizations import Organization, User
    from models.tables.relationships import Relationship


class SecurityGroup(Model):
    """A group of a partner organization agents, to which granted roles are assigned.

    A customer has groups too: the groups of its directory, holding its people, which its
    identity provider provisions (SCIM Groups, `models/rules/scim_groups.py`); no role is ever
    assigned to them. `partner` is the organization that owns the group, whichever its kind.
    """

    id = fields.UUIDField(primary_key=True)
    partner: ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="security_groups", on_delete=fields.CASCADE
    )
    partner_id: UUID
    name = fields.CharField(max_length=100)
    created_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_groups", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)
    # A customer's directory group: the identity provider's own id for it, and when it last
    # changed the group (its name or its members).
    external_id = fields.CharField(max_length=255, null=True)
    provisioned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "security_group"
        unique_together = (("partner_id", "name"),)
        indexes = (("partner_id", "created_at"),)


class SecurityGroupMember(Model):
    """An agent of the partner, member of one of its security groups.

    In a customer's directory group: a person of the customer's directory."""

    id = fields.UUIDField(primary_key=True)
    group: ForeignKeyRelation[SecurityGroup] = fields.ForeignKeyField(
        "models.SecurityGroup", related_name="members", on_delete=fields.CASCADE
    )
    group_id: UUID
    user: ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="group_memberships", on_delete=fields.CASCADE
    )
    user_id: UUID
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "security_group_member"
        unique_together = (("group_id", "user_id"),)
        indexes = (("user_id", "group_id"), ("group_id", "created_at"))


class AccessAssignment(Model):
    """A role granted in a relationship, assigned to one of the partner security groups.

    It belongs to the delegated admin relationship that grants the role: one of its roles,
    ended with it. Without one (`delegated_admin_relationship` null) the role comes from the
    relationship's grants of other types (ADVISOR, PARTNER).
    """

    id = fields.UUIDField(primary_key=True)
    group: ForeignKeyRelation[SecurityGroup] = fields.ForeignKeyField(
        "models.SecurityGroup", related_name="assignments", on_delete=fields.CASCADE
    )
    group_id: UUID
    relationship: ForeignKeyRelation[Relationship] = fields.ForeignKeyField(
        "models.Relationship", related_name="access_assignments", on_delete=fields.CASCADE
    )
    relationship_id: UUID
    delegated_admin_relationship: ForeignKeyNullableRelation[DelegatedAdminRelationship] = (
        fields.ForeignKeyField(
            "models.DelegatedAdminRelationship",
            related_name="access_assignments",
            null=True,
            on_delete=fields.CASCADE,
        )
    )
    delegated_admin_relationship_id: UUID | None
    role = fields.CharField(max_length=64)
    assigned_by: ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="access_assignments", null=True, on_delete=fields.SET_NULL
    )
    assigned_by_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "access_assignment"
        # One a role, group and delegated admin relationship (the database keeps those of
        # other types, whose key holds a null, apart by the rules' lock on the grants).
        unique_together = (("group_id", "delegated_admin_relationship_id", "role"),)
        indexes = (
            ("relationship_id", "role"),
            ("group_id", "created_at"),
            ("delegated_admin_relationship_id", "created_at"),
        )
