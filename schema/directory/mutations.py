"""Directory mutations: the partner edits its profile; a visitor sends Contact me."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.foundation.ids import decode_id
from models.operation import Operation
from models.rules import directory as rules
from models.rules.leads import ContactRequest, contact_partner
from models.rules.leads_rate_limit import RateLimit
from models.tables.directory import PartnerProfile
from schema.context import Info
from schema.directory.types import (
    ContactPartnerInput,
    ContactPartnerPayload,
    Partner,
    PartnerProfilePayload,
    UpdatePartnerProfileInput,
)
from schema.mutations import perform


@strawberry.type
class DirectoryMutations:
    @strawberry.mutation(
        description="A partner's admin agent edits the partner's directory profile (created on "
        "first save) and publishes or withdraws it."
    )
    async def update_partner_profile(
        self,
        info: Info,
        input: Annotated[
            UpdatePartnerProfileInput, strawberry.argument(description="The changes to make.")
        ],
    ) -> PartnerProfilePayload:
        changes = rules.ProfileChanges(
            description=input.description,
            locations=input.locations,
            industries=input.industries,
            products=input.products,
            organization_sizes=input.organization_sizes,
            languages=input.languages,
            contact_email=input.contact_email,
            contact_phone=input.contact_phone,
            website=input.website,
            published=input.published,
        )
        found, errors = await perform(info, lambda op: rules.update_partner_profile(op, changes))
        return PartnerProfilePayload(partner=Partner.of(found) if found else None, errors=errors)

    @strawberry.mutation(
        description="Contact me: a visitor asks a listed partner to get in touch. Public: no "
        "sign-in. Limited per client address (RATE_LIMITED)."
    )
    async def contact_partner(
        self,
        info: Info,
        input: Annotated[
            ContactPartnerInput, strawberry.argument(description="The Contact me form.")
        ],
    ) -> ContactPartnerPayload:
        context = info.context
        request = ContactRequest(
            partner_id=decode_id("Organization", input.partner_id),
            location=input.location,
            contact_name=input.contact_name,
            email=input.email,
            phone=input.phone,
            organization_name=input.organization_name,
            organization_size=input.organization_size,
            industry=input.industry,
            business_needs=input.business_needs,
        )
        limit = RateLimit(
            redis=context.redis,
            limit=context.settings.contact_rate_limit,
            window=context.settings.contact_rate_window,
            name="contact",
        )
        client = context.request.client.host if context.request.client else "unknown"

        async def action(op: Operation) -> PartnerProfile:
            return await contact_partner(op, request, limit, client)

        found, errors = await perform(info, action, public=True)
        return ContactPartnerPayload(partner=Partner.of(found) if found else None, errors=errors)
