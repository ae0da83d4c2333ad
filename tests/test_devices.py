"""OEM partners register devices: validated, duplicates refused naming the field, seen by the
customer."""

from __future__ import annotations

import asyncio
from typing import Any

from models.foundation.settings import Settings
from models.reference.enums import PartnerRole, RelationshipType
from models.tables.organizations import Organization
from models.tables.tenant import Device
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_partner_actions import DEVICES, REGISTER_DEVICE, device_input, org_id

CUSTOMER_DEVICES = """
query($id: ID!) { customer(id: $id) { devices(first: 100) { totalCount edges { node {
  serialNumber hardwareHash model registeredByPartner { name } } } } } }
"""


async def register(api: GraphQLClient, who: f.Person, **fields: Any) -> dict[str, Any]:
    data = await api.query(REGISTER_DEVICE, {"input": fields}, who.token)
    result: dict[str, Any] = data["registerDevice"]
    return result


def codes(result: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(error["code"], error["field"]) for error in result["errors"]]


def fields_of(result: dict[str, Any]) -> list[str]:
    assert {error["code"] for error in result["errors"]} <= {"INVALID_INPUT"}, result
    return [error["field"][1] for error in result["errors"]]


async def _oem_of(*customers: Organization) -> f.Person:
    """A helpdesk agent of a partner holding the OEM type with each customer."""
    partner = await f.partner("Fabrikam")
    owner = await f.person(partner, PartnerRole.ADMIN_AGENT)
    for customer in customers:
        admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
        await f.related(owner, admin, RelationshipType.OEM)
    return await f.person(partner, PartnerRole.HELPDESK_AGENT)


async def test_duplicate_devices_are_refused_naming_the_field(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an OEM partner of two customers, and a device it registered for the first
    contoso, tailspin = await f.customer("Contoso"), await f.customer("Tailspin")
    agent = await _oem_of(contoso, tailspin)
    first = device_input(contoso, serialNumber="SN-1", hardwareHash="QUJDRA==")
    assert (await register(api, agent, **first))["errors"] == []

    # When it registers the same serial number for the same customer
    same_serial = await register(api, agent, **(first | {"hardwareHash": "RUZHSA=="}))
    # Or the same hardware hash, for either customer (a machine belongs to one tenant)
    same_hash = await register(api, agent, **(first | {"serialNumber": "SN-2"}))
    same_hash_elsewhere = await register(
        api, agent, **(first | {"customerId": org_id(tailspin), "serialNumber": "SN-3"})
    )
    # Or both at once, with the hash spread over lines as tools export it
    both = await register(api, agent, **(first | {"hardwareHash": "QUJD\nRA=="}))

    # Then each is refused, naming the field
    serial = ("DUPLICATE", ["input", "serialNumber"])
    hardware = ("DUPLICATE", ["input", "hardwareHash"])
    assert codes(same_serial) == [serial]
    assert codes(same_hash) == [hardware]
    assert codes(same_hash_elsewhere) == [hardware]
    assert codes(both) == [serial, hardware]
    assert await Device.all().count() == 1

    # While the same serial number with another hash may be registered for another customer
    elsewhere = first | {"customerId": org_id(tailspin), "hardwareHash": "SUpLTA=="}
    assert (await register(api, agent, **elsewhere))["errors"] == []

    # And two registrations of one device at the same moment register it once
    racing = device_input(contoso)
    results = await asyncio.gather(*(register(api, agent, **racing) for _ in range(2)))
    won, lost = sorted(results, key=lambda r: len(r["errors"]))
    assert won["errors"] == []
    # (the loser names what it collided on: which of the two it sees depends on the moment)
    assert lost["device"] is None
    assert lost["errors"]
    assert {e["code"] for e in lost["errors"]} == {"DUPLICATE"}
    assert {e["field"][-1] for e in lost["errors"]} <= {"serialNumber", "hardwareHash"}
    assert await Device.filter(serial_number=racing["serialNumber"]).count() == 1


async def test_device_input_is_validated_naming_the_field(api: GraphQLClient, db: Settings) -> None:
    # Given an OEM partner of a customer
    contoso = await f.customer("Contoso")
    agent = await _oem_of(contoso)

    # When it sends bad values, Then each field is named
    cases: dict[str, tuple[dict[str, Any], list[str]]] = {
        "empty serial": ({"serialNumber": "  "}, ["serialNumber"]),
        "long serial": ({"serialNumber": "S" * 101}, ["serialNumber"]),
        "empty model": ({"model": ""}, ["model"]),
        "hash not base64": ({"hardwareHash": "not a hash!"}, ["hardwareHash"]),
        "empty hash": ({"hardwareHash": ""}, ["hardwareHash"]),
        "all three": (
            {"serialNumber": "", "model": "", "hardwareHash": "%%"},
            ["serialNumber", "model", "hardwareHash"],
        ),
    }
    got = {
        name: fields_of(await register(api, agent, **device_input(contoso, **bad)))
        for name, (bad, _) in cases.items()
    }
    assert got == {name: fields for name, (_, fields) in cases.items()}
    assert await Device.all().count() == 0

    # And a good one is stored trimmed
    result = await register(
        api, agent, **device_input(contoso, serialNumber=" SN-9 ", model=" Surface Pro ")
    )
    assert (result["device"]["serialNumber"], result["device"]["model"]) == ("SN-9", "Surface Pro")


async def test_the_oem_lists_its_devices_and_the_customer_sees_them_all(
    api: GraphQLClient, db: Settings
) -> None:
    # Given two OEM partners of a customer, each registering a device, and the customer's own
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    fabrikam = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    northwind = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    for agent in (fabrikam, northwind):
        await f.related(agent, admin, RelationshipType.OEM)
    await register(api, fabrikam, **device_input(contoso, serialNumber="FAB-1"))
    await register(api, northwind, **device_input(contoso, serialNumber="NW-1"))
    await Device.create(
        customer=contoso, serial_number="OWN-1", hardware_hash="T1dO", model="Desktop"
    )

    # When each OEM lists the customer's devices, Then it sees the ones it registered
    for agent, serial in ((fabrikam, "FAB-1"), (northwind, "NW-1")):
        page = (await api.query(DEVICES, {"customerId": org_id(contoso)}, agent.token))["devices"]
        assert [e["node"]["serialNumber"] for e in page["edges"]] == [serial]
        assert page["totalCount"] == 1

    # And the customer's admin sees every device, and who registered it
    data = await api.query(CUSTOMER_DEVICES, {"id": org_id(contoso)}, admin.token)
    page = data["customer"]["devices"]
    seen = {
        (e["node"]["serialNumber"], (e["node"]["registeredByPartner"] or {}).get("name"))
        for e in page["edges"]
    }
    assert seen == {("FAB-1", "Fabrikam"), ("NW-1", "Northwind"), ("OWN-1", None)}
