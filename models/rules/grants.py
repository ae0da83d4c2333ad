"""Relationships and their role grants: created on acceptance, removed, ended, revoked."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode
from models.identity.actors import Actor
from models.operation import Operation, Transaction
from models.policy import require_partner_admin, require_partner_manager, visible_relationships
from models.reference.catalog import RELATIONSHIP_TYPES
from models.reference.enums import RelationshipStatus, RelationshipType, RoleGrantStatus
from models.rules.delegated_admin import follow_grants, record_start, start
from models.rules.lifecycle import next_notice
from models.rules.ungranted_assignments import drop_ungranted_assignments
from models.tables.activity import sides
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.organizations import User
from models.tables.outbox import Task
from models.tables.relationships import Relationship, RelationshipTypeRecord, RoleGrant, active_key

# Grants in these states give the partner access; REVOKING already gives none.
GRANTING = RoleGrantStatus.ACTIVE


async def add_type(
    invitation: Invitation, actor: Actor, now: datetime
) -> tuple[Relationship, bool]:
    """Create or extend the customer's relationship with the partner by the invitation's type;
    whether the relationship is new. The acceptance records what happened, in its order: the
    invitation accepted first, then the relationship it started (`record_created`)."""
    customer_id, partner_id = actor.organization_id, invitation.partner_id
    # Locked, so that a partner ending the relationship meanwhile waits for this acceptance
    # (and then revokes its grants too) or, having ended it first, leaves a new one to start.
    relationship = await Relationship.select_for_update().get_or_none(
        active_key=active_key(customer_id, partner_id)
    )
    created = relationship is None
    if relationship is None:
        relationship = await Relationship.create(
            customer_id=customer_id,
            partner_id=partner_id,
            active_key=active_key(customer_id, partner_id),
        )
    type_ = RelationshipType(invitation.type)
    if not await RelationshipTypeRecord.exists(
        relationship_id=relationship.id, type=type_, ended_at=None
    ):
        await RelationshipTypeRecord.create(
            relationship_id=relationship.id, type=type_, invitation_id=invitation.id, added_at=now
        )
    rule = RELATIONSHIP_TYPES[type_]
    expires_at = (
        now + timedelta(days=invitation.duration_days)
        if rule.time_bound and invitation.duration_days
        else None
    )
    # A GDAP invitation's grants belong to the delegated admin relationship it offered.
    dar = await start(invitation, relationship, now) if rule.time_bound else None
    grants = [
        RoleGrant(
            relationship_id=relationship.id,
            role=role,
            type=type_,
            invitation_id=invitation.id,
            delegated_admin_relationship_id=dar.id if dar else None,
            granted_at=now,
            expires_at=expires_at,
            auto_extend=invitation.auto_extend,
        )
        for role in invitation.roles
    ]
    for grant in grants:
        grant.next_notice_at = next_notice(grant, now)
    await RoleGrant.bulk_create(grants)
    if rule.tenant_account and invitation.roles:
        await _give_tenant_account_roles(relationship, invitation.roles)
    return relationship, created


async def record_created(tx: Transaction, relationship: Relationship) -> None:
    """The entry (and event) of a relationship that an acceptance started."""
    await tx.record(
        "relationship.created",
        "Relationship",
        relationship.id,
        **sides(relationship),
        changes={"status": RelationshipStatus.ACTIVE},
    )


async def record_grants(
    tx: Transaction, relationship: Relationship, invitation: Invitation, now: datetime
) -> None:
    """The activity entry (and event) of the grants an accepted invitation created."""
    if not invitation.roles:
        return
    rule = RELATIONSHIP_TYPES[RelationshipType(invitation.type)]
    expires_at = (
        now + timedelta(days=invitation.duration_days)
        if rule.time_bound and invitation.duration_days
        else None
    )
    dar = await DelegatedAdminRelationship.get_or_none(
        invitation_id=invitation.id, relationship_id=relationship.id
    )
    if dar is not None:
        await record_start(tx, relationship, dar)
    await tx.record(
        "roles.granted",
        "Relationship",
        relationship.id,
        **sides(relationship),
        changes={
            "roles": sorted(invitation.roles),
            "type": invitation.type,
            "expiresAt": expires_at.isoformat() if expires_at else None,
            "autoExtend": invitation.auto_extend,
            **({"delegatedAdminRelationship": dar.display_name} if dar else {}),
        },
    )


async def _give_tenant_account_roles(relationship: Relationship, roles: list[str]) -> None:
    """A PARTNER-type partner works through an account in the customer's tenant."""
    account = await User.select_for_update().get_or_none(
        organization_id=relationship.customer_id,
        partner_of_id=relationship.partner_id,
    )
    if account is None:
        await User.create(
            organization_id=relationship.customer_id,
            partner_of_id=relationship.partner_id,
            email=f"partner-{relationship.partner_id}@{relationship.customer_id}.tenant.invalid",
            display_name="Partner account",
            roles=sorted(set(roles)),
        )
    else:
        account.roles = sorted(set(account.roles) | set(roles))
        await account.save(update_fields=["roles"])


async def active_roles(customer_id: UUID, partner_id: UUID, now: datetime) -> set[str]:
    """The admin roles the partner holds over the customer at this instant."""
    grants = await RoleGrant.filter(
        relationship__customer_id=customer_id,
        relationship__partner_id=partner_id,
        relationship__status=RelationshipStatus.ACTIVE,
        status=GRANTING,
    ).values_list("role", "expires_at")
    return {role for role, expires_at in grants if expires_at is None or expires_at > now}


async def _visible_relationship(actor: Actor, relationship_id: UUID) -> Relationship:
    relationship = await visible_relationships(actor).get_or_none(id=relationship_id)
    if relationship is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such relationship.", "relationshipId")
    if relationship.status is RelationshipStatus.ENDED:
        raise DomainError(
            ErrorCode.RELATIONSHIP_ENDED, "The relationship has ended.", "relationshipId"
        )
    return relationship


async def start_revocation(
    tx: Transaction,
    relationship: Relationship,
    grants: list[RoleGrant],
    actor: Actor | None,
    reason: str,
    now: datetime,
) -> None:
    """Access through these grants ends now; the revocation job finishes the rest.

    `actor` is None when the system revokes (a trusted system's webhook).
    """
    if not grants:
        return
    await RoleGrant.filter(id__in=[g.id for g in grants], status=GRANTING).update(
        status=RoleGrantStatus.REVOKING,
        revoked_at=now,
        ended_by_id=actor.user_id if actor is not None else None,
        end_reason=reason,
    )
    await tx.record(
        "roles.removed",
        "Relationship",
        relationship.id,
        **sides(relationship),
        changes={"roles": sorted({g.role for g in grants}), "reason": reason},
    )
    # A delegated admin relationship left with no role ends with its last one.
    await follow_grants(
        tx,
        {g.delegated_admin_relationship_id for g in grants if g.delegated_admin_relationship_id},
        now,
        ended_by_id=actor.user_id if actor is not None else None,
        reason=reason,
    )
    # The assignments go now, not when the job runs: a grant of the same role accepted
    # before the job caught up must not find the old group mapping waiting for it.
    await drop_ungranted_assignments(tx, relationship.id, grants, reason)
    await tx.enqueue(Task.REVOKE_ROLES, relationship_id=str(relationship.id))


async def remove_roles(
    op: Operation,
    relationship_id: UUID,
    roles: list[str] | None,
    delegated_admin_relationship_id: UUID | None = None,
    types: list[RelationshipType] | None = None,
) -> Relationship:
    """The customer removes all of the partner's roles, or the chosen ones: in every
    delegated admin relationship, or in the one named; of every type, or of the `types`
    named (the roles of an Advisor's grant only, say, and not the same roles that a
    delegated admin relationship grants).

    Removing a role that is no longer active changes nothing, so a retry is harmless.
    """
    actor = op.require_actor()
    require_partner_manager(actor)
    relationship = await _visible_relationship(actor, relationship_id)
    query = RoleGrant.filter(relationship_id=relationship.id, status=GRANTING)
    if delegated_admin_relationship_id is not None:
        if not await DelegatedAdminRelationship.exists(
            id=delegated_admin_relationship_id, relationship_id=relationship.id
        ):
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "No such delegated admin relationship in this relationship.",
                "delegatedAdminRelationshipId",
            )
        query = query.filter(delegated_admin_relationship_id=delegated_admin_relationship_id)
    if roles is not None:
        if not roles:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "Name at least one role, or none to remove all.", "roles"
            )
        query = query.filter(role__in=list(roles))
    if types is not None:
        if not types:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "Name at least one type, or none for all.", "types"
            )
        query = query.filter(type__in=list(types))
    async with op.atomic() as tx:
        grants = await query.select_for_update()
        await start_revocation(tx, relationship, grants, actor, "Removed by the customer", op.now())
    return relationship


async def revoke_for_customer(
    op: Operation, relationship_id: UUID, roles: list[str] | None, reason: str
) -> list[RoleGrant]:
    """The system removes the partner's roles (all, or the chosen ones) on the customer's
    behalf, as `remove_roles` does; for trusted systems, so no one's permission is checked.

    Returns the grants whose revocation started; none when they were inactive already.
    """
    relationship = await Relationship.get_or_none(id=relationship_id)
    if relationship is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such relationship.", "relationship_id")
    if relationship.status is RelationshipStatus.ENDED:
        raise DomainError(
            ErrorCode.RELATIONSHIP_ENDED, "The relationship has ended.", "relationship_id"
        )
    query = RoleGrant.filter(relationship_id=relationship.id, status=GRANTING)
    if roles is not None:
        query = query.filter(role__in=list(roles))
    async with op.atomic() as tx:
        grants = await query.select_for_update()
        await start_revocation(tx, relationship, grants, None, reason, op.now())
    return grants


async def end_relationship(op: Operation, relationship_id: UUID) -> Relationship:
    """The partner ends the relationship; every grant is revoked the same way."""
    actor = op.require_actor()
    require_partner_admin(actor)
    relationship = await _visible_relationship(actor, relationship_id)
    now = op.now()
    async with op.atomic() as tx:
        ended = await Relationship.filter(
            id=relationship.id, status=RelationshipStatus.ACTIVE
        ).update(
            status=RelationshipStatus.ENDED,
            ended_at=now,
            ended_by_id=actor.user_id,
            active_key=None,
        )
        if not ended:
            raise DomainError(
                ErrorCode.RELATIONSHIP_ENDED, "The relationship has ended.", "relationshipId"
            )
        await RelationshipTypeRecord.filter(relationship_id=relationship.id, ended_at=None).update(
            ended_at=now
        )
        await tx.record(
            "relationship.ended",
            "Relationship",
            relationship.id,
            **sides(relationship),
            changes={"status": RelationshipStatus.ENDED},
        )
        grants = await RoleGrant.filter(relationship_id=relationship.id, status=GRANTING)
        await start_revocation(
            tx, relationship, grants, actor, "Relationship ended by the partner", now
        )
        await tx.enqueue(
            Task.SEND_NOTIFICATION,
            template="relationship_ended",
            relationship_id=str(relationship.id),
        )
    await relationship.refresh_from_db()
    return relationship


async def complete_revocation(op: Operation, relationship_id: UUID) -> list[RoleGrant]:
    """Finish revoking the relationship's REVOKING grants; a repeat finds none and does nothing.

    The partner's account in the tenant loses the revoked roles it no longer holds through
    another active grant, so do the partner's access assignments for the relationship, the
    grants become REVOKED, and both sides are told.
    """
    async with op.atomic() as tx:
        grants = await RoleGrant.filter(
            relationship_id=relationship_id, status=RoleGrantStatus.REVOKING
        ).select_for_update()
        if not grants:
            return []
        relationship = await Relationship.get(id=relationship_id)
        # The tenant account serves every relationship of the pair, a newer one included:
        # it keeps the roles that an active PARTNER-type grant still gives.
        still_active = set(
            await RoleGrant.filter(
                relationship__customer_id=relationship.customer_id,
                relationship__partner_id=relationship.partner_id,
                relationship__status=RelationshipStatus.ACTIVE,
                type=RelationshipType.PARTNER,
                status=GRANTING,
            ).values_list("role", flat=True)
        )
        lost = {g.role for g in grants if g.type == RelationshipType.PARTNER} - still_active
        if lost:
            # Locked: an acceptance adding roles to the account at the same moment would
            # otherwise be overwritten, or write a revoked role back.
            account = await User.select_for_update().get_or_none(
                organization_id=relationship.customer_id,
                partner_of_id=relationship.partner_id,
            )
            if account is not None:
                account.roles = [role for role in account.roles if role not in lost]
                await account.save(update_fields=["roles"])
        await RoleGrant.filter(id__in=[g.id for g in grants]).update(status=RoleGrantStatus.REVOKED)
        # Access assignments lose the roles that no active grant of their delegated admin
        # relationship (or the relationship's other types) gives.
        await drop_ungranted_assignments(
            tx, relationship_id, grants, "The customer's grant was revoked"
        )
        # One notice for each reason, so that removals that met in one run read as they would
        # have apart.
        by_reason: dict[str, set[str]] = {}
        for grant in grants:
            by_reason.setdefault(grant.end_reason or "", set()).add(grant.role)
        for reason, roles in sorted(by_reason.items()):
            await tx.enqueue(
                Task.SEND_NOTIFICATION,
                template="roles_removed",
                relationship_id=str(relationship_id),
                roles=sorted(roles),
                reason=reason,
            )
            await tx.record(
                "roles.revoked",
                "Relationship",
                relationship.id,
                **sides(relationship),
                changes={"roles": sorted(roles), "reason": reason},
            )
    return grants
