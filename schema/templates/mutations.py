"""Managing invitation templates: the partner's admin agents."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import templates as rules
from models.tables import templates as m
from schema.context import Info
from schema.errors import UserError
from schema.inputs import IdInput
from schema.mutations import perform
from schema.templates.types import (
    CreateInvitationTemplateInput,
    InvitationTemplate,
    InvitationTemplatePayload,
    UpdateInvitationTemplateInput,
    templates_of,
)


async def _payload(
    found: m.InvitationTemplate | None, errors: list[UserError]
) -> InvitationTemplatePayload:
    shown = (await templates_of([found]))[0] if found is not None else None
    return InvitationTemplatePayload(invitation_template=shown, errors=errors)


@strawberry.type
class TemplateMutations:
    @strawberry.mutation(
        description="A partner's admin agent saves invitation settings, with the security "
        "groups and roles to assign when a customer accepts."
    )
    async def create_invitation_template(
        self,
        info: Info,
        input: Annotated[
            CreateInvitationTemplateInput,
            strawberry.argument(description="The template's name and settings."),
        ],
    ) -> InvitationTemplatePayload:
        return await _payload(
            *await perform(info, lambda op: rules.create_template(op, input.request()))
        )

    @strawberry.mutation(
        description="Replace a template's settings and assignments; invitations sent from it "
        "keep those they were sent with."
    )
    async def update_invitation_template(
        self,
        info: Info,
        input: Annotated[
            UpdateInvitationTemplateInput,
            strawberry.argument(description="The template, and all of its new settings."),
        ],
    ) -> InvitationTemplatePayload:
        return await _payload(
            *await perform(
                info, lambda op: rules.update_template(op, input.template, input.request())
            )
        )

    @strawberry.mutation(
        description="Delete a template; invitations and bulk operations sent from it keep "
        "their settings."
    )
    async def delete_invitation_template(
        self,
        info: Info,
        input: Annotated[IdInput, strawberry.argument(description="The template to delete.")],
    ) -> InvitationTemplatePayload:
        found, errors = await perform(
            info,
            lambda op: rules.delete_template(op, input.uuid_of("InvitationTemplate")),
        )
        shown = InvitationTemplate.of(found, []) if found is not None else None
        return InvitationTemplatePayload(invitation_template=shown, errors=errors)
