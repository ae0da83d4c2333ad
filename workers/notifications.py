"""The words of each notification's email, and the page it links to.

Who the recipients are is a rule: `models/rules/recipients.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from models.foundation.ids import encode_id
from models.reference.catalog import duration_words
from models.reference.directory_vocabularies import Facet, label
from models.reference.enums import RelationshipStatus
from models.rules.recipients import (
    INVITATION_TEMPLATES,
    LEAD_TEMPLATES,
    PARTNER_SIDE,
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
    render,
    role_words,
    type_words,
)

# A notification's audiences: each with the console page (a path of `api/console/routes.js`)
# its email links to, since a relationship's page has another address on each side; None
# where there is no page to open.
Audiences = list[tuple[str | None, list[str]]]


def relationship_page(relationship_id: UUID | str, side: str) -> str:
    """A relationship's page: the partner's page of its customer, or the customer's page of
    its partner."""
    base = "/customers" if side == PARTNER_SIDE else "/partners"
    return f"{base}/{encode_id('Relationship', UUID(str(relationship_id)))}"


def _invitation_page(template: str, payload: dict[str, Any]) -> str | None:
    if template == "invitation_accepted":
        return relationship_page(payload["relationship_id"], PARTNER_SIDE)
    if template == "invitation_declined":
        return "/invitations?status=DECLINED"
    if template == "invitation_expired":
        return "/invitations?status=EXPIRED"
    return None  # the addressee of a withdrawn invitation has nothing to open


async def _about_invitation(
    template: str, payload: dict[str, Any], context: dict[str, Any]
) -> Audiences:
    invitation = await Invitation.get(id=payload["invitation_id"]).prefetch_related(
        "partner", "customer"
    )
    customer: Organization | None = invitation.customer
    context |= type_words(invitation.type) | {
        "sender_name": invitation.partner.name,
        "partner_name": invitation.partner.name,
        "customer_name": customer.name if customer else invitation.customer_email,
        "customer_email": invitation.customer_email,
        "roles": role_words(invitation.roles),
        "duration": duration_words(
            invitation.type, invitation.duration_days, invitation.auto_extend
        ),
        "sent_on": date_words(invitation.created_at),
    }
    return [
        (_invitation_page(template, payload), await invitation_recipients(template, invitation))
    ]


async def _about_relationship(payload: dict[str, Any], context: dict[str, Any]) -> Audiences:
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
        # The delegated admin relationship the roles belong to, when they do.
        "dar_name": payload.get("delegated_admin_relationship"),
        "expires_on": date_words(datetime.fromisoformat(expires_at)) if expires_at else None,
    }
    return [
        (relationship_page(relationship.id, side), recipients)
        for side, recipients in (await relationship_recipients(relationship)).items()
    ]


async def _about_lead(payload: dict[str, Any], context: dict[str, Any]) -> Audiences:
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
    return [(f"/leads/{encode_id('Lead', lead.id)}", await lead_recipients(lead))]


async def build(
    template: str, payload: dict[str, Any], public_url: str
) -> list[tuple[str, RenderedEmail]]:
    """The messages a notification sends: one per recipient, so no one sees another's address,
    each linking to the recipient's own page of what it is about."""
    context: dict[str, Any] = {}
    if template in INVITATION_TEMPLATES:
        audiences = await _about_invitation(template, payload, context)
    elif template in LEAD_TEMPLATES:
        audiences = await _about_lead(payload, context)
    else:
        audiences = await _about_relationship(payload, context)
    messages: dict[str, RenderedEmail] = {}
    for page, recipients in audiences:
        page_url = f"{public_url.rstrip('/')}{page}" if page else None
        email = render(template, **context, page_url=page_url)
        for recipient in recipients:
            messages.setdefault(recipient, email)
    return list(messages.items())
