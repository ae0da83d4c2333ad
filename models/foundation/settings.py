"""One typed settings object, read from the environment with a `.env` file as fallback."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlsplit

from starlette.config import Config
from starlette.datastructures import Secret

from models.foundation.inbound_sources import InvalidSources, WebhookSources, parse_sources
from models.foundation.redis_urls import SENTINEL_EXAMPLE, NotASentinelUrl, SentinelUrl

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 (a placeholder, refused in production)
DEFAULT_DATABASE_URL = "sqlite://var/partnerhub.sqlite3"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

# Seconds before each retry of an email whose failure may pass (a 4xx answer, a server
# down): growing from a minute to six hours, 37 h 51 min in all, so that an email outlasts
# a mail server down for a whole day. The email is tried once more than there are delays.
DEFAULT_EMAIL_RETRY_DELAYS: tuple[float, ...] = (
    60,  # 1 min
    300,  # 5 min
    900,  # 15 min
    1800,  # 30 min
    3600,  # 1 h
    7200,  # 2 h
    14400,  # 4 h
    21600,  # 6 h
    21600,
    21600,
    21600,
    21600,
)

Environment = Literal["development", "test", "production"]


class SettingsError(RuntimeError):
    """The configuration cannot be used; the message says which variable and why."""


def redacted(url: str) -> str:
    """The URL with its password, if any, replaced by `***`: safe to print and to log.

    Plain string work rather than `urlsplit`: a URL too broken to parse must still be shown
    in the message that says it is broken, and still without its password.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{path}"


def failure_reason(exc: BaseException, timeout: float, url: str) -> str:
    """Why a server named by `url` could not be used, on one line, without its password."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} seconds"
    cause: BaseException | None = exc
    while cause is not None:  # client libraries wrap the socket's error in their own
        if isinstance(cause, ConnectionRefusedError):
            return "the connection was refused"
        if isinstance(cause, socket.gaierror):
            return "its host name does not resolve"
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(exc).split()) or type(exc).__name__
    password = url.partition("://")[2].partition("/")[0].rpartition("@")[0].partition(":")[2]
    return text.replace(password, "***") if password else text


def _check_url(name: str, url: str, schemes: tuple[str, ...], kinds: str, example: str) -> None:
    """A URL of one of `schemes` whose port, if it names one, is a port: or a SettingsError."""
    scheme = url.partition("://")[0] if "://" in url else ""
    if scheme not in schemes:
        raise SettingsError(f"{name} must be {kinds} URL such as {example}, not {redacted(url)!r}")
    if scheme == "sqlite":
        return  # a file path (or :memory:), not a host and port
    try:
        port = urlsplit(url).port
    except ValueError:
        port = 0
    if port == 0:
        raise SettingsError(
            f"{name} names a port that is not a number from 1 to 65535: {redacted(url)}"
        )


def _check_redis_url(url: str) -> None:
    """A Redis server's URL, or its Sentinels' (`models/foundation/redis_urls.py`)."""
    try:
        if SentinelUrl.parse(url) is not None:
            return
    except NotASentinelUrl as exc:
        raise SettingsError(f"REDIS_URL {exc}: {redacted(url)}") from None
    _check_url(
        "REDIS_URL",
        url,
        ("redis", "rediss", "unix"),
        "a redis://, rediss://, unix:// or redis+sentinel://",
        f"redis://host:6379/0 or {SENTINEL_EXAMPLE}",
    )


MAX_QUOTA_WINDOW = 31 * 86400


@dataclass(frozen=True, slots=True)
class Quota:
    """At most `limit` in each window of `window` seconds; written `LIMIT/SECONDS`."""

    limit: int
    window: int

    @classmethod
    def parse(cls, name: str, value: str) -> Quota:
        """`30/3600` as a Quota, or a SettingsError naming the variable."""
        limit, slash, window = value.partition("/")
        try:
            quota = cls(int(limit), int(window))
        except ValueError:
            quota = cls(0, 0)
        if not slash or quota.limit < 1 or not 1 <= quota.window <= MAX_QUOTA_WINDOW:
            raise SettingsError(
                f"{name} must be a count (at least 1) and a window of seconds (1 to "
                f"{MAX_QUOTA_WINDOW}, 31 days), such as 30/3600, not {value!r}"
            )
        return quota

    def __str__(self) -> str:
        return f"{self.limit}/{self.window}"


def _quota(config: Config, name: str, fallback: Quota) -> Quota:
    """The quota a variable writes `LIMIT/SECONDS`, or `fallback` when it is not set."""
    value: str | None = config(name, default=None)
    return fallback if value is None else Quota.parse(name, value.strip())


@dataclass(frozen=True, slots=True)
class InvitationQuotas:
    """How many invitation emails (sent, resent, from a lead) may go out: per sending agent,
    per partner organization, and per recipient address of one partner. Counted by
    `models/rules/invitation_quotas.py`."""

    agent: Quota = Quota(30, 3600)
    partner: Quota = Quota(300, 86400)
    recipient: Quota = Quota(5, 86400)

    @classmethod
    def from_config(cls, config: Config) -> InvitationQuotas:
        """INVITATION_RATE_PER_AGENT, _PER_PARTNER and _PER_RECIPIENT, each `LIMIT/SECONDS`."""
        default = cls()

        def read(name: str, fallback: Quota) -> Quota:
            value: str | None = config(name, default=None)
            return fallback if value is None else Quota.parse(name, value.strip())

        return cls(
            agent=read("INVITATION_RATE_PER_AGENT", default.agent),
            partner=read("INVITATION_RATE_PER_PARTNER", default.partner),
            recipient=read("INVITATION_RATE_PER_RECIPIENT", default.recipient),
        )


@dataclass(frozen=True)
class Settings:
    """Partnerhub's configuration. `Settings.from_env()` reads it; tests build it directly."""

    database_url: str = DEFAULT_DATABASE_URL
    # PostgreSQL connections a process may hold at once: a request or a job waits for one
    # while all are busy. Room for the web app's concurrent requests or the worker's jobs.
    database_pool_size: int = 20
    redis_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "Partnerhub <no-reply@partnerhub.invalid>"
    public_url: str = DEFAULT_PUBLIC_URL
    # Whether PUBLIC_URL was configured: when not, links in emails follow the development web
    # app's address (`serving_at`), so `partnerhub dev --port 8731` mails working links.
    public_url_set: bool = False
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
    # What the web server takes from a client (api/serving.py, api/limits.py): bodies up to
    # these sizes, headers up to this size and within this time, a body within this time of
    # its headers, idle keep-alive connections for this long, and this many connections.
    graphql_max_body_bytes: int = 1024 * 1024
    webhook_max_body_bytes: int = 256 * 1024
    http_max_header_bytes: int = 64 * 1024
    http_header_timeout: float = 10.0
    http_body_timeout: float = 30.0
    http_keep_alive_timeout: int = 5
    http_max_connections: int = 500
    # Introspection and the "Did you mean ...?" of GraphQL's errors: on outside production
    # unless this says otherwise, off in production unless it says so.
    graphql_introspection: bool | None = None
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses
    # or networks, or `*`); none unless configured, so a client cannot choose its own address.
    forwarded_allow_ips: tuple[str, ...] = ()
    # Sessions end after this many seconds unused (8 hours), and this many after sign-in in
    # any case (7 days).
    session_idle_timeout: int = 8 * 3600
    session_absolute_timeout: int = 7 * 86400
    # Invitation emails: per sending agent, per partner, per recipient address of a partner.
    invitation_quotas: InvitationQuotas = field(default_factory=InvitationQuotas)
    # Password-reset requests (`requestPasswordReset`) one client address may make, whether
    # or not the addresses asked for have accounts (PASSWORD_RESET_RATE_PER_ADDRESS).
    password_reset_quota: Quota = Quota(10, 3600)
    # Redis, for the web and the workers alike: seconds to connect, and to wait for each
    # answer. The web never waits longer: past it, what a change recorded waits in the outbox.
    redis_timeout: float = 2.0
    # The longest any job may run, in seconds. arq marks a job in progress for the longest
    # time-out plus 10 seconds, so a worker that dies mid-job leaves it for that long.
    job_timeout: int = 40
    # SMTP: seconds to connect and for each reply; one send may take one and a half times this.
    smtp_timeout: float = 20.0
    # Seconds before each retry of an email whose failure may pass; one try more than delays.
    email_retry_delays: tuple[float, ...] = DEFAULT_EMAIL_RETRY_DELAYS
    outbox_retention_days: int = 7  # completed outbox messages older than this are purged
    # Single sign-on: whether identity providers may be reached at private, loopback or
    # link-local addresses (an on-premises provider); outside production unless this says no.
    oidc_allow_private: bool | None = None
    # API clients: an access token from POST /oauth/token lives this many seconds (an hour),
    # and each client may call the OAuth endpoints at most this often (`LIMIT/SECONDS`), and
    # `/graphql` with its access tokens at most this often (counted in Redis, so across every
    # web process).
    access_token_lifetime: int = 3600
    api_client_rate_limit: Quota = field(default_factory=lambda: Quota(60, 60))
    api_client_graphql_rate_limit: Quota = field(default_factory=lambda: Quota(600, 60))

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
        try:
            settings = cls._read(config, environment, inbound_webhook_secrets)
        except ValueError as exc:  # starlette's cast: "Config 'X' has value 'y'. Not a valid int."
            raise SettingsError(str(exc)) from None
        settings.check()
        return settings

    @classmethod
    def _read(
        cls, config: Config, environment: str, inbound_webhook_secrets: WebhookSources
    ) -> Settings:
        public_url: str | None = config("PUBLIC_URL", default=None)
        return cls(
            database_url=config("DATABASE_URL", default=DEFAULT_DATABASE_URL),
            database_pool_size=config(
                "DATABASE_POOL_SIZE", cast=int, default=cls.database_pool_size
            ),
            redis_url=config("REDIS_URL", default=None),
            smtp_url=config("SMTP_URL", default=None),
            mail_from=config("MAIL_FROM", default=cls.mail_from),
            public_url=(public_url or cls.public_url).rstrip("/"),
            public_url_set=bool(public_url),
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
            graphql_max_body_bytes=config(
                "GRAPHQL_MAX_BODY_BYTES", cast=int, default=cls.graphql_max_body_bytes
            ),
            webhook_max_body_bytes=config(
                "WEBHOOK_MAX_BODY_BYTES", cast=int, default=cls.webhook_max_body_bytes
            ),
            http_max_header_bytes=config(
                "HTTP_MAX_HEADER_BYTES", cast=int, default=cls.http_max_header_bytes
            ),
            http_header_timeout=config(
                "HTTP_HEADER_TIMEOUT", cast=float, default=cls.http_header_timeout
            ),
            http_body_timeout=config(
                "HTTP_BODY_TIMEOUT", cast=float, default=cls.http_body_timeout
            ),
            http_keep_alive_timeout=config(
                "HTTP_KEEP_ALIVE_TIMEOUT", cast=int, default=cls.http_keep_alive_timeout
            ),
            http_max_connections=config(
                "HTTP_MAX_CONNECTIONS", cast=int, default=cls.http_max_connections
            ),
            graphql_introspection=config("GRAPHQL_INTROSPECTION", cast=bool, default=None),
            forwarded_allow_ips=_proxies(config("FORWARDED_ALLOW_IPS", default="")),
            session_idle_timeout=config(
                "SESSION_IDLE_TIMEOUT", cast=int, default=cls.session_idle_timeout
            ),
            session_absolute_timeout=config(
                "SESSION_ABSOLUTE_TIMEOUT", cast=int, default=cls.session_absolute_timeout
            ),
            invitation_quotas=InvitationQuotas.from_config(config),
            password_reset_quota=_quota(
                config, "PASSWORD_RESET_RATE_PER_ADDRESS", cls.password_reset_quota
            ),
            redis_timeout=config("REDIS_TIMEOUT", cast=float, default=cls.redis_timeout),
            job_timeout=config("JOB_TIMEOUT", cast=int, default=cls.job_timeout),
            smtp_timeout=config("SMTP_TIMEOUT", cast=float, default=cls.smtp_timeout),
            email_retry_delays=_delays(config("EMAIL_RETRY_DELAYS", default=None)),
            outbox_retention_days=config(
                "OUTBOX_RETENTION_DAYS", cast=int, default=cls.outbox_retention_days
            ),
            oidc_allow_private=config("OIDC_ALLOW_PRIVATE", cast=bool, default=None),
            access_token_lifetime=config(
                "ACCESS_TOKEN_LIFETIME", cast=int, default=cls.access_token_lifetime
            ),
            api_client_rate_limit=Quota.parse(
                "API_CLIENT_RATE_LIMIT", config("API_CLIENT_RATE_LIMIT", default="60/60")
            ),
            api_client_graphql_rate_limit=Quota.parse(
                "API_CLIENT_GRAPHQL_RATE_LIMIT",
                config("API_CLIENT_GRAPHQL_RATE_LIMIT", default="600/60"),
            ),
        )

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

    @property
    def oidc_private_allowed(self) -> bool:
        """Whether single sign-on may reach identity providers at private, loopback or
        link-local addresses: outside production unless OIDC_ALLOW_PRIVATE says otherwise, in
        production only when it says so. (Plain http:// stays refused in production.)"""
        if self.oidc_allow_private is None:
            return not self.production
        return self.oidc_allow_private

    @property
    def introspection(self) -> bool:
        """Whether GraphQL answers introspection and suggests names in its errors: outside
        production unless GRAPHQL_INTROSPECTION says otherwise, in production only when it
        says so."""
        if self.graphql_introspection is None:
            return not self.production
        return self.graphql_introspection

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies carry `Secure`: always, except in development or tests on a plain
        http:// loopback address, where a browser would otherwise never send them back."""
        if self.production:
            return True
        url = urlsplit(self.public_url)
        loopback = url.hostname in ("localhost", "::1") or (url.hostname or "").startswith("127.")
        return not (url.scheme == "http" and loopback)

    def serving_at(self, host: str, port: int) -> Settings:
        """These settings for a web app listening on `host:port`.

        In development, unless PUBLIC_URL was set, the links in emails point at that app: a
        developer who moves the port should not get mail whose links lead to the old one.
        """
        if self.environment != "development" or self.public_url_set:
            return self
        if host in ("", "0.0.0.0", "::"):  # noqa: S104 (a comparison, not a binding)
            host = "127.0.0.1"  # every interface: loopback is one of them
        return replace(self, public_url=f"http://{f'[{host}]' if ':' in host else host}:{port}")

    def check(self) -> None:
        """Refuse a configuration that must not run, production with the default secret first."""
        if self.production and str(self.secret_key) == DEFAULT_SECRET_KEY:
            raise SettingsError("SECRET_KEY must be set in production; the default is refused")
        if self.production and len(str(self.secret_key)) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters in production")
        if self.production and not self.public_url_set and self.public_url == DEFAULT_PUBLIC_URL:
            raise SettingsError(
                "PUBLIC_URL must be set in production: every link in every email starts with it "
                "(such as https://partners.example.com)"
            )
        if self.contact_rate_limit < 1 or self.contact_rate_window < 1:
            raise SettingsError("CONTACT_RATE_LIMIT and CONTACT_RATE_WINDOW must be at least 1")
        _check_url(
            "DATABASE_URL",
            self.database_url,
            ("sqlite", "postgres", "postgresql", "asyncpg"),
            "a sqlite:// or postgres://",
            "postgres://user:password@host:5432/partnerhub",
        )
        if self.database_url.startswith("sqlite://") and not self.database_url[9:]:
            raise SettingsError(
                "DATABASE_URL names no SQLite file: write it after sqlite://, "
                "as in sqlite://var/partnerhub.sqlite3"
            )
        if self.redis_url:
            _check_redis_url(self.redis_url)
        if self.smtp_url:
            _check_url(
                "SMTP_URL",
                self.smtp_url,
                ("smtp", "smtps"),
                "an smtp:// or smtps://",
                "smtp://user:password@host:587",
            )
        if not self.public_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"PUBLIC_URL must be an http:// or https:// URL, not {self.public_url!r}"
            )
        if self.metrics_port is not None and not 0 < self.metrics_port < 65536:
            raise SettingsError("METRICS_PORT must be a port number from 1 to 65535")
        if self.activity_retention_days < 1:
            raise SettingsError("ACTIVITY_RETENTION_DAYS must be at least 1")
        if self.session_idle_timeout < 60 or self.session_absolute_timeout < 60:
            raise SettingsError(
                "SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_TIMEOUT must be at least 60 seconds"
            )
        if self.outbox_retention_days < 1:
            raise SettingsError("OUTBOX_RETENTION_DAYS must be at least 1")
        if not 60 <= self.access_token_lifetime <= 86400:
            raise SettingsError("ACCESS_TOKEN_LIFETIME must be 60 to 86400 seconds")
        self._check_web_limits()
        self._check_job_limits()

    def _check_web_limits(self) -> None:
        sizes = {
            "GRAPHQL_MAX_BODY_BYTES": self.graphql_max_body_bytes,
            "WEBHOOK_MAX_BODY_BYTES": self.webhook_max_body_bytes,
            "HTTP_MAX_HEADER_BYTES": self.http_max_header_bytes,
        }
        for name, size in sizes.items():
            if size < 1024:
                raise SettingsError(f"{name} must be at least 1024 (bytes), not {size}")
        times = {
            "HTTP_HEADER_TIMEOUT": self.http_header_timeout,
            "HTTP_BODY_TIMEOUT": self.http_body_timeout,
            "HTTP_KEEP_ALIVE_TIMEOUT": self.http_keep_alive_timeout,
        }
        for name, seconds in times.items():
            if not 0 < seconds < float("inf"):
                raise SettingsError(f"{name} must be a number of seconds above 0, not {seconds}")
        if self.database_pool_size < 1:
            raise SettingsError("DATABASE_POOL_SIZE must be at least 1")
        if self.http_max_connections < 1:
            raise SettingsError("HTTP_MAX_CONNECTIONS must be at least 1")
        for proxy in self.forwarded_allow_ips:
            if proxy != "*" and not _is_network(proxy):
                raise SettingsError(
                    "FORWARDED_ALLOW_IPS must list addresses or networks of proxies, separated "
                    f"by commas (such as 10.0.0.5,10.1.0.0/16), or be *: {proxy!r} is neither"
                )

    def _check_job_limits(self) -> None:
        if not 0 < self.redis_timeout < float("inf"):
            raise SettingsError(
                f"REDIS_TIMEOUT must be a number of seconds above 0, not {self.redis_timeout}"
            )
        if self.job_timeout < 1:
            raise SettingsError(f"JOB_TIMEOUT must be at least 1 (second), not {self.job_timeout}")
        if not 0 < self.smtp_timeout * 1.5 < self.job_timeout:
            raise SettingsError(
                f"SMTP_TIMEOUT must be above 0 and let a whole send (1.5 times it) end within "
                f"JOB_TIMEOUT ({self.job_timeout} s), not {self.smtp_timeout}"
            )
        if not self.email_retry_delays or not all(
            0 < delay < float("inf") for delay in self.email_retry_delays
        ):
            raise SettingsError(
                "EMAIL_RETRY_DELAYS must list one or more numbers of seconds above 0, "
                "separated by commas (such as 60,300,900)"
            )


def _delays(value: str | None) -> tuple[float, ...]:
    """EMAIL_RETRY_DELAYS as a tuple of seconds; the default when it is not set."""
    if value is None:
        return DEFAULT_EMAIL_RETRY_DELAYS
    try:
        return tuple(float(entry) for entry in value.split(",") if entry.strip())
    except ValueError:
        raise SettingsError(
            "EMAIL_RETRY_DELAYS must list numbers of seconds separated by commas "
            f"(such as 60,300,900), not {value!r}"
        ) from None


def _proxies(value: str) -> tuple[str, ...]:
    """FORWARDED_ALLOW_IPS as a tuple of its comma-separated entries."""
    return tuple(entry.strip() for entry in value.split(",") if entry.strip())


def _is_network(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True
