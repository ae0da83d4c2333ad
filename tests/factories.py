"""Small factories: organizations with signed-in people, and the steps of the flow."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from api.auth import issue_token
from models.actors import Actor
from models.enums import OrganizationKind, PartnerRole
from models.operation import Operation
from models.organizations import Organization, User
from models.rules.directory import ProfileChanges, update_partner_profile
from models.tokens import Sealer
from schema.ids import encode_id
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


# --- The partner directory and its leads ------------------------------------------------

CONTACT = """
mutation Contact($input: ContactPartnerInput!) {
  contactPartner(input: $input) { partner { id name } errors { field message code } }
}
"""


async def listed_partner(
    name: str, *, published: bool = True, **fields: Any
) -> tuple[Organization, Person]:
    """A partner with an admin agent and a directory profile saved through the rule."""
    org = await partner(name)
    admin = await person(org, PartnerRole.ADMIN_AGENT)
    changes = {
        "description": f"{name} helps organizations move to the cloud.",
        "locations": ["US"],
        "industries": ["HEALTHCARE"],
        "products": ["SECURITY"],
        "organization_sizes": ["SIZE_10_49"],
        "languages": ["en"],
        "contact_email": f"hello@{name.lower().replace(' ', '')}.example.com",
    } | fields
    op = Operation(actor=Actor.of(admin.user, OrganizationKind.PARTNER), sealer=Sealer("tests"))
    await update_partner_profile(op, ProfileChanges(published=published, **changes))
    return org, admin


def partner_id(org: Organization) -> str:
    """The directory's ID of a partner organization."""
    return str(encode_id("Partner", org.id))


def contact_form(org: Organization, **fields: Any) -> dict[str, Any]:
    """A valid Contact me input for `org`, with `fields` changed."""
    return {
        "partnerId": partner_id(org),
        "contactName": "Dana Visitor",
        "email": "dana@tailspin.example.com",
        "phone": "+1 425 555 0100",
        "location": "US",
        "organizationName": "Tailspin Toys",
        "organizationSize": "SIZE_50_249",
        "industry": "RETAIL",
        "businessNeeds": "We want to move our email to the cloud.",
    } | fields


async def contact(api: GraphQLClient, org: Organization, **fields: Any) -> dict[str, Any]:
    """contactPartner's payload, sent by a visitor (no token)."""
    data = await api.query(CONTACT, {"input": contact_form(org, **fields)})
    result: dict[str, Any] = data["contactPartner"]
    return result
