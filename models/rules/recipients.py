"""Who is told of what: the addresses each notification goes to.

The worker words and sends the emails (`workers/notifications.py`); who receives them is
decided here. Only an organization's own people count: a partner's account inside a
customer's tenant holds roles there, but is not one of the customer's people.
"""

from __future__ import annotations

from uuid import UUID

from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.invitations import Invitation
from models.tables.leads import Lead
from models.tables.organizations import User
from models.tables.relationships import Relationship

# Notifications about one invitation, and who hears of each: the partner (its admin agents
# and the agent who sent it), or the address the invitation was sent to. The others concern
# a relationship, or a lead.
PARTNER_SIDE = "partner"
CUSTOMER_SIDE = "customer"
ADDRESSEE = "addressee"
INVITATION_TEMPLATES = {
    "invitation_accepted": PARTNER_SIDE,
    "invitation_declined": PARTNER_SIDE,
    "invitation_expired": PARTNER_SIDE,
    "invitation_canceled": ADDRESSEE,
}
LEAD_TEMPLATES = {"lead_received"}


async def holders(organization_id: UUID, role: str) -> list[str]:
    """Email addresses of the organization's own people holding `role`."""
    users = await User.filter(organization_id=organization_id, partner_of_id=None).only(
        "email", "roles"
    )
    return sorted(user.email for user in users if role in user.roles)


async def invitation_recipients(template: str, invitation: Invitation) -> list[str]:
    """The partner's admin agents and the agent who sent it hear of an answer or expiry; the
    addressee hears that the partner withdrew it."""
    if INVITATION_TEMPLATES[template] == ADDRESSEE:
        return [invitation.customer_email]
    recipients = await holders(invitation.partner_id, PartnerRole.ADMIN_AGENT)
    if invitation.sent_by_id is not None:
        sender = await User.get_or_none(id=invitation.sent_by_id)
        if sender is not None:
            recipients.append(sender.email)
    return recipients


async def relationship_recipients(relationship: Relationship) -> dict[str, list[str]]:
    """Each side's recipients: the partner's admin agents, and the customer's global admins."""
    return {
        PARTNER_SIDE: await holders(relationship.partner_id, PartnerRole.ADMIN_AGENT),
        CUSTOMER_SIDE: await holders(relationship.customer_id, AdminRole.GLOBAL_ADMINISTRATOR),
    }


async def lead_recipients(lead: Lead) -> list[str]:
    """A Contact me request goes to the partner's admin and sales agents."""
    return await holders(lead.partner_id, PartnerRole.ADMIN_AGENT) + await holders(
        lead.partner_id, PartnerRole.SALES_AGENT
    )
