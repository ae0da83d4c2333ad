"""Reading single sign-on: its configuration (its administrators), and whether an address's
domain signs in through one (anyone, before signing in)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import single_sign_on as rules
from schema.context import Info
from schema.guards import allowed
from schema.single_sign_on.types import SingleSignOnConfiguration, SingleSignOnProvider


@strawberry.type
class SingleSignOnQueries:
    @strawberry.field(
        description="The viewer's organization's single sign-on (null when none is "
        "configured), without its client secret: for a customer's Global Administrators and a "
        "partner's admin agents; FORBIDDEN for anyone else."
    )
    async def single_sign_on(self, info: Info) -> SingleSignOnConfiguration | None:
        context = info.context
        found = await allowed(rules.configuration(context.operation()))
        if found is None:
            return None
        domains = await rules.domains_of(found)
        return SingleSignOnConfiguration.of(found, domains, context.settings.public_url)

    @strawberry.field(
        description="Whether people at this address's domain may sign in through their "
        "organization's identity provider, and its name: null when not (or when it is turned "
        "off). Public; it says nothing of whether the address has an account."
    )
    async def single_sign_on_provider(
        self,
        info: Info,
        email: Annotated[
            str, strawberry.argument(description="The email address the person typed.")
        ],
    ) -> SingleSignOnProvider | None:
        info.context.optional_actor()  # a bad bearer token is still UNAUTHENTICATED
        found = await rules.option_for(email)
        if found is None:
            return None
        base = info.context.settings.public_url.rstrip("/")
        return SingleSignOnProvider(
            display_name=found.display_name, start_url=base + rules.start_url_for(email)
        )
