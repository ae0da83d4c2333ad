"""Orders and subscriptions: the Customer Agreement first, validated quantities, safe retries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import CURRENT_AGREEMENT_VERSION
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.organizations import Organization
from models.tables.relationships import AgreementAcceptance
from models.tables.tenant import Purchase, Subscription
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_partner_actions import CHANGE_SUBSCRIPTION, PLACE_ORDER, org_id

ACCEPT_AGREEMENT = """
mutation { acceptAgreement(input: {acceptAgreement: true}) {
  agreement { accepted version } errors { code } } }
"""
CUSTOMER_PURCHASES = """
query($id: ID!) { customer(id: $id) { purchases(first: 100) { totalCount edges { node {
  id productName quantity amount currency partner { name } } } } } }
"""
CUSTOMER_SUBSCRIPTIONS = """
query($id: ID!) { customer(id: $id) { subscriptions(first: 100) { totalCount edges { node {
  id sku offerName quantity status soldBy { name } } } } } }
"""
OFFERS = "query { offers { sku name unitPrice currency maxQuantity } }"


@dataclass
class Reseller:
    customer: Organization
    admin: f.Person
    partner: Organization
    agent: f.Person


async def given_a_reseller(
    customer_name: str = "Contoso", partner_name: str = "Fabrikam"
) -> Reseller:
    customer = await f.customer(customer_name)
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    partner = await f.partner(partner_name)
    agent = await f.person(partner, PartnerRole.SALES_AGENT)
    await f.related(agent, admin, RelationshipType.RESELLER)
    return Reseller(customer, admin, partner, agent)


async def place(
    api: GraphQLClient, who: f.Person, customer: Organization, **fields: Any
) -> dict[str, Any]:
    payload = {"customerId": org_id(customer), "sku": "M365_BUSINESS_BASIC", "quantity": 5}
    data = await api.query(PLACE_ORDER, {"input": payload | fields}, who.token)
    result: dict[str, Any] = data["placeOrder"]
    return result


async def change(
    api: GraphQLClient, who: f.Person, subscription_id: str, **fields: Any
) -> dict[str, Any]:
    data = await api.query(
        CHANGE_SUBSCRIPTION, {"input": {"subscriptionId": subscription_id} | fields}, who.token
    )
    result: dict[str, Any] = data["changeSubscription"]
    return result


def codes(result: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(error["code"], error["field"]) for error in result["errors"]]


async def test_a_resellers_order_is_refused_before_the_customer_agreement_and_accepted_after(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a reseller of a customer that accepted only an earlier Customer Agreement version
    # (the current one came out since)
    given = await given_a_reseller()
    sold = await Subscription.create(
        customer=given.customer, offer_name="Microsoft 365 E3", sku="M365_E3", quantity=10,
        sold_by=given.partner,
    )  # fmt: skip
    sold_id = encode_id("Subscription", sold.id)
    await AgreementAcceptance.filter(customer_id=given.customer.id).update(version="2025-01")
    assert CURRENT_AGREEMENT_VERSION != "2025-01"

    # When the reseller places an order, or changes a subscription it sold
    refused = await place(api, given.agent, given.customer)
    refused_change = await change(api, given.agent, sold_id, quantity=20)

    # Then both are refused until the customer accepts the current agreement
    assert codes(refused) == [("AGREEMENT_NOT_ACCEPTED", ["input", "customerId"])]
    assert refused["purchase"] is None
    assert codes(refused_change) == [("AGREEMENT_NOT_ACCEPTED", ["input", "customerId"])]
    assert await Purchase.all().count() == 0
    assert (await Subscription.get(id=sold.id)).quantity == 10

    # When the customer's admin accepts the current Customer Agreement
    data = await api.query(ACCEPT_AGREEMENT, token=given.admin.token)
    assert data["acceptAgreement"]["agreement"]["version"] == CURRENT_AGREEMENT_VERSION

    # Then the same order goes through: a purchase and a subscription sold by the reseller
    accepted = await place(api, given.agent, given.customer)
    assert accepted["errors"] == []
    assert accepted["purchase"]["productName"] == "Microsoft 365 Business Basic"
    assert accepted["purchase"]["quantity"] == 5
    assert Decimal(accepted["purchase"]["amount"]) == Decimal("30.00")
    assert accepted["purchase"]["partner"]["name"] == "Fabrikam"
    assert accepted["subscription"]["sku"] == "M365_BUSINESS_BASIC"
    assert accepted["subscription"]["status"] == "ACTIVE"
    assert accepted["subscription"]["soldBy"]["name"] == "Fabrikam"
    # And the subscription change too
    assert (await change(api, given.agent, sold_id, quantity=20))["subscription"]["quantity"] == 20
    assert await Purchase.filter(partner_id=given.partner.id).count() == 1


async def test_quantities_and_offers_are_validated_naming_the_field(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a reseller of a customer that accepted the agreement
    given = await given_a_reseller()

    # When it orders bad quantities or an unknown offer
    # Then each is refused, naming the field, and nothing is bought
    quantity = ("INVALID_INPUT", ["input", "quantity"])
    for bad in (0, -3, 301):  # Business Basic holds 1 to 300 licenses
        assert codes(await place(api, given.agent, given.customer, quantity=bad)) == [quantity]
    assert codes(await place(api, given.agent, given.customer, sku="NOPE", quantity=0)) == [
        ("NOT_FOUND", ["input", "sku"]),
        quantity,
    ]
    key = ("INVALID_INPUT", ["input", "idempotencyKey"])
    for bad_key in ("", "x" * 101, "line\nbreak"):
        assert codes(await place(api, given.agent, given.customer, idempotencyKey=bad_key)) == [key]
    assert codes(await place(api, given.agent, given.customer, customerId="nope")) == [
        ("NOT_FOUND", ["input", "customerId"])
    ]
    assert await Purchase.all().count() == 0
    assert await Subscription.all().count() == 0

    # While the bounds themselves are accepted
    for good in (1, 300):
        assert (await place(api, given.agent, given.customer, quantity=good))["errors"] == []
    big = await place(api, given.agent, given.customer, sku="M365_E3", quantity=5000)
    assert big["errors"] == []
    # And the catalog says so to any signed-in client
    offers = {o["sku"]: o for o in (await api.query(OFFERS, token=given.agent.token))["offers"]}
    assert offers["M365_BUSINESS_BASIC"]["maxQuantity"] == 300
    assert Decimal(offers["M365_BUSINESS_BASIC"]["unitPrice"]) == Decimal("6.00")


async def test_an_order_sent_again_with_its_idempotency_key_buys_once(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a reseller's order with an idempotency key
    given = await given_a_reseller()
    first = await place(api, given.agent, given.customer, idempotencyKey="order-42")
    assert first["errors"] == []

    # When it is sent again (a retry after a lost answer), and twice more at the same moment
    again = await place(api, given.agent, given.customer, idempotencyKey="order-42")
    racing = await asyncio.gather(
        *(place(api, given.agent, given.customer, idempotencyKey="order-43") for _ in range(2))
    )

    # Then the retry returns the first order, and the racing pair buys once
    assert again == first
    assert racing[0] == racing[1]
    assert racing[0]["errors"] == []
    assert await Purchase.all().count() == 2
    assert await Subscription.all().count() == 2

    # When the key comes with a different order, it is refused rather than guessed
    different = await place(api, given.agent, given.customer, idempotencyKey="order-42", quantity=6)
    assert codes(different) == [("INVALID_INPUT", ["input", "idempotencyKey"])]

    # And a key is the partner's own for this customer: another reseller may use the same one
    other = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    await f.related(other, given.admin, RelationshipType.INDIRECT_RESELLER)
    theirs = await place(api, other, given.customer, idempotencyKey="order-42")
    assert theirs["errors"] == []
    assert theirs["purchase"]["id"] != first["purchase"]["id"]
    # And without a key, each order buys
    await place(api, given.agent, given.customer)
    await place(api, given.agent, given.customer)
    assert await Purchase.all().count() == 5


async def test_a_reseller_changes_only_the_subscriptions_it_sold(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a reseller's subscription, and another reseller of the same customer
    given = await given_a_reseller()
    ordered = await place(api, given.agent, given.customer, quantity=10)
    subscription_id = ordered["subscription"]["id"]
    other = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    await f.related(other, given.admin, RelationshipType.RESELLER)

    # When the other reseller tries to change it, it does not find it
    assert codes(await change(api, other, subscription_id, quantity=1)) == [
        ("NOT_FOUND", ["input", "subscriptionId"])
    ]

    # When its own reseller resizes, suspends, reactivates it
    resized = await change(api, given.agent, subscription_id, quantity=25)
    suspended = await change(api, given.agent, subscription_id, action="SUSPEND")
    reactivated = await change(api, given.agent, subscription_id, action="REACTIVATE", quantity=30)
    # Then each change holds
    assert resized["subscription"] | {"id": ""} == {
        "id": "", "sku": "M365_BUSINESS_BASIC", "quantity": 25, "status": "ACTIVE"
    }  # fmt: skip
    assert suspended["subscription"]["status"] == "SUSPENDED"
    assert reactivated["subscription"]["status"] == "ACTIVE"
    assert reactivated["subscription"]["quantity"] == 30

    # And bad changes are refused, naming the field
    assert codes(await change(api, given.agent, subscription_id, quantity=0)) == [
        ("INVALID_INPUT", ["input", "quantity"])
    ]
    assert codes(await change(api, given.agent, subscription_id, quantity=301)) == [
        ("INVALID_INPUT", ["input", "quantity"])
    ]
    assert codes(await change(api, given.agent, subscription_id)) == [
        ("INVALID_INPUT", ["input", "quantity"])
    ]

    # When it cancels it, then nothing more may change
    canceled = await change(api, given.agent, subscription_id, action="CANCEL")
    assert canceled["subscription"]["status"] == "CANCELED"
    for fields in ({"action": "REACTIVATE"}, {"quantity": 3}):
        assert codes(await change(api, given.agent, subscription_id, **fields)) == [
            ("SUBSCRIPTION_CLOSED", ["input", "subscriptionId"])
        ]
    row = await Subscription.get(sold_by_id=given.partner.id)
    assert (row.status, row.quantity) == ("CANCELED", 30)


async def test_the_customer_sees_its_purchases_and_subscriptions_and_who_sold_them(
    api: GraphQLClient, db: Settings
) -> None:
    # Given two resellers' orders for a customer, and the customer's own purchase
    given = await given_a_reseller()
    other = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    await f.related(other, given.admin, RelationshipType.INDIRECT_RESELLER)
    await place(api, given.agent, given.customer, quantity=3)
    await place(api, other, given.customer, sku="INTUNE_P1", quantity=7)
    await Purchase.create(
        customer=given.customer, product_name="Visio Plan 2", quantity=1, amount=Decimal("15"),
        purchased_at=given.customer.created_at,
    )  # fmt: skip
    billing = await f.person(given.customer, "BILLING_ADMINISTRATOR")

    customer = {"id": org_id(given.customer)}
    for admin in (given.admin, billing):
        # When a customer admin lists them on its own customer
        data = await api.query(CUSTOMER_PURCHASES, customer, admin.token)
        purchases = data["customer"]["purchases"]
        data = await api.query(CUSTOMER_SUBSCRIPTIONS, customer, admin.token)
        subscriptions = data["customer"]["subscriptions"]
        # Then it sees all of them, with who bought them
        bought = {
            (p["productName"], p["quantity"], p["partner"] and p["partner"]["name"])
            for p in (edge["node"] for edge in purchases["edges"])
        }
        assert bought == {
            ("Microsoft 365 Business Basic", 3, "Fabrikam"),
            ("Microsoft Intune Plan 1", 7, "Northwind"),
            ("Visio Plan 2", 1, None),
        }
        assert purchases["totalCount"] == 3
        sold = {(s["node"]["sku"], s["node"]["soldBy"]["name"]) for s in subscriptions["edges"]}
        assert sold == {("M365_BUSINESS_BASIC", "Fabrikam"), ("INTUNE_P1", "Northwind")}

    # While the resellers (no admin role granted) and a customer user without admin roles
    # read none of them: the customer is not theirs to see, or its lists are FORBIDDEN
    for who in (given.agent, other, await f.person(given.customer)):
        for document, name in (
            (CUSTOMER_PURCHASES, "purchases"),
            (CUSTOMER_SUBSCRIPTIONS, "subscriptions"),
        ):
            body = await api.raw(document, customer, who.token)
            seen = body["data"]["customer"]
            if seen is None:
                assert not body.get("errors")
            else:
                assert seen[name] is None
                assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
