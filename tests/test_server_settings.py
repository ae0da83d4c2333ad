"""The web server's settings: its limits, time-outs, introspection and proxy trust, read from
the environment and checked at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.foundation.settings import Settings, SettingsError

WEB_VARIABLES = {
    "GRAPHQL_MAX_BODY_BYTES": ("2048", "graphql_max_body_bytes", 2048),
    "WEBHOOK_MAX_BODY_BYTES": ("4096", "webhook_max_body_bytes", 4096),
    "HTTP_MAX_HEADER_BYTES": ("16384", "http_max_header_bytes", 16384),
    "HTTP_HEADER_TIMEOUT": ("2.5", "http_header_timeout", 2.5),
    "HTTP_BODY_TIMEOUT": ("60", "http_body_timeout", 60.0),
    "HTTP_KEEP_ALIVE_TIMEOUT": ("15", "http_keep_alive_timeout", 15),
    "HTTP_MAX_CONNECTIONS": ("2000", "http_max_connections", 2000),
    "GRAPHQL_INTROSPECTION": ("true", "graphql_introspection", True),
    "FORWARDED_ALLOW_IPS": ("10.0.0.5, 10.1.0.0/16,::1", "forwarded_allow_ips", None),
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An environment without any of the web server's variables, and no `.env` file."""
    monkeypatch.chdir(tmp_path)
    for name in (*WEB_VARIABLES, "PARTNERHUB_ENV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_web_servers_settings_have_safe_defaults(environment: pytest.MonkeyPatch) -> None:
    # When none of the variables is set
    settings = Settings.from_env()

    # Then bodies, headers, time-outs and connections are bounded, and no proxy is believed
    assert settings.graphql_max_body_bytes == 1024 * 1024
    assert settings.webhook_max_body_bytes == 256 * 1024
    assert settings.http_max_header_bytes == 64 * 1024
    assert (settings.http_header_timeout, settings.http_body_timeout) == (10.0, 30.0)
    assert settings.http_keep_alive_timeout == 5
    assert settings.http_max_connections == 500
    assert settings.forwarded_allow_ips == ()


def test_each_of_the_web_servers_variables_lands_in_its_place(
    environment: pytest.MonkeyPatch,
) -> None:
    # When each variable is set
    for name, (value, _, _) in WEB_VARIABLES.items():
        environment.setenv(name, value)

    # Then the settings hold it
    settings = Settings.from_env()
    for name, (_, field, expected) in WEB_VARIABLES.items():
        if expected is not None:
            assert getattr(settings, field) == expected, name
    assert settings.forwarded_allow_ips == ("10.0.0.5", "10.1.0.0/16", "::1")


@pytest.mark.parametrize(
    ("environment_name", "configured", "introspection"),
    [
        ("development", None, True),
        ("test", None, True),
        ("production", None, False),
        ("production", True, True),
        ("development", False, False),
    ],
)
def test_introspection_is_off_in_production_unless_configured_on(
    environment_name: Any, configured: bool | None, introspection: bool
) -> None:
    settings = Settings(environment=environment_name, graphql_introspection=configured)
    assert settings.introspection is introspection


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"graphql_max_body_bytes": 100}, "GRAPHQL_MAX_BODY_BYTES must be at least 1024"),
        ({"webhook_max_body_bytes": 0}, "WEBHOOK_MAX_BODY_BYTES must be at least 1024"),
        ({"http_max_header_bytes": -1}, "HTTP_MAX_HEADER_BYTES must be at least 1024"),
        ({"http_header_timeout": 0.0}, "HTTP_HEADER_TIMEOUT must be a number of seconds"),
        ({"http_body_timeout": float("nan")}, "HTTP_BODY_TIMEOUT must be a number of seconds"),
        ({"http_keep_alive_timeout": 0}, "HTTP_KEEP_ALIVE_TIMEOUT must be a number of seconds"),
        ({"http_max_connections": 0}, "HTTP_MAX_CONNECTIONS must be at least 1"),
        ({"forwarded_allow_ips": ("10.0.0.5", "proxy")}, "FORWARDED_ALLOW_IPS must list"),
        ({"forwarded_allow_ips": ("10.0.0.300",)}, "'10.0.0.300' is neither"),
    ],
)
def test_web_settings_that_cannot_work_are_refused(changes: dict[str, Any], says: str) -> None:
    with pytest.raises(SettingsError, match=says):
        Settings(**changes).check()


def test_forwarded_allow_ips_takes_addresses_networks_or_anyone() -> None:
    for proxies in [("10.0.0.5",), ("10.1.0.0/16", "fd00::/8"), ("::1",), ("*",)]:
        Settings(forwarded_allow_ips=proxies).check()
