"""The words of each notification's email, one message per recipient.

Who the recipients are is a rule: `models/rules/recipients.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from models.reference.directory_vocabularies import Facet, label
from models.reference.enums import RelationshipStatus
from models.rules.recipients import (
    INVITATION_TEMPLATES,
    LEAD_TEMPLATES,
    invitation_recipients,
    lead_recipients,
    relationship_recipients,
)
from models.tables.invitations import Invitation
from models.tables.leads import Lead
from models.tables.organizations import Organization
from models.tables.relationships import Relationship
from workers.emails import (
    RenderedEmail,
    date_words,
    duration_words,
    render,
    role_words,
    type_words,
)


def _unique(addresses: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(addresses))


async def _about_invitation(
    template: str, payload: dict[str, Any], context: dict[str, Any]
) -> list[str]:
    invitation = await Invitation.get(id=payload["invitation_id"]).prefetch_related(
        "partner", "customer"
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
    return await invitation_recipients(template, invitation)


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
    return await relationship_recipients(relationship)


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
    return await lead_recipients(lead)


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
