"""LOB partners submit and update line-of-business apps: validated, their own only."""

from __future__ import annotations

from typing import Any

from models.foundation.settings import Settings
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.tenant import LobApp
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_partner_actions import LOB_APPS, SUBMIT_APP, UPDATE_APP, app_input, org_id

CUSTOMER_APPS = """
query($id: ID!) { customer(id: $id) { apps(first: 100) { totalCount edges { node {
  name version packageUrl description submittedByPartner { name } } } } } }
"""


async def submit(api: GraphQLClient, who: f.Person, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await api.query(SUBMIT_APP, {"input": fields}, who.token))[
        "submitLobApp"
    ]
    return result


async def update(api: GraphQLClient, who: f.Person, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await api.query(UPDATE_APP, {"input": fields}, who.token))[
        "updateLobApp"
    ]
    return result


def fields_of(result: dict[str, Any]) -> list[str]:
    assert {error["code"] for error in result["errors"]} <= {"INVALID_INPUT"}, result
    return [error["field"][1] for error in result["errors"]]


async def test_app_input_is_validated_naming_the_field(api: GraphQLClient, db: Settings) -> None:
    # Given a LOB partner of a customer
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    await f.related(agent, admin, RelationshipType.LOB_PARTNER)

    # When it submits bad values, Then each field is named
    cases: dict[str, tuple[dict[str, Any], list[str]]] = {
        "http": ({"packageUrl": "http://apps.example.com/a.msix"}, ["packageUrl"]),
        "no host": ({"packageUrl": "https:///a.msix"}, ["packageUrl"]),
        "not a url": ({"packageUrl": "apps.example.com/a.msix"}, ["packageUrl"]),
        "javascript": ({"packageUrl": "javascript:alert(1)"}, ["packageUrl"]),
        "credentials": ({"packageUrl": "https://u:p@apps.example.com/a"}, ["packageUrl"]),
        "spaces": ({"packageUrl": "https://apps.example.com/a b.msix"}, ["packageUrl"]),
        "empty name": ({"name": " "}, ["name"]),
        "bad version": ({"version": "1.0 beta"}, ["version"]),
        "long description": ({"description": "d" * 4001}, ["description"]),
        "everything": (
            {"name": "", "version": "", "packageUrl": "ftp://x"},
            ["name", "version", "packageUrl"],
        ),
    }
    got = {
        name: fields_of(await submit(api, agent, **app_input(contoso, **bad)))
        for name, (bad, _) in cases.items()
    }
    assert got == {name: fields for name, (_, fields) in cases.items()}
    assert await LobApp.all().count() == 0

    # And a good one is stored, trimmed
    result = await submit(api, agent, **app_input(contoso, name=" Expenses "))
    assert result["errors"] == []
    assert result["app"]["name"] == "Expenses"
    assert result["app"]["submittedByPartner"]["name"] == "Fabrikam"

    # And updates are validated the same way
    app_id = result["app"]["id"]
    assert fields_of(await update(api, agent, appId=app_id, packageUrl="http://x.example")) == [
        "packageUrl"
    ]
    nothing = await update(api, agent, appId=app_id)
    assert [(e["code"], e["field"]) for e in nothing["errors"]] == [("INVALID_INPUT", None)]


async def test_a_lob_partner_updates_only_its_own_apps(api: GraphQLClient, db: Settings) -> None:
    # Given two LOB partners of a customer, each with an app
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    fabrikam = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    northwind = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    for agent in (fabrikam, northwind):
        await f.related(agent, admin, RelationshipType.LOB_PARTNER)
    ours = (await submit(api, fabrikam, **app_input(contoso, name="Timesheets")))["app"]
    theirs = (await submit(api, northwind, **app_input(contoso, name="Inventory")))["app"]

    # When each updates its own app, partly
    updated = await update(api, fabrikam, appId=ours["id"], version="1.1.0", description="")
    # Then only the fields given change
    assert updated["errors"] == []
    assert updated["app"] | {"id": ""} == {
        "id": "",
        "name": "Timesheets",
        "version": "1.1.0",
        "packageUrl": ours["packageUrl"],
        "description": "",
    }

    # When one tries to update the other's app, it does not find it, and nothing changes
    refused = await update(api, fabrikam, appId=theirs["id"], name="Hijacked")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("NOT_FOUND", ["input", "appId"])
    ]
    assert (await LobApp.get(name="Inventory")).version == "2.1.0"

    # And each lists only its own apps for the customer
    for agent, name in ((fabrikam, "Timesheets"), (northwind, "Inventory")):
        page = (await api.query(LOB_APPS, {"customerId": org_id(contoso)}, agent.token))["lobApps"]
        assert [e["node"]["name"] for e in page["edges"]] == [name]

    # While the customer's admin sees every app, and who submitted it
    data = await api.query(CUSTOMER_APPS, {"id": org_id(contoso)}, admin.token)
    page = data["customer"]["apps"]
    seen = {
        (e["node"]["name"], e["node"]["description"], e["node"]["submittedByPartner"]["name"])
        for e in page["edges"]
    }
    assert seen == {
        ("Timesheets", "", "Fabrikam"),
        ("Inventory", "Files expense reports.", "Northwind"),
    }
