"""Acting on behalf of a customer: only through roles a customer granted and the partner's
admin agent assigned to the agent's group, by the capability table; and never the billing
pages that are the customer's own."""

from __future__ import annotations

import asyncio
from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.access import AccessAssignment
from models.tables.organizations import User
from models.tables.tenant import (
    Domain,
    DomainSubscription,
    LicenseAssignment,
    Subscription,
)
from models.tables.tenant import SupportIncident as IncidentRow
from tests import factories as f
from tests import flows
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import SmtpServer
from tests.test_concurrency import Postgres, pg  # noqa: F401  (the PostgreSQL app fixture)

CUSTOMER = """
query($id: ID!) {
  customer(id: $id) {
    id name onBehalf roles capabilities billingPages
    users(first: 10) { totalCount edges { node { id userPrincipalName passwordResetAt } } }
    invoices(first: 10) { totalCount edges { node { number } } }
  }
}
"""
RESET = """
mutation($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) {
    user { id passwordResetAt passwordResetByPartner { name } }
    temporaryPassword
    errors { field code }
  }
}
"""
INCIDENT = """
mutation($input: CreateSupportIncidentInput!) {
  createSupportIncident(input: $input) {
    supportIncident { title severity status openedBy openedByPartner { name } }
    errors { field code }
  }
}
"""
ASSIGN = """
mutation($input: LicenseInput!) {
  assignLicense(input: $input) {
    subscription { id quantity assignedLicenses } user { userPrincipalName }
    errors { field code }
  }
}
"""
UNASSIGN = """
mutation($input: LicenseInput!) {
  unassignLicense(input: $input) {
    subscription { id assignedLicenses } errors { field code }
  }
}
"""
PAGES = "query($id: ID!) { billingPages(customerId: $id) }"
DOMAIN = """
mutation($input: PurchaseDomainSubscriptionInput!) {
  purchaseDomainSubscription(input: $input) {
    domain { name verified subscription { years } } errors { field code }
  }
}
"""
CREATE_GROUP = """
mutation($input: CreateSecurityGroupInput!) {
  createSecurityGroup(input: $input) { securityGroup { id name } errors { field code } }
}
"""
ADD_MEMBER = """
mutation($input: SecurityGroupMemberInput!) {
  addSecurityGroupMember(input: $input) {
    securityGroup { members { email } } errors { field code }
  }
}
"""
ASSIGN_ROLE = """
mutation($input: GroupRoleInput!) {
  assignRoleToGroup(input: $input) {
    securityGroup { assignments { role customer { name } } } errors { field code }
  }
}
"""


def _id(kind: str, row: Any) -> str:
    return str(encode_id(kind, row.id))


async def _reset(api: GraphQLClient, who: f.Person, customer_id: str, user_id: str) -> Any:
    return await api.raw(
        RESET, {"input": {"customerId": customer_id, "userId": user_id}}, who.token
    )


def _code(body: dict[str, Any]) -> str:
    assert body["errors"], body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def _forbidden_paths(body: dict[str, Any]) -> list[str]:
    return sorted(
        ".".join(map(str, e["path"]))
        for e in body.get("errors", [])
        if e["extensions"]["code"] == "FORBIDDEN"
    )


async def test_a_helpdesk_grant_assigned_to_a_group_resets_passwords_and_nothing_more(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Fabrikam, GDAP partner of Contoso with HELPDESK_ADMINISTRATOR granted
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    admin_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    inside = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    outside = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await flows.accepted(
        api, db, smtp_server, admin_agent, global_admin, roles=["HELPDESK_ADMINISTRATOR"]
    )
    data = await f.tenant(contoso)
    customer_id, user_id = _id("Organization", contoso), _id("User", data.user)

    # And the admin agent puts one helpdesk agent in a group holding the grant
    created = await api.query(CREATE_GROUP, {"input": {"name": "Helpdesk"}}, admin_agent.token)
    group_id = created["createSecurityGroup"]["securityGroup"]["id"]
    added = await api.query(
        ADD_MEMBER,
        {"input": {"groupId": group_id, "userId": _id("User", inside.user)}},
        admin_agent.token,
    )
    assert added["addSecurityGroupMember"]["errors"] == []
    assigned = await api.query(
        ASSIGN_ROLE,
        {
            "input": {
                "groupId": group_id,
                "relationshipId": relationship["id"],
                "role": "HELPDESK_ADMINISTRATOR",
            }
        },
        admin_agent.token,
    )
    assert assigned["assignRoleToGroup"] == {
        "securityGroup": {
            "assignments": [{"role": "HELPDESK_ADMINISTRATOR", "customer": {"name": "Contoso"}}]
        },
        "errors": [],
    }

    # When the agent in the group resets a Contoso user's password
    body = await _reset(api, inside, customer_id, user_id)

    # Then it is reset, recorded as done by Fabrikam, with a temporary password shown once
    reset = body["data"]["resetUserPassword"]
    assert reset["errors"] == []
    assert reset["user"]["passwordResetByPartner"] == {"name": "Fabrikam"}
    assert reset["user"]["passwordResetAt"]
    assert len(reset["temporaryPassword"]) >= 12
    row = await User.get(id=data.user.id)
    assert row.password_reset_by_id == inside.user.id

    # And it reads the users but not the invoices (null, with a FORBIDDEN error at the path)
    body = await api.raw(CUSTOMER, {"id": customer_id}, inside.token)
    customer = body["data"]["customer"]
    assert customer["onBehalf"] is True
    assert customer["roles"] == ["HELPDESK_ADMINISTRATOR"]
    assert customer["users"]["totalCount"] == 3  # the tenant's two and its Global Administrator
    assert customer["invoices"] is None
    assert _forbidden_paths(body) == ["customer.invoices"]
    # And no billing page is open to it (a helpdesk role reads no licenses or notifications)
    assert customer["billingPages"] == []

    # And it may not reset an administrator's password (RESET_ADMIN_PASSWORD)
    body = await _reset(api, inside, customer_id, _id("User", data.admin_user))
    assert _code(body) == "FORBIDDEN"

    # When the agent outside the group tries the same
    # Then it can do neither
    assert _code(await _reset(api, outside, customer_id, user_id)) == "FORBIDDEN"
    body = await api.raw(CUSTOMER, {"id": customer_id}, outside.token)
    assert body["data"]["customer"]["roles"] == []
    assert _forbidden_paths(body) == ["customer.invoices", "customer.users"]
    # (nor can the admin agent, who manages groups but is in none)
    assert _code(await _reset(api, admin_agent, customer_id, user_id)) == "FORBIDDEN"

    # When Contoso removes the role
    removed = await api.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship["id"]}}, global_admin.token
    )
    assert removed["removeRoles"]["errors"] == []

    # Then access ends at once, before the revocation job ran, and the assignment with it
    assert _code(await _reset(api, inside, customer_id, user_id)) == "FORBIDDEN"
    assert await AccessAssignment.all().count() == 0

    # And once the job ran, nobody at Fabrikam can reset a password
    await run_jobs(db)
    assert await AccessAssignment.all().count() == 0
    for who in (inside, outside, admin_agent):
        assert _code(await _reset(api, who, customer_id, user_id)) == "FORBIDDEN"
        body = await api.raw(CUSTOMER, {"id": customer_id}, who.token)
        assert body["data"]["customer"]["roles"] == []
        assert _forbidden_paths(body) == ["customer.invoices", "customer.users"]


async def test_under_aobo_billing_offers_only_licenses_and_billing_notifications(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an agent holding GLOBAL_ADMINISTRATOR for Contoso through its group
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(agent, global_admin, ["GLOBAL_ADMINISTRATOR"])
    await f.assign(await f.group(agent, "Admins", agent), relationship, "GLOBAL_ADMINISTRATOR")
    await f.tenant(contoso)
    customer_id = _id("Organization", contoso)

    # When it asks for the billing pages
    pages = await api.query(PAGES, {"id": customer_id}, agent.token)

    # Then only LICENSES and BILLING_NOTIFICATIONS are offered
    assert pages["billingPages"] == ["LICENSES", "BILLING_NOTIFICATIONS"]

    # And the invoices and purchases are refused, while licenses and notifications are read
    body = await api.raw(
        """query($id: ID!) { customer(id: $id) {
          invoices { totalCount } purchases { totalCount }
          subscriptions { totalCount } licenses { totalCount }
          billingNotifications { totalCount } } }""",
        {"id": customer_id},
        agent.token,
    )
    assert _forbidden_paths(body) == ["customer.invoices", "customer.purchases"]
    assert body["data"]["customer"] == {
        "invoices": None,
        "purchases": None,
        "subscriptions": {"totalCount": 1},
        "licenses": {"totalCount": 1},
        "billingNotifications": {"totalCount": 1},
    }

    # While the customer's own global admin has every page
    pages = await api.query(PAGES, {"id": customer_id}, global_admin.token)
    assert pages["billingPages"] == [
        "PURCHASE_SERVICES",
        "YOUR_PRODUCTS",
        "BILLS_AND_PAYMENTS",
        "LICENSES",
        "BILLING_NOTIFICATIONS",
    ]
    # And someone else's customer has no page at all
    stranger = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    assert (await api.query(PAGES, {"id": customer_id}, stranger.token))["billingPages"] == []


async def test_an_incident_opened_under_aobo_names_the_agent_and_the_partner(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an agent holding SERVICE_SUPPORT_ADMINISTRATOR for Contoso
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT, email="help@fabrikam.test")
    admin_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR, email="ga@contoso.test")
    relationship = await f.granted(admin_agent, global_admin, ["SERVICE_SUPPORT_ADMINISTRATOR"])
    group = await f.group(admin_agent, "Support", agent)
    await f.assign(group, relationship, "SERVICE_SUPPORT_ADMINISTRATOR")
    customer_id = _id("Organization", contoso)
    incident = {
        "customerId": customer_id,
        "title": "Mail is down",
        "description": "Since 9:00",
        "severity": "HIGH",
    }

    # When it opens an incident for Contoso, and Contoso's admin opens one too
    by_agent = await api.query(INCIDENT, {"input": incident}, agent.token)
    by_admin = await api.query(INCIDENT, {"input": incident}, global_admin.token)

    # Then the agent's names the agent and the partner; the admin's names only the admin
    assert by_agent["createSupportIncident"] == {
        "supportIncident": {
            "title": "Mail is down",
            "severity": "HIGH",
            "status": "OPEN",
            "openedBy": "help@fabrikam.test",
            "openedByPartner": {"name": "Fabrikam"},
        },
        "errors": [],
    }
    assert by_admin["createSupportIncident"]["supportIncident"]["openedBy"] == "ga@contoso.test"
    assert by_admin["createSupportIncident"]["supportIncident"]["openedByPartner"] is None

    # And a bad input is refused field by field, and writes nothing
    bad = incident | {"title": " ", "description": "x" * 5001}
    refused = await api.query(INCIDENT, {"input": bad}, agent.token)
    assert refused["createSupportIncident"] == {
        "supportIncident": None,
        "errors": [
            {"field": ["input", "title"], "code": "INVALID_INPUT"},
            {"field": ["input", "description"], "code": "INVALID_INPUT"},
        ],
    }
    assert await IncidentRow.all().count() == 2

    # And the agent may not reset passwords: the role does not allow it
    data = await f.tenant(contoso)
    body = await _reset(api, agent, customer_id, _id("User", data.user))
    assert _code(body) == "FORBIDDEN"


SHARED = """
query($id: ID!) {
  customer(id: $id) {
    supportIncidents { edges { node { title openedBy openedByPartner { name } } } }
    subscriptions { edges { node { sku soldBy { name } } } }
  }
}
"""


async def test_partners_of_one_customer_do_not_see_each_others_people_or_sales(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso with two partners whose agents hold GLOBAL_READER over it
    contoso = await f.customer("Contoso")
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    agents = {}
    for name in ("Fabrikam", "Northwind"):
        partner = await f.partner(name)
        admin_agent = await f.person(partner, PartnerRole.ADMIN_AGENT)
        agent = await f.person(partner, PartnerRole.HELPDESK_AGENT, email=f"help@{name}.test")
        relationship = await f.granted(admin_agent, global_admin, ["GLOBAL_READER"])
        await f.assign(await f.group(admin_agent, "Readers", agent), relationship, "GLOBAL_READER")
        agents[name] = (partner, agent)
        # and each partner sold Contoso a subscription and opened an incident for it
        await Subscription.create(
            customer=contoso, offer_name="Office", sku=f"SKU-{name}", quantity=1, sold_by=partner
        )
        await IncidentRow.create(
            customer=contoso,
            title=f"By {name}",
            description="-",
            severity="LOW",
            opened_by=agent.user,
            opened_by_partner=partner,
        )

    def seen(body: dict[str, Any]) -> dict[str, Any]:
        customer = body["customer"]
        return {
            "incidents": sorted(
                (n["title"], n["openedBy"], (n["openedByPartner"] or {}).get("name"))
                for n in (e["node"] for e in customer["supportIncidents"]["edges"])
            ),
            "sales": sorted(
                (n["sku"], (n["soldBy"] or {}).get("name"))
                for n in (e["node"] for e in customer["subscriptions"]["edges"])
            ),
        }

    customer_id = _id("Organization", contoso)
    # When each partner's agent reads Contoso's incidents and subscriptions
    fabrikam_view = seen(await api.query(SHARED, {"id": customer_id}, agents["Fabrikam"][1].token))
    admin_view = seen(await api.query(SHARED, {"id": customer_id}, global_admin.token))

    # Then it sees every row, but names only its own people and its own sales
    assert fabrikam_view == {
        "incidents": [
            ("By Fabrikam", "help@Fabrikam.test", "Fabrikam"),
            ("By Northwind", None, None),
        ],
        "sales": [("SKU-Fabrikam", "Fabrikam"), ("SKU-Northwind", None)],
    }
    # And Contoso's own admin sees who did what
    assert admin_view == {
        "incidents": [
            ("By Fabrikam", "help@Fabrikam.test", "Fabrikam"),
            ("By Northwind", "help@Northwind.test", "Northwind"),
        ],
        "sales": [("SKU-Fabrikam", "Fabrikam"), ("SKU-Northwind", "Northwind")],
    }


async def test_licenses_are_assigned_within_the_subscription_quantity(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an agent holding LICENSE_ADMINISTRATOR for Contoso, whose subscription holds 5
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(agent, global_admin, ["LICENSE_ADMINISTRATOR"])
    await f.assign(await f.group(agent, "Licensing", agent), relationship, "LICENSE_ADMINISTRATOR")
    data = await f.tenant(contoso)  # one of its 5 licenses is assigned already
    users = [
        await User.create(
            organization=contoso,
            display_name=f"U{n}",
            email=f"u{n}@contoso.{contoso.id.hex[:8]}.test",
        )
        for n in range(5)
    ]
    base = {
        "customerId": _id("Organization", contoso),
        "subscriptionId": _id("Subscription", data.subscription),
    }

    # When it assigns licenses to four more users, and one of them again
    for user in users[:4]:
        got = await api.query(ASSIGN, {"input": base | {"userId": _id("User", user)}}, agent.token)
        assert got["assignLicense"]["errors"] == []
    again = await api.query(
        ASSIGN, {"input": base | {"userId": _id("User", users[0])}}, agent.token
    )

    # Then all five are assigned, the repeat changed nothing
    assert again["assignLicense"]["subscription"]["assignedLicenses"] == 5
    assert again["assignLicense"]["errors"] == []
    # And a sixth is refused, naming the subscription
    sixth = await api.query(
        ASSIGN, {"input": base | {"userId": _id("User", users[4])}}, agent.token
    )
    assert sixth["assignLicense"] == {
        "subscription": None,
        "user": None,
        "errors": [{"field": ["input", "subscriptionId"], "code": "NO_LICENSE_AVAILABLE"}],
    }
    # And the assignments record the partner
    partners = await LicenseAssignment.filter(assigned_by_partner_id=fabrikam.id).count()
    assert partners == 4

    # When it removes one, the sixth fits
    removed = await api.query(
        UNASSIGN, {"input": base | {"userId": _id("User", users[0])}}, agent.token
    )
    assert removed["unassignLicense"]["subscription"]["assignedLicenses"] == 4
    sixth = await api.query(
        ASSIGN, {"input": base | {"userId": _id("User", users[4])}}, agent.token
    )
    assert sixth["assignLicense"]["errors"] == []

    # And another customer's user or subscription is not found
    other = await f.tenant(await f.customer("Tailspin"))
    wrong = await api.query(
        ASSIGN, {"input": base | {"userId": _id("User", other.user)}}, agent.token
    )
    assert wrong["assignLicense"]["errors"] == [{"field": ["input", "userId"], "code": "NOT_FOUND"}]


async def test_domain_subscriptions_need_the_customers_own_domain_and_billing_admin(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admins, and a partner agent holding every role for Contoso
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    both = await f.person(contoso, "DOMAIN_NAME_ADMINISTRATOR", "BILLING_ADMINISTRATOR")
    domain_only = await f.person(contoso, "DOMAIN_NAME_ADMINISTRATOR")
    billing_only = await f.person(contoso, "BILLING_ADMINISTRATOR")
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    roles = ["DOMAIN_NAME_ADMINISTRATOR", "BILLING_ADMINISTRATOR"]
    relationship = await f.granted(agent, global_admin, roles)
    await f.assign(await f.group(agent, "All", agent), relationship, *roles)
    other_admin = await f.person(await f.customer("Tailspin"), *roles)
    buy = {
        "input": {
            "customerId": _id("Organization", contoso),
            "domainName": "contoso.shop",
            "years": 2,
        }
    }

    # When anyone but a Contoso admin holding both roles tries to buy a domain
    # Then it is FORBIDDEN, and nothing is written
    for who in (domain_only, billing_only, global_admin, agent, other_admin):
        assert await api.error_code(DOMAIN, buy, who.token) == "FORBIDDEN", who.email
    assert await DomainSubscription.all().count() == 0

    # When the admin holding both buys it
    bought = await api.query(DOMAIN, buy, both.token)

    # Then the domain is Contoso's, verified, with its subscription
    assert bought["purchaseDomainSubscription"] == {
        "domain": {"name": "contoso.shop", "verified": True, "subscription": {"years": 2}},
        "errors": [],
    }
    # And buying it again, or a bad name or term, is refused by field
    again = await api.query(DOMAIN, buy, both.token)
    assert again["purchaseDomainSubscription"]["errors"] == [
        {"field": ["input", "domainName"], "code": "DOMAIN_TAKEN"}
    ]
    bad = {"input": buy["input"] | {"domainName": "not a domain", "years": 0}}
    refused = await api.query(DOMAIN, bad, both.token)
    assert refused["purchaseDomainSubscription"]["errors"] == [
        {"field": ["input", "domainName"], "code": "INVALID_INPUT"},
        {"field": ["input", "years"], "code": "INVALID_INPUT"},
    ]
    assert await Domain.filter(name="contoso.shop").count() == 1


async def test_of_ten_concurrent_assignments_of_the_last_license_exactly_one_wins(
    pg: Postgres,  # noqa: F811  (the fixture, by its name)
) -> None:
    # Given (on PostgreSQL, where requests run side by side) a subscription of 5 licenses with
    # 4 assigned, and an agent allowed to assign licenses
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    global_admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.granted(agent, global_admin, ["LICENSE_ADMINISTRATOR"])
    await f.assign(await f.group(agent, "Licensing", agent), relationship, "LICENSE_ADMINISTRATOR")
    data = await f.tenant(contoso)
    for n in range(3):
        user = await User.create(
            organization=contoso,
            display_name=f"H{n}",
            email=f"h{n}@contoso.{contoso.id.hex[:8]}.test",
        )
        await LicenseAssignment.create(customer=contoso, subscription=data.subscription, user=user)
    users = [
        await User.create(
            organization=contoso,
            display_name=f"U{n}",
            email=f"u{n}@contoso.{contoso.id.hex[:8]}.test",
        )
        for n in range(10)
    ]
    base = {
        "customerId": _id("Organization", contoso),
        "subscriptionId": _id("Subscription", data.subscription),
    }

    # When the agent assigns the last license to ten users at once
    payloads = await asyncio.gather(
        *(
            pg.api.query(ASSIGN, {"input": base | {"userId": _id("User", u)}}, agent.token)
            for u in users
        )
    )

    # Then exactly one gets it, every other is told no license is left
    codes = sorted([e["code"] for e in p["assignLicense"]["errors"]] for p in payloads)
    assert codes == [[]] + [["NO_LICENSE_AVAILABLE"]] * 9
    assert await LicenseAssignment.filter(subscription_id=data.subscription.id).count() == 5
