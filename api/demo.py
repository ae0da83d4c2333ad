"""Demo data for `partnerhub dev`: seeded once, on an empty database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from models.foundation.clock import utcnow
from models.identity.actors import Actor
from models.identity.passwords import PASSWORDS
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.catalog import CURRENT_AGREEMENT_VERSION, AdminRole
from models.reference.enums import OrganizationKind, PartnerRole, RelationshipType, UserStatus
from models.reference.tenant_enums import IncidentSeverity, InvoiceStatus
from models.rules.directory import ProfileChanges, update_partner_profile
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import send_invitation
from models.rules.lifecycle import next_notice
from models.rules.mfa import install_authenticator
from models.tables.access import AccessAssignment, SecurityGroup, SecurityGroupMember
from models.tables.leads import Lead
from models.tables.organizations import Organization, User
from models.tables.outbox import OutboxMessage
from models.tables.relationships import (
    AgreementAcceptance,
    Relationship,
    RelationshipTypeRecord,
    RoleGrant,
    active_key,
)
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


@dataclass(frozen=True, slots=True)
class DemoUser:
    organization: str
    kind: OrganizationKind
    email: str
    name: str
    roles: tuple[str, ...]


DEMO_USERS = (
    DemoUser(
        "Contoso",
        OrganizationKind.CUSTOMER,
        "admin@contoso.com",
        "Alex Wilber",
        (AdminRole.GLOBAL_ADMINISTRATOR,),
    ),
    DemoUser(
        "Contoso",
        OrganizationKind.CUSTOMER,
        "billing@contoso.com",
        "Megan Bowen",
        (AdminRole.BILLING_ADMINISTRATOR,),
    ),
    DemoUser(
        "Fabrikam",
        OrganizationKind.PARTNER,
        "agent@fabrikam.com",
        "Adele Vance",
        (PartnerRole.ADMIN_AGENT,),
    ),
    DemoUser(
        "Fabrikam",
        OrganizationKind.PARTNER,
        "sales@fabrikam.com",
        "Lee Gu",
        (PartnerRole.SALES_AGENT,),
    ),
    DemoUser(
        "Northwind Traders",
        OrganizationKind.PARTNER,
        "agent@northwind.com",
        "Diego Siciliani",
        (PartnerRole.ADMIN_AGENT,),
    ),
)


async def seed(sealer: Sealer) -> list[OutboxMessage] | None:
    """On an empty database: the demo organizations, their people, Contoso's tenant data, an
    earlier GDAP relationship whose helpdesk roles Fabrikam assigned to a security group, a
    pending GDAP invitation from Fabrikam to Contoso, both partners' directory profiles and a
    lead. Returns the outbox messages to dispatch, or None when the database already has
    data."""
    if await Organization.exists():
        return None
    organizations: dict[str, Organization] = {}
    users: dict[str, User] = {}
    for demo in DEMO_USERS:
        if demo.organization not in organizations:
            organizations[demo.organization] = await Organization.create(
                name=demo.organization, kind=demo.kind
            )
        users[demo.email] = await User.create(
            organization=organizations[demo.organization],
            email=demo.email,
            display_name=demo.name,
            roles=list(demo.roles),
        )
    await _seed_tenant(
        organizations["Contoso"],
        [u for u in users.values() if u.organization_id == organizations["Contoso"].id],
    )
    await _seed_access(organizations, users)
    op = Operation(
        actor=Actor.of(users["agent@fabrikam.com"], OrganizationKind.PARTNER), sealer=sealer
    )
    await send_invitation(
        op,
        InvitationRequest(
            customer_email="admin@contoso.com",
            type=RelationshipType.GDAP_PARTNER,
            customer_id=organizations["Contoso"].id,
            roles=[AdminRole.USER_ADMINISTRATOR, AdminRole.HELPDESK_ADMINISTRATOR],
            duration_days=180,
            message="Hi Alex, this lets our helpdesk reset passwords and manage users for you.",
        ),
    )
    await _seed_directory(op, users, organizations)
    return op.committed


# ------------------------------------------------------------ customer data and access


# Contoso's people without admin roles, beside its admins of DEMO_USERS: its directory is
# all of them. Invited, with no password until one is reset for them or they choose one.
CONTOSO_STAFF = (
    ("Isaiah Langer", "isaiahl@contoso.com"),
    ("Johanna Lorenz", "johannal@contoso.com"),
    ("Lynne Robbins", "lynner@contoso.com"),
)


async def _seed_tenant(contoso: Organization, admins: list[User]) -> None:
    """Contoso's own data: its other people, a subscription with licenses for everyone,
    billing, support, devices."""
    users = [
        *admins,
        *[
            await User.create(organization=contoso, display_name=name, email=email, roles=[])
            for name, email in CONTOSO_STAFF
        ],
    ]
    office = await Subscription.create(
        customer=contoso,
        offer_name="Microsoft 365 Business Standard",
        sku="O365_BUSINESS",
        quantity=10,
    )
    for user in users:
        await LicenseAssignment.create(customer=contoso, subscription=office, user=user)
    await Purchase.create(
        customer=contoso,
        product_name="Microsoft 365 Business Standard",
        quantity=10,
        amount=Decimal("1500.00"),
        purchased_at=utcnow() - timedelta(days=60),
        subscription=office,
    )
    await BillingNotification.create(
        customer=contoso,
        subject="Your subscription renews soon",
        body="Microsoft 365 Business Standard renews in 30 days.",
    )
    await Invoice.create(
        customer=contoso,
        number="G012345678",
        amount=Decimal("125.00"),
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        status=InvoiceStatus.PAID,
    )
    await SupportIncident.create(
        customer=contoso,
        title="Mail delayed",
        description="Messages to external recipients arrive an hour late.",
        severity=IncidentSeverity.MODERATE,
    )
    await Device.create(
        customer=contoso,
        serial_number="PF3XK2A1",
        hardware_hash="T0FFAB12...",
        model="Surface Laptop 6",
    )
    await LobApp.create(
        customer=contoso,
        name="Contoso Expenses",
        version="2.4.1",
        package_url="https://apps.contoso.com/expenses-2.4.1.msix",
    )
    await Domain.create(customer=contoso, name="contoso.com", verified=True)


async def _seed_access(organizations: dict[str, Organization], users: dict[str, User]) -> None:
    """Contoso granted Fabrikam helpdesk and license roles (GDAP, a year) some time ago, and
    Fabrikam's admin agent assigned them to its "Helpdesk tier 1" group, of which it is a
    member. The rows are written as acceptance would have left them, without its emails."""
    now = utcnow()
    fabrikam, contoso = organizations["Fabrikam"], organizations["Contoso"]
    admin, agent = users["admin@contoso.com"], users["agent@fabrikam.com"]
    relationship = await Relationship.create(
        customer=contoso, partner=fabrikam, active_key=active_key(contoso.id, fabrikam.id)
    )
    await RelationshipTypeRecord.create(
        relationship=relationship, type=RelationshipType.GDAP_PARTNER, added_at=now
    )
    await AgreementAcceptance.create(
        customer=contoso, version=CURRENT_AGREEMENT_VERSION, accepted_by=admin, accepted_at=now
    )
    group = await SecurityGroup.create(partner=fabrikam, name="Helpdesk tier 1", created_by=agent)
    await SecurityGroupMember.create(group=group, user=agent)
    for role in (AdminRole.HELPDESK_ADMINISTRATOR, AdminRole.LICENSE_ADMINISTRATOR):
        grant = RoleGrant(
            relationship=relationship,
            role=role,
            type=RelationshipType.GDAP_PARTNER,
            granted_at=now,
            expires_at=now + timedelta(days=365),
        )
        grant.next_notice_at = next_notice(grant, now)
        await grant.save()
        await AccessAssignment.create(
            group=group, relationship=relationship, role=role, assigned_by=agent
        )


# The demo partners' directory profiles, published.
DEMO_PROFILES = {
    "agent@fabrikam.com": ProfileChanges(
        description="Fabrikam secures and runs cloud workplaces for hospitals, clinics and "
        "retailers: identity, devices, email and 24/7 support.",
        locations=["US", "CA", "GB"],
        industries=["HEALTHCARE", "RETAIL"],
        products=["SECURITY", "IDENTITY", "DEVICES", "MANAGED_SERVICES"],
        organization_sizes=["SIZE_50_249", "SIZE_250_999", "SIZE_1000_9999"],
        languages=["en", "fr"],
        contact_email="partners@fabrikam.com",
        contact_phone="+1 425 555 0100",
        website="https://www.fabrikam.com",
        published=True,
    ),
    "agent@northwind.com": ProfileChanges(
        description="Northwind Traders moves small businesses to the cloud: email, files, "
        "meetings and accounting, with training for every employee.",
        locations=["US", "DE", "NL"],
        industries=["MANUFACTURING", "TRANSPORTATION", "PROFESSIONAL_SERVICES"],
        products=["MIGRATION", "EMAIL", "COLLABORATION", "TRAINING"],
        organization_sizes=["SIZE_1_9", "SIZE_10_49", "SIZE_50_249"],
        languages=["en", "de", "nl"],
        contact_email="hello@northwind.com",
        website="https://www.northwind.com",
        published=True,
    ),
}


async def _seed_directory(
    op: Operation, users: dict[str, User], organizations: dict[str, Organization]
) -> None:
    """Both partners' profiles, published, and a lead for Fabrikam."""
    for email, changes in DEMO_PROFILES.items():
        admin = Operation(actor=Actor.of(users[email], OrganizationKind.PARTNER), sealer=op.sealer)
        await update_partner_profile(admin, changes)
    # A lead that came in earlier: stored as Contact me stores it, its email long sent.
    await Lead.create(
        partner=organizations["Fabrikam"],
        location="US",
        contact_name="Kayla Lewis",
        email="kayla@tailspintoys.com",
        phone="+1 206 555 0142",
        organization_name="Tailspin Toys",
        organization_size="SIZE_50_249",
        industry="RETAIL",
        business_needs="Our 12 stores need shared email and secured laptops before the "
        "holiday season.",
    )


def development_password() -> str:
    """A fresh password for the demo people, made at each start of `partnerhub dev`: random, so
    that a demo left listening on a network never opens with a password anyone knows."""
    return f"demo-{secrets.token_urlsafe(9)}"


async def set_development_authenticator(secret: str, sealer: Sealer) -> None:
    """Give every demo person that exists an authenticator with `secret` (for `partnerhub dev`
    in development only, which prints it), so that they sign in as their roles require: with
    the development password and a code."""
    now = utcnow()
    for demo in DEMO_USERS:
        user = await User.get_or_none(email=demo.email)
        if user is not None:
            await install_authenticator(user.id, secret, sealer, now)


async def set_development_password(password: str) -> list[DemoUser]:
    """Give every demo person that exists `password`, as if they had set it themselves (for
    `partnerhub dev` in development only); the demo people it was set for."""
    password_hash = await PASSWORDS.hash(password)
    found = []
    for demo in DEMO_USERS:
        updated = await User.filter(email=demo.email).update(
            password_hash=password_hash,
            password_changed_at=utcnow(),
            must_change_password=False,
            status=UserStatus.ACTIVE,
        )
        if updated:
            found.append(demo)
    return found
