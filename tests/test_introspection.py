"""In production the schema keeps to itself: no introspection, and no "Did you mean ...?" in
errors, for anyone, signed in or not, unless GRAPHQL_INTROSPECTION turns them on."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from starlette.datastructures import Secret

from api.app import create_app
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.graphql import GraphQLClient

SCHEMA = "{ __schema { queryType { name } types { name } } }"
TYPE = '{ __type(name: "Invitation") { fields { name } } }'
# Mistakes that graphql-core answers with a suggestion: a field, an argument, an enum value
# in the document and in a variable, an input field in a variable, a type of a variable.
MISTAKES: dict[str, tuple[str, dict[str, Any]]] = {
    "a misspelt field": ("{ relationshipTypess { type } }", {}),
    "a misspelt argument": ("{ leads(frist: 1) { totalCount } }", {}),
    "a misspelt enum value": ("{ leads(status: CONTACTD) { totalCount } }", {}),
    "a misspelt enum value in a variable": (
        "query($s: LeadStatus) { leads(status: $s) { totalCount } }",
        {"s": "CONTACTD"},
    ),
    "a misspelt input field in a variable": (
        "mutation($i: ContactPartnerInput!) { contactPartner(input: $i) { errors { code } } }",
        {"i": {"partnerId": "x", "contactNam": "Dana"}},
    ),
    "a misspelt type": ("query($s: LeadStatuss) { __typename }", {}),
}

Served = Callable[[Settings], AbstractAsyncContextManager[GraphQLClient]]


@pytest.fixture
def app_of() -> Served:
    @asynccontextmanager
    async def serve(settings: Settings) -> AsyncIterator[GraphQLClient]:
        application = create_app(settings)
        async with (
            LifespanManager(application),
            AsyncClient(
                transport=ASGITransport(app=application), base_url="http://testserver"
            ) as http,
        ):
            yield GraphQLClient(http)

    return serve


def _production(db: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(db, environment="production", secret_key=Secret("x" * 40), **changes)


async def _messages(api: GraphQLClient, query: str, variables: dict[str, Any], token: str) -> str:
    body = await api.raw(query, variables, token)
    assert body.get("errors"), body
    return " ".join(error["message"] for error in body["errors"])


async def test_production_answers_no_introspection_to_anyone(db: Settings, app_of: Served) -> None:
    # Given the app in production, a visitor and a signed-in admin agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    async with app_of(_production(db)) as api:
        for token in (None, agent.token):
            # When either asks for the schema or a type of it
            for query in (SCHEMA, TYPE):
                body = await api.raw(query, token=token)

                # Then the request is refused as not fitting the schema, and nothing is shown
                assert body.get("data") is None, body
                codes = {error["extensions"]["code"] for error in body["errors"]}
                assert codes == {"GRAPHQL_VALIDATION_FAILED"}
                assert "introspection has been disabled" in body["errors"][0]["message"]

            # While the type of what is answered may still be named
            assert await api.query("{ __typename }", token=token) == {"__typename": "Query"}


async def test_production_errors_suggest_no_names(db: Settings, app_of: Served) -> None:
    # Given the app in production, and a signed-in admin agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    async with app_of(_production(db)) as api:
        for case, (query, variables) in MISTAKES.items():
            # When a request makes a mistake that a suggestion would correct
            said = await _messages(api, query, variables, agent.token)

            # Then the error says what is wrong, but suggests nothing
            assert said, case
            assert "Did you mean" not in said, (case, said)


async def test_production_may_turn_introspection_and_suggestions_on(
    db: Settings, app_of: Served
) -> None:
    # Given the app in production with GRAPHQL_INTROSPECTION on, and a signed-in agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    async with app_of(_production(db, graphql_introspection=True)) as api:
        # Then the schema may be read
        schema = (await api.query(SCHEMA, token=agent.token))["__schema"]
        assert schema["queryType"] == {"name": "Query"}

        # And each mistake gets its suggestion
        for case, (query, variables) in MISTAKES.items():
            said = await _messages(api, query, variables, agent.token)
            assert "Did you mean" in said, (case, said)


async def test_development_shows_the_schema_and_suggests_names(
    db: Settings, api: GraphQLClient
) -> None:
    # Given the app outside production (the suite's `test` environment)
    assert not db.production

    # Then the schema may be read and a mistake gets its suggestion, as GraphiQL needs
    assert (await api.query(TYPE))["__type"]["fields"]
    said = await _messages(api, *MISTAKES["a misspelt field"], token="")
    assert "Did you mean 'relationshipTypes'" in said
