"""The API as a whole: pagination, query limits, production mode, probes and the catalog."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    Lexer,
    Source,
    TokenKind,
)
from httpx import ASGITransport, AsyncClient
from starlette.datastructures import Secret

from api.app import create_app
from models.foundation.settings import DEFAULT_SECRET_KEY, Settings, SettingsError
from models.reference.catalog import (
    GDAP_TERMS,
    RELATIONSHIP_TYPES,
    ROLE_CATALOG,
    AdminRole,
    duration_words,
)
from models.reference.enums import PartnerRole
from schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, build_schema
from tests import factories as f
from tests.faults import break_loaders
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import RedisServer, SmtpServer

PAGE = """
query($first: Int, $after: String) {
  %s(first: $first, after: $after) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


async def _all_pages(api: GraphQLClient, field: str, token: str, size: int) -> list[dict[str, Any]]:
    """Every page of a list, following `endCursor` until `hasNextPage` is false."""
    pages: list[dict[str, Any]] = []
    after: str | None = None
    while len(pages) < 20:
        data = await api.query(PAGE % field, {"first": size, "after": after}, token)
        page = data[field]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"{field} never reached its last page")


async def test_lists_page_through_every_item_exactly_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner with five customers, each of which accepted a Reseller invitation
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    admins = {
        f"it@customer{n}.com": await f.person(
            await f.customer(f"Customer {n}"), "GLOBAL_ADMINISTRATOR"
        )
        for n in range(5)
    }
    for email in admins:
        sent = await f.send(
            api, agent, customerEmail=email, type="RESELLER", roles=None, durationDays=None
        )
        assert sent["errors"] == []
    await run_jobs(db)
    for mail in smtp_server.wait_for(5):
        accepted = await f.accept(api, admins[mail.rcpt_tos[0]], invitation_link(mail)[1])
        assert accepted["errors"] == []

    for field in ("relationships", "invitations"):
        everything = await api.query(PAGE % field, {"first": 100}, agent.token)
        newest_first = [edge["node"]["id"] for edge in everything[field]["edges"]]
        assert len(set(newest_first)) == 5

        # When the agent pages through the list two at a time
        pages = await _all_pages(api, field, agent.token, size=2)

        # Then every item comes exactly once, in the same order as one big page
        assert [len(page["edges"]) for page in pages] == [2, 2, 1]
        paged = [edge["node"]["id"] for page in pages for edge in page["edges"]]
        assert paged == newest_first
        # And each page knows the total, and where it ends
        assert {page["totalCount"] for page in pages} == {5}
        assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, False]
        for page in pages:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]

        # And a page of none is empty, yet counts the list
        data = await api.query(PAGE % field, {"first": 0}, agent.token)
        assert data[field]["edges"] == []
        assert data[field]["totalCount"] == 5

        # And a page size outside 0..100 is refused
        for first in (-1, 101):
            body = await api.raw(PAGE % field, {"first": first}, agent.token)
            assert body["data"] is None, first
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", first
        data = await api.query(PAGE % field, {"first": 100}, agent.token)
        assert len(data[field]["edges"]) == 5


async def test_a_cursor_that_is_not_one_of_ours_is_refused(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a signed-in agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)

    # When it pages from cursors it made up, whatever they hold
    garbage = [
        "garbage",
        "%%%",
        _cursor(b"\xff\xfe\xfd"),
        _cursor(b'{"a": 1}'),
        _cursor(b"[1, 2]"),
        _cursor(b'["yesterday", "not-a-uuid"]'),
        _cursor(b'["2024-01-01T00:00:00+00:00", 5]'),
    ]
    refused = {}
    for field in ("relationships", "invitations"):
        for after in garbage:
            body = await api.raw(PAGE % field, {"first": 2, "after": after}, agent.token)
            error = body["errors"][0]
            refused[field, after] = (body["data"], error.get("extensions", {}).get("code"))
    # Then each is refused as bad input, with no data
    assert refused == dict.fromkeys(refused, (None, "BAD_USER_INPUT"))


def _token_count(document: str) -> int:
    """How many tokens the parser counts in a document."""
    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def _nested(levels: int) -> str:
    """A query whose fields nest `levels` deep below the top-level field.

    The schema itself is at most 6 deep, so deeper documents name fields that do not exist;
    the depth limit must still be reported, next to those errors.
    """
    path = ["edges", "node", "agreement", "acceptedBy", "organization"]
    path += [f"deeper{n}" for n in range(levels - len(path) - 1)]
    inner = "name"
    for name in reversed(path):
        inner = f"{name} {{ {inner} }}"
    return f"query Deep {{ relationships {{ {inner} }} }}"


async def test_too_deep_too_many_aliases_or_too_long_is_refused(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a signed-in agent
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    depth_error = f"'Deep' exceeds maximum operation depth of {MAX_DEPTH}"

    # When a query nests as deep as the schema allows, it runs
    data = await api.query(_nested(6), token=agent.token)
    assert data == {"relationships": {"edges": []}}
    # And at the limit, only the unknown fields are refused, not the depth
    body = await api.raw(_nested(MAX_DEPTH), token=agent.token)
    assert depth_error not in [e["message"] for e in body["errors"]]

    # When it nests deeper than 10 levels, it is refused for that, with no data
    for levels in (MAX_DEPTH + 1, 30):
        body = await api.raw(_nested(levels), token=agent.token)
        assert body.get("data") is None
        assert depth_error in [e["message"] for e in body["errors"]], levels

    # When a query has 30 aliases, it runs; with 31, it is refused with no data
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{n}: roleDefinitions {{ key }}" for n in range(count)) + " }"

    data = await api.query(aliased(MAX_ALIASES))
    assert len(data) == MAX_ALIASES
    body = await api.raw(aliased(MAX_ALIASES + 1))
    assert body.get("data") is None
    assert (
        body["errors"][0]["message"] == f"{MAX_ALIASES + 1} aliases found. Allowed: {MAX_ALIASES}"
    )

    # When a document has 2000 tokens, it runs; with 2001, it is refused with no data
    def tokens(count: int) -> str:
        """A document of exactly `count` tokens: 30 aliased blocks of catalog fields."""
        names = ["key", "name", "templateId", "description", "privileged", "__typename"]
        leaves = [names[n % len(names)] for n in range(count - 2 - 5 * MAX_ALIASES)]
        blocks = [leaves[n::MAX_ALIASES] for n in range(MAX_ALIASES)]
        body = " ".join(f"a{n}: roleDefinitions {{ {' '.join(b)} }}" for n, b in enumerate(blocks))
        return f"{{ {body} }}"

    assert _token_count(tokens(MAX_TOKENS)) == MAX_TOKENS
    data = await api.query(tokens(MAX_TOKENS))
    assert len(data["a0"]) == len(ROLE_CATALOG)
    body = await api.raw(tokens(MAX_TOKENS + 1))
    assert body.get("data") is None
    assert f"more than {MAX_TOKENS} tokens" in body["errors"][0]["message"]


async def test_recursive_introspection_is_refused(api: GraphQLClient, db: Settings) -> None:
    # Given introspection, which the depth limit does not count
    loop = (
        "fields { type { name fields { type { name fields { type { name fields { name } } } } } } }"
    )

    # When a client asks for the schema recursively, type within field within type...
    body = await api.raw(f'{{ __type(name: "Relationship") {{ {loop} }} }}')

    # Then it is refused rather than multiplied out
    assert body.get("data") is None
    assert body["errors"][0]["message"] == "Maximum introspection depth exceeded"


@asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[AsyncClient]:
    """An app of its own, with its lifespan running, and a client for it."""
    application = create_app(settings)
    async with (
        LifespanManager(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver") as http,
    ):
        yield http


async def test_production_hides_the_ide_and_masks_unexpected_errors(
    db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the app in production and in development, and a signed-in agent
    production = dataclasses.replace(db, environment="production", secret_key=Secret("x" * 40))
    development = dataclasses.replace(db, environment="development")
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    viewer = {"query": "{ viewer { email organization { name } } }"}
    auth = {"Authorization": f"Bearer {agent.token}"}

    async with _client(production) as http:
        # Then the production app does not serve GraphiQL
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        assert "graphiql" not in page.text.lower()
        # And it answers queries
        body = (await http.post("/graphql", json=viewer, headers=auth)).json()
        assert body == {
            "data": {"viewer": {"email": agent.email, "organization": {"name": "Fabrikam"}}}
        }
        # And its refusals keep their codes and messages
        body = (
            await http.post("/graphql", json={"query": "{ relationships { totalCount } }"})
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "bearer token" in body["errors"][0]["message"]
        body = (await http.post("/graphql", json={"query": "{ nope }"}, headers=auth)).json()
        assert "nope" in body["errors"][0]["message"]

        # When a resolver fails unexpectedly
        break_loaders(monkeypatch, "secret detail: password=hunter2")
        response = await http.post("/graphql", json=viewer, headers=auth)

        # Then the client learns only that it failed
        assert response.status_code == 200
        assert response.json()["errors"][0]["message"] == "Unexpected error."
        assert "secret" not in response.text
        assert "hunter2" not in response.text

    async with _client(development) as http:
        # While in development the same failure shows its message, and GraphiQL is served
        response = await http.post("/graphql", json=viewer, headers=auth)
        assert "secret detail" in response.json()["errors"][0]["message"]
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "graphiql" in page.text.lower()


ENV = ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "MAIL_FROM", "PUBLIC_URL", "SECRET_KEY")


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # Given the variables of API.md, in a directory without a .env file
    monkeypatch.chdir(tmp_path)
    values = {
        "DATABASE_URL": "postgres://ph:pw@db.example.com:5432/partnerhub",
        "REDIS_URL": "rediss://cache.example.com:6380/2",
        "SMTP_URL": "smtps://mailer:pw@mail.example.com:465",
        "MAIL_FROM": "Partnerhub <no-reply@example.com>",
        "PUBLIC_URL": "https://partners.example.com/",
        "SECRET_KEY": "k" * 48,
        "PARTNERHUB_ENV": "production",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    # When the settings are read
    settings = Settings.from_env()

    # Then each variable lands in its place, and the public URL loses its trailing slash
    assert settings.database_url == values["DATABASE_URL"]
    assert settings.redis_url == values["REDIS_URL"]
    assert settings.smtp_url == values["SMTP_URL"]
    assert settings.mail_from == values["MAIL_FROM"]
    assert settings.public_url == "https://partners.example.com"
    assert str(settings.secret_key) == values["SECRET_KEY"]
    assert settings.production
    # And the secret does not show when the settings are printed
    assert values["SECRET_KEY"] not in repr(settings)


def test_settings_defaults_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # Given no variables at all
    monkeypatch.chdir(tmp_path)
    for name in (*ENV, "PARTNERHUB_ENV"):
        monkeypatch.delenv(name, raising=False)

    # Then the defaults are a development setup
    settings = Settings.from_env()
    assert settings.environment == "development"
    assert settings.database_url.startswith("sqlite://")
    assert settings.redis_url is None
    assert settings.smtp_url is None
    assert settings.public_url == "http://127.0.0.1:8000"
    assert str(settings.secret_key) == DEFAULT_SECRET_KEY

    # When a .env file supplies a value and the environment another, the environment wins
    (tmp_path / ".env").write_text(
        "MAIL_FROM=From File <file@example.com>\nPUBLIC_URL=http://file\n"
    )
    monkeypatch.setenv("PUBLIC_URL", "http://env.example.com/")
    settings = Settings.from_env()
    assert settings.mail_from == "From File <file@example.com>"
    assert settings.public_url == "http://env.example.com"


def test_settings_refuse_what_must_not_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # Production with the default secret, or a short one, is refused
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings(environment="production").check()
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings(environment="production", secret_key=Secret("short")).check()
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(Settings(environment="production"))
    # Production without PUBLIC_URL is refused: every email's links would lead nowhere
    with pytest.raises(SettingsError, match="PUBLIC_URL must be set in production"):
        Settings(environment="production", secret_key=Secret("x" * 40)).check()
    Settings(
        environment="production",
        secret_key=Secret("x" * 40),
        public_url="https://partners.example.com",
        public_url_set=True,
    ).check()
    # While development may use the defaults
    Settings().check()

    # A URL of the wrong scheme is refused
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings(database_url="mysql://db.example.com/partnerhub").check()
    with pytest.raises(SettingsError, match="REDIS_URL"):
        Settings(redis_url="http://cache.example.com").check()
    with pytest.raises(SettingsError, match="SMTP_URL"):
        Settings(smtp_url="imap://mail.example.com").check()

    # And so is the same from the environment
    monkeypatch.chdir(tmp_path)
    for name in (*ENV, "PARTNERHUB_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "mysql://db.example.com/partnerhub")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env()
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("PARTNERHUB_ENV", "production")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env()
    monkeypatch.setenv("PARTNERHUB_ENV", "staging")
    with pytest.raises(SettingsError, match="PARTNERHUB_ENV"):
        Settings.from_env()


async def test_probes_report_the_database_and_redis(
    api: GraphQLClient, redis_server: RedisServer
) -> None:
    # The process is up
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}

    # And ready: the database and Redis answer
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}

    # When Redis stops
    redis_server.stop()
    try:
        # Then the app is not ready, and says why, while it is still up
        response = await api.http.get("/readyz")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"] == "ok"
        assert checks["redis"] != "ok"
        assert (await api.http.get("/healthz")).status_code == 200
    finally:
        redis_server.start()

    # And once Redis is back, it is ready again
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


# The published role template IDs of DOMAIN.md, checked against the catalog independently.
PUBLISHED_TEMPLATE_IDS = {
    "GLOBAL_ADMINISTRATOR": "62e90394-69f5-4237-9190-012177145e10",
    "GLOBAL_READER": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "HELPDESK_ADMINISTRATOR": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "USER_ADMINISTRATOR": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "LICENSE_ADMINISTRATOR": "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    "SERVICE_SUPPORT_ADMINISTRATOR": "f023fd81-a637-4b56-95fd-791ac0226033",
    "DIRECTORY_READERS": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "DIRECTORY_WRITERS": "9360feb5-f418-4baa-8175-e2a00bac4301",
    "PRIVILEGED_ROLE_ADMINISTRATOR": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "PRIVILEGED_AUTHENTICATION_ADMINISTRATOR": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "AUTHENTICATION_ADMINISTRATOR": "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "PASSWORD_ADMINISTRATOR": "966707d0-3269-4727-9be2-8c3a10f19b9d",
    "APPLICATION_ADMINISTRATOR": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "CLOUD_APPLICATION_ADMINISTRATOR": "158c047a-c907-4556-b7ef-446551a6b5f7",
    "BILLING_ADMINISTRATOR": "b0f54661-2d74-4c50-afa3-1ec803f12efe",
    "EXCHANGE_ADMINISTRATOR": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "SHAREPOINT_ADMINISTRATOR": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "TEAMS_ADMINISTRATOR": "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "INTUNE_ADMINISTRATOR": "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "SECURITY_ADMINISTRATOR": "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "SECURITY_READER": "5d6b6bb7-de71-4623-b4af-96380a352509",
    "COMPLIANCE_ADMINISTRATOR": "17315797-102d-40b4-93e0-432062caca18",
    "DOMAIN_NAME_ADMINISTRATOR": "8329153b-31d0-4727-b945-745eb3bc5f31",
    "GROUPS_ADMINISTRATOR": "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    "REPORTS_READER": "4a5d8f65-41da-4de4-8968-e035b65339cf",
    "CLOUD_DEVICE_ADMINISTRATOR": "7698a772-787b-4ac8-901f-60d6b08affd2",
}


async def test_role_definitions_are_the_catalog(api: GraphQLClient, db: Settings) -> None:
    # When anyone, signed in or not, reads the role catalog
    data = await api.query("{ roleDefinitions { key name templateId description privileged } }")
    roles = {role["key"]: role for role in data["roleDefinitions"]}

    # Then it holds every catalog role once, with its published template ID
    assert len(data["roleDefinitions"]) == len(ROLE_CATALOG)
    assert set(roles) == {str(key) for key in ROLE_CATALOG}
    assert {key: role["templateId"] for key, role in roles.items()} == PUBLISHED_TEMPLATE_IDS
    assert roles["GLOBAL_ADMINISTRATOR"] == {
        "key": "GLOBAL_ADMINISTRATOR",
        "name": "Global Administrator",
        "templateId": "62e90394-69f5-4237-9190-012177145e10",
        "description": ROLE_CATALOG[AdminRole.GLOBAL_ADMINISTRATOR].description,
        "privileged": True,
    }
    assert roles["BILLING_ADMINISTRATOR"]["privileged"] is False
    # And exactly the three privileged roles are privileged
    assert {key for key, role in roles.items() if role["privileged"]} == {
        "GLOBAL_ADMINISTRATOR",
        "PRIVILEGED_ROLE_ADMINISTRATOR",
        "PRIVILEGED_AUTHENTICATION_ADMINISTRATOR",
    }
    assert all(role["name"] and role["description"] for role in roles.values())


async def test_relationship_types_state_their_role_rules(api: GraphQLClient, db: Settings) -> None:
    # When anyone reads the relationship types
    data = await api.query(
        "{ relationshipTypes { type name description roleRule fixedRoles timeBound } }"
    )
    types = {info["type"]: info for info in data["relationshipTypes"]}

    # Then all nine are there, each described
    assert len(data["relationshipTypes"]) == 9
    assert set(types) == {str(t) for t in RELATIONSHIP_TYPES}
    assert all(info["name"] and info["description"] for info in types.values())
    # And each states its role rule
    rules = {t: (i["roleRule"], i["fixedRoles"], i["timeBound"]) for t, i in types.items()}
    assert rules == {
        "ADVISOR": ("FIXED", ["GLOBAL_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"], False),
        "ISV": ("NONE", [], False),
        "INDIRECT_RESELLER": ("NONE", [], False),
        "LOB_PARTNER": ("NONE", [], False),
        "MPSA_PARTNER": ("NONE", [], False),
        "OEM": ("NONE", [], False),
        "PARTNER": ("REQUESTED", [], False),
        "GDAP_PARTNER": ("REQUESTED", [], True),
        "RESELLER": ("NONE", [], False),
    }


async def test_relationship_types_state_the_grant_terms_the_rules_apply(
    api: GraphQLClient, db: Settings
) -> None:
    # When anyone reads the relationship types' grant terms
    data = await api.query(
        "{ relationshipTypes { type grantTerms { minDurationDays maxDurationDays "
        "defaultDurationDays autoExtensionDays rolesNeverAutoExtended } } }"
    )
    terms = {info["type"]: info["grantTerms"] for info in data["relationshipTypes"]}

    # Then only GDAP has terms, and they are the ones the invitation checks and the sweep use
    assert {t for t, found in terms.items() if found} == {"GDAP_PARTNER"}
    assert terms["GDAP_PARTNER"] == {
        "minDurationDays": GDAP_TERMS.min_days,
        "maxDurationDays": GDAP_TERMS.max_days,
        "defaultDurationDays": GDAP_TERMS.default_days,
        "autoExtensionDays": GDAP_TERMS.extension_days,
        "rolesNeverAutoExtended": ["GLOBAL_ADMINISTRATOR"],
    }
    # And the duration words the emails use follow them
    assert duration_words("GDAP_PARTNER", 730, True) == (
        "730 days, then extended automatically by 180 days at a time"
    )
    assert duration_words("GDAP_PARTNER", 1, False) == "1 day"
    assert duration_words("RESELLER", None, False) == "No end date"


def test_every_field_query_and_mutation_is_described() -> None:
    # Given the schema clients see
    schema = build_schema(production=False)._schema
    assert schema.query_type is not None
    assert schema.mutation_type is not None
    assert schema.query_type.fields
    assert schema.mutation_type.fields

    # Then every field of every object and input type, queries and mutations included,
    # and every such type, tells what it is
    undescribed = []
    for name, type_ in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType | GraphQLInputObjectType | GraphQLInterfaceType):
            if not (type_.description or "").strip():
                undescribed.append(name)
            undescribed += [
                f"{name}.{field_name}"
                for field_name, field in type_.fields.items()
                if not (field.description or "").strip()
            ]
    assert undescribed == []
