"""Listing a partner's invitation templates."""

from __future__ import annotations

import strawberry

from models.policy.bulk_work import visible_templates
from schema.context import Info
from schema.guards import opens_list
from schema.templates.types import InvitationTemplate, templates_of


@strawberry.type
class TemplateQueries:
    @strawberry.field(
        description="The invitation templates of the viewer's partner organization, by name: "
        "for its admin and sales agents; FORBIDDEN for anyone else.",
        extensions=opens_list("invitationTemplates"),
    )
    async def invitation_templates(self, info: Info) -> list[InvitationTemplate]:
        rows = await visible_templates(info.context.actor()).order_by("name", "id")
        return await templates_of(rows)
