"""A partner's security groups of its agents, and the granted roles assigned to them.

Only the partner's admin agents manage them. A role can be assigned to a group for a
relationship only while the relationship holds it as an ACTIVE, unexpired grant; revocation
and expiry take the assignment away again (`ungranted_assignments.drop_ungranted_assignments`).
Every change that changes something is recorded (`access_activity`); a repeat records nothing.
"""

from __future__ import annotations

from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode
from models.identity.actors import Actor
from models.operation import Operation
from models.policy import require_access_manager
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, RelationshipStatus, RoleGrantStatus
from models.rules.access_activity import (
    ASSIGNED,
    UNASSIGNED,
    record_assignments,
    record_group,
    record_group_unassigned,
)
from models.tables.access import AccessAssignment, SecurityGroup, SecurityGroupMember
from models.tables.organizations import User
from models.tables.relationships import Relationship, RoleGrant

NAME_MAX = 100


def _name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"A group name has 1 to {NAME_MAX} characters.", "name"
        )
    return name


def _taken(name: str) -> DomainError:
    return DomainError(ErrorCode.NAME_TAKEN, f"A group named {name!r} exists already.", "name")


async def _own_group(actor: Actor, group_id: UUID) -> SecurityGroup:
    group = await SecurityGroup.get_or_none(id=group_id, partner_id=actor.organization_id)
    if group is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such security group.", "groupId")
    return group


async def create_group(op: Operation, name: str) -> SecurityGroup:
    actor = op.require_actor()
    require_access_manager(actor)
    clean = _name(name)
    try:
        async with op.atomic() as tx:
            group = await SecurityGroup.create(
                partner_id=actor.organization_id, name=clean, created_by_id=actor.user_id
            )
            await record_group(tx, "security_group.created", group)
    except IntegrityError as exc:
        raise _taken(clean) from exc
    return group


async def rename_group(op: Operation, group_id: UUID, name: str) -> SecurityGroup:
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    previous, group.name = group.name, _name(name)
    if group.name == previous:
        return group
    try:
        async with op.atomic() as tx:
            await group.save(update_fields=["name"])
            await record_group(tx, "security_group.renamed", group, previousName=previous)
    except IntegrityError as exc:
        raise _taken(group.name) from exc
    return group


async def delete_group(op: Operation, group_id: UUID) -> SecurityGroup:
    """Delete the group with its members and assignments: its agents lose those roles now."""
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    async with op.atomic() as tx:
        assignments = await AccessAssignment.filter(group_id=group.id).values_list(
            "relationship_id", "role"
        )
        await group.delete()
        await record_group(tx, "security_group.deleted", group)
        await record_group_unassigned(tx, group, assignments, "The group was deleted")
    return group


async def add_member(op: Operation, group_id: UUID, user_id: UUID) -> SecurityGroup:
    """Add an agent of the partner to the group; adding a member again changes nothing."""
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    user = await User.get_or_none(
        id=user_id,
        organization_id=actor.organization_id,
        organization__kind=OrganizationKind.PARTNER,
    )
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such agent in your organization.", "userId")
    async with op.atomic() as tx:
        _, added = await SecurityGroupMember.get_or_create(group_id=group.id, user_id=user.id)
        if added:
            await record_group(tx, "security_group.member_added", group, member=user.email)
    return group


async def remove_member(op: Operation, group_id: UUID, user_id: UUID) -> SecurityGroup:
    """Take an agent out of the group; it loses the group's roles now. A repeat does nothing."""
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    async with op.atomic() as tx:
        members = SecurityGroupMember.filter(group_id=group.id, user_id=user_id)
        emails = await members.values_list("user__email", flat=True)
        if await members.delete():
            await record_group(tx, "security_group.member_removed", group, member=emails[0])
    return group


async def _active_relationship(actor: Actor, relationship_id: UUID) -> Relationship:
    relationship = await Relationship.get_or_none(
        id=relationship_id, partner_id=actor.organization_id
    )
    if relationship is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such relationship.", "relationshipId")
    if relationship.status is not RelationshipStatus.ACTIVE:
        raise DomainError(
            ErrorCode.RELATIONSHIP_ENDED, "The relationship has ended.", "relationshipId"
        )
    return relationship


async def assign_role(
    op: Operation, group_id: UUID, relationship_id: UUID, role: AdminRole
) -> SecurityGroup:
    """Give the group's agents a role the customer granted; assigning it again changes nothing."""
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    relationship = await _active_relationship(actor, relationship_id)
    now = op.now()
    async with op.atomic() as tx:
        grants = await RoleGrant.filter(
            relationship_id=relationship.id, role=role, status=RoleGrantStatus.ACTIVE
        ).select_for_update()
        if not any(g.expires_at is None or g.expires_at > now for g in grants):
            raise DomainError(
                ErrorCode.ROLE_NOT_GRANTED,
                "The customer has not granted this role in the relationship, "
                "or the grant is no longer active.",
                "role",
            )
        _, assigned = await AccessAssignment.get_or_create(
            group_id=group.id,
            relationship_id=relationship.id,
            role=role,
            defaults={"assigned_by_id": actor.user_id},
        )
        if assigned:
            await record_assignments(tx, ASSIGNED, relationship, [(group.id, group.name, role)])
    return group


async def unassign_role(
    op: Operation, group_id: UUID, relationship_id: UUID, role: AdminRole
) -> SecurityGroup:
    """Take a role away from the group for the relationship; a repeat does nothing."""
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    relationship = await Relationship.get_or_none(
        id=relationship_id, partner_id=actor.organization_id
    )
    if relationship is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such relationship.", "relationshipId")
    async with op.atomic() as tx:
        removed = await AccessAssignment.filter(
            group_id=group.id, relationship_id=relationship.id, role=role
        ).delete()
        if removed:
            await record_assignments(tx, UNASSIGNED, relationship, [(group.id, group.name, role)])
    return group
