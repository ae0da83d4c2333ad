"""Either side ends one delegated admin relationship; the others, and the relationship's
other types, stay."""

from __future__ import annotations

from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode
from models.operation import Operation
from models.policy import require_delegated_admin_ender, visible_delegated_admin_relationships
from models.reference.enums import DelegatedAdminRelationshipStatus as Status
from models.rules.delegated_admin import effective_status, record_end
from models.rules.grants import GRANTING, start_revocation
from models.rules.ungranted_assignments import drop_ungranted_assignments
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.relationships import Relationship, RoleGrant


async def end_delegated_admin_relationship(
    op: Operation, dar_id: UUID
) -> DelegatedAdminRelationship:
    """Access through its grants ends when this returns (unless another delegated admin
    relationship grants the same role); the revocation job carries the rest through, as
    for removed roles."""
    actor = op.require_actor()
    require_delegated_admin_ender(actor)
    found = await visible_delegated_admin_relationships(actor).get_or_none(id=dar_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such delegated admin relationship.", "id")
    if found.status is Status.APPROVAL_PENDING:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "It awaits the customer's approval: cancel its invitation instead.",
            "id",
        )
    now = op.now()
    side = "customer" if actor.is_customer else "partner"
    reason = f"Ended by the {side}"
    async with op.atomic() as tx:
        dar = await DelegatedAdminRelationship.select_for_update().get(id=found.id)
        if effective_status(dar, now) not in (Status.ACTIVE, Status.EXPIRING):
            raise DomainError(
                ErrorCode.RELATIONSHIP_ENDED, "The delegated admin relationship has ended.", "id"
            )
        assert dar.relationship_id is not None  # an approved one belongs to a relationship
        relationship = await Relationship.get(id=dar.relationship_id)
        grants = await RoleGrant.filter(
            delegated_admin_relationship_id=dar.id, status=GRANTING
        ).select_for_update()
        # Revoking its last grants ends it (`follow_grants`); one with none left ends here.
        await start_revocation(tx, relationship, grants, actor, reason, now)
        await dar.refresh_from_db()
        if dar.status is Status.ACTIVE:
            dar.status, dar.name_key, dar.ended_at = Status.TERMINATED, None, now
            dar.ended_by_id, dar.end_reason = actor.user_id, reason
            await dar.save(
                update_fields=["status", "name_key", "ended_at", "ended_by_id", "end_reason"]
            )
            await record_end(tx, dar)
        # Its access assignments end with it, and only its own.
        await drop_ungranted_assignments(
            tx, relationship.id, [], reason, delegated_admin_relationship_ids=[dar.id]
        )
    return dar
