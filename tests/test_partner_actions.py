"""What each relationship type lets a partner do, through the API, against a literal table.

The expected outcomes are written out here, from DOMAIN.md's table of relationship types,
not computed from the rules: RESELLER and INDIRECT_RESELLER place orders and change the
subscriptions they sold, MPSA_PARTNER lists purchases, OEM registers devices (no role
grant), LOB_PARTNER submits and updates apps; nothing else is allowed to anyone.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.enums import (
    OrganizationKind,
    PartnerRole,
    RelationshipStatus,
    RelationshipType,
)
from models.rules.grants import end_relationship
from models.tables.organizations import Organization
from models.tables.relationships import Relationship
from models.tables.tenant import Device, LobApp, Purchase, Subscription
from tests import factories as f
from tests.graphql import GraphQLClient

PLACE_ORDER = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    purchase { id productName quantity amount currency partner { id name } }
    subscription { id sku offerName quantity status soldBy { id name } }
    errors { field message code }
  }
}
"""
CHANGE_SUBSCRIPTION = """
mutation($input: ChangeSubscriptionInput!) {
  changeSubscription(input: $input) {
    subscription { id sku quantity status }
    errors { field message code }
  }
}
"""
MPSA_PURCHASES = """
query($customerId: ID!, $first: Int, $after: String) {
  mpsaPurchases(customerId: $customerId, first: $first, after: $after) {
    totalCount
    edges { cursor node { id productName quantity amount partner { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
REGISTER_DEVICE = """
mutation($input: RegisterDeviceInput!) {
  registerDevice(input: $input) {
    device { id serialNumber hardwareHash model registeredByPartner { id name } }
    errors { field message code }
  }
}
"""
DEVICES = """
query($customerId: ID!) {
  devices(customerId: $customerId, first: 100) {
    totalCount edges { node { id serialNumber model registeredByPartner { name } } }
  }
}
"""
SUBMIT_APP = """
mutation($input: SubmitLobAppInput!) {
  submitLobApp(input: $input) {
    app { id name version packageUrl description submittedByPartner { id name } }
    errors { field message code }
  }
}
"""
UPDATE_APP = """
mutation($input: UpdateLobAppInput!) {
  updateLobApp(input: $input) {
    app { id name version packageUrl description }
    errors { field message code }
  }
}
"""
LOB_APPS = """
query($customerId: ID!) {
  lobApps(customerId: $customerId, first: 100) {
    totalCount edges { node { id name version submittedByPartner { name } } }
  }
}
"""

SEALER = Sealer("partner-actions-tests")
OK = "OK"
FORBIDDEN = "FORBIDDEN"
ACTIONS = ("place order", "change subscription", "MPSA purchases", "register device",
           "submit app", "update app")  # fmt: skip
_O, _F = OK, FORBIDDEN
# Who holds what with the customer -> the outcome of each action, in the order of ACTIONS.
EXPECTED: dict[str, tuple[str, str, str, str, str, str]] = {
    #                        order change mpsa device submit update
    "ADVISOR":              (_F,   _F,    _F,  _F,    _F,    _F),
    "ISV":                  (_F,   _F,    _F,  _F,    _F,    _F),
    "INDIRECT_RESELLER":    (_O,   _O,    _F,  _F,    _F,    _F),
    "LOB_PARTNER":          (_F,   _F,    _F,  _F,    _O,    _O),
    "MPSA_PARTNER":         (_F,   _F,    _O,  _F,    _F,    _F),
    "OEM":                  (_F,   _F,    _F,  _O,    _F,    _F),
    "PARTNER":              (_F,   _F,    _F,  _F,    _F,    _F),
    "GDAP_PARTNER":         (_F,   _F,    _F,  _F,    _F,    _F),
    "RESELLER":             (_O,   _O,    _F,  _F,    _F,    _F),
    "no relationship":      (_F,   _F,    _F,  _F,    _F,    _F),
    "RESELLER, then ended": (_F,   _F,    _F,  _F,    _F,    _F),
    "OEM and LOB_PARTNER":  (_F,   _F,    _F,  _O,    _O,    _O),
}  # fmt: skip

_serial = itertools.count(1)


async def outcome(api: GraphQLClient, document: str, variables: dict[str, Any], token: str) -> str:
    """OK, the top-level error's code, or the codes of the payload's errors."""
    body = await api.raw(document, variables, token)
    if body.get("errors"):
        assert body["data"] is None, body
        code: str = body["errors"][0]["extensions"]["code"]
        return code
    [result] = body["data"].values()
    if "errors" not in result:  # a list: it answered
        return OK
    if result["errors"]:
        return ",".join(error["code"] for error in result["errors"])
    assert all(value is not None for value in result.values()), result
    return OK


def org_id(org: Organization) -> str:
    return encode_id("Organization", org.id)


async def seed_sold_subscription(customer: Organization, partner: Organization) -> Subscription:
    """A subscription the partner sold the customer earlier."""
    return await Subscription.create(
        customer=customer,
        offer_name="Microsoft 365 E3",
        sku="M365_E3",
        quantity=10,
        sold_by=partner,
    )


async def seed_app(customer: Organization, partner: Organization) -> LobApp:
    """An app the partner submitted for the customer earlier."""
    return await LobApp.create(
        customer=customer,
        name="Timesheets",
        version="1.0.0",
        package_url="https://apps.example.com/timesheets-1.0.0.msix",
        submitted_by_partner=partner,
    )


def device_input(customer: Organization, **fields: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        "customerId": org_id(customer),
        "serialNumber": f"SN-{n:06d}",
        "hardwareHash": f"T0VNLWhhc2gt{n:06d}AAAA==",
        "model": "Surface Laptop 7",
    } | fields


def app_input(customer: Organization, **fields: Any) -> dict[str, Any]:
    return {
        "customerId": org_id(customer),
        "name": "Expenses",
        "version": "2.1.0",
        "packageUrl": "https://apps.example.com/expenses-2.1.0.msix",
        "description": "Files expense reports.",
    } | fields


Action = Callable[[f.Person], Awaitable[str]]


def actions_for(
    api: GraphQLClient,
    customer: Organization,
    subscription: Subscription,
    app: LobApp,
) -> dict[str, Action]:
    """Each partner action, run by an agent on the customer, giving its outcome."""
    customer_id = org_id(customer)
    return {
        "place order": lambda who: outcome(
            api,
            PLACE_ORDER,
            {"input": {"customerId": customer_id, "sku": "M365_BUSINESS_BASIC", "quantity": 5}},
            who.token,
        ),
        "change subscription": lambda who: outcome(
            api,
            CHANGE_SUBSCRIPTION,
            {
                "input": {
                    "subscriptionId": encode_id("Subscription", subscription.id),
                    "quantity": 12,
                }
            },
            who.token,
        ),
        "MPSA purchases": lambda who: outcome(
            api, MPSA_PURCHASES, {"customerId": customer_id}, who.token
        ),
        "register device": lambda who: outcome(
            api, REGISTER_DEVICE, {"input": device_input(customer)}, who.token
        ),
        "submit app": lambda who: outcome(
            api, SUBMIT_APP, {"input": app_input(customer)}, who.token
        ),
        "update app": lambda who: outcome(
            api,
            UPDATE_APP,
            {"input": {"appId": encode_id("LobApp", app.id), "version": "1.0.1"}},
            who.token,
        ),
    }


async def _partner_holding(name: str, admin: f.Person) -> tuple[Organization, f.Person]:
    """A partner whose relationship with the admin's customer is described by `name`."""
    partner = await f.partner(f"Partner {name}")
    agent = await f.person(partner, PartnerRole.ADMIN_AGENT)
    if name == "no relationship":
        return partner, agent
    if name == "RESELLER, then ended":
        relationship = await f.related(agent, admin, RelationshipType.RESELLER)
        op = Operation(actor=Actor.of(agent.user, OrganizationKind.PARTNER), sealer=SEALER)
        await end_relationship(op, relationship.id)
        assert (await Relationship.get(id=relationship.id)).status is RelationshipStatus.ENDED
        return partner, agent
    types = [RelationshipType(part) for part in name.split(" and ")]
    await f.related(agent, admin, *types)
    return partner, agent


async def test_every_relationship_type_against_every_partner_action(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer that accepted the Customer Agreement, and one partner per row of the
    # table, each holding that type with it (and having sold it a subscription and an app)
    customer = await f.customer("Contoso")
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    got: dict[str, tuple[str, ...]] = {}
    for name in EXPECTED:
        partner, agent = await _partner_holding(name, admin)
        actions = actions_for(
            api,
            customer,
            await seed_sold_subscription(customer, partner),
            await seed_app(customer, partner),
        )
        # When its admin agent tries every partner action on the customer
        got[name] = tuple([await actions[action](agent) for action in ACTIONS])

    # Then exactly what the table says is allowed
    assert got == EXPECTED


# The partner's own roles, for the type that allows each action.
ROLE_EXPECTED: dict[str, dict[str, str]] = {
    "ADMIN_AGENT": {"place order": OK, "change subscription": OK, "MPSA purchases": OK,
                    "register device": OK, "submit app": OK, "update app": OK},
    "SALES_AGENT": {"place order": OK, "change subscription": OK, "MPSA purchases": OK,
                    "register device": OK, "submit app": OK, "update app": OK},
    "HELPDESK_AGENT": {"place order": FORBIDDEN, "change subscription": FORBIDDEN,
                       "MPSA purchases": FORBIDDEN, "register device": OK, "submit app": OK,
                       "update app": OK},
    "a user without partner roles": dict.fromkeys(ACTIONS, FORBIDDEN),
    "the customer's global admin": dict.fromkeys(ACTIONS, FORBIDDEN),
}  # fmt: skip


async def test_which_people_of_the_partner_may_take_each_action(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner holding every type that allows an action with the customer
    customer = await f.customer("Contoso")
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    partner = await f.partner("Fabrikam")
    owner = await f.person(partner, PartnerRole.ADMIN_AGENT)
    await f.related(
        owner,
        admin,
        RelationshipType.RESELLER,
        RelationshipType.MPSA_PARTNER,
        RelationshipType.OEM,
        RelationshipType.LOB_PARTNER,
    )
    people = {
        "ADMIN_AGENT": owner,
        "SALES_AGENT": await f.person(partner, PartnerRole.SALES_AGENT),
        "HELPDESK_AGENT": await f.person(partner, PartnerRole.HELPDESK_AGENT),
        "a user without partner roles": await f.person(partner),
        "the customer's global admin": admin,
    }
    got: dict[str, dict[str, str]] = {}
    for name, who in people.items():
        actions = actions_for(
            api,
            customer,
            await seed_sold_subscription(customer, partner),
            await seed_app(customer, partner),
        )
        # When each person tries each action
        got[name] = {action: await actions[action](who) for action in ACTIONS}

    # Then sales actions need an admin or sales agent; devices and apps any agent
    assert got == ROLE_EXPECTED


async def test_a_relationship_with_an_oem_grants_no_roles_yet_registers_devices(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an OEM partner of the customer
    customer = await f.customer("Contoso")
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    relationship = await f.related(agent, admin, RelationshipType.OEM)

    # Then the relationship holds no role grant at all
    data = await api.query(
        "query($id: ID!) { relationship(id: $id) { types roleGrants { role } } }",
        {"id": encode_id("Relationship", relationship.id)},
        agent.token,
    )
    assert data["relationship"] == {"types": ["OEM"], "roleGrants": []}

    # And yet its agent registers a device
    result = await outcome(api, REGISTER_DEVICE, {"input": device_input(customer)}, agent.token)
    assert result == OK
    assert await Device.filter(customer_id=customer.id).count() == 1
    assert await Purchase.all().count() == 0
