"""Sending email over SMTP with aiosmtplib, configured by one `SMTP_URL`."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from models.foundation.settings import SettingsError, redacted

# Failures that pass: worth another try later. Anything else (a 5xx answer) is final.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    aiosmtplib.SMTPConnectTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


class MailNotConfigured(SettingsError):
    """SMTP_URL is not set, or names no usable server, so no email can be sent."""


def is_transient(error: BaseException) -> bool:
    """True for failures that another try may overcome: 4xx answers and lost connections."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(400 <= r.code < 500 for r in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return 400 <= error.code < 500
    return isinstance(error, TRANSIENT_ERRORS)


@dataclass(frozen=True, slots=True)
class Mailer:
    """An SMTP endpoint: `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://`."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str | None) -> Mailer:
        if not url:
            raise MailNotConfigured(
                "SMTP_URL is not set, so no email can be sent: set it to an smtp:// URL "
                "such as smtp://user:password@host:587"
            )
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise MailNotConfigured(f"SMTP_URL must be an smtp:// or smtps:// URL: {redacted(url)}")
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            raise MailNotConfigured(
                f"SMTP_URL names a port that is not a number from 1 to 65535: {redacted(url)}"
            )
        implicit_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=port or (465 if implicit_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit_tls,
        )

    @property
    def deadline(self) -> float:
        """The whole send's limit: `timeout` bounds each step, this a server slow at each."""
        return self.timeout * 1.5

    async def send(self, message: EmailMessage) -> None:
        """Send one message; TimeoutError (a passing failure) when it takes past `deadline`."""
        async with asyncio.timeout(self.deadline):
            await self._send(message)

    async def _send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=None if not self.implicit_tls else False,
            tls_context=ssl.create_default_context(),
            timeout=self.timeout,
        )
