"""Configuring single sign-on: thin, it reads its input, calls the rule, shapes the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.infrastructure.oidc import AddressPolicy
from models.rules import single_sign_on as rules
from schema.context import Info
from schema.mutations import perform
from schema.single_sign_on.types import (
    ConfigureSingleSignOnInput,
    SingleSignOnConfiguration,
    SingleSignOnPayload,
)


@strawberry.type
class SingleSignOnMutations:
    @strawberry.mutation(
        description="Configure how the viewer's organization signs in through its own OpenID "
        "Connect provider: a customer's Global Administrator or a partner's admin agent. "
        "Checked (the issuer's discovery, the domains), recorded as "
        "`single_sign_on.configured` without the secret."
    )
    async def configure_single_sign_on(
        self,
        info: Info,
        input: Annotated[
            ConfigureSingleSignOnInput,
            strawberry.argument(description="The provider, its client, domains and switches."),
        ],
    ) -> SingleSignOnPayload:
        settings = info.context.settings
        wanted = rules.SingleSignOnSettings(
            display_name=input.display_name,
            issuer=input.issuer,
            client_id=input.client_id,
            client_secret=input.client_secret,
            domains=list(input.domains),
            required=input.required,
            enabled=input.enabled,
        )
        found, errors = await perform(
            info, lambda op: rules.configure(op, wanted, AddressPolicy.of(settings))
        )
        if found is None:
            return SingleSignOnPayload(single_sign_on=None, errors=errors)
        domains = await rules.domains_of(found)
        return SingleSignOnPayload(
            single_sign_on=SingleSignOnConfiguration.of(found, domains, settings.public_url),
            errors=[],
        )
