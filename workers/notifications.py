"""Who is told what: each notification's recipients and the words of its email."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from models.reference.catalog import AdminRole
from models.reference.directory_vocabularies import Facet, label
from models.reference.enums import PartnerRole, RelationshipStatus
from models.tables.invitations import Invitation
from models.tables.leads import Lead
from models.tables.organizations import Organization, User
from models.tables.relationships import Relationship
from workers.emails import (
    RenderedEmail,
    date_words,
    duration_words,
    render,
    role_words,
    type_words,
)


async def _holders(organization_id: UUID, role: str) -> list[str]:
    """Email addresses of the organization's own people holding `role`."""
    users = await User.filter(organization_id=organization_id, partner_of_id=None).only(
        "email", "roles"
    )
    return sorted(user.email for user in users if role in user.roles)


def _unique(addresses: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(addresses))


# Templates about one invitation, and who hears of each; the others concern a relationship
# and go to the partner's admin agents and the customer's global admins.
PARTNER_SIDE = "partner"
ADDRESSEE = "addressee"
INVITATION_TEMPLATES = {
    "invitation_accepted": PARTNER_SIDE,
    "invitation_declined": PARTNER_SIDE,
    "invitation_expired": PARTNER_SIDE,
    "invitation_canceled": ADDRESSEE,
}


async def _about_invitation(
    template: str, payload: dict[str, Any], context: dict[str, Any]
) -> list[str]:
    invitation = await Invitation.get(id=payload["invitation_id"]).prefetch_related(
        "partner", "customer", "sent_by"
    )
    customer: Organization | None = invitation.customer
    type_name, _ = type_words(invitation.type)
    context |= {
        "sender_name": invitation.partner.name,
        "partner_name": invitation.partner.name,
        "customer_name": customer.name if customer else invitation.customer_email,
        "customer_email": invitation.customer_email,
        "type_name": type_name,
        "roles": role_words(invitation.roles),
        "duration": duration_words(
            invitation.type, invitation.duration_days, invitation.auto_extend
        ),
        "sent_on": date_words(invitation.created_at),
    }
    if INVITATION_TEMPLATES[template] == ADDRESSEE:
        return [invitation.customer_email]
    recipients = await _holders(invitation.partner.id, PartnerRole.ADMIN_AGENT)
    if invitation.sent_by is not None:
        recipients.append(invitation.sent_by.email)
    return recipients


async def _about_relationship(payload: dict[str, Any], context: dict[str, Any]) -> list[str]:
    relationship = await Relationship.get(id=payload["relationship_id"]).prefetch_related(
        "partner", "customer"
    )
    expires_at = payload.get("expires_at")
    context |= {
        "sender_name": relationship.partner.name,
        "partner_name": relationship.partner.name,
        "customer_name": relationship.customer.name,
        "relationship_active": relationship.status is RelationshipStatus.ACTIVE,
        "roles": role_words(payload.get("roles", [])),
        "reason": payload.get("reason", ""),
        "days": payload.get("days"),
        "expires_on": date_words(datetime.fromisoformat(expires_at)) if expires_at else None,
    }
    recipients = await _holders(relationship.partner.id, PartnerRole.ADMIN_AGENT)
    recipients += await _holders(relationship.customer.id, AdminRole.GLOBAL_ADMINISTRATOR)
    return recipients


# A Contact me request goes to the partner's admin and sales agents.
LEAD_TEMPLATES = {"lead_received"}


async def _about_lead(payload: dict[str, Any], context: dict[str, Any]) -> list[str]:
    lead = await Lead.get(id=payload["lead_id"]).prefetch_related("partner")
    context |= {
        "sender_name": lead.partner.name,
        "partner_name": lead.partner.name,
        "contact_name": lead.contact_name,
        "email": lead.email,
        "phone": lead.phone,
        "organization_name": lead.organization_name,
        "organization_size": label(Facet.ORGANIZATION_SIZE, lead.organization_size),
        "industry": label(Facet.INDUSTRY, lead.industry),
        "location": label(Facet.LOCATION, lead.location),
        "business_needs": lead.business_needs,
        "received_on": date_words(lead.created_at),
    }
    return await _holders(lead.partner.id, PartnerRole.ADMIN_AGENT) + await _holders(
        lead.partner.id, PartnerRole.SALES_AGENT
    )


async def build(
    template: str, payload: dict[str, Any], public_url: str
) -> list[tuple[str, RenderedEmail]]:
    """The messages a notification sends: one per recipient, so no one sees another's address."""
    context: dict[str, Any] = {"console_url": f"{public_url}/"}
    if template in INVITATION_TEMPLATES:
        recipients = await _about_invitation(template, payload, context)
    elif template in LEAD_TEMPLATES:
        recipients = await _about_lead(payload, context)
    else:
        recipients = await _about_relationship(payload, context)
    email = render(template, **context)
    return [(recipient, email) for recipient in _unique(recipients)]
