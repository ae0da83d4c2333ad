"""What jobs share in a worker process: settings, the SMTP connections, the token sealer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import httpx

from models.foundation.budget import Budget
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from workers.mailer import Mailer, MailPool

# Batch jobs (the relay, the sweeps, the purges) start a new batch only within this share of
# JOB_TIMEOUT; what is left, their next run does.
BATCH_SHARE = 0.5


# SMTP connections a worker keeps open and sends through: its jobs (up to arq's `max_jobs`)
# take turns on them. A few are enough to keep an SMTP server busy.
DEFAULT_SMTP_CONNECTIONS = 4


# Webhook deliveries: seconds to connect, and to wait for each read or write of the answer.
def default_webhook_timeout() -> httpx.Timeout:
    return httpx.Timeout(10.0, connect=5.0)


@dataclass
class Runtime:
    """The settings, with what tests may change without building settings of their own:
    the email retry delays (EMAIL_RETRY_DELAYS) and the SMTP time-out (SMTP_TIMEOUT)."""

    settings: Settings
    retry_delays: Sequence[float] | None = None
    smtp_timeout: float | None = None
    webhook_timeout: httpx.Timeout = field(default_factory=default_webhook_timeout)
    smtp_connections: int = DEFAULT_SMTP_CONNECTIONS
    sealer: Sealer = field(init=False)
    _mail: MailPool | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.sealer = Sealer(str(self.settings.secret_key))
        if self.retry_delays is None:
            self.retry_delays = self.settings.email_retry_delays
        if self.smtp_timeout is None:
            self.smtp_timeout = self.settings.smtp_timeout

    def mailer(self) -> MailPool:
        """The worker's SMTP connections, opened as sends need them; raises MailNotConfigured
        when SMTP_URL is missing."""
        if self._mail is None:
            timeout = self.smtp_timeout or self.settings.smtp_timeout
            mailer = replace(Mailer.from_url(self.settings.smtp_url), timeout=timeout)
            self._mail = MailPool(mailer, self.smtp_connections)
        return self._mail

    async def close(self) -> None:
        """Close the SMTP connections (the worker is stopping)."""
        mail, self._mail = self._mail, None
        if mail is not None:
            await mail.close()

    @property
    def email_tries(self) -> int:
        """How many times an email is tried, at most: once, then once after each delay."""
        return len(self.delays) + 1

    @property
    def delays(self) -> Sequence[float]:
        return self.retry_delays or self.settings.email_retry_delays

    def batch_budget(self) -> Budget:
        """The time a batch job starts new batches in."""
        return Budget.of(self.settings.job_timeout * BATCH_SHARE)

    def retry_delay(self, failed_tries: int) -> float:
        """The delay before the next try, after `failed_tries` tries failed."""
        return self.delays[min(failed_tries, len(self.delays)) - 1]
