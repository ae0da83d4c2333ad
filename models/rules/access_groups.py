"""A partner's security groups of its agents, and the granted roles assigned to them.

Only the partner's admin agents manage them. A role is assigned to a group in one delegated
admin relationship (the anchor's access assignments), and only while that one holds it as an
ACTIVE, unexpired grant (a role of another type, ADVISOR or PARTNER, for the relationship
itself); revocation, expiry and the end of that delegated admin relationship take the
assignment away again (`ungranted_assignments.drop_ungranted_assignments`).
Every change that changes something is recorded (`access_activity`); a repeat records nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode
from models.identity.actors import Actor
from models.operation import Operation
from models.policy import require_access_manager
from models.reference.catalog import AdminRole
from models.reference.enums import (
    DelegatedAdminRelationshipStatus,
    OrganizationKind,
    RelationshipStatus,
    RoleGrantStatus,
)
from models.rules.access_activity import (
    ASSIGNED,
    UNASSIGNED,
    record_assignments,
    record_group,
    record_group_unassigned,
)
from models.rules.delegated_admin import effective_status
from models.tables.access import AccessAssignment, SecurityGroup, SecurityGroupMember
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.organizations import User
from models.tables.relationships import Relationship, RoleGrant

NAME_MAX = 100
# An assignment is made only in a delegated admin relationship in force.
IN_FORCE = (DelegatedAdminRelationshipStatus.ACTIVE, DelegatedAdminRelationshipStatus.EXPIRING)


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


async def _giver(
    actor: Actor,
    relationship: Relationship,
    roles: set[str],
    giving: list[RoleGrant],
    dar_id: UUID | None,
    now: datetime,
) -> DelegatedAdminRelationship | None:
    """Where an assignment of `roles` belongs, given the relationship's ACTIVE, unexpired
    grants of them (`giving`): the delegated admin relationship named, which must be in force
    and grant them all; else the newest one in force that grants them all; else, for roles
    that a type without one grants (ADVISOR, PARTNER), the relationship itself (None)."""
    field = "delegatedAdminRelationshipId"
    if dar_id is not None:
        dar = await DelegatedAdminRelationship.get_or_none(
            id=dar_id, relationship_id=relationship.id, partner_id=actor.organization_id
        )
        if dar is None:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "No such delegated admin relationship in this relationship.",
                field,
            )
        if effective_status(dar, now) not in IN_FORCE:
            raise DomainError(
                ErrorCode.RELATIONSHIP_ENDED, "The delegated admin relationship has ended.", field
            )
        if not roles <= {g.role for g in giving if g.delegated_admin_relationship_id == dar.id}:
            raise DomainError(
                ErrorCode.ROLE_NOT_GRANTED,
                "The delegated admin relationship does not grant this role (or its grant is "
                "no longer active): an assignment's roles are among its own.",
                "role",
            )
        return dar
    by_giver: dict[UUID | None, set[str]] = defaultdict(set)
    for grant in giving:
        by_giver[grant.delegated_admin_relationship_id].add(grant.role)
    candidates = [d for d, given in by_giver.items() if d is not None and roles <= given]
    if candidates:
        found = (
            await DelegatedAdminRelationship.filter(
                id__in=candidates, status=DelegatedAdminRelationshipStatus.ACTIVE
            )
            .order_by("-starts_at", "-created_at", "-id")
            .first()
        )
        if found is not None:
            return found
    if roles <= by_giver.get(None, set()):
        return None
    raise DomainError(
        ErrorCode.ROLE_NOT_GRANTED,
        "No delegated admin relationship in force with this customer grants this role: "
        "name one that does, or ask the customer for it.",
        field,
    )


async def assign_role(
    op: Operation,
    group_id: UUID,
    relationship_id: UUID,
    role: AdminRole,
    delegated_admin_relationship_id: UUID | None = None,
) -> SecurityGroup:
    """Give the group's agents a role the customer granted, in one delegated admin
    relationship: the one named, or the newest in force that grants it (`_giver`). Assigning
    it again changes nothing. The assignment ends with that delegated admin relationship."""
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    relationship = await _active_relationship(actor, relationship_id)
    now = op.now()
    async with op.atomic() as tx:
        # Locked: two assignments of one role at once wait for each other here.
        grants = await RoleGrant.filter(
            relationship_id=relationship.id, role=role, status=RoleGrantStatus.ACTIVE
        ).select_for_update()
        giving = [g for g in grants if g.expires_at is None or g.expires_at > now]
        dar = await _giver(
            actor, relationship, {role}, giving, delegated_admin_relationship_id, now
        )
        _, assigned = await AccessAssignment.get_or_create(
            group_id=group.id,
            relationship_id=relationship.id,
            delegated_admin_relationship_id=dar.id if dar else None,
            role=role,
            defaults={"assigned_by_id": actor.user_id},
        )
        if assigned:
            await record_assignments(
                tx,
                ASSIGNED,
                relationship,
                [(group.id, group.name, role)],
                delegated_admin_relationship=dar.display_name if dar else None,
            )
    return group


async def unassign_role(
    op: Operation,
    group_id: UUID,
    relationship_id: UUID,
    role: AdminRole,
    delegated_admin_relationship_id: UUID | None = None,
) -> SecurityGroup:
    """Take a role away from the group in the delegated admin relationship named, or in
    every one of the relationship when none is; a repeat does nothing."""
    actor = op.require_actor()
    require_access_manager(actor)
    group = await _own_group(actor, group_id)
    relationship = await Relationship.get_or_none(
        id=relationship_id, partner_id=actor.organization_id
    )
    if relationship is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such relationship.", "relationshipId")
    async with op.atomic() as tx:
        held = AccessAssignment.filter(
            group_id=group.id, relationship_id=relationship.id, role=role
        )
        if delegated_admin_relationship_id is not None:
            held = held.filter(delegated_admin_relationship_id=delegated_admin_relationship_id)
        rows = await held.values_list("id", "delegated_admin_relationship__display_name")
        if not rows:
            return group
        await AccessAssignment.filter(id__in=[row[0] for row in rows]).delete()
        for name in sorted({row[1] for row in rows}, key=lambda n: n or ""):
            await record_assignments(
                tx,
                UNASSIGNED,
                relationship,
                [(group.id, group.name, role)],
                delegated_admin_relationship=name,
            )
    return group
