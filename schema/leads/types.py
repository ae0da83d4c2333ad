"""Leads as GraphQL types, and the inputs of their mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.foundation.ids import encode_id
from models.reference.catalog import GDAP_TERMS, AdminRole
from models.reference.enums import RelationshipType
from models.tables import leads as m
from models.tables.leads import LeadStatus as _LeadStatus
from schema.context import Info
from schema.enum_values import describe_values
from schema.errors import UserError
from schema.invitations.types import Invitation
from schema.organizations.types import Organization, load_organization
from schema.relay import Node

LeadStatus = strawberry.enum(
    _LeadStatus,
    name="LeadStatus",
    description="Where a partner stands with a lead: NEW, then CONTACTED, INVITED (by "
    "sendInvitationFromLead) and CLOSED.",
)
describe_values(
    LeadStatus,
    {
        "NEW": "Just received; may move to CONTACTED or CLOSED, or to INVITED by "
        "sendInvitationFromLead.",
        "CONTACTED": "The partner got in touch; may move to CLOSED, or to INVITED by "
        "sendInvitationFromLead.",
        "INVITED": "An invitation was sent from it (sendInvitationFromLead); may move to CLOSED.",
        "CLOSED": "Done with; may be reopened as CONTACTED.",
    },
)


@strawberry.type(description="A visitor's Contact me request, addressed to the viewer's partner.")
class Lead(Node):
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    status: _LeadStatus = strawberry.field(description="Where the partner stands with it.")
    contact_name: str = strawberry.field(description="The visitor's name.")
    email: str = strawberry.field(description="The visitor's email address.")
    phone: str | None = strawberry.field(description="The visitor's phone number.")
    location: str = strawberry.field(description="Where the visitor is: a LOCATION key.")
    organization_name: str = strawberry.field(description="The visitor's organization.")
    organization_size: str = strawberry.field(description="Its size: an ORGANIZATION_SIZE key.")
    industry: str = strawberry.field(description="Its industry focus: an INDUSTRY key.")
    business_needs: str = strawberry.field(description="What the visitor needs help with.")
    created_at: datetime = strawberry.field(description="When the visitor sent it.")
    status_changed_at: datetime | None = strawberry.field(
        description="When its status last changed."
    )
    _partner_id: strawberry.Private[object]
    _invitation_id: strawberry.Private[object]

    @classmethod
    def of(cls, lead: m.Lead) -> Lead:
        return cls(
            id=encode_id("Lead", lead.id),
            status=lead.status,
            contact_name=lead.contact_name,
            email=lead.email,
            phone=lead.phone,
            location=lead.location,
            organization_name=lead.organization_name,
            organization_size=lead.organization_size,
            industry=lead.industry,
            business_needs=lead.business_needs,
            created_at=lead.created_at,
            status_changed_at=lead.status_changed_at,
            _partner_id=lead.partner_id,
            _invitation_id=lead.invitation_id,
        )

    @strawberry.field(description="The partner the lead is addressed to.")
    async def partner(self, info: Info) -> Organization:
        org = await load_organization(info, self._partner_id)
        assert org is not None
        return org

    @strawberry.field(description="The invitation sent from this lead, if any.")
    async def invitation(self, info: Info) -> Invitation | None:
        # The lead's own partner sent it: whoever sees the lead may see the invitation.
        if self._invitation_id is None:
            return None
        found = await info.context.loaders.invitation.load(self._invitation_id)  # type: ignore[arg-type]
        return Invitation.of(found) if found else None


@strawberry.input(description="Move a lead to another status.")
class UpdateLeadStatusInput:
    id: strawberry.ID = strawberry.field(description="The lead's ID.")
    status: _LeadStatus = strawberry.field(
        description="The new status: NEW to CONTACTED or CLOSED, CONTACTED to CLOSED, INVITED "
        "to CLOSED, CLOSED back to CONTACTED. INVITED only by sendInvitationFromLead."
    )


@strawberry.input(
    description="Invite a lead's contact to a relationship; the terms are those of "
    "sendInvitation, checked the same way."
)
class SendInvitationFromLeadInput:
    lead_id: strawberry.ID = strawberry.field(description="The lead, NEW or CONTACTED.")
    type: RelationshipType = strawberry.field(description="The relationship type offered.")
    customer_email: str | None = strawberry.field(
        default=None, description="Where to email the invitation; the lead's email by default."
    )
    roles: list[AdminRole] | None = strawberry.field(
        default=None, description="Admin roles to ask for, as in sendInvitation."
    )
    duration_days: int | None = strawberry.field(
        default=None, description=f"GDAP_PARTNER only: {GDAP_TERMS.duration_field_words}."
    )
    auto_extend: bool | None = strawberry.field(
        default=None, description=f"GDAP_PARTNER only: {GDAP_TERMS.auto_extend_field_words}"
    )
    message: str | None = strawberry.field(
        default=None, description="A message shown in the email, up to 2000 characters."
    )
    expires_in_days: int | None = strawberry.field(
        default=None, description="How long the invitation stays open: 1 to 90 days, 90 by default."
    )


@strawberry.type(description="The result of a lead mutation.")
class LeadPayload:
    lead: Lead | None = strawberry.field(
        description="The lead changed; its `invitation` is the one sent from it."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
