"""The suite runs against real servers: SQLite and PostgreSQL, Redis, and an SMTP server.

Every test that touches the database runs twice, once per backend (`-k sqlite` or
`-k postgres` picks one). Servers start once per session; each test gets empty tables, an
empty Redis and an empty mailbox.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from playwright.async_api import Browser, async_playwright
from starlette.applications import Starlette
from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from api.app import create_app
from models.foundation.settings import Settings
from models.infrastructure.db import database, migrate
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Tab, live_app, open_tab
from tests.graphql import GraphQLClient
from tests.servers import PostgresServer, RedisServer, SmtpServer

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated database of each backend, shared by the session's tests."""
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return await server.migrated_database(f"partnerhub_{os.getpid()}")
    url = f"sqlite://{tmp_path_factory.mktemp('sqlite') / 'partnerhub.sqlite3'}"
    await migrate(url)
    return url


@pytest.fixture
def settings(database_url: str, redis_server: RedisServer, smtp_server: SmtpServer) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_server.url,
        smtp_url=smtp_server.url,
        mail_from="Partnerhub <no-reply@partnerhub.test>",
        public_url="http://partnerhub.test",
        environment="test",
    )


async def _empty_tables() -> None:
    connection = connections.get("default")
    tables = [model._meta.db_table for model in Tortoise.apps["models"].values()]
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"
        )
    else:
        for table in tables:
            await connection.execute_script(f'DELETE FROM "{table}"')


@pytest.fixture
async def db(
    settings: Settings, redis_server: RedisServer, smtp_server: SmtpServer
) -> AsyncIterator[Settings]:
    """An open ORM on empty tables, an empty Redis and an empty mailbox."""
    redis_server.flushall()
    smtp_server.clear()
    # Tortoise caches each table's SQL by connection name, not by dialect: the suite switches
    # between SQLite and PostgreSQL under the same name, which a real process never does.
    EXECUTOR_CACHE.clear()
    async with database(settings.database_url):
        await _empty_tables()
        yield settings


@pytest.fixture
async def app(db: Settings) -> AsyncIterator[Starlette]:
    application = create_app(db)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def api(app: Starlette) -> AsyncIterator[GraphQLClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://testserver") as http:
        yield GraphQLClient(http)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the whole suite on SQLite first, then on PostgreSQL."""

    def backend(item: pytest.Item) -> int:
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("database_url") if callspec else None
        return BACKENDS.index(param) if param in BACKENDS else -1

    items.sort(key=backend)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless: one for the whole session, whichever module drives it."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def base(db: Settings) -> AsyncIterator[str]:
    """The console's base URL: the app and a worker, on this test's empty database."""
    async with live_app(db) as url:
        yield url


@pytest.fixture
async def tab(chromium: Browser, base: str) -> AsyncIterator[Tab]:
    """A fresh browser tab on the console."""
    async with open_tab(chromium, base) as opened:
        yield opened
