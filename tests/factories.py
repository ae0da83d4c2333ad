"""Small factories: organizations with signed-in people, and the steps of the flow."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from api.auth import issue_token
from models.actors import Actor
from models.enums import OrganizationKind, RelationshipType
from models.operation import Operation
from models.organizations import Organization, User
from models.relationships import Relationship
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import accept_invitation, send_invitation
from models.tokens import Sealer
from tests.graphql import GraphQLClient

_serial = itertools.count(1)


@dataclass
class Person:
    user: User
    token: str

    @property
    def email(self) -> str:
        return self.user.email


async def organization(kind: OrganizationKind, name: str | None = None) -> Organization:
    return await Organization.create(name=name or f"{kind.title()} {next(_serial)}", kind=kind)


async def customer(name: str | None = None) -> Organization:
    return await organization(OrganizationKind.CUSTOMER, name)


async def partner(name: str | None = None) -> Organization:
    return await organization(OrganizationKind.PARTNER, name)


async def person(org: Organization, *roles: str, email: str | None = None) -> Person:
    """A user of `org` holding `roles`, with a live bearer token."""
    n = next(_serial)
    user = await User.create(
        organization=org,
        email=email or f"user{n}@{org.kind.lower()}{n}.test",
        display_name=f"User {n}",
        roles=list(roles),
    )
    return Person(user=user, token=await issue_token(user))


_SEALER = Sealer("factories")
# Roles for the types that take requested roles; the others take none (or their fixed ones).
_REQUESTED_ROLES = {
    RelationshipType.GDAP_PARTNER: ["USER_ADMINISTRATOR"],
    RelationshipType.PARTNER: ["USER_ADMINISTRATOR"],
}


async def related(agent: Person, admin: Person, *types: RelationshipType) -> Relationship:
    """The admin's organization accepts one invitation per type from the agent's partner,
    through the rules (faster than the API, the same code): their relationship."""
    customer_id = admin.user.organization_id  # type: ignore[attr-defined]
    relationship = None
    for type_ in types:
        op = Operation(actor=Actor.of(agent.user, OrganizationKind.PARTNER), sealer=_SEALER)
        await send_invitation(
            op,
            InvitationRequest(
                customer_email="admin@example.com",
                type=type_,
                customer_id=customer_id,
                roles=_REQUESTED_ROLES.get(type_),
                duration_days=30 if type_ is RelationshipType.GDAP_PARTNER else None,
            ),
        )
        token = _SEALER.unseal(op.committed[0].payload["sealed_token"])
        assert token is not None
        op = Operation(actor=Actor.of(admin.user, OrganizationKind.CUSTOMER), sealer=_SEALER)
        relationship = await accept_invitation(op, token, accept_agreement=True)
    assert relationship is not None
    return relationship


SEND = """
mutation Send($input: SendInvitationInput!) {
  sendInvitation(input: $input) {
    invitation { id status emailStatus type roles durationDays autoExtend expiresAt
                 customerEmail message partner { id name } customer { id name } }
    errors { field message code }
  }
}
"""

ACCEPT = """
mutation Accept($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) {
    relationship { id status types roleGrants { role status expiresAt autoExtend type } }
    errors { field message code }
  }
}
"""

REMOVE_ROLES = """
mutation Remove($input: RemoveRolesInput!) {
  removeRoles(input: $input) {
    relationship { id status types roleGrants { role status revokedAt } }
    errors { field message code }
  }
}
"""

END = """
mutation End($input: RelationshipIdInput!) {
  endRelationship(input: $input) {
    relationship { id status endedAt types roleGrants { role status } }
    errors { field message code }
  }
}
"""


async def send(api: GraphQLClient, agent: Person, **fields: Any) -> dict[str, Any]:
    """sendInvitation's payload; fields default to a GDAP invitation for one role."""
    payload = {
        "customerEmail": "admin@customer.example.com",
        "type": "GDAP_PARTNER",
        "roles": ["USER_ADMINISTRATOR"],
        "durationDays": 90,
    } | fields
    data = await api.query(SEND, {"input": payload}, agent.token)
    result: dict[str, Any] = data["sendInvitation"]
    return result


async def accept(
    api: GraphQLClient, admin: Person, token: str, accept_agreement: bool = True
) -> dict[str, Any]:
    data = await api.query(
        ACCEPT, {"input": {"token": token, "acceptAgreement": accept_agreement}}, admin.token
    )
    result: dict[str, Any] = data["acceptInvitation"]
    return result
