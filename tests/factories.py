"""Small factories: organizations with signed-in people, and the steps of the flow."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from api.auth import issue_token
from models.enums import OrganizationKind
from models.organizations import Organization, User
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
