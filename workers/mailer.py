"""Sending email over SMTP with aiosmtplib, configured by one `SMTP_URL`.

A worker sends through a `MailPool`: a few connections, each kept open and reused message
after message. SMTP answers one command at a time on a connection, so a message waits for
its own replies (MAIL, RCPT, DATA); throughput comes from several connections, and from not
paying a TCP handshake, a greeting, EHLO, STARTTLS and a login for every message. The CA
bundle is read once per process (`tls_context`), not for each connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import functools
import io
import ssl
import time
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
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


# A connection idle longer than this is closed instead of reused: servers hang up on idle
# clients (RFC 5321 lets them after 5 minutes; many do sooner), and a connection closed
# under us would fail the message sent on it.
MAX_IDLE_SECONDS = 30.0
# How long closing the pool waits for each server to answer QUIT.
QUIT_TIMEOUT = 2.0


# How a message built from the email package's MIME classes (`workers/emails.py`: `compose`)
# goes on the wire: lines end in CRLF, as SMTP's do, and no header is folded (each stays far
# under SMTP's 998 characters), so that a Message-ID longer than a line of 78 characters
# reaches the server whole, not split after its colon.
UNFOLDED = email.policy.compat32.clone(linesep="\r\n", max_line_length=None)


async def send_on(client: aiosmtplib.SMTP, message: Message) -> None:
    """Send `message` on a connected client: an `EmailMessage` as aiosmtplib flattens it,
    any other message flattened with `UNFOLDED`, from its From to its To."""
    if isinstance(message, EmailMessage):
        await client.send_message(message)
        return
    with io.BytesIO() as flat:
        BytesGenerator(flat, policy=UNFOLDED).flatten(message)
        data = flat.getvalue()
    sender = parseaddr(str(message["From"]))[1]
    recipients = [address for _, address in getaddresses(message.get_all("To", []))]
    await client.sendmail(sender, recipients, data)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The system's CA bundle, as one SSL context for every connection of the process:
    building one reads and parses the bundle, which took most of a worker's time when it was
    done for each message."""
    return ssl.create_default_context()


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

    async def send(self, message: Message) -> None:
        """Send one message; TimeoutError (a passing failure) when it takes past `deadline`."""
        async with asyncio.timeout(self.deadline):
            await self._send(message)

    async def _send(self, message: Message) -> None:
        client = self.client()
        async with client:
            await send_on(client, message)

    def client(self) -> aiosmtplib.SMTP:
        """A client for this endpoint, not yet connected: `connect()` greets, upgrades to TLS
        when offered (or starts in TLS for smtps://) and logs in."""
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=None if not self.implicit_tls else False,
            tls_context=tls_context(),
            timeout=self.timeout,
        )


class MailPool:
    """Up to `size` open connections to one SMTP endpoint, each reused for message after
    message; a send waits for a free one. A connection that fails a send in any way is closed
    and never reused (its session may be in any state), so the next send opens a new one;
    one left idle past MAX_IDLE_SECONDS is closed rather than trusted.
    """

    def __init__(self, mailer: Mailer, size: int) -> None:
        self.mailer = mailer
        self._slots = asyncio.Semaphore(size)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []  # with when each was last used

    @property
    def deadline(self) -> float:
        return self.mailer.deadline

    async def send(self, message: Message) -> None:
        """Send one message on a pooled connection; TimeoutError (a passing failure) when
        connecting and sending take past `deadline` (waiting for a free connection does not
        count)."""
        async with self._slots:
            client: aiosmtplib.SMTP | None = None
            try:
                async with asyncio.timeout(self.deadline):
                    client = await self._connection()
                    await send_on(client, message)
            except BaseException:
                if client is not None:
                    client.close()
                raise
            self._idle.append((client, time.monotonic()))

    async def _connection(self) -> aiosmtplib.SMTP:
        """The most recently used idle connection still open, or a new one."""
        while self._idle:
            client, used = self._idle.pop()
            if client.is_connected and time.monotonic() - used < MAX_IDLE_SECONDS:
                return client
            await _quit(client)
        client = self.mailer.client()
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        return client

    async def close(self) -> None:
        """Say QUIT on every idle connection and close it."""
        idle, self._idle = self._idle, []
        await asyncio.gather(*(_quit(client) for client, _ in idle))


async def _quit(client: aiosmtplib.SMTP) -> None:
    """End the session politely if the server still listens; close the connection anyway."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(QUIT_TIMEOUT):
            if client.is_connected:
                await client.quit()
    client.close()
