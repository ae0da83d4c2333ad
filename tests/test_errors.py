"""Every error an answer holds carries a code that the schema and the README list."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from starlette.datastructures import Secret

from api.app import create_app
from models.foundation.settings import Environment, Settings
from models.reference.enums import PartnerRole
from schema import MAX_DEPTH
from schema.errors import RequestErrorCode
from tests import factories as f
from tests.faults import break_loaders
from tests.graphql import GraphQLClient

README = Path(__file__).parent.parent / "README.md"

LISTED_CODES = '{ __type(name: "RequestErrorCode") { enumValues { name description } } }'
LEADS = """
query($status: LeadStatus, $first: Int) { leads(status: $status, first: $first) { totalCount } }
"""


async def _codes(api: GraphQLClient, query: str, variables: dict[str, Any], token: str) -> set[str]:
    """The codes of a refused request's errors; every error must have one."""
    body = await api.raw(query, variables, token)
    assert body.get("data") is None, body
    assert body["errors"], body
    return {error.get("extensions", {}).get("code") for error in body["errors"]}


async def test_graphql_refusals_carry_codes_the_schema_lists(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's admin agent, and the top-level codes the schema lists, each described
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    values = (await api.query(LISTED_CODES))["__type"]["enumValues"]
    listed = {value["name"] for value in values}
    assert listed == {str(code) for code in RequestErrorCode}
    assert all(value["description"] for value in values)

    nested = "relationships { edges { node { " * (MAX_DEPTH + 1) + "id" + " } } }" * (MAX_DEPTH + 1)
    cases: dict[str, tuple[str, dict[str, Any], str]] = {
        # When a document does not parse
        "a document that is not GraphQL": ("{ leads(", {}, "GRAPHQL_PARSE_FAILED"),
        # When it does not fit the schema or its limits
        "a bad enum value": (
            "{ leads(status: BOGUS) { totalCount } }",
            {},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        "an unknown field": ("{ leads { nope } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        "an unknown argument": (
            "{ leads(colour: 1) { totalCount } }",
            {},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        "a document too deep": (f"{{ {nested} }}", {}, "GRAPHQL_VALIDATION_FAILED"),
        # When its variables do not fit the document
        "a bad enum value as a variable": (LEADS, {"status": "BOGUS"}, "BAD_USER_INPUT"),
        "a number that is not one": (LEADS, {"first": "ten"}, "BAD_USER_INPUT"),
        # When a page is asked for outside what lists allow
        "a negative page size": (LEADS, {"first": -1}, "BAD_USER_INPUT"),
        "a page size over 100": (LEADS, {"first": 101}, "BAD_USER_INPUT"),
        "a cursor that is not one": (
            '{ leads(after: "garbage") { totalCount } }',
            {},
            "BAD_USER_INPUT",
        ),
    }
    for case, (query, variables, expected) in cases.items():
        codes = await _codes(api, query, variables, agent.token)
        # Then each error carries the code that names what went wrong, and the schema lists it
        assert codes == {expected}, case
        assert codes <= listed, case


async def test_the_readme_lists_every_code_and_the_list_rule() -> None:
    # Given the README's API contract
    text = README.read_text(encoding="utf-8")
    contract = text[text.index("## The API contract") :]
    contract = contract[: contract.index("\n## ", 1)]

    # Then it lists every top-level code, and states the one rule of every list
    for code in RequestErrorCode:
        assert f"`{code}`" in contract, code
    assert "FORBIDDEN" in contract
    assert "empty list" in contract


@pytest.mark.parametrize("environment", ["production", "development"])
async def test_a_fault_of_ours_is_an_internal_server_error(
    db: Settings, monkeypatch: pytest.MonkeyPatch, environment: Environment
) -> None:
    # Given the app, and a signed-in agent
    settings = dataclasses.replace(db, environment=environment, secret_key=Secret("x" * 40))
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    application = create_app(settings)
    async with (
        LifespanManager(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver") as http,
    ):
        # When a resolver fails unexpectedly
        break_loaders(monkeypatch, "secret detail: password=hunter2")
        response = await http.post(
            "/graphql",
            json={"query": "{ viewer { organization { name } } }"},
            headers={"Authorization": f"Bearer {agent.token}"},
        )

    # Then the error says so by its code, whether or not its message is masked
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert ("hunter2" in error["message"]) is (environment == "development")
