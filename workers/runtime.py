"""What jobs share in a worker process: settings, the SMTP endpoint, the token sealer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import httpx

from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from workers.mailer import Mailer

# Seconds to wait before each retry of a passing failure: growing, about a day in all.
DEFAULT_RETRY_DELAYS = (10.0, 60.0, 300.0, 1800.0, 7200.0)

# Seconds to wait for the SMTP server to connect and for each of its replies: a server that
# stalls longer fails this try, which is retried like a refusal.
DEFAULT_SMTP_TIMEOUT = 30.0


# Webhook deliveries: seconds to connect, and to wait for each read or write of the answer.
def default_webhook_timeout() -> httpx.Timeout:
    return httpx.Timeout(10.0, connect=5.0)


@dataclass
class Runtime:
    settings: Settings
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS
    smtp_timeout: float = DEFAULT_SMTP_TIMEOUT
    webhook_timeout: httpx.Timeout = field(default_factory=default_webhook_timeout)
    sealer: Sealer = field(init=False)

    def __post_init__(self) -> None:
        self.sealer = Sealer(str(self.settings.secret_key))

    def mailer(self) -> Mailer:
        """The SMTP endpoint; raises MailNotConfigured when SMTP_URL is missing."""
        return replace(Mailer.from_url(self.settings.smtp_url), timeout=self.smtp_timeout)

    def retry_delay(self, job_try: int) -> float:
        """The delay before try `job_try + 1`."""
        return self.retry_delays[min(job_try - 1, len(self.retry_delays) - 1)]
