"""Contact me, and the partner working its leads: statuses, and inviting from a lead.

A lead starts NEW. The partner's admin and sales agents move it with `update_lead_status`:
NEW to CONTACTED or CLOSED, CONTACTED to CLOSED, INVITED to CLOSED, and CLOSED back to
CONTACTED (reopened). A lead becomes INVITED only by sending an invitation from it (from NEW
or CONTACTED), which links the two. Setting the status it already has changes nothing.

Each change leaves an activity entry and event concerning the partner: `lead.created` (by
no one: the visitor is anonymous, and its address stays out of it), `lead.status_changed`
and `lead.invited`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.operation import Operation, Transaction
from models.policy import require_lead_manager, visible_leads
from models.reference.directory_vocabularies import Facet
from models.rules import directory_fields as check
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import prepare_invitation, record_invitation
from models.rules.leads_rate_limit import RateLimit
from models.tables.directory import PartnerProfile
from models.tables.invitations import Invitation
from models.tables.leads import Lead, LeadStatus
from models.tables.outbox import Task

NAME_MAX_LENGTH = 200
BUSINESS_NEEDS_MAX_LENGTH = 4000

MOVES: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset({LeadStatus.CONTACTED, LeadStatus.CLOSED}),
    LeadStatus.CONTACTED: frozenset({LeadStatus.CLOSED}),
    LeadStatus.INVITED: frozenset({LeadStatus.CLOSED}),
    LeadStatus.CLOSED: frozenset({LeadStatus.CONTACTED}),
}
INVITABLE = (LeadStatus.NEW, LeadStatus.CONTACTED)


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """The Contact me form, as received. `partner_id` is the partner organization's id."""

    partner_id: UUID | None
    location: str | None
    contact_name: str | None
    email: str | None
    organization_name: str | None
    organization_size: str | None
    industry: str | None
    business_needs: str | None
    phone: str | None = None


def check_contact(request: ContactRequest) -> ContactRequest:
    """Every refusal at once, each naming its field; or the request, trimmed and normalized."""
    errors: list[DomainError] = []
    name = check.text(errors, request.contact_name, "contactName", NAME_MAX_LENGTH)
    email = check.email(errors, request.email, "email")
    phone = check.phone(errors, request.phone, "phone")
    org_name = check.text(errors, request.organization_name, "organizationName", NAME_MAX_LENGTH)
    needs = check.text(
        errors,
        request.business_needs,
        "businessNeeds",
        BUSINESS_NEEDS_MAX_LENGTH,
        multiline=True,
    )
    location = check.one_of(errors, Facet.LOCATION, request.location, "location")
    size = check.one_of(
        errors, Facet.ORGANIZATION_SIZE, request.organization_size, "organizationSize"
    )
    industry = check.one_of(errors, Facet.INDUSTRY, request.industry, "industry")
    if request.partner_id is None:
        errors.append(
            DomainError(ErrorCode.NOT_FOUND, "No such partner in the directory.", "partnerId")
        )
    for value, field in (
        (name, "contactName"),
        (org_name, "organizationName"),
        (needs, "businessNeeds"),
    ):
        if not value and not any(error.field == field for error in errors):
            check.required(errors, None, field)
    if errors:
        raise ValidationErrors(errors)
    return replace(
        request,
        contact_name=name,
        email=email,
        phone=phone,
        organization_name=org_name,
        business_needs=needs,
        location=location,
        organization_size=size,
        industry=industry,
    )


async def contact_partner(
    op: Operation, request: ContactRequest, rate_limit: RateLimit, client: str
) -> PartnerProfile:
    """A visitor asks a listed partner to contact them: stored as a NEW lead and emailed to
    the partner's admin and sales agents. Anyone may do it, `client` (its address) only
    `rate_limit.limit` times per window."""
    contact = check_contact(request)
    profile = await PartnerProfile.get_or_none(organization_id=contact.partner_id, published=True)
    if profile is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such partner in the directory.", "partnerId")
    if not await rate_limit.allow(client):
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            "Too many requests from your address; please try again later.",
        )
    # The visitor is anonymous, even when someone signed in sends the form.
    visitor = Operation(actor=None, sealer=op.sealer)
    async with visitor.atomic() as tx:
        lead = await Lead.create(
            partner_id=contact.partner_id,
            location=contact.location,
            contact_name=contact.contact_name,
            email=contact.email,
            phone=contact.phone,
            organization_name=contact.organization_name,
            organization_size=contact.organization_size,
            industry=contact.industry,
            business_needs=contact.business_needs,
        )
        await tx.enqueue(Task.SEND_NOTIFICATION, template="lead_received", lead_id=str(lead.id))
        await tx.record(
            "lead.created",
            "Lead",
            lead.id,
            partner_id=lead.partner_id,
            changes=lead_fields(lead),
        )
    op.committed.extend(visitor.committed)
    return profile


def lead_fields(lead: Lead) -> dict[str, object]:
    """What a lead says, for its `lead.created` entry and event: what a partner's CRM stores."""
    return {
        "status": lead.status,
        "contactName": lead.contact_name,
        "email": lead.email,
        "phone": lead.phone,
        "organizationName": lead.organization_name,
        "organizationSize": lead.organization_size,
        "industry": lead.industry,
        "location": lead.location,
        "businessNeeds": lead.business_needs,
    }


async def _record_move(
    tx: Transaction, action: str, lead: Lead, status: LeadStatus, **more: object
) -> None:
    await tx.record(
        action,
        "Lead",
        lead.id,
        partner_id=lead.partner_id,
        changes={"status": status, "previousStatus": lead.status, **more},
    )


async def _own_lead(op: Operation, lead_id: UUID, field: str) -> Lead:
    actor = op.require_actor()
    require_lead_manager(actor)
    lead = await visible_leads(actor).get_or_none(id=lead_id)
    if lead is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such lead.", field)
    return lead


def _not_allowed(current: LeadStatus, status: LeadStatus, field: str) -> DomainError:
    return DomainError(
        ErrorCode.LEAD_STATUS_NOT_ALLOWED,
        f"The lead is {current.lower()}; it cannot become {status.lower()}"
        + (" (send an invitation from it instead)." if status is LeadStatus.INVITED else "."),
        field,
    )


async def update_lead_status(op: Operation, lead_id: UUID, status: LeadStatus) -> Lead:
    """Move a lead along MOVES; one conditional update, so a concurrent move is not lost."""
    lead = await _own_lead(op, lead_id, "id")
    if lead.status is status:
        return lead
    if status not in MOVES[lead.status]:
        raise _not_allowed(lead.status, status, "status")
    async with op.atomic() as tx:
        changed = await Lead.filter(id=lead.id, status=lead.status).update(
            status=status, status_changed_at=op.now()
        )
        if not changed:
            raise DomainError(
                ErrorCode.LEAD_STATUS_NOT_ALLOWED, "The lead changed meanwhile.", "status"
            )
        await _record_move(tx, "lead.status_changed", lead, status)
    await lead.refresh_from_db()
    return lead


async def send_invitation_from_lead(
    op: Operation, lead_id: UUID, request: InvitationRequest
) -> tuple[Lead, Invitation]:
    """Invite the lead's contact (the invitation rules decide what may be asked), link the
    invitation to the lead and mark the lead INVITED, in one transaction."""
    lead = await _own_lead(op, lead_id, "leadId")
    if lead.status not in INVITABLE:
        raise _not_allowed(lead.status, LeadStatus.INVITED, "leadId")
    prepared = await prepare_invitation(
        op, replace(request, customer_email=request.customer_email or lead.email)
    )
    async with op.atomic() as tx:
        invitation = await record_invitation(tx, op, prepared)
        changed = await Lead.filter(id=lead.id, status__in=INVITABLE).update(
            status=LeadStatus.INVITED, status_changed_at=op.now(), invitation_id=invitation.id
        )
        if not changed:
            raise DomainError(
                ErrorCode.LEAD_STATUS_NOT_ALLOWED, "The lead changed meanwhile.", "leadId"
            )
        # The invitation's own entry (`invitation.sent`) is recorded with it.
        await _record_move(
            tx,
            "lead.invited",
            lead,
            LeadStatus.INVITED,
            customerEmail=invitation.customer_email,
            type=invitation.type,
        )
    await lead.refresh_from_db()
    return lead, invitation
