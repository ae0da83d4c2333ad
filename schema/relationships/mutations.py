"""Relationship mutations: remove roles, end the relationship, accept the agreement."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.rules import agreements, grants
from models.rules.delegated_admin_ending import end_delegated_admin_relationship
from models.tables import relationships as m
from schema.context import Info
from schema.errors import UserError
from schema.inputs import IdInput
from schema.mutations import perform
from schema.relationships.types import (
    AcceptAgreementInput,
    Agreement,
    AgreementPayload,
    DelegatedAdminRelationship,
    DelegatedAdminRelationshipPayload,
    Relationship,
    RelationshipIdInput,
    RelationshipPayload,
    RemoveRolesInput,
)


def _payload(found: m.Relationship | None, errors: list[UserError]) -> RelationshipPayload:
    return RelationshipPayload(
        relationship=Relationship.of(found) if found else None, errors=errors
    )


@strawberry.type
class RelationshipMutations:
    @strawberry.mutation(
        description="A customer admin removes all of a partner's admin roles, or chosen ones. "
        "Access through them ends when this returns; a worker finishes the rest."
    )
    async def remove_roles(
        self,
        info: Info,
        input: Annotated[
            RemoveRolesInput,
            strawberry.argument(
                description="The relationship, and the roles to remove (all when omitted)."
            ),
        ],
    ) -> RelationshipPayload:
        roles = [str(role) for role in input.roles] if input.roles is not None else None
        return _payload(
            *await perform(
                info,
                lambda op: grants.remove_roles(
                    op,
                    input.relationship,
                    roles,
                    input.delegated_admin_relationship,
                    list(input.types) if input.types is not None else None,
                ),
            )
        )

    @strawberry.mutation(
        description="The partner ends the relationship; every role it held is revoked."
    )
    async def end_relationship(
        self,
        info: Info,
        input: Annotated[
            RelationshipIdInput, strawberry.argument(description="The relationship to end.")
        ],
    ) -> RelationshipPayload:
        return _payload(
            *await perform(
                info,
                lambda op: grants.end_relationship(op, input.relationship),
            )
        )

    @strawberry.mutation(
        description="End one delegated admin relationship (GDAP), leaving the others and the "
        "relationship's other types: the customer's Global or Privileged Role Administrator, "
        "or the partner's admin agents. Access through its roles ends when this returns "
        "(unless another one grants the same role); a worker finishes the rest."
    )
    async def end_delegated_admin_relationship(
        self,
        info: Info,
        input: Annotated[
            IdInput,
            strawberry.argument(description="The delegated admin relationship to end."),
        ],
    ) -> DelegatedAdminRelationshipPayload:
        found, errors = await perform(
            info,
            lambda op: end_delegated_admin_relationship(
                op, input.uuid_of("DelegatedAdminRelationship")
            ),
        )
        return DelegatedAdminRelationshipPayload(
            delegated_admin_relationship=DelegatedAdminRelationship.of(found) if found else None,
            errors=errors,
        )

    @strawberry.mutation(
        description="A customer admin accepts the current Customer Agreement on its own."
    )
    async def accept_agreement(
        self,
        info: Info,
        input: Annotated[
            AcceptAgreementInput,
            strawberry.argument(description="The acceptance of the current Customer Agreement."),
        ],
    ) -> AgreementPayload:
        found, errors = await perform(
            info, lambda op: agreements.accept_agreement(op, input.accept_agreement)
        )
        return AgreementPayload(agreement=Agreement.of(found) if found else None, errors=errors)
