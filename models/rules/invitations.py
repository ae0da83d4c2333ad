"""Sending, resending, canceling, declining and accepting invitations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.foundation.errors import DomainError, ErrorCode, PermissionDenied
from models.identity.actors import Actor
from models.infrastructure.tokens import hash_token, new_token
from models.operation import Operation, Transaction
from models.policy import (
    require_addressee,
    require_invitation_acceptor,
    require_invitation_sender,
    require_partner_manager,
    sent_invitations,
)
from models.reference.catalog import RELATIONSHIP_TYPES
from models.reference.enums import EmailStatus, InvitationStatus, OrganizationKind
from models.rules.agreements import record_acceptance
from models.rules.delegated_admin import close_for_invitations, open_for_invitation
from models.rules.grants import add_type, record_created, record_grants
from models.rules.invitation_quotas import count_invitation_email
from models.rules.invitation_request import InvitationRequest, InvitationTerms, check_request
from models.rules.template_assignments import make_template_assignments
from models.rules.templates import (
    TemplateSettings,
    apply_template,
    assignments_for,
    usable_template,
)
from models.tables.activity import sides
from models.tables.invitations import Invitation
from models.tables.organizations import Organization
from models.tables.outbox import Task
from models.tables.relationships import Relationship


def effective_status(invitation: Invitation, now: datetime) -> InvitationStatus:
    """A pending invitation past its date is EXPIRED, even before a sweep records it."""
    if invitation.status is InvitationStatus.PENDING and invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    return invitation.status


async def _queue_email(
    tx: Transaction, op: Operation, invitation: Invitation, token: str, *, resent: bool = False
) -> None:
    await tx.enqueue(
        Task.SEND_INVITATION_EMAIL,
        invitation_id=str(invitation.id),
        sealed_token=op.sealer.seal(token),
        resent=resent,
    )


@dataclass(frozen=True, slots=True)
class PreparedInvitation:
    """A request that passed every check, from a partner agent allowed to send it."""

    actor: Actor
    terms: InvitationTerms
    customer_id: UUID | None
    template_id: UUID | None = None
    assignments: list[list[str]] = field(default_factory=list)  # (group id, role) pairs


async def prepare_invitation(
    op: Operation, request: InvitationRequest, template: TemplateSettings | None = None
) -> PreparedInvitation:
    """Every check of `send_invitation` but its quotas, writing nothing. A template (named
    by the request, or given already loaded) fills what the request leaves out."""
    actor = op.require_actor()
    require_invitation_sender(actor)
    if template is None and request.template_id is not None:
        template = await usable_template(actor, request.template_id, "templateId")
    if template is not None:
        request = apply_template(request, template)
    terms = check_request(request)
    if request.customer_id is not None:
        customer = await Organization.get_or_none(
            id=request.customer_id, kind=OrganizationKind.CUSTOMER
        )
        if customer is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such customer organization.", "customerId")
    return PreparedInvitation(
        actor=actor,
        terms=terms,
        customer_id=request.customer_id,
        template_id=template.template_id if template else None,
        assignments=assignments_for(template, terms) if template else [],
    )


async def record_invitation(
    tx: Transaction, op: Operation, prepared: PreparedInvitation, *, agent_quota: bool = True
) -> Invitation:
    """Create the invitation and queue its email, inside the caller's transaction; refused
    with RATE_LIMITED (the transaction undone) when the email would exceed a quota. A bulk
    send counts against the partner's and the recipient's quotas, not its agent's
    (`agent_quota=False`): its size is bounded per operation instead."""
    actor, terms = prepared.actor, prepared.terms
    await count_invitation_email(
        op.quotas,
        op.now(),
        agent_id=actor.acting_id if agent_quota else None,
        partner_id=actor.organization_id,
        address=terms.customer_email,
        field="customerEmail",
    )
    token, token_hash = new_token()
    invitation = await Invitation.create(
        partner_id=actor.organization_id,
        customer_id=prepared.customer_id,
        addressed=prepared.customer_id is not None,
        customer_email=terms.customer_email,
        type=terms.type,
        roles=[str(role) for role in terms.roles],
        duration_days=terms.duration_days,
        auto_extend=terms.auto_extend,
        message=terms.message,
        open_days=terms.open_days,
        token_hash=token_hash,
        sent_by_id=actor.person_id,
        expires_at=op.now() + timedelta(days=terms.open_days),
        template_id=prepared.template_id,
        assignments=prepared.assignments,
    )
    display_name = None
    if RELATIONSHIP_TYPES[terms.type].time_bound:
        offered = await open_for_invitation(invitation, terms.display_name, op.now())
        display_name = offered.display_name
    await _queue_email(tx, op, invitation, token)
    await tx.record(
        "invitation.sent",
        "Invitation",
        invitation.id,
        partner_id=actor.organization_id,
        customer_id=prepared.customer_id,
        changes={
            "status": InvitationStatus.PENDING,
            "type": terms.type,
            "roles": invitation.roles,
            "durationDays": terms.duration_days,
            "autoExtend": terms.auto_extend,
            "customerEmail": terms.customer_email,
            "expiresAt": invitation.expires_at.isoformat(),
            **({"displayName": display_name} if display_name else {}),
        },
    )
    return invitation


async def send_invitation(op: Operation, request: InvitationRequest) -> Invitation:
    prepared = await prepare_invitation(op, request)
    async with op.atomic() as tx:
        return await record_invitation(tx, op, prepared)


async def _partner_invitation(op: Operation, invitation_id: UUID) -> tuple[Actor, Invitation]:
    actor = op.require_actor()
    invitation = await sent_invitations(actor).get_or_none(id=invitation_id)
    if invitation is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such invitation.", "id")
    return actor, invitation


def with_status(
    queryset: QuerySet[Invitation], status: InvitationStatus, now: datetime
) -> QuerySet[Invitation]:
    """Filter by the status a person sees, as `effective_status` gives it."""
    if status is InvitationStatus.PENDING:
        return queryset.filter(status=status, expires_at__gt=now)
    if status is InvitationStatus.EXPIRED:
        return queryset.filter(
            Q(status=status) | Q(status=InvitationStatus.PENDING, expires_at__lte=now)
        )
    return queryset.filter(status=status)


def _require_pending(invitation: Invitation, now: datetime, field: str) -> None:
    status = effective_status(invitation, now)
    if status is InvitationStatus.EXPIRED:
        raise DomainError(ErrorCode.INVITATION_EXPIRED, "The invitation has expired.", field)
    if status is not InvitationStatus.PENDING:
        raise DomainError(
            ErrorCode.INVITATION_NOT_PENDING, f"The invitation is already {status.lower()}.", field
        )


async def resend_invitation(op: Operation, invitation_id: UUID) -> Invitation:
    """Rotate the token (the old link dies), restart the open period, and send again."""
    actor, invitation = await _partner_invitation(op, invitation_id)
    return await _resend(op, invitation, actor.acting_id, "id")


async def resend_for_partner(op: Operation, invitation_id: UUID) -> Invitation:
    """The system resends an invitation on its partner's behalf (a trusted system's webhook):
    the partner's and the recipient's quotas count it, no agent's."""
    invitation = await Invitation.get_or_none(id=invitation_id)
    if invitation is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such invitation.", "invitation_id")
    return await _resend(op, invitation, None, "invitation_id")


async def _resend(
    op: Operation, invitation: Invitation, agent_id: UUID | None, field: str
) -> Invitation:
    now = op.now()
    _require_pending(invitation, now, field)
    token, token_hash = new_token()
    async with op.atomic() as tx:
        await count_invitation_email(
            op.quotas,
            now,
            agent_id=agent_id,
            partner_id=invitation.partner_id,
            address=invitation.customer_email,
            field=field,
        )
        changed = await Invitation.filter(
            id=invitation.id, status=InvitationStatus.PENDING, token_hash=invitation.token_hash
        ).update(
            token_hash=token_hash,
            expires_at=now + timedelta(days=invitation.open_days),
            email_status=EmailStatus.QUEUED,
            email_attempts=0,
            email_error=None,
            email_message_id=None,  # a report about the replaced email changes nothing
        )
        if not changed:
            raise DomainError(
                ErrorCode.INVITATION_NOT_PENDING, "The invitation changed meanwhile.", field
            )
        await invitation.refresh_from_db()
        await _queue_email(tx, op, invitation, token, resent=True)
        await tx.record(
            "invitation.resent",
            "Invitation",
            invitation.id,
            partner_id=invitation.partner_id,
            customer_id=invitation.customer_id,
            changes={"expiresAt": invitation.expires_at.isoformat()},
        )
    return invitation


async def cancel_invitation(op: Operation, invitation_id: UUID) -> Invitation:
    """The partner withdraws a pending invitation."""
    actor, invitation = await _partner_invitation(op, invitation_id)
    return await _close(op, invitation, InvitationStatus.CANCELED, actor, "id")


async def find_by_token(token: str) -> Invitation | None:
    if not token:
        return None
    return await Invitation.get_or_none(token_hash=hash_token(token))


async def _customer_invitation(op: Operation, token: str) -> tuple[Actor, Invitation]:
    actor = op.require_actor()
    require_partner_manager(actor)
    invitation = await find_by_token(token)
    if invitation is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, "This invitation link is not valid (or was replaced).", "token"
        )
    require_addressee(actor, invitation)
    return actor, invitation


async def decline_invitation(op: Operation, token: str) -> Invitation:
    """The customer turns the invitation down instead of accepting it."""
    actor, invitation = await _customer_invitation(op, token)
    return await _close(op, invitation, InvitationStatus.DECLINED, actor, "token")


async def _close(
    op: Operation, invitation: Invitation, status: InvitationStatus, actor: Actor, field: str
) -> Invitation:
    now = op.now()
    _require_pending(invitation, now, field)
    fields: dict[str, object] = {
        "status": status,
        "closed_at": now,
        "responded_by_id": actor.person_id,
    }
    if status is InvitationStatus.DECLINED:
        fields["customer_id"] = actor.organization_id
    async with op.atomic() as tx:
        changed = await Invitation.filter(
            id=invitation.id, status=InvitationStatus.PENDING, token_hash=invitation.token_hash
        ).update(**fields)
        if not changed:
            raise DomainError(
                ErrorCode.INVITATION_NOT_PENDING, "The invitation was answered meanwhile.", field
            )
        await close_for_invitations([invitation.id], f"Invitation {status.lower()}", now)
        # The partner hears of a decline; the addressee of a withdrawal, if it was mailed.
        if status is InvitationStatus.DECLINED or invitation.emailed_token_hash is not None:
            await tx.enqueue(
                Task.SEND_NOTIFICATION,
                template=f"invitation_{status.lower()}",
                invitation_id=str(invitation.id),
            )
        await tx.record(
            f"invitation.{status.lower()}",
            "Invitation",
            invitation.id,
            partner_id=invitation.partner_id,
            customer_id=(
                actor.organization_id
                if status is InvitationStatus.DECLINED
                else invitation.customer_id
            ),
            changes={"status": status},
        )
    await invitation.refresh_from_db()
    return invitation


def check_acceptance(actor: Actor, invitation: Invitation, now: datetime) -> None:
    """Everything `accept_invitation` asks of the viewer and of the invitation, in its order
    (all but the agreement, which the request brings)."""
    require_invitation_acceptor(actor, invitation)
    _require_pending(invitation, now, "token")


SIGN_IN_TO_ACCEPT = (
    "Sign in as a Global or Billing Administrator of the customer organization to accept it."
)


def acceptance_refusal(actor: Actor | None, invitation: Invitation, now: datetime) -> str | None:
    """Why the viewer may not accept the invitation now, or None when they may: the very
    checks of `accept_invitation`, so that a page can say so before anyone tries."""
    if actor is None:
        return SIGN_IN_TO_ACCEPT
    try:
        check_acceptance(actor, invitation, now)
    except (DomainError, PermissionDenied) as refusal:
        return str(refusal)
    return None


async def accept_invitation(op: Operation, token: str, accept_agreement: bool) -> Relationship:
    """Accept together with the Customer Agreement: one conditional update wins."""
    actor, invitation = await _customer_invitation(op, token)
    now = op.now()
    check_acceptance(actor, invitation, now)
    if not accept_agreement:
        raise DomainError(
            ErrorCode.AGREEMENT_NOT_ACCEPTED,
            "Accepting an invitation requires accepting the Customer Agreement.",
            "acceptAgreement",
        )
    for attempt in range(3):
        try:
            return await _accept(op, actor, invitation, now)
        except IntegrityError:
            # Another acceptance for the same pair created the relationship meanwhile: retry
            # into it. A lost race for this very invitation fails the conditional update instead.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _accept(
    op: Operation, actor: Actor, invitation: Invitation, now: datetime
) -> Relationship:
    async with op.atomic() as tx:
        won = await Invitation.filter(
            id=invitation.id,
            status=InvitationStatus.PENDING,
            token_hash=invitation.token_hash,
            expires_at__gt=now,
        ).update(
            status=InvitationStatus.ACCEPTED,
            customer_id=actor.organization_id,
            accepted_at=now,
            closed_at=now,
            responded_by_id=actor.user_id,
        )
        if not won:
            raise DomainError(
                ErrorCode.INVITATION_NOT_PENDING, "The invitation was answered meanwhile.", "token"
            )
        await invitation.refresh_from_db()
        relationship, created = await add_type(invitation, actor, now)
        # In the order it happened: the customer accepted the invitation (and the agreement
        # with it), which started the relationship, which holds the grants.
        await tx.record(
            "invitation.accepted",
            "Invitation",
            invitation.id,
            **sides(relationship),
            changes={"status": InvitationStatus.ACCEPTED, "type": invitation.type},
        )
        await record_acceptance(tx, actor, now, relationship)
        if created:
            await record_created(tx, relationship)
        await record_grants(tx, relationship, invitation, now)
        await make_template_assignments(tx, relationship, invitation)
        await tx.enqueue(
            Task.SEND_NOTIFICATION,
            template="invitation_accepted",
            invitation_id=str(invitation.id),
            relationship_id=str(relationship.id),
        )
    return relationship


async def record_bounce(op: Operation, message_id: str, reason: str) -> Invitation:
    """A delivery report says the invitation email with this Message-ID bounced.

    Only the email last sent counts: a bounce of one that a resend replaced changes nothing.
    """
    async with op.atomic():
        changed = await Invitation.filter(email_message_id=message_id).update(
            email_status=EmailStatus.BOUNCED, email_error=reason
        )
        if not changed:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "No invitation's latest email has this Message-ID.",
                "message_id",
            )
        return await Invitation.get(email_message_id=message_id)
