"""Invitations as GraphQL types, and the inputs of their mutations."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.policy import link_reveals_terms
from models.reference.catalog import GDAP_TERMS, AdminRole, duration_words
from models.reference.enums import EmailStatus, InvitationStatus, RelationshipType
from models.rules.invitations import acceptance_refusal, effective_status
from models.tables import invitations as m
from schema.context import Info
from schema.errors import UserError
from schema.global_ids import GlobalId, OptionalGlobalId
from schema.organizations.types import Organization, load_organization
from schema.relay import Node


@strawberry.type(description="An invitation from a partner to a customer to start a relationship.")
class Invitation(Node):
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    customer_email: str | None = strawberry.field(
        description="Where the invitation was emailed; null when read through the link of an "
        "invitation that is no longer pending."
    )
    type: RelationshipType = strawberry.field(description="The relationship type offered.")
    roles: list[AdminRole] = strawberry.field(
        description="The admin roles granted on acceptance; empty when read through the link "
        "of an invitation that is no longer pending."
    )
    duration_days: int | None = strawberry.field(
        description="How long GDAP roles last after acceptance, in days (GDAP_PARTNER only)."
    )
    auto_extend: bool = strawberry.field(
        description=f"Whether GDAP roles extend by {GDAP_TERMS.extension_days} days at their "
        "end date."
    )
    message: str | None = strawberry.field(description="The partner's message to the customer.")
    status: InvitationStatus = strawberry.field(
        description="PENDING until accepted, declined, canceled or expired."
    )
    email_status: EmailStatus = strawberry.field(description="Delivery of the invitation email.")
    email_attempts: int = strawberry.field(
        description="How many times sending the email was tried."
    )
    email_error: str | None = strawberry.field(
        description="The last delivery error, while the email is not sent."
    )
    created_at: datetime = strawberry.field(description="When the partner sent it.")
    expires_at: datetime = strawberry.field(description="When it stops being open.")
    accepted_at: datetime | None = strawberry.field(description="When the customer accepted it.")

    @strawberry.field(
        description="How long the roles last, in the words of the invitation email: "
        f'"{GDAP_TERMS.duration_words(GDAP_TERMS.default_days, True)}", or "No end date".'
    )
    def duration_text(self) -> str:
        return duration_words(self.type, self.duration_days, self.auto_extend)

    _row: strawberry.Private[m.Invitation]
    _partner_id: strawberry.Private[object]
    _customer_id: strawberry.Private[object]

    @classmethod
    def of(cls, invitation: m.Invitation) -> Invitation:
        return cls(
            id=encode_id("Invitation", invitation.id),
            customer_email=invitation.customer_email,
            type=invitation.type,
            roles=[AdminRole(role) for role in invitation.roles],
            duration_days=invitation.duration_days,
            auto_extend=invitation.auto_extend,
            message=invitation.message,
            status=effective_status(invitation, utcnow()),
            email_status=invitation.email_status,
            email_attempts=invitation.email_attempts,
            email_error=invitation.email_error,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            accepted_at=invitation.accepted_at,
            _row=invitation,
            _partner_id=invitation.partner_id,
            _customer_id=invitation.customer_id,
        )

    @classmethod
    def through_link(cls, invitation: m.Invitation) -> Invitation:
        """The invitation as its email link shows it: all of it while it is open, and only
        its status afterwards (`policy.link_reveals_terms`)."""
        shown = cls.of(invitation)
        if link_reveals_terms(shown.status):
            return shown
        return dataclasses.replace(
            shown,
            customer_email=None,
            roles=[],
            duration_days=None,
            message=None,
            email_error=None,
            _partner_id=None,
            _customer_id=None,
        )

    @strawberry.field(
        description="The partner that sent the invitation; null when read through the link "
        "of an invitation that is no longer pending."
    )
    async def partner(self, info: Info) -> Organization | None:
        return await load_organization(info, self._partner_id)

    @strawberry.field(
        description="The customer organization it is addressed to, or that answered it; null "
        "when read through the link of an invitation that is no longer pending."
    )
    async def customer(self, info: Info) -> Organization | None:
        return await load_organization(info, self._customer_id)

    @strawberry.field(
        description="Whether the viewer may accept this invitation now (with the Customer "
        "Agreement): the checks of acceptInvitation, asked before anyone tries."
    )
    def viewer_can_accept(self, info: Info) -> bool:
        return self._acceptance_refusal(info) is None

    @strawberry.field(
        description="Why the viewer may not accept this invitation now (not signed in, not an "
        "admin who may, addressed to another organization, no longer pending), as a sentence "
        "to show; null when viewerCanAccept is true."
    )
    def viewer_accept_refusal(self, info: Info) -> str | None:
        return self._acceptance_refusal(info)

    def _acceptance_refusal(self, info: Info) -> str | None:
        return acceptance_refusal(info.context.optional_actor(), self._row, utcnow())


@strawberry.input(description="What a partner asks for in an invitation.")
class SendInvitationInput:
    customer_email: str = strawberry.field(description="The customer contact to email.")
    type: RelationshipType | None = strawberry.field(
        default=None,
        description="The relationship type offered; required unless a template gives it.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Address it to one customer organization: only its admins may accept it.",
    )
    roles: list[AdminRole] | None = strawberry.field(
        default=None,
        description="Admin roles to ask for: one or more for GDAP_PARTNER and PARTNER, none "
        "for the other types (ADVISOR always grants its fixed roles).",
    )
    duration_days: int | None = strawberry.field(
        default=None, description=f"GDAP_PARTNER only: {GDAP_TERMS.duration_field_words}."
    )
    auto_extend: bool | None = strawberry.field(
        default=None,
        description=f"GDAP_PARTNER only: {GDAP_TERMS.auto_extend_field_words}",
    )
    message: str | None = strawberry.field(
        default=None, description="A message shown in the email, up to 2000 characters."
    )
    expires_in_days: int | None = strawberry.field(
        default=None, description="How long the invitation stays open: 1 to 90 days, 90 by default."
    )
    display_name: str | None = strawberry.field(
        default=None,
        description="GDAP_PARTNER only: the delegated admin relationship's name, up to 50 "
        "characters, unique among the partner's relationships in force with the customer; "
        'a default ("GDAP" and the date) when omitted; from a template, the template\'s '
        "display name or name.",
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Send from this invitation template of the partner: its settings fill "
        "what this input leaves out, and its security groups and roles are assigned when the "
        "customer accepts.",
    )
    customer = OptionalGlobalId("Organization", "customer_id")
    template = OptionalGlobalId("InvitationTemplate", "template_id")


@strawberry.input(description="Names an invitation by its ID.")
class InvitationIdInput:
    id: strawberry.ID = strawberry.field(description="The invitation's ID.")
    invitation = GlobalId("Invitation", "id")


@strawberry.input(description="Names an invitation by the token of its email link.")
class InvitationTokenInput:
    token: str = strawberry.field(description="The token from the invitation link.")


@strawberry.input(description="Accept an invitation together with the Customer Agreement.")
class AcceptInvitationInput:
    token: str = strawberry.field(description="The token from the invitation link.")
    accept_agreement: bool = strawberry.field(
        description="Must be true: the admin accepts the current Customer Agreement."
    )


@strawberry.type(description="The result of an invitation mutation.")
class InvitationPayload:
    invitation: Invitation | None = strawberry.field(description="The invitation changed.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
