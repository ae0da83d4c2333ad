"""Whom a change to a customer's data concerns: the `Transaction.record` arguments naming it.

The customer always; when a partner made the change, the partner too, and their active
relationship, so that the change is part of that relationship's history for both sides.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from models.operation import Operation
from models.policy.customer_access import CustomerAccess
from models.reference.enums import OrganizationKind
from models.tables.relationships import Relationship, active_key


async def pair_sides(customer_id: UUID, partner_id: UUID) -> dict[str, Any]:
    """The customer, the partner and their active relationship (none once it has ended)."""
    relationship = (
        await Relationship.filter(active_key=active_key(customer_id, partner_id)).only("id").first()
    )
    return {
        "customer_id": customer_id,
        "partner_id": partner_id,
        "relationship_id": relationship.id if relationship is not None else None,
    }


async def acting_for(op: Operation, access: CustomerAccess) -> dict[str, Any]:
    """Whom an action on the customer's data under `access` concerns.

    A partner agent acts on the customer's behalf (AOBO): the operation says so from here on
    (call it before `op.atomic()`), and the entry concerns both sides of the relationship.
    The customer's own admin acting concerns the customer only.
    """
    if access.partner_id is None:
        return {"customer_id": access.customer_id}
    op.on_behalf_of = access.customer_id
    return await pair_sides(access.customer_id, access.partner_id)


def own_organization(kind: OrganizationKind, organization_id: UUID) -> dict[str, Any]:
    """Whom a change to a person's own account concerns (a sign-in, a new password, a token):
    their organization, whose admins read it in its activity log."""
    if kind is OrganizationKind.CUSTOMER:
        return {"customer_id": organization_id}
    return {"partner_id": organization_id}
