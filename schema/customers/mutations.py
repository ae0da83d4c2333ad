"""Acting on a customer's data: by its own admins, or by partner agents on its behalf."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import aobo
from models.tables import tenant as m
from models.tables.organizations import User
from schema.context import Info
from schema.customers.inputs import (
    CreateSupportIncidentInput,
    DomainSubscriptionPayload,
    LicenseInput,
    LicensePayload,
    PurchaseDomainSubscriptionInput,
    ResetUserPasswordInput,
    ResetUserPasswordPayload,
    SupportIncidentPayload,
)
from schema.customers.licensing import Domain, Subscription
from schema.customers.loaders import CustomerDataLoaders
from schema.customers.people import DirectoryUser
from schema.customers.support import SupportIncident
from schema.errors import UserError
from schema.mutations import perform


def _changed(info: Info) -> None:
    """Customer data changed: later fields of the request read it afresh, not from the
    request's loaders (a document may hold several mutations, run one after the other)."""
    info.context.loaders.customer_data = CustomerDataLoaders()


def _license_payload(
    info: Info, found: tuple[m.Subscription, User] | None, errors: list[UserError]
) -> LicensePayload:
    _changed(info)
    if found is None:
        return LicensePayload(subscription=None, user=None, errors=errors)
    subscription, user = found
    return LicensePayload(
        subscription=Subscription.of(subscription),
        user=DirectoryUser.of(user),
        errors=errors,
    )


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(
        description="Give a person of the customer's directory a temporary password on their "
        "account (RESET_PASSWORD; someone holding admin roles needs RESET_ADMIN_PASSWORD): "
        "they change it at their next sign-in (`mustChangePassword`), and their sessions end. "
        "Records who reset it and, under AOBO, for which partner. One's own password is "
        "changed, not reset (INVALID_INPUT)."
    )
    async def reset_user_password(
        self,
        info: Info,
        input: Annotated[
            ResetUserPasswordInput,
            strawberry.argument(description="The customer and the person whose password to reset."),
        ],
    ) -> ResetUserPasswordPayload:
        found, errors = await perform(
            info,
            lambda op: aobo.reset_user_password(
                op,
                input.customer,
                input.user,
            ),
        )
        _changed(info)
        return ResetUserPasswordPayload(
            user=DirectoryUser.of(found.user) if found else None,
            temporary_password=found.temporary_password if found else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="Open a support incident for a customer (OPEN_SUPPORT_INCIDENT). Records "
        "who opened it and, under AOBO, for which partner."
    )
    async def create_support_incident(
        self,
        info: Info,
        input: Annotated[
            CreateSupportIncidentInput,
            strawberry.argument(description="The customer, and what the incident is about."),
        ],
    ) -> SupportIncidentPayload:
        found, errors = await perform(
            info,
            lambda op: aobo.create_support_incident(
                op,
                input.customer,
                input.title,
                input.description,
                input.severity,
            ),
        )
        _changed(info)
        return SupportIncidentPayload(
            support_incident=SupportIncident.of(found) if found else None, errors=errors
        )

    @strawberry.mutation(
        description="Assign one of a subscription's licenses to a directory user "
        "(ASSIGN_LICENSE). Assigning it again changes nothing."
    )
    async def assign_license(
        self,
        info: Info,
        input: Annotated[
            LicenseInput,
            strawberry.argument(
                description="The customer, the subscription and the directory user."
            ),
        ],
    ) -> LicensePayload:
        return _license_payload(
            info,
            *await perform(
                info,
                lambda op: aobo.assign_license(
                    op,
                    input.customer,
                    input.subscription,
                    input.user,
                ),
            ),
        )

    @strawberry.mutation(
        description="Take a subscription's license away from a directory user (ASSIGN_LICENSE)."
    )
    async def unassign_license(
        self,
        info: Info,
        input: Annotated[
            LicenseInput,
            strawberry.argument(
                description="The customer, the subscription and the directory user."
            ),
        ],
    ) -> LicensePayload:
        return _license_payload(
            info,
            *await perform(
                info,
                lambda op: aobo.unassign_license(
                    op,
                    input.customer,
                    input.subscription,
                    input.user,
                ),
            ),
        )

    @strawberry.mutation(
        description="Buy a domain name: only a customer's own admin holding both Domain Name "
        "Administrator and Billing Administrator; never a partner."
    )
    async def purchase_domain_subscription(
        self,
        info: Info,
        input: Annotated[
            PurchaseDomainSubscriptionInput,
            strawberry.argument(description="The domain name to buy, and for how many years."),
        ],
    ) -> DomainSubscriptionPayload:
        found, errors = await perform(
            info,
            lambda op: aobo.purchase_domain_subscription(
                op,
                input.customer,
                input.domain_name,
                input.years,
            ),
        )
        _changed(info)
        if found is None:
            return DomainSubscriptionPayload(domain=None, errors=errors)
        domain = await found.domain
        return DomainSubscriptionPayload(domain=Domain.of(domain), errors=errors)
