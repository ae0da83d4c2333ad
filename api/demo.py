"""Demo data for `partnerhub dev`: seeded once, on an empty database."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth import issue_token
from models.actors import Actor
from models.catalog import AdminRole
from models.enums import OrganizationKind, PartnerRole, RelationshipType
from models.leads import Lead
from models.operation import Operation
from models.organizations import Organization, User
from models.outbox import OutboxMessage
from models.rules.directory import ProfileChanges, update_partner_profile
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import send_invitation
from models.tokens import Sealer


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
    """On an empty database: the demo organizations, their people, a pending GDAP
    invitation from Fabrikam to Contoso, both partners' directory profiles and a lead.
    Returns the outbox messages to dispatch, or None when the database already has data."""
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


async def sign_in_tokens() -> list[tuple[DemoUser, str]]:
    """A fresh bearer token for each demo user that exists (tokens are shown only once)."""
    tokens = []
    for demo in DEMO_USERS:
        user = await User.get_or_none(email=demo.email)
        if user is not None:
            tokens.append((demo, await issue_token(user)))
    return tokens
