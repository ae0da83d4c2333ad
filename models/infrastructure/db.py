"""The ORM's configuration and lifecycle, shared by the web app, the workers and the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.context import TortoiseContext, get_current_context
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.executor import MigrationExecutor

from models.foundation.settings import Settings, SettingsError, failure_reason, redacted

# Seconds a start-up check waits for the database to answer: a server that does not answer
# by then is as good as down for a process about to serve requests.
CHECK_TIMEOUT = 10.0

MODEL_MODULES = [
    "models.tables.organizations",
    "models.tables.invitations",
    "models.tables.relationships",
    "models.tables.delegated_admin",
    "models.tables.outbox",
    "models.tables.inbound_webhooks",
    "models.tables.tenant",
    "models.tables.access",
    "models.tables.activity",
    "models.tables.outbound_webhooks",
    # The partner directory and its leads.
    "models.tables.directory",
    "models.tables.leads",
    "models.tables.claims",
    # Sessions, set-password links and sign-in throttling.
    "models.tables.sign_in",
    # Single sign-on: each organization's OpenID Connect provider, its domains, sign-ins under way.
    "models.tables.single_sign_on",
    "models.tables.quotas",
    # Multi-factor authentication: authenticators and recovery codes.
    "models.tables.mfa",
    # Invitation templates, and bulk operations with their items.
    "models.tables.templates",
    "models.tables.bulk",
    # API clients (OAuth 2.0 client credentials): their secrets and access tokens.
    "models.tables.api_clients",
    # SCIM provisioning: the tokens of customers' identity providers.
    "models.tables.scim",
]


# The database away or going, as a query meets it: refused, reset or closed mid-query, the
# server starting up or shutting down. Nothing about the request or job itself: it may be
# tried again once the database answers (`api/errors.py`, `workers/outages.py`).
DATABASE_AWAY: tuple[type[BaseException], ...] = (
    ConnectionError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    DBConnectionError,
)

# PostgreSQL connections a process holds at most, unless told otherwise (DATABASE_POOL_SIZE).
DEFAULT_POOL_SIZE = Settings.database_pool_size


def tortoise_config(database_url: str, pool_size: int = DEFAULT_POOL_SIZE) -> dict[str, Any]:
    """Tortoise's configuration for one database URL; the app label is `models`."""
    return {
        "connections": {"default": _connection(database_url, pool_size)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _connection(database_url: str, pool_size: int) -> dict[str, Any]:
    """The connection's settings; SQLite runs on `models.infrastructure.sqlite`, which locks
    on BEGIN. PostgreSQL's pool holds up to `pool_size` connections (Tortoise's default, 5,
    kept concurrent requests waiting for each other), and hands them back without a reset
    (`keep_session`), planning each statement for its values (unless asyncpg's statement
    cache is off, when it is planned so anyway); `minsize` and `maxsize` in the URL still
    win."""
    connection: dict[str, Any] = expand_db_url(database_url)
    if connection["engine"] == "tortoise.backends.sqlite":
        connection["engine"] = "models.infrastructure.sqlite"
    elif connection["engine"] == "tortoise.backends.asyncpg":
        credentials = connection["credentials"]
        credentials.setdefault("maxsize", pool_size)
        credentials.setdefault("minsize", min(int(credentials["maxsize"]), 2))
        credentials["reset"] = keep_session
        if int(credentials.get("statement_cache_size", 100)) > 0:
            # asyncpg prepares each statement once per connection; after five runs
            # PostgreSQL may switch to a plan made without the values, which for a directory
            # search (a word matching 20% of partners, or 0.2%) reads thousands of rows where
            # the plan for the values reads a few dozen (0.8 ms against 20 ms for a word and
            # a location among 100,000 partners). Planning each run costs far less. Without
            # the cache (`statement_cache_size=0`, as behind PgBouncer, which refuses this
            # startup parameter) every statement is planned for its values anyway.
            server_settings = dict(credentials.get("server_settings") or {})
            server_settings.setdefault("plan_cache_mode", "force_custom_plan")
            credentials["server_settings"] = server_settings
    return connection


async def keep_session(connection: object) -> None:
    """What asyncpg's pool does to a connection handed back, beyond rolling back a transaction
    left open (which it always does first): nothing.

    Its default reset sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` on every release, and Tortoise takes and releases a connection for each
    statement outside a transaction: a second round trip for every query. Partnerhub takes
    no advisory lock, opens no cursor outside a transaction, listens to nothing and changes
    no session setting, so there is nothing for those statements to undo.
    """


def __getattr__(name: str) -> Any:
    """`TORTOISE_ORM`, for Tortoise's own command line (`tortoise makemigrations`, via
    [tool.tortoise]): the database of the same settings as every process, read when asked."""
    if name == "TORTOISE_ORM":
        return tortoise_config(Settings.from_env().database_url)
    raise AttributeError(name)


def ensure_sqlite_directory(database_url: str) -> None:
    """SQLite creates its file but not the folder it lives in."""
    path = database_url.removeprefix("sqlite://")
    if database_url.startswith("sqlite://") and path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@asynccontextmanager
async def database(database_url: str, pool_size: int = DEFAULT_POOL_SIZE) -> AsyncIterator[None]:
    """Open the ORM for the duration of the block, unless it is open already.

    Tortoise keeps one context for the process; the web app, a worker and the test suite may
    each ask for it, and only the one that opened it closes it.
    """
    current = get_current_context()
    if current is not None and current.inited:
        yield
        return
    # The context is process-wide (the global fallback), not bound to this task's context
    # variables: arq and Starlette open and close it from different tasks.
    ensure_sqlite_directory(database_url)
    context = TortoiseContext()
    with context:  # current only while it initialises; the global fallback serves after
        await context.init(
            config=tortoise_config(database_url, pool_size), _enable_global_fallback=True
        )
    try:
        yield
    finally:
        await context.close_connections()


async def migrate(database_url: str) -> list[str]:
    """Apply every pending migration; returns the names of those applied."""
    from tortoise.migrations.api import migrate as run_migrations

    applied: list[str] = []

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    ensure_sqlite_directory(database_url)
    # Tortoise's migrator initialises the current context again: give it one of its own.
    async with TortoiseContext() as context:
        await context.init(config=tortoise_config(database_url))
        await run_migrations(config=tortoise_config(database_url), progress=progress)
    return applied


class DatabaseUnavailable(SettingsError):
    """DATABASE_URL names a database that cannot be opened; the message says why."""


async def check_database(database_url: str, *, migrated: bool = False) -> None:
    """Open the database and ask it one question, or raise DatabaseUnavailable; with
    `migrated`, also refuse one that has migrations to apply.

    Processes call this at start-up: the ORM connects lazily, so without it `web` would start
    against a dead database and fail each request, and `migrate` would fail in a traceback;
    and a command run before `migrate` would fail on the first table it touched.
    """
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            ensure_sqlite_directory(database_url)
            async with TortoiseContext() as context:
                config = tortoise_config(database_url)
                await context.init(config=config)
                await context.db("default").execute_query("SELECT 1")
                steps = await MigrationExecutor(context.db("default"), config["apps"]).plan()
    except Exception as exc:  # whatever stops it, the process cannot run: say what and why
        raise DatabaseUnavailable(
            f"cannot open the database at {redacted(database_url)}: "
            f"{failure_reason(exc, CHECK_TIMEOUT, database_url)}. Check DATABASE_URL, and that the "
            f"database server is running and reachable from here"
        ) from None
    if migrated and steps:
        first = f"{steps[0].migration.app_label}.{steps[0].migration.name}"
        raise DatabaseUnavailable(
            f"the database at {redacted(database_url)} has {len(steps)} migration(s) to apply, "
            f"from {first}: run `partnerhub migrate` first"
        )
