"""A whole world of one partner and one customer, for the security suites: every kind of
principal, and at least one row of every kind of object the API shows, built with the
factories (and the rules behind them).

`tests/test_isolation_matrix.py` builds two and asks one's principals for the other's
objects; `tests/test_fuzz.py` builds one and fuzzes the API as each of its principals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from tortoise import Tortoise
from tortoise.models import Model

from models.foundation.budget import Budget
from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.identity.actors import Actor
from models.identity.api_clients import new_access_token
from models.identity.sessions import Device, SessionTimeouts, open_session
from models.infrastructure.tokens import Sealer, hash_token
from models.operation import Operation
from models.reference.api_scopes import ApiScope
from models.reference.catalog import AdminRole
from models.reference.enums import (
    DelegatedAdminRelationshipStatus,
    OrganizationKind,
    PartnerRole,
    RelationshipType,
)
from models.rules.api_client_tokens import issue_access_token
from models.rules.api_clients import create_api_client
from models.rules.bulk_access import start_bulk_access
from models.rules.bulk_endings import start_bulk_ending
from models.rules.bulk_operations import BulkCustomer, run_round, start_bulk_send
from models.rules.invitation_request import InvitationRequest
from models.rules.invitations import send_invitation
from models.rules.leads import ContactRequest, contact_partner
from models.rules.leads_rate_limit import RateLimit
from models.rules.templates import GroupRoles, TemplateRequest, create_template
from models.tables.access import SecurityGroup, SecurityGroupMember
from models.tables.api_clients import ApiClient
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.organizations import Organization
from models.tables.outbound_webhooks import WebhookEndpoint
from models.tables.scim import ScimToken
from models.tables.sign_in import UserSession
from models.tables.single_sign_on import SingleSignOn, SingleSignOnDomain
from tests import factories as f

_SEALER = Sealer("worlds")
EVERY_TYPE = (
    RelationshipType.GDAP_PARTNER,
    RelationshipType.RESELLER,
    RelationshipType.MPSA_PARTNER,
    RelationshipType.OEM,
    RelationshipType.LOB_PARTNER,
)
ROLES = ("USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR", "LICENSE_ADMINISTRATOR")
# Rows a partner made for its customer, so that every nested partner field has a value.
PARTNER_COLUMNS = (
    ("user", "password_reset_by_partner_id"),
    ("subscription", "sold_by_id"),
    ("license", "assigned_by_partner_id"),
    ("purchase", "partner_id"),
    ("incident", "opened_by_partner_id"),
    ("device", "registered_by_partner_id"),
    ("app", "submitted_by_partner_id"),
)


@dataclass
class World:
    """A partner serving a customer, with their people and data. `label` marks every text
    of the world, so that it can be looked for in an answer."""

    label: str
    partner: Organization
    customer: Organization
    partner_admin: f.Person
    sales_agent: f.Person
    helpdesk_agent: f.Person
    customer_admin: f.Person
    pending_token: str = ""  # the link's token of the pending invitation to the customer
    # The partner's API client (every scope) with a live access token, as a principal: the
    # person is the admin agent who registered it; only the token is used to ask.
    portal_client: f.Person | None = None
    ids: set[UUID] = field(default_factory=set)

    @property
    def principals(self) -> dict[str, f.Person]:
        """Every kind of signed-in principal, by a name for messages."""
        found = {
            "customer admin": self.customer_admin,
            "partner admin agent": self.partner_admin,
            "partner sales agent": self.sales_agent,
            "partner helpdesk agent": self.helpdesk_agent,
        }
        if self.portal_client is not None:
            found["partner API client"] = self.portal_client
        return found


async def world(label: str) -> World:
    """Build a world; its texts all hold `label` (one word, unlikely elsewhere)."""
    partner, admin = await f.listed_partner(f"{label} Partners")
    customer = await f.customer(f"{label} Customers")
    found = World(
        label=label,
        partner=partner,
        customer=customer,
        partner_admin=admin,
        sales_agent=await f.person(
            partner, PartnerRole.SALES_AGENT, email=f"sales@{label}-p.example.com"
        ),
        helpdesk_agent=await f.person(
            partner, PartnerRole.HELPDESK_AGENT, email=f"help@{label}-p.example.com"
        ),
        customer_admin=await f.person(
            customer, "GLOBAL_ADMINISTRATOR", email=f"ga@{label}-c.example.com"
        ),
    )
    # Endpoints first, so that what follows is delivered to them (deliveries, events)
    for org in (partner, customer):
        await WebhookEndpoint.create(
            organization=org,
            url=f"https://8.8.8.8/{label}",
            description=f"{label} hooks",
            event_types=["invitation.sent", "invitation.accepted", "roles.granted"],
            sealed_secret=_SEALER.seal("whsec_" + "A" * 32),
        )
    # Single sign-on for each, through a provider of its own, for its people's domain
    for org, side in ((partner, "p"), (customer, "c")):
        sso = await SingleSignOn.create(
            organization=org,
            display_name=f"{label} Sign-in",
            issuer=f"https://idp.{label}-{side}.example.com",
            client_id=f"{label}-{side}-client",
            sealed_client_secret=_SEALER.seal(f"{label} client secret"),
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        domain = f"{label}-{side}.example.com".lower()  # as the rules keep domains
        await SingleSignOnDomain.create(single_sign_on=sso, domain=domain)
    relationship = await f.related(admin, found.customer_admin, *EVERY_TYPE)
    await f.granted(admin, found.customer_admin, list(ROLES))
    group = await f.group(admin, f"{label} helpdesk", found.helpdesk_agent, found.sales_agent)
    await f.assign(group, relationship, *ROLES)
    data = await f.tenant(customer, label)
    # The customer's identity provider's SCIM token, and a group of its directory
    await ScimToken.create(
        organization=customer, name=f"{label} provisioning", token_hash=hash_token(label + "-scim")
    )
    directory_group = await SecurityGroup.create(partner=customer, name=f"{label} directory")
    await SecurityGroupMember.create(group=directory_group, user_id=found.customer_admin.user.id)
    for name, column in PARTNER_COLUMNS:
        row: Model = getattr(data, name)
        await type(row).filter(id=row.pk).update(**{column: partner.id})
    # A pending invitation addressed to the customer, and a lead from a visitor
    op = Operation(
        actor=Actor.of(admin.user, OrganizationKind.PARTNER), sealer=_SEALER, quotas=f.SEEDING
    )
    await send_invitation(
        op,
        InvitationRequest(
            customer_email=f"it@{label}-c.example.com",
            type=RelationshipType.ADVISOR,
            customer_id=customer.id,
            message=f"Hello from {label}",
        ),
    )
    # A browser session of the partner's admin, so that its sessions are there to reach for
    await open_session(
        admin.user.id,
        SessionTimeouts(idle=timedelta(hours=8), absolute=timedelta(days=7)),
        utcnow(),
        Device(user_agent=f"Browser {label}"),
    )
    # A template assigning the group a role, and a bulk send of it, done
    template = await create_template(
        op,
        TemplateRequest(
            name=f"{label} template",
            type=RelationshipType.GDAP_PARTNER,
            roles=[ROLES[0]],
            message=f"Hello from {label}",
            assignments=[GroupRoles(group.id, [ROLES[0]])],
        ),
    )
    bulk = await start_bulk_send(
        op, template.id, [BulkCustomer(customer_email=f"bulk@{label}-c.example.com")]
    )
    await run_round(
        Operation(actor=None, sealer=_SEALER, quotas=f.SEEDING), bulk.id, Budget.unlimited()
    )
    # A bulk assignment of the group's role for the customer, and a bulk ending of the sent
    # invitation's delegated admin relationship (which fails: it awaits approval), done
    awaiting = await DelegatedAdminRelationship.get(
        partner_id=partner.id, status=DelegatedAdminRelationshipStatus.APPROVAL_PENDING
    )
    for more in (
        await start_bulk_access(
            op, group.id, [AdminRole(ROLES[0])], [str(encode_id("Organization", customer.id))]
        ),
        await start_bulk_ending(op, [str(encode_id("DelegatedAdminRelationship", awaiting.id))]),
    ):
        await run_round(
            Operation(actor=None, sealer=_SEALER, quotas=f.SEEDING), more.id, Budget.unlimited()
        )
    sealed = next(m for m in op.committed if "sealed_token" in m.payload)
    found.pending_token = _SEALER.unseal(sealed.payload["sealed_token"]) or ""
    await contact_partner(
        op,
        ContactRequest(
            partner_id=partner.id,
            location="US",
            contact_name=f"Visitor {label}",
            email=f"visitor@{label}-v.example.com",
            phone="+1 425 555 0100",
            organization_name=f"{label} Visitors",
            organization_size="SIZE_50_249",
            industry="RETAIL",
            business_needs=f"Needs of {label}.",
        ),
        RateLimit(redis=None, limit=1, window=1, name="worlds"),
        "127.0.0.1",
    )
    found.portal_client = await _portal_client(found)
    found.ids = await rows_of(partner.id, customer.id)
    return found


async def _portal_client(found: World) -> f.Person:
    """The partner's API client, with every scope, and a live access token for it."""
    admin = found.partner_admin
    op = Operation(actor=Actor.of(admin.user, OrganizationKind.PARTNER), sealer=_SEALER)
    issued = await create_api_client(op, f"{found.label} portal", list(ApiScope), None)
    client = await ApiClient.get(id=issued.client.id).select_related("organization")
    token, _ = new_access_token()
    await issue_access_token(
        Operation(actor=None, sealer=_SEALER), client, token, frozenset(ApiScope), 3600
    )
    return f.Person(user=admin.user, token=token)


def uuid_models() -> list[type[Model]]:
    """The tables whose rows have UUIDs: every one a world's rows can be found in."""
    return [m for m in Tortoise.apps["models"].values() if m._meta.pk.field_type is UUID]


async def rows_of(*organizations: UUID) -> set[UUID]:
    """The primary keys of every row that belongs to or names one of `organizations`,
    directly or through another such row (a grant through its relationship...)."""
    ids: set[UUID] = set(organizations)
    models = uuid_models()
    grew = True
    while grew:
        grew = False
        for model in models:
            for row in await model.all().values():
                key = row[model._meta.pk_attr]
                if key in ids:
                    continue
                if any(isinstance(v, UUID) and v in ids for k, v in row.items() if k != "id"):
                    ids.add(key)
                    grew = True
    return ids


def private_texts(world: World) -> list[str]:
    """Texts of the world that only its own people may read (its directory profile, which
    anyone may, holds none of them)."""
    label = world.label
    return [
        f"{label} Customers",
        f"{label} helpdesk",
        f"{label} template",
        f"{label} hooks",
        f"https://8.8.8.8/{label}",
        f"Hello from {label}",
        f"Visitor {label}",
        f"Needs of {label}",
        f"Ann {label}",
        f"Office {label}",
        f"Renewal {label}",
        f"Mail down {label}",
        f"SN-{label}",
        f"App {label}",
        f"{label}-p.example.com",
        f"{label}-c.example.com",
        f"{label}-v.example.com",
        f"{label} Sign-in",
        f"{label}-c-client",
        f"{label}-p-client",
        f"{label} portal",
        world.partner_admin.email,
    ]


async def typed_ids(world: World) -> dict[str, str]:
    """A global ID of each kind of the world's rows (its first row of each model), by type
    name; organizations also as their directory `Partner` ID."""
    found: dict[str, str] = {}
    for model in uuid_models():
        row = await model.filter(pk__in=list(world.ids)).order_by(model._meta.pk_attr).first()
        if row is not None:
            found[model.__name__] = str(encode_id(model.__name__, row.pk))
    found["Organization"] = str(encode_id("Organization", world.customer.id))
    found["PartnerOrganization"] = str(encode_id("Organization", world.partner.id))
    found["Partner"] = str(encode_id("Partner", world.partner.id))
    # A group of the customer's directory, beside the partner's security groups
    directory_group = await SecurityGroup.filter(
        pk__in=list(world.ids), partner_id=world.customer.id
    ).first()
    if directory_group is not None:
        found["DirectoryGroup"] = str(encode_id("SecurityGroup", directory_group.pk))
    # A session's ID is of the type the API gives it
    session = await UserSession.filter(pk__in=list(world.ids)).order_by("id").first()
    if session is not None:
        found["Session"] = str(encode_id("Session", session.pk))
    return found
