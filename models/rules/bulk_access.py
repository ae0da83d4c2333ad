"""A bulk operation that gives one security group the same granted roles for many customers:
each item is what `assignRoleToGroup` does for that customer's relationship, role by role
(`access_groups.assign_role`), all of an item's roles or none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode
from models.foundation.ids import decode_id
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import BulkOperationKind
from models.rules.access_groups import assign_role
from models.rules.bulk_items import (
    accept,
    check_size,
    contact_addresses,
    do_once,
    ids_of,
    not_found,
    record_failure,
    started_before,
)
from models.tables.access import SecurityGroup
from models.tables.bulk import BulkOperation, BulkOperationItem
from models.tables.relationships import Relationship, active_key


@dataclass(frozen=True, slots=True)
class AccessSettings:
    """What every item of the operation assigns: the group, and the roles."""

    security_group_id: UUID
    roles: tuple[AdminRole, ...]

    def as_json(self) -> dict[str, Any]:
        return {"security_group_id": str(self.security_group_id), "roles": list(self.roles)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccessSettings:
        return cls(UUID(data["security_group_id"]), tuple(AdminRole(r) for r in data["roles"]))


async def start_bulk_access(
    op: Operation,
    security_group_id: UUID,
    roles: list[AdminRole],
    customer_ids: list[str],
    idempotency_key: str | None = None,
) -> BulkOperation:
    """Accept the assignment of a group's roles across many customers, for the workers to do.
    A customer the partner has no relationship with becomes a FAILED item at its turn."""
    found = await started_before(op, idempotency_key)
    if found is not None:
        return found
    actor = op.require_actor()
    check_size(len(customer_ids), "customerIds")
    if not roles:
        raise DomainError(ErrorCode.ROLES_REQUIRED, "Name at least one role to assign.", "roles")
    group = await SecurityGroup.get_or_none(id=security_group_id, partner_id=actor.organization_id)
    if group is None:
        raise not_found("security group", "securityGroupId")
    decoded = [decode_id("Organization", ref) for ref in customer_ids]
    relationships = await Relationship.filter(
        partner_id=actor.organization_id, customer_id__in=ids_of(decoded)
    ).only("id", "customer_id")
    known = {relationship.customer_id for relationship in relationships}
    contacts = await contact_addresses(actor.organization_id, list(known))
    items = [
        {
            "customer_id": customer if customer in known else None,
            "customer_email": contacts.get(customer, "") if customer in known else "",
        }
        for customer in decoded
    ]
    settings = AccessSettings(group.id, tuple(dict.fromkeys(roles)))
    return await accept(
        op,
        BulkOperationKind.ASSIGN_ACCESS,
        items,
        idempotency_key,
        {"securityGroup": group.name, "roles": list(settings.roles)},
        settings=settings.as_json(),
    )


async def assign_one(op: Operation, item: BulkOperationItem, settings: AccessSettings) -> bool:
    """Assign the roles for the item's customer; True if it succeeded."""
    actor = op.require_actor()
    if item.customer_id is None:
        await record_failure(op, item, not_found("customer of yours", "customerIds"))
        return False
    relationship = await Relationship.get_or_none(
        active_key=active_key(item.customer_id, actor.organization_id)
    )
    if relationship is None:
        ended = DomainError(
            ErrorCode.RELATIONSHIP_ENDED,
            "Your relationship with this customer has ended.",
            "customerIds",
        )
        await record_failure(op, item, ended)
        return False
    relationship_id = relationship.id

    async def assign(attempt: Operation) -> None:
        for role in settings.roles:
            await assign_role(attempt, settings.security_group_id, relationship_id, role)

    return await do_once(op, item, assign)
