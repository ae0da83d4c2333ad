"""Partners named on a customer's rows, disclosed only where the policy allows."""

from __future__ import annotations

from models.policy import discloses_partner
from schema.context import Info
from schema.organizations.types import Organization, load_organization


async def disclosed_partner(info: Info, partner_id: object) -> Organization | None:
    """The partner named on a customer's row (who sold, reset, opened, registered...), unless
    it is hidden from the viewer."""
    if partner_id is None or not discloses_partner(info.context.actor(), partner_id):
        return None
    return await load_organization(info, partner_id)
