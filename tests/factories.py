"""Small factories: organizations with signed-in people, and the steps of the flow."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import InvitationQuotas, Quota
from models.identity.actors import Actor
from models.identity.api_tokens import issue_token
from models.identity.passwords import PASSWORDS
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import (
    OrganizationKind,
    PartnerRole,
    RelationshipType,
    RoleGrantStatus,
    UserStatus,
)
from models.reference.tenant_enums import IncidentSeverity
from models.rules.directory import ProfileChanges, update_partner_profile
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import accept_invitation, send_invitation
from models.tables.access import AccessAssignment, SecurityGroup, SecurityGroupMember
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.organizations import Organization, User
from models.tables.relationships import Relationship
from models.tables.tenant import (
    BillingNotification,
    Device,
    Domain,
    Invoice,
    LicenseAssignment,
    LobApp,
    Purchase,
    Subscription,
    SupportIncident,
)
from tests.graphql import GraphQLClient

_serial = itertools.count(1)


@dataclass
class Person:
    user: User
    token: str
    # The seed of the authenticator app the test plays for them, once they have one
    # (`tests/authenticator.py`).
    totp_secret: str | None = None

    @property
    def email(self) -> str:
        return self.user.email


# A password that the rules accept, for the people tests sign in as.
PASSWORD = "blue kettle harbor 42"


async def with_password(person: Person, password: str = PASSWORD) -> Person:
    """The person, able to sign in with `password` (ACTIVE, as after a set-password link)."""
    person.user.password_hash = await PASSWORDS.hash(password)
    person.user.status = UserStatus.ACTIVE
    await person.user.save(update_fields=["password_hash", "status"])
    return person


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
    return Person(user=user, token=await issue_token(user, name="Test script"))


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


# ------------------------------------------------------------ relationships and tenant data
# Built through the domain rules directly (faster than the API, the same code).

_SEALER = Sealer("factories")
# Data built for a test is no one's sending spree: the invitation quotas of the rules that
# build it are out of the way (tests/test_invitation_quotas.py checks the quotas themselves).
SEEDING = InvitationQuotas(
    agent=Quota(1_000_000, 3600), partner=Quota(1_000_000, 3600), recipient=Quota(1_000_000, 3600)
)


async def granted(
    agent: Person,
    admin: Person,
    roles: list[str],
    type_: RelationshipType = RelationshipType.GDAP_PARTNER,
    duration_days: int | None = 90,
) -> Relationship:
    """The admin's organization accepts an invitation from the agent's partner granting
    `roles` (a GDAP invitation by default): the relationship."""
    customer_id = admin.user.organization_id
    op = Operation(
        actor=Actor.of(agent.user, OrganizationKind.PARTNER), sealer=_SEALER, quotas=SEEDING
    )
    await send_invitation(
        op,
        InvitationRequest(
            customer_email="admin@example.com",
            type=type_,
            customer_id=customer_id,
            roles=roles or None,
            duration_days=duration_days if type_ is RelationshipType.GDAP_PARTNER else None,
        ),
    )
    email = next(m for m in op.committed if "sealed_token" in m.payload)
    token = _SEALER.unseal(email.payload["sealed_token"])
    assert token is not None
    accept = Operation(actor=Actor.of(admin.user, OrganizationKind.CUSTOMER), sealer=_SEALER)
    return await accept_invitation(accept, token, accept_agreement=True)


# Roles for the types that take requested roles; the others take none (or their fixed ones).
_REQUESTED_ROLES = {
    RelationshipType.GDAP_PARTNER: ["USER_ADMINISTRATOR"],
    RelationshipType.PARTNER: ["USER_ADMINISTRATOR"],
}


async def related(agent: Person, admin: Person, *types: RelationshipType) -> Relationship:
    """The admin's organization accepts one invitation per type from the agent's partner:
    their relationship, holding every type."""
    relationship = None
    for type_ in types:
        relationship = await granted(agent, admin, _REQUESTED_ROLES.get(type_, []), type_)
    assert relationship is not None
    return relationship


async def group(agent: Person, name: str, *members: Person) -> SecurityGroup:
    """A security group of the agent's partner, with `members`."""
    found = await SecurityGroup.create(
        partner_id=agent.user.organization_id,
        name=name,
        created_by=agent.user,
    )
    for member in members:
        await SecurityGroupMember.create(group=found, user=member.user)
    return found


async def assign(
    group: SecurityGroup,
    relationship: Relationship,
    *roles: str,
    dar: DelegatedAdminRelationship | None = None,
) -> None:
    """Assign the roles to the group in `dar`, or else in the newest delegated admin
    relationship whose active grant gives each (the relationship itself for a role of
    another type), as `assignRoleToGroup` picks when it is named none."""
    for role in roles:
        in_dar = dar
        if in_dar is None:
            in_dar = (
                await DelegatedAdminRelationship.filter(
                    relationship_id=relationship.id,
                    status="ACTIVE",
                    grants__role=role,
                    grants__status=RoleGrantStatus.ACTIVE,
                )
                .order_by("-starts_at", "-created_at")
                .first()
            )
        await AccessAssignment.create(
            group=group, relationship=relationship, role=role, delegated_admin_relationship=in_dar
        )


@dataclass
class Tenant:
    """One of each kind of a customer's data."""

    user: User  # a person of the customer's directory without admin roles
    admin_user: User  # one holding an admin role (Helpdesk Administrator)
    subscription: Subscription
    license: LicenseAssignment
    purchase: Purchase
    notification: BillingNotification
    invoice: Invoice
    incident: SupportIncident
    device: Device
    app: LobApp
    domain: Domain


async def tenant(customer: Organization, label: str = "") -> Tenant:
    """The customer's tenant data, one row of each kind; `label` marks every text."""
    mark = label or customer.name.lower().replace(" ", "")
    n = next(_serial)
    user = await User.create(
        organization=customer, display_name=f"Ann {mark}", email=f"ann{n}@{mark}.test"
    )
    admin_user = await User.create(
        organization=customer,
        display_name=f"Ada {mark}",
        email=f"ada{n}@{mark}.test",
        roles=[AdminRole.HELPDESK_ADMINISTRATOR],
    )
    subscription = await Subscription.create(
        customer=customer, offer_name=f"Office {mark}", sku=f"O365-{mark}", quantity=5
    )
    return Tenant(
        user=user,
        admin_user=admin_user,
        subscription=subscription,
        license=await LicenseAssignment.create(
            customer=customer, subscription=subscription, user=user
        ),
        purchase=await Purchase.create(
            customer=customer,
            product_name=f"Office {mark}",
            amount=Decimal("120.00"),
            purchased_at=utcnow(),
        ),
        notification=await BillingNotification.create(
            customer=customer, subject=f"Renewal {mark}", body=f"Renews soon {mark}"
        ),
        invoice=await Invoice.create(
            customer=customer,
            number=f"INV-{mark}-{n}",
            amount=Decimal("120.00"),
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
        ),
        incident=await SupportIncident.create(
            customer=customer,
            title=f"Mail down {mark}",
            description=f"Nobody gets mail {mark}",
            severity=IncidentSeverity.HIGH,
        ),
        device=await Device.create(
            customer=customer,
            serial_number=f"SN-{mark}-{n}",
            hardware_hash=f"HASH-{mark}",
            model=f"Surface {mark}",
        ),
        app=await LobApp.create(
            customer=customer,
            name=f"App {mark}",
            version="1.0",
            package_url=f"https://apps.{mark}.test/app.msix",
        ),
        domain=await Domain.create(customer=customer, name=f"{mark}{n}.test", verified=True),
    )


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
    """The directory's ID of a partner organization: its organization's ID."""
    return str(encode_id("Organization", org.id))


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
