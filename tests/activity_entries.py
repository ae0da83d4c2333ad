"""Reading the activity log through the API, for the tests of what each area records."""

from __future__ import annotations

import json
from typing import Any

from models.tables.activity import ActivityEntry
from models.tables.relationships import Relationship
from tests import factories as f
from tests.graphql import GraphQLClient

ACTIVITY = """
query($filter: ActivityFilter) {
  activity(first: 100, filter: $filter) {
    totalCount
    edges { node {
      id action occurredAt objectType objectId relationshipId changes requestId clientAddress
      actor { email } actingOrganization { name } onBehalfOf { name }
      customer { name } partner { name }
    } }
  }
}
"""


async def entries(api: GraphQLClient, who: f.Person, **filter: Any) -> list[dict[str, Any]]:
    """Every entry the person sees, oldest first (as things happened), narrowed by `filter`."""
    data = await api.query(ACTIVITY, {"filter": filter or None}, who.token)
    page = data["activity"]
    assert page["totalCount"] == len(page["edges"])
    return [edge["node"] for edge in reversed(page["edges"])]


async def actions(api: GraphQLClient, who: f.Person, **filter: Any) -> list[str]:
    return [entry["action"] for entry in await entries(api, who, **filter)]


async def only(api: GraphQLClient, who: f.Person, action: str) -> dict[str, Any]:
    """The one entry of `action` the person sees."""
    [entry] = await entries(api, who, actions=[action])
    return entry


def who_and_whom(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry's actor, acting organization, customer acted for and concerned organizations,
    by email and name."""

    def name(value: dict[str, Any] | None, key: str = "name") -> Any:
        return value[key] if value is not None else None

    return {
        "actor": name(entry["actor"], "email"),
        "actingOrganization": name(entry["actingOrganization"]),
        "onBehalfOf": name(entry["onBehalfOf"]),
        "customer": name(entry["customer"]),
        "partner": name(entry["partner"]),
    }


async def mutate(
    api: GraphQLClient, document: str, input: dict[str, Any], who: f.Person | None
) -> dict[str, Any]:
    """A mutation's payload, which must have no errors."""
    data = await api.query(document, {"input": input}, who.token if who else None)
    [payload] = data.values()
    assert payload["errors"] == [], payload
    result: dict[str, Any] = payload
    return result


async def assert_relationship_entries_name_both_sides() -> int:
    """Every entry of a relationship concerns both of its sides, which
    `policy.visible_relationship_activity` relies on; how many there are (not none)."""
    sides = {r.id: (r.customer_id, r.partner_id) for r in await Relationship.all()}
    found = await ActivityEntry.filter(relationship_id__not_isnull=True).values_list(
        "action", "relationship_id", "customer_id", "partner_id"
    )
    assert found
    wrong = [row for row in found if sides[row[1]] != (row[2], row[3])]
    assert wrong == [], wrong
    return len(found)


def text_of(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
