"""Lead mutations: thin, each reads its input, calls one rule and shapes the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.foundation.ids import require_id
from models.operation import Operation
from models.rules import leads as rules
from models.rules.invitation_request import InvitationRequest
from models.tables import leads as m
from schema.context import Info
from schema.errors import UserError
from schema.leads.types import Lead, LeadPayload, SendInvitationFromLeadInput, UpdateLeadStatusInput
from schema.mutations import perform


def _payload(found: m.Lead | None, errors: list[UserError]) -> LeadPayload:
    return LeadPayload(lead=Lead.of(found) if found else None, errors=errors)


@strawberry.type
class LeadMutations:
    @strawberry.mutation(
        description="A partner's admin or sales agent moves a lead to another status."
    )
    async def update_lead_status(
        self,
        info: Info,
        input: Annotated[
            UpdateLeadStatusInput, strawberry.argument(description="The lead and its new status.")
        ],
    ) -> LeadPayload:
        return _payload(
            *await perform(
                info,
                lambda op: rules.update_lead_status(
                    op, require_id("Lead", input.id, "id"), input.status
                ),
            )
        )

    @strawberry.mutation(
        description="A partner's admin or sales agent invites a lead's contact to a "
        "relationship; the lead becomes INVITED and links to the invitation."
    )
    async def send_invitation_from_lead(
        self,
        info: Info,
        input: Annotated[
            SendInvitationFromLeadInput,
            strawberry.argument(description="The lead, and the terms of the invitation."),
        ],
    ) -> LeadPayload:
        async def action(op: Operation) -> m.Lead:
            request = InvitationRequest(
                customer_email=input.customer_email or "",
                type=input.type,
                roles=[str(role) for role in input.roles] if input.roles is not None else None,
                duration_days=input.duration_days,
                auto_extend=input.auto_extend,
                message=input.message,
                expires_in_days=input.expires_in_days,
            )
            lead, _ = await rules.send_invitation_from_lead(
                op, require_id("Lead", input.lead_id, "leadId"), request
            )
            return lead

        return _payload(*await perform(info, action))
