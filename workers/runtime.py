"""What jobs share in a worker process: settings, the SMTP connections, the token sealer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import httpx

from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from workers.mailer import Mailer, MailPool

# Seconds to wait before each retry of a passing failure: growing, about a day in all.
DEFAULT_RETRY_DELAYS = (10.0, 60.0, 300.0, 1800.0, 7200.0)

# Seconds to wait for the SMTP server to connect and for each of its replies: a server that
# stalls longer fails this try, which is retried like a refusal.
DEFAULT_SMTP_TIMEOUT = 30.0


# SMTP connections a worker keeps open and sends through: its jobs (up to arq's `max_jobs`)
# take turns on them. A few are enough to keep an SMTP server busy.
DEFAULT_SMTP_CONNECTIONS = 4


# Webhook deliveries: seconds to connect, and to wait for each read or write of the answer.
def default_webhook_timeout() -> httpx.Timeout:
    return httpx.Timeout(10.0, connect=5.0)


@dataclass
class Runtime:
    settings: Settings
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS
    smtp_timeout: float = DEFAULT_SMTP_TIMEOUT
    webhook_timeout: httpx.Timeout = field(default_factory=default_webhook_timeout)
    smtp_connections: int = DEFAULT_SMTP_CONNECTIONS
    sealer: Sealer = field(init=False)
    _mail: MailPool | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.sealer = Sealer(str(self.settings.secret_key))

    def mailer(self) -> MailPool:
        """The worker's SMTP connections, opened as sends need them; raises MailNotConfigured
        when SMTP_URL is missing."""
        if self._mail is None:
            mailer = replace(Mailer.from_url(self.settings.smtp_url), timeout=self.smtp_timeout)
            self._mail = MailPool(mailer, self.smtp_connections)
        return self._mail

    async def close(self) -> None:
        """Close the SMTP connections (the worker is stopping)."""
        mail, self._mail = self._mail, None
        if mail is not None:
            await mail.close()

    def retry_delay(self, job_try: int) -> float:
        """The delay before try `job_try + 1`."""
        return self.retry_delays[min(job_try - 1, len(self.retry_delays) - 1)]
