"""One typed settings object, read from the environment with a `.env` file as fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from starlette.config import Config
from starlette.datastructures import Secret

from models.foundation.inbound_sources import InvalidSources, WebhookSources, parse_sources

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 (a placeholder, refused in production)
DEFAULT_DATABASE_URL = "sqlite://var/partnerhub.sqlite3"

Environment = Literal["development", "test", "production"]


class SettingsError(RuntimeError):
    """The configuration cannot be used; the message says which variable and why."""


@dataclass(frozen=True)
class Settings:
    """Partnerhub's configuration. `Settings.from_env()` reads it; tests build it directly."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "Partnerhub <no-reply@partnerhub.invalid>"
    public_url: str = "http://127.0.0.1:8000"
    secret_key: Secret = field(default_factory=lambda: Secret(DEFAULT_SECRET_KEY))
    environment: Environment = "development"
    mailbox_dir: str = "var/mail"  # where `partnerhub dev`'s local mailbox keeps messages
    metrics_port: int | None = None  # where a worker serves its Prometheus metrics, if at all
    # The trusted systems that may call POST /webhooks/{source}, each with its secrets.
    inbound_webhook_secrets: WebhookSources = field(default_factory=dict)
    activity_retention_days: int = 365  # activity entries older than this are purged daily
    # Webhook URLs resolving to private, loopback or link-local addresses (and plain http to
    # loopback) are refused unless this is set; `partnerhub dev` allows them by default.
    webhooks_allow_private: bool | None = None
    webhooks_ca_bundle: str | None = None  # CA certificates to trust instead of the system's
    # Contact me: at most this many requests per client address in each window of seconds.
    contact_rate_limit: int = 5
    contact_rate_window: int = 600

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> Settings:
        config = Config(env_file if env_file and Path(env_file).is_file() else None)
        environment = config("PARTNERHUB_ENV", default="development")
        if environment not in ("development", "test", "production"):
            raise SettingsError(
                f"PARTNERHUB_ENV must be development, test or production, not {environment!r}"
            )
        try:
            inbound_webhook_secrets = parse_sources(config("INBOUND_WEBHOOK_SECRETS", default=None))
        except InvalidSources as exc:
            raise SettingsError(str(exc)) from None
        settings = cls(
            database_url=config("DATABASE_URL", default=DEFAULT_DATABASE_URL),
            redis_url=config("REDIS_URL", default=None),
            smtp_url=config("SMTP_URL", default=None),
            mail_from=config("MAIL_FROM", default=cls.mail_from),
            public_url=config("PUBLIC_URL", default=cls.public_url).rstrip("/"),
            secret_key=Secret(config("SECRET_KEY", default=DEFAULT_SECRET_KEY)),
            environment=cast(Environment, environment),
            mailbox_dir=config("MAILBOX_DIR", default=cls.mailbox_dir),
            metrics_port=config("METRICS_PORT", cast=int, default=None),
            inbound_webhook_secrets=inbound_webhook_secrets,
            activity_retention_days=config("ACTIVITY_RETENTION_DAYS", cast=int, default=365),
            webhooks_allow_private=config("WEBHOOKS_ALLOW_PRIVATE", cast=bool, default=None),
            webhooks_ca_bundle=config("WEBHOOKS_CA_BUNDLE", default=None),
            contact_rate_limit=config("CONTACT_RATE_LIMIT", cast=int, default=5),
            contact_rate_window=config("CONTACT_RATE_WINDOW", cast=int, default=600),
        )
        settings.check()
        return settings

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def webhooks_private_allowed(self) -> bool:
        """Whether webhooks may go to private and loopback addresses: in development unless
        WEBHOOKS_ALLOW_PRIVATE says otherwise, elsewhere only when it says so."""
        if self.webhooks_allow_private is None:
            return self.environment == "development"
        return self.webhooks_allow_private

    def check(self) -> None:
        """Refuse a configuration that must not run, production with the default secret first."""
        if self.production and str(self.secret_key) == DEFAULT_SECRET_KEY:
            raise SettingsError("SECRET_KEY must be set in production; the default is refused")
        if self.production and len(str(self.secret_key)) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters in production")
        if self.contact_rate_limit < 1 or self.contact_rate_window < 1:
            raise SettingsError("CONTACT_RATE_LIMIT and CONTACT_RATE_WINDOW must be at least 1")
        if not self.database_url.startswith(
            ("sqlite://", "postgres://", "postgresql://", "asyncpg://")
        ):
            raise SettingsError("DATABASE_URL must be a sqlite:// or postgres:// URL")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must be a redis:// or rediss:// URL")
        if self.smtp_url and not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise SettingsError("SMTP_URL must be an smtp:// or smtps:// URL")
        if self.activity_retention_days < 1:
            raise SettingsError("ACTIVITY_RETENTION_DAYS must be at least 1")
