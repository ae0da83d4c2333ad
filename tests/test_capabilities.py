"""Every admin role against every capability, through the API, for a customer's own admin
and for a partner agent holding the role on the customer's behalf.

The expected outcomes are written out here, by hand, from what each directory role does:
they are not read from `models.reference.capabilities`, so that a change to the table shows up here.
"""

from __future__ import annotations

from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.organizations import Organization
from tests import factories as f
from tests.graphql import GraphQLClient

# What a customer's own admin holding the role may do with its organization's data.
READS = "READ_USERS READ_LICENSES READ_BILLING_NOTIFICATIONS READ_INVOICES READ_PURCHASES"
READS += " READ_SUPPORT_INCIDENTS READ_DEVICES READ_APPS READ_DOMAINS"
EXPECTED: dict[str, str] = {
    "GLOBAL_ADMINISTRATOR": READS + " RESET_PASSWORD RESET_ADMIN_PASSWORD ASSIGN_LICENSE"
    " PURCHASE_SERVICES OPEN_SUPPORT_INCIDENT",
    "GLOBAL_READER": READS,
    "HELPDESK_ADMINISTRATOR": "READ_USERS RESET_PASSWORD READ_SUPPORT_INCIDENTS"
    " OPEN_SUPPORT_INCIDENT",
    "USER_ADMINISTRATOR": "READ_USERS RESET_PASSWORD READ_LICENSES ASSIGN_LICENSE",
    "LICENSE_ADMINISTRATOR": "READ_USERS READ_LICENSES ASSIGN_LICENSE",
    "SERVICE_SUPPORT_ADMINISTRATOR": "READ_SUPPORT_INCIDENTS OPEN_SUPPORT_INCIDENT",
    "DIRECTORY_READERS": "READ_USERS",
    "DIRECTORY_WRITERS": "READ_USERS",
    "PRIVILEGED_ROLE_ADMINISTRATOR": "",
    "PRIVILEGED_AUTHENTICATION_ADMINISTRATOR": "READ_USERS RESET_PASSWORD RESET_ADMIN_PASSWORD",
    "AUTHENTICATION_ADMINISTRATOR": "READ_USERS RESET_PASSWORD",
    "PASSWORD_ADMINISTRATOR": "READ_USERS RESET_PASSWORD",
    "APPLICATION_ADMINISTRATOR": "READ_APPS",
    "CLOUD_APPLICATION_ADMINISTRATOR": "READ_APPS",
    "BILLING_ADMINISTRATOR": "READ_LICENSES READ_BILLING_NOTIFICATIONS READ_INVOICES"
    " READ_PURCHASES PURCHASE_SERVICES READ_SUPPORT_INCIDENTS OPEN_SUPPORT_INCIDENT",
    "EXCHANGE_ADMINISTRATOR": "",
    "SHAREPOINT_ADMINISTRATOR": "",
    "TEAMS_ADMINISTRATOR": "",
    "INTUNE_ADMINISTRATOR": "READ_DEVICES READ_APPS",
    "SECURITY_ADMINISTRATOR": "",
    "SECURITY_READER": "",
    "COMPLIANCE_ADMINISTRATOR": "",
    "DOMAIN_NAME_ADMINISTRATOR": "READ_DOMAINS",
    "GROUPS_ADMINISTRATOR": "READ_USERS",
    "REPORTS_READER": "",
    "CLOUD_DEVICE_ADMINISTRATOR": "READ_DEVICES",
}
# A partner acting on the customer's behalf never buys, nor sees bills or purchases.
NEVER_UNDER_AOBO = {"PURCHASE_SERVICES", "READ_INVOICES", "READ_PURCHASES"}

# Each list, and the capability that opens it.
LISTS = {
    "users": "READ_USERS",
    "subscriptions": "READ_LICENSES",
    "licenses": "READ_LICENSES",
    "billingNotifications": "READ_BILLING_NOTIFICATIONS",
    "invoices": "READ_INVOICES",
    "purchases": "READ_PURCHASES",
    "supportIncidents": "READ_SUPPORT_INCIDENTS",
    "devices": "READ_DEVICES",
    "apps": "READ_APPS",
    "domains": "READ_DOMAINS",
}
READ = (
    "query($id: ID!) { customer(id: $id) { capabilities billingPages "
    + " ".join(f"{name} {{ totalCount edges {{ node {{ id }} }} }}" for name in LISTS)
    + " } }"
)
RESET = """mutation($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) { user { id } errors { code } } }"""
INCIDENT = """mutation($input: CreateSupportIncidentInput!) {
  createSupportIncident(input: $input) { supportIncident { id } errors { code } } }"""
ASSIGN = """mutation($input: LicenseInput!) {
  assignLicense(input: $input) { subscription { id } errors { code } } }"""


async def _allowed(api: GraphQLClient, body: dict[str, Any], field: str) -> bool:
    """True when the mutation succeeded; False when it was FORBIDDEN; anything else fails."""
    if body.get("errors"):
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
        assert body["data"] is None
        return False
    assert body["data"][field]["errors"] == [], body
    return True


async def _observed(
    api: GraphQLClient, viewer: f.Person, customer: Organization, data: f.Tenant
) -> set[str]:
    """The capabilities the viewer showed it holds over the customer, through the API."""
    customer_id = encode_id("Organization", customer.id)
    seen: set[str] = set()

    body = await api.raw(READ, {"id": customer_id}, viewer.token)
    read = body["data"]["customer"]
    forbidden = {e["path"][-1] for e in body.get("errors", [])}
    assert {e["extensions"]["code"] for e in body.get("errors", [])} <= {"FORBIDDEN"}
    for name, capability in LISTS.items():
        if read[name] is None:
            assert name in forbidden
        else:
            assert read[name]["totalCount"] >= 1  # (the tenant holds a row of each)
            seen.add(capability)
    if "PURCHASE_SERVICES" in read["billingPages"]:
        seen.add("PURCHASE_SERVICES")
    # The capabilities the viewer is told it holds are those it showed, and no more
    reads = {"READ_USERS", "READ_LICENSES", "READ_BILLING_NOTIFICATIONS", "READ_INVOICES"}
    reads |= {"READ_PURCHASES", "READ_SUPPORT_INCIDENTS", "READ_DEVICES", "READ_APPS"}
    reads |= {"READ_DOMAINS", "PURCHASE_SERVICES"}
    assert {c for c in read["capabilities"] if c in reads} == seen

    user = {"customerId": customer_id, "userId": str(encode_id("User", data.user.id))}
    if await _allowed(
        api, await api.raw(RESET, {"input": user}, viewer.token), "resetUserPassword"
    ):
        seen.add("RESET_PASSWORD")
    admin = user | {"userId": str(encode_id("User", data.admin_user.id))}
    if await _allowed(
        api, await api.raw(RESET, {"input": admin}, viewer.token), "resetUserPassword"
    ):
        seen.add("RESET_ADMIN_PASSWORD")
    incident = {"customerId": customer_id, "title": "T", "description": "D", "severity": "LOW"}
    body = await api.raw(INCIDENT, {"input": incident}, viewer.token)
    if await _allowed(api, body, "createSupportIncident"):
        seen.add("OPEN_SUPPORT_INCIDENT")
    license_ = admin | {"subscriptionId": str(encode_id("Subscription", data.subscription.id))}
    if await _allowed(
        api, await api.raw(ASSIGN, {"input": license_}, viewer.token), "assignLicense"
    ):
        seen.add("ASSIGN_LICENSE")
    return seen


async def test_every_role_against_every_capability_for_own_admins_and_under_aobo(
    api: GraphQLClient, db: Settings
) -> None:
    # Given the expected table covers the whole catalog
    assert set(EXPECTED) == {role.value for role in AdminRole}
    # And a partner whose agent holds, for one customer per role, exactly that role
    fabrikam = await f.partner("Fabrikam")
    admin_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    agent = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)

    got_own: dict[str, str] = {}
    got_aobo: dict[str, str] = {}
    for n, role in enumerate(AdminRole):
        customer = await f.customer(f"Customer {role.value}")
        data = await f.tenant(customer, f"r{n}")
        own_admin = await f.person(customer, role)
        global_admin = await f.person(customer, AdminRole.GLOBAL_ADMINISTRATOR)
        relationship = await f.granted(admin_agent, global_admin, [role])
        await f.assign(await f.group(admin_agent, role.value, agent), relationship, role)

        # When each tries every capability through the API
        got_own[role] = " ".join(sorted(await _observed(api, own_admin, customer, data)))
        got_aobo[role] = " ".join(sorted(await _observed(api, agent, customer, data)))

    # Then the customer's own admins may do what the table above says
    def normal(value: str) -> str:
        return " ".join(sorted(value.split()))

    assert got_own == {role: normal(value) for role, value in EXPECTED.items()}
    # And the partner agent the same, less what is never available under AOBO
    assert got_aobo == {
        role: " ".join(sorted(set(value.split()) - NEVER_UNDER_AOBO))
        for role, value in EXPECTED.items()
    }


async def test_role_definitions_tell_clients_what_each_role_permits(api: GraphQLClient) -> None:
    # When a client reads the catalog
    data = await api.query("{ roleDefinitions { key capabilities } }")

    # Then each role lists what it permits on its own organization, as the table above says
    got = {role["key"]: " ".join(sorted(role["capabilities"])) for role in data["roleDefinitions"]}
    assert got == {role: " ".join(sorted(value.split())) for role, value in EXPECTED.items()}
