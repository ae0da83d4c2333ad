"""Actions on a customer's data leave their activity entries: under AOBO naming the customer
acted for and both sides of the relationship, by the customer's own admins for the customer
only, the partner actions of each relationship type for both sides; never a temporary
password; nothing for another organization."""

from __future__ import annotations

from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.activity import ActivityEntry
from models.tables.outbound_webhooks import WebhookEvent
from tests import factories as f
from tests.activity_entries import (
    assert_relationship_entries_name_both_sides,
    entries,
    mutate,
    text_of,
    who_and_whom,
)
from tests.graphql import GraphQLClient

RESET = """
mutation($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) { temporaryPassword errors { field code } }
}
"""
INCIDENT = """
mutation($input: CreateSupportIncidentInput!) {
  createSupportIncident(input: $input) { supportIncident { id } errors { field code } }
}
"""
ASSIGN = "mutation($input: LicenseInput!) { assignLicense(input: $input) { errors { code } } }"
UNASSIGN = "mutation($input: LicenseInput!) { unassignLicense(input: $input) { errors { code } } }"
DOMAIN = """
mutation($input: PurchaseDomainSubscriptionInput!) {
  purchaseDomainSubscription(input: $input) { domain { name } errors { field code } }
}
"""
PLACE_ORDER = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) { purchase { id } subscription { id } errors { field code } }
}
"""
CHANGE_SUBSCRIPTION = """
mutation($input: ChangeSubscriptionInput!) {
  changeSubscription(input: $input) { subscription { id } errors { field code } }
}
"""
REGISTER_DEVICE = """
mutation($input: RegisterDeviceInput!) {
  registerDevice(input: $input) { device { id } errors { field code } }
}
"""
SUBMIT_APP = """
mutation($input: SubmitLobAppInput!) {
  submitLobApp(input: $input) { app { id } errors { field code } }
}
"""
UPDATE_APP = """
mutation($input: UpdateLobAppInput!) {
  updateLobApp(input: $input) { app { id } errors { field code } }
}
"""
UPDATE_SETTINGS = """
mutation($input: UpdateCustomerSettingsInput!) {
  updateCustomerSettings(input: $input) { settings { shareMpsaPurchases } errors { code } }
}
"""

AOBO_ACTIONS = [
    "user.password_reset",
    "support_incident.created",
    "license.unassigned",
    "license.assigned",
]


def _id(kind: str, value: Any) -> str:
    return str(encode_id(kind, value.id))


async def _outsiders() -> list[f.Person]:
    return [
        await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT),
        await f.person(await f.customer("Tailspin"), AdminRole.GLOBAL_ADMINISTRATOR),
    ]


async def test_a_partner_agent_acting_for_the_customer_is_recorded_on_its_behalf(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's GDAP relationship with Contoso, whose helpdesk and license roles are
    # assigned to a group holding one of Fabrikam's helpdesk agents
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    admin_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    agent = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    roles: list[str] = [AdminRole.HELPDESK_ADMINISTRATOR, AdminRole.LICENSE_ADMINISTRATOR]
    relationship = await f.granted(admin_agent, admin, roles)
    await f.assign(await f.group(admin_agent, "Tier 1", agent), relationship, *roles)
    data = await f.tenant(contoso)
    outsiders = await _outsiders()
    customer_id, user_id = _id("Organization", contoso), _id("User", data.user)
    license_input = {
        "customerId": customer_id,
        "subscriptionId": _id("Subscription", data.subscription),
        "userId": user_id,
    }

    # When the agent resets a user's password, opens an incident, and takes a license from
    # a user and gives it back
    reset = await mutate(api, RESET, {"customerId": customer_id, "userId": user_id}, agent)
    temporary_password = reset["temporaryPassword"]
    await mutate(
        api,
        INCIDENT,
        {"customerId": customer_id, "title": "Mail down", "description": "No mail since 9.",
         "severity": "HIGH"},
        agent,
    )  # fmt: skip
    await mutate(api, UNASSIGN, license_input, agent)
    await mutate(api, ASSIGN, license_input, agent)

    # Then both sides see each, by the agent of Fabrikam on behalf of Contoso, in their
    # relationship
    for insider in (admin_agent, admin):
        recorded = await entries(api, insider, actions=AOBO_ACTIONS)
        assert [e["action"] for e in recorded] == AOBO_ACTIONS
        for entry in recorded:
            assert who_and_whom(entry) == {
                "actor": agent.email,
                "actingOrganization": "Fabrikam",
                "onBehalfOf": "Contoso",
                "customer": "Contoso",
                "partner": "Fabrikam",
            }
            assert entry["relationshipId"] == _id("Relationship", relationship)
    reset_entry, incident, unassigned, assigned = await entries(api, admin, actions=AOBO_ACTIONS)
    assert (reset_entry["objectType"], reset_entry["objectId"]) == ("User", user_id)
    assert reset_entry["changes"] == {"email": data.user.email, "sessionsEnded": 0, "linksEnded": 0}
    assert incident["changes"] == {"title": "Mail down", "severity": "HIGH"}
    license_summary = {
        "sku": data.subscription.sku,
        "offerName": data.subscription.offer_name,
        "email": data.user.email,
    }
    assert unassigned["changes"] == assigned["changes"] == license_summary
    # And the temporary password appears nowhere: not in an entry, not in an event
    stored = [e.changes for e in await ActivityEntry.all()]
    stored += [e.data for e in await WebhookEvent.all()]
    assert temporary_password not in text_of(stored)
    assert temporary_password not in text_of(await entries(api, admin))
    # And every entry of the relationship names both of its sides
    await assert_relationship_entries_name_both_sides()
    # And another organization sees none of it
    for outsider in outsiders:
        assert await entries(api, outsider, actions=AOBO_ACTIONS) == []


async def test_the_customers_own_admins_changes_concern_the_customer_only(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso, with a partner, and its admin holding Domain Name and Billing
    # Administrator besides Global Administrator
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    admin_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    admin = await f.person(
        contoso,
        AdminRole.GLOBAL_ADMINISTRATOR,
        AdminRole.DOMAIN_NAME_ADMINISTRATOR,
        AdminRole.BILLING_ADMINISTRATOR,
    )
    await f.granted(admin_agent, admin, [AdminRole.HELPDESK_ADMINISTRATOR])
    data = await f.tenant(contoso)
    customer_id = _id("Organization", contoso)

    # When the admin resets a user's password, buys a domain and shares MPSA purchases
    await mutate(api, RESET, {"customerId": customer_id, "userId": _id("User", data.user)}, admin)
    await mutate(
        api, DOMAIN, {"customerId": customer_id, "domainName": "contoso.shop", "years": 2}, admin
    )
    await mutate(api, UPDATE_SETTINGS, {"shareMpsaPurchases": True}, admin)
    await mutate(api, UPDATE_SETTINGS, {"shareMpsaPurchases": True}, admin)  # no change

    # Then Contoso's log holds them, by its admin, for no one else
    actions = ["user.password_reset", "domain_subscription.purchased", "customer_settings.updated"]
    recorded = await entries(api, admin, actions=actions)
    assert [e["action"] for e in recorded] == actions
    for entry in recorded:
        assert who_and_whom(entry) == {
            "actor": admin.email,
            "actingOrganization": "Contoso",
            "onBehalfOf": None,
            "customer": "Contoso",
            "partner": None,
        }
        assert entry["relationshipId"] is None
    domain, settings = recorded[1], recorded[2]
    assert domain["changes"]["domainName"] == "contoso.shop"
    assert domain["changes"]["years"] == 2
    assert (settings["objectType"], settings["objectId"]) == ("Organization", customer_id)
    assert settings["changes"] == {"shareMpsaPurchases": True}
    # And its partner, like any other organization, does not see them
    for other in (admin_agent, *await _outsiders()):
        assert await entries(api, other, actions=actions) == []


async def test_the_partner_actions_of_each_type_are_recorded_for_both_sides(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam, Contoso's reseller, OEM and line-of-business partner
    fabrikam, contoso = await f.partner("Fabrikam"), await f.customer("Contoso")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await f.related(
        agent,
        admin,
        RelationshipType.RESELLER,
        RelationshipType.OEM,
        RelationshipType.LOB_PARTNER,
    )
    customer_id = _id("Organization", contoso)

    # When its agent places an order and resizes the subscription, registers a device, and
    # submits an app and updates it
    order = await mutate(
        api,
        PLACE_ORDER,
        {"customerId": customer_id, "sku": "M365_BUSINESS_BASIC", "quantity": 5},
        agent,
    )
    subscription_id = order["subscription"]["id"]
    await mutate(
        api,
        CHANGE_SUBSCRIPTION,
        {"subscriptionId": subscription_id, "quantity": 8, "action": "SUSPEND"},
        agent,
    )
    device = await mutate(
        api,
        REGISTER_DEVICE,
        {"customerId": customer_id, "serialNumber": "SN-1", "hardwareHash": "QUJD",
         "model": "Surface Laptop"},
        agent,
    )  # fmt: skip
    app = await mutate(
        api,
        SUBMIT_APP,
        {"customerId": customer_id, "name": "Expenses", "version": "1.0",
         "packageUrl": "https://apps.fabrikam.example/expenses.msix"},
        agent,
    )  # fmt: skip
    await mutate(api, UPDATE_APP, {"appId": app["app"]["id"], "version": "1.1"}, agent)

    # Then both sides see each, by Fabrikam's agent, in their relationship
    actions = [
        "order.placed",
        "subscription.changed",
        "device.registered",
        "lob_app.submitted",
        "lob_app.updated",
    ]
    for insider in (agent, admin):
        recorded = await entries(api, insider, actions=actions)
        assert [e["action"] for e in recorded] == actions
        for entry in recorded:
            assert who_and_whom(entry) == {
                "actor": agent.email,
                "actingOrganization": "Fabrikam",
                "onBehalfOf": None,
                "customer": "Contoso",
                "partner": "Fabrikam",
            }
            assert entry["relationshipId"] == _id("Relationship", relationship)
    placed, changed, registered, submitted, updated = await entries(api, admin, actions=actions)
    assert (placed["objectType"], placed["objectId"]) == ("Purchase", order["purchase"]["id"])
    assert placed["changes"] == {
        "sku": "M365_BUSINESS_BASIC",
        "offerName": "Microsoft 365 Business Basic",
        "quantity": 5,
        "amount": "30.00",
        "currency": "USD",
    }
    assert changed["objectId"] == subscription_id
    assert changed["changes"] == {
        "sku": "M365_BUSINESS_BASIC",
        "action": "SUSPEND",
        "quantity": 8,
        "previousQuantity": 5,
        "status": "SUSPENDED",
        "previousStatus": "ACTIVE",
    }
    assert registered["objectId"] == device["device"]["id"]
    assert registered["changes"]["serialNumber"] == "SN-1"
    assert registered["changes"]["model"] == "Surface Laptop"
    assert submitted["changes"] == {
        "name": "Expenses",
        "version": "1.0",
        "packageUrl": "https://apps.fabrikam.example/expenses.msix",
    }
    assert updated["changes"] == {"version": "1.1"}
    # And every entry of the relationship names both of its sides
    await assert_relationship_entries_name_both_sides()
    # And another organization sees none of it
    for outsider in await _outsiders():
        assert await entries(api, outsider, actions=actions) == []


async def test_a_refused_action_leaves_no_entry(api: GraphQLClient, db: Settings) -> None:
    # Given a reseller of a customer
    contoso = await f.customer("Contoso")
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.SALES_AGENT)
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    await f.related(agent, admin, RelationshipType.RESELLER)
    before = await ActivityEntry.all().count()

    # When it orders an unknown offer, and an agent of another partner tries to order
    data = await api.query(
        PLACE_ORDER,
        {"input": {"customerId": _id("Organization", contoso), "sku": "NOPE", "quantity": 1}},
        agent.token,
    )
    assert data["placeOrder"]["errors"][0]["code"] == "NOT_FOUND"
    outsider = await f.person(await f.partner("Northwind"), PartnerRole.SALES_AGENT)
    code = await api.error_code(
        PLACE_ORDER,
        {
            "input": {
                "customerId": _id("Organization", contoso),
                "sku": "M365_BUSINESS_BASIC",
                "quantity": 1,
            }
        },
        outsider.token,
    )
    assert code == "FORBIDDEN"

    # Then nothing was recorded
    assert await ActivityEntry.all().count() == before
