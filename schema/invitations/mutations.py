"""Invitation mutations: thin, each reads its input, calls one rule and shapes the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.operation import Operation
from models.rules import invitations as rules
from models.rules.invitation_request import InvitationRequest
from models.tables import invitations as m
from schema.context import Info
from schema.errors import UserError
from schema.invitations.types import (
    AcceptInvitationInput,
    Invitation,
    InvitationIdInput,
    InvitationPayload,
    InvitationTokenInput,
    SendInvitationInput,
)
from schema.mutations import perform
from schema.relationships.types import Relationship, RelationshipPayload


def _payload(found: m.Invitation | None, errors: list[UserError]) -> InvitationPayload:
    return InvitationPayload(invitation=Invitation.of(found) if found else None, errors=errors)


@strawberry.type
class InvitationMutations:
    @strawberry.mutation(description="A partner invites a customer to a relationship by email.")
    async def send_invitation(
        self,
        info: Info,
        input: Annotated[
            SendInvitationInput,
            strawberry.argument(
                description="Whom to invite, to which relationship type, and on which terms."
            ),
        ],
    ) -> InvitationPayload:
        async def action(op: Operation) -> m.Invitation:
            request = InvitationRequest(
                customer_email=input.customer_email,
                type=input.type,
                customer_id=input.customer,
                roles=[str(role) for role in input.roles] if input.roles is not None else None,
                duration_days=input.duration_days,
                auto_extend=input.auto_extend,
                message=input.message,
                expires_in_days=input.expires_in_days,
                display_name=input.display_name,
                template_id=input.template,
            )
            return await rules.send_invitation(op, request)

        return _payload(*await perform(info, action))

    @strawberry.mutation(
        description="Send a pending invitation again with a new link; the old link stops "
        "working and the open period restarts."
    )
    async def resend_invitation(
        self,
        info: Info,
        input: Annotated[
            InvitationIdInput,
            strawberry.argument(description="The pending invitation to send again."),
        ],
    ) -> InvitationPayload:
        return _payload(
            *await perform(
                info,
                lambda op: rules.resend_invitation(op, input.invitation),
            )
        )

    @strawberry.mutation(description="The partner withdraws a pending invitation.")
    async def cancel_invitation(
        self,
        info: Info,
        input: Annotated[
            InvitationIdInput,
            strawberry.argument(description="The pending invitation to withdraw."),
        ],
    ) -> InvitationPayload:
        return _payload(
            *await perform(
                info,
                lambda op: rules.cancel_invitation(op, input.invitation),
            )
        )

    @strawberry.mutation(description="A customer admin turns an invitation down.")
    async def decline_invitation(
        self,
        info: Info,
        input: Annotated[
            InvitationTokenInput,
            strawberry.argument(description="The token from the invitation's email link."),
        ],
    ) -> InvitationPayload:
        return _payload(*await perform(info, lambda op: rules.decline_invitation(op, input.token)))

    @strawberry.mutation(
        description="A customer admin accepts an invitation together with the Customer "
        'Agreement ("Accept & Authorize"). Invitations that grant admin roles need a Global '
        "or Privileged Role Administrator."
    )
    async def accept_invitation(
        self,
        info: Info,
        input: Annotated[
            AcceptInvitationInput,
            strawberry.argument(
                description="The token from the invitation's email link, and the acceptance "
                "of the Customer Agreement."
            ),
        ],
    ) -> RelationshipPayload:
        found, errors = await perform(
            info, lambda op: rules.accept_invitation(op, input.token, input.accept_agreement)
        )
        return RelationshipPayload(
            relationship=Relationship.of(found) if found else None, errors=errors
        )
