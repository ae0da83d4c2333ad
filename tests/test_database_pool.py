"""PostgreSQL's pool: as large as DATABASE_POOL_SIZE, no reset on every release, and each
statement planned for its values."""

from __future__ import annotations

import pytest
from tortoise import connections

from models.foundation.settings import Settings, SettingsError
from models.infrastructure.db import keep_session, tortoise_config

URL = "postgres://partnerhub:secret@127.0.0.1:5432/partnerhub"


def _credentials(url: str, pool_size: int) -> dict[str, object]:
    credentials: dict[str, object] = tortoise_config(url, pool_size)["connections"]["default"][
        "credentials"
    ]
    return credentials


def test_the_pool_holds_as_many_connections_as_configured() -> None:
    # Given DATABASE_POOL_SIZE=30, and the default
    configured = _credentials(URL, Settings(database_pool_size=30).database_pool_size)
    default = _credentials(URL, Settings().database_pool_size)

    # Then the pool grows to that many connections, and hands them back without a reset
    assert (configured["maxsize"], default["maxsize"]) == (30, 20)
    assert configured["reset"] is keep_session
    # And a size in the URL still wins
    assert int(str(_credentials(f"{URL}?maxsize=3", 30)["maxsize"])) == 3


def test_a_pool_of_no_connection_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "0")
    with pytest.raises(SettingsError, match="DATABASE_POOL_SIZE"):
        Settings.from_env(env_file=None)


def test_sqlite_has_no_pool_to_size() -> None:
    assert "maxsize" not in _credentials("sqlite://:memory:", 30)


async def test_postgresql_plans_each_statement_for_its_values(db: Settings) -> None:
    # Given the app's connection (the pool's, on PostgreSQL)
    connection = connections.get("default")
    if connection.capabilities.dialect != "postgres":
        # SQLite plans every statement as it runs: there is no plan cache to set
        assert "server_settings" not in _credentials(db.database_url, 5)
        return
    # Then a prepared statement is never run on a plan made without its values
    rows = await connection.execute_query_dict("SHOW plan_cache_mode")
    assert rows == [{"plan_cache_mode": "force_custom_plan"}]


def test_without_a_statement_cache_no_plan_setting_is_sent() -> None:
    # Given asyncpg's statement cache off (as behind PgBouncer, which refuses unknown startup
    # parameters): each statement is unnamed, planned for its values every time
    credentials = _credentials(f"{URL}?statement_cache_size=0", 20)
    # Then the connection asks for no plan setting
    sent = credentials.get("server_settings") or {}
    assert isinstance(sent, dict)
    assert "plan_cache_mode" not in sent
    assert _credentials(URL, 20)["server_settings"] == {"plan_cache_mode": "force_custom_plan"}
