"""Running the real arq worker in burst mode, and reading what it mailed."""

from __future__ import annotations

import re

from arq.worker import Worker

from models.foundation.settings import Settings
from tests.servers import ReceivedMail
from workers.worker import create_worker

FAST_RETRIES = (0.05, 0.05, 0.05, 0.05, 0.05)
FAST_TRIES = len(FAST_RETRIES) + 1  # an email's tries under FAST_RETRIES
_LINK = re.compile(r"(https?://\S+/invitations/accept\?token=([A-Za-z0-9_\-]+))")


async def run_jobs(
    settings: Settings,
    retry_delays: tuple[float, ...] = FAST_RETRIES,
    smtp_timeout: float | None = None,
) -> Worker:
    """Run every queued job (retries included) with a real worker, then stop it.

    Fault tests pass a short `smtp_timeout`, so that a stalled SMTP server fails a try fast.
    """
    worker = create_worker(
        settings,
        retry_delays=retry_delays,
        smtp_timeout=smtp_timeout,
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


def text_of(mail: ReceivedMail) -> str:
    body = mail.message.get_body(preferencelist=("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def html_of(mail: ReceivedMail) -> str:
    body = mail.message.get_body(preferencelist=("html",))
    assert body is not None
    content: str = body.get_content()
    return content


def invitation_link(mail: ReceivedMail) -> tuple[str, str]:
    """The one accept link of an invitation email, and its token."""
    links = set(_LINK.findall(text_of(mail)))
    assert len(links) == 1, links
    url, token = links.pop()
    return url, token
