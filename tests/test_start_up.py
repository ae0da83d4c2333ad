"""A configuration that cannot work stops a command at start-up, in one line that says what
to fix: never a traceback, never a password. Each test runs the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.foundation.settings import Settings
from tests.servers import free_port

PARTNERHUB = str(Path(sys.executable).parent / "partnerhub")
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "PUBLIC_URL",
    "PARTNERHUB_ENV",
    "SECRET_KEY",
    "JOB_TIMEOUT",
    "SMTP_TIMEOUT",
    "EMAIL_RETRY_DELAYS",
)
PASSWORD = "hunter2-secret"


@dataclass
class Refusal:
    status: int
    stdout: str
    lines: list[str]


def partnerhub(command: list[str], env: dict[str, str], cwd: Path) -> Refusal:
    """Run the console script in a folder without `.env`, with only `env` configured."""
    base = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    done = subprocess.run(
        [PARTNERHUB, *command],
        env=base | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Refusal(done.returncode, done.stdout, done.stderr.splitlines())


def nobody_listens() -> str:
    """An address on this machine where no server answers: connections are refused."""
    return f"127.0.0.1:{free_port()}"


DEAD_DATABASE = f"postgres://partnerhub:{PASSWORD}@{nobody_listens()}/partnerhub"
DEAD_REDIS = f"redis://:{PASSWORD}@{nobody_listens()}/0"
DEAD_SENTINELS = f"redis+sentinel://:{PASSWORD}@{nobody_listens()},{nobody_listens()}/partnerhub/0"
SMTP = "smtp://127.0.0.1:2525"


@pytest.mark.parametrize(
    ("command", "env", "says"),
    [
        pytest.param(
            ["migrate"],
            {"DATABASE_URL": DEAD_DATABASE},
            ["cannot open the database at postgres://partnerhub:***@", "connection was refused"],
            id="migrate-unreachable-database",
        ),
        pytest.param(
            ["web", "--port", str(free_port())],
            {"DATABASE_URL": DEAD_DATABASE},
            ["cannot open the database", "Check DATABASE_URL"],
            id="web-unreachable-database",
        ),
        pytest.param(
            ["migrate"],
            {"DATABASE_URL": f"mysql://partnerhub:{PASSWORD}@db.example.com/partnerhub"},
            ["DATABASE_URL must be a sqlite:// or postgres:// URL", "mysql://partnerhub:***@"],
            id="unknown-database-scheme",
        ),
        pytest.param(
            ["migrate"],
            {"DATABASE_URL": f"postgres://partnerhub:{PASSWORD}@db.example.com:5432x/partnerhub"},
            ["DATABASE_URL names a port that is not a number from 1 to 65535"],
            id="database-port",
        ),
        pytest.param(
            ["create-org", "--name", "Contoso", "--kind", "customer"],
            {"DATABASE_URL": "sqlite://var/not-migrated.sqlite3"},
            ["migration(s) to apply, from models.0001_initial", "run `partnerhub migrate` first"],
            id="database-not-migrated",
        ),
        pytest.param(
            ["worker"],
            {"SMTP_URL": SMTP},
            ["REDIS_URL is not set", "redis://"],
            id="worker-without-redis",
        ),
        pytest.param(
            ["worker"],
            {"REDIS_URL": DEAD_REDIS, "SMTP_URL": SMTP},
            ["cannot reach Redis at redis://:***@", "connection was refused", "REDIS_URL"],
            id="worker-unreachable-redis",
        ),
        pytest.param(
            ["worker"],
            {"REDIS_URL": DEAD_SENTINELS, "SMTP_URL": SMTP},
            ["cannot reach Redis at redis+sentinel://:***@", "No master found", "REDIS_URL"],
            id="worker-unreachable-sentinels",
        ),
        pytest.param(
            ["worker"],
            {"REDIS_URL": "http://cache.example.com", "SMTP_URL": SMTP},
            ["REDIS_URL must be a redis://, rediss://, unix:// or redis+sentinel:// URL"],
            id="unknown-redis-scheme",
        ),
        pytest.param(
            ["worker"],
            {"REDIS_URL": DEAD_REDIS},
            ["SMTP_URL is not set", "smtp://"],
            id="worker-without-smtp",
        ),
        pytest.param(
            ["worker"],
            {"REDIS_URL": DEAD_REDIS, "SMTP_URL": f"smtp://mailer:{PASSWORD}@mail:99999"},
            ["SMTP_URL names a port that is not a number from 1 to 65535", "mailer:***@mail"],
            id="smtp-port",
        ),
        pytest.param(
            ["web"],
            {"SMTP_URL": "smtp://mail.example.com:smtp"},
            ["SMTP_URL names a port"],
            id="smtp-port-refused-by-web-too",
        ),
        pytest.param(
            ["web"],
            {"HTTP_BODY_TIMEOUT": "soon"},
            ["HTTP_BODY_TIMEOUT", "'soon'", "Not a valid float"],
            id="web-timeout-not-a-number",
        ),
        pytest.param(
            ["worker"],
            {
                "PARTNERHUB_ENV": "production",
                "SECRET_KEY": "a-production-secret-of-more-than-32-characters",
                "REDIS_URL": DEAD_REDIS,
                "SMTP_URL": SMTP,
            },
            ["PUBLIC_URL must be set in production", "every link in every email"],
            id="production-without-public-url",
        ),
        pytest.param(
            ["worker"],
            {"JOB_TIMEOUT": "20", "SMTP_TIMEOUT": "30", "REDIS_URL": DEAD_REDIS, "SMTP_URL": SMTP},
            ["SMTP_TIMEOUT must", "within JOB_TIMEOUT (20 s)"],
            id="smtp-timeout-longer-than-a-job",
        ),
        pytest.param(
            ["worker"],
            {"EMAIL_RETRY_DELAYS": "60,soon", "REDIS_URL": DEAD_REDIS, "SMTP_URL": SMTP},
            ["EMAIL_RETRY_DELAYS must list numbers of seconds", "'60,soon'"],
            id="email-retry-delays-not-numbers",
        ),
        pytest.param(
            ["web"],
            {"FORWARDED_ALLOW_IPS": "10.0.0.5,proxy.internal"},
            ["FORWARDED_ALLOW_IPS must list addresses or networks", "'proxy.internal'"],
            id="web-proxy-not-an-address",
        ),
    ],
)
def test_a_configuration_that_cannot_work_is_one_line_that_says_what_to_fix(
    command: list[str], env: dict[str, str], says: list[str], tmp_path: Path
) -> None:
    # When the command starts with that configuration
    refused = partnerhub(command, env, tmp_path)

    # Then it stops at once with a non-zero status and one line on stderr, naming the command
    assert refused.status == 1
    assert len(refused.lines) == 1, refused.lines
    [line] = refused.lines
    assert line.startswith(f"partnerhub {command[0]}: ")
    for words in says:
        assert words in line
    # And nothing else: no traceback, no password, nothing on stdout
    assert "Traceback" not in line
    assert PASSWORD not in line
    assert refused.stdout == ""


def test_sqlite_urls_name_a_file_and_postgres_urls_a_host() -> None:
    # Given URLs of each kind that work
    for url in (
        "sqlite://var/partnerhub.sqlite3",
        "sqlite:///srv/partnerhub/db.sqlite3",
        "sqlite://:memory:",
        "postgres://partnerhub:pw@[::1]:5432/partnerhub",
    ):
        # Then start-up takes them
        Settings(database_url=url).check()


def test_development_links_follow_the_web_port_unless_public_url_is_set() -> None:
    # Given development settings without PUBLIC_URL
    development = Settings(environment="development")

    # Then a web app on another port or address mails links to itself
    assert development.serving_at("127.0.0.1", 8731).public_url == "http://127.0.0.1:8731"
    assert development.serving_at("0.0.0.0", 8731).public_url == "http://127.0.0.1:8731"  # noqa: S104
    assert development.serving_at("::1", 8731).public_url == "http://[::1]:8731"

    # But not when PUBLIC_URL was set, nor outside development
    chosen = Settings(public_url="https://partners.example.com", public_url_set=True)
    assert chosen.serving_at("127.0.0.1", 8731).public_url == "https://partners.example.com"
    for environment in ("test", "production"):
        settings = Settings(environment=environment)
        assert settings.serving_at("127.0.0.1", 8731).public_url == "http://127.0.0.1:8000"
