"""Steps of the flow that many tests take: an invitation mailed, an invitation accepted."""

from __future__ import annotations

from typing import Any

from models.foundation.settings import Settings
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs, text_of
from tests.servers import SmtpServer

ACCEPT_LINK = "/invitations/accept?token="


async def invite(
    api: GraphQLClient, settings: Settings, smtp: SmtpServer, agent: f.Person, **fields: Any
) -> tuple[dict[str, Any], str]:
    """Send an invitation and let the worker email it: the invitation and its link's token."""
    await run_jobs(settings)  # whatever was queued before goes out first
    seen = len(smtp.messages)
    sent = await f.send(api, agent, **fields)
    assert sent["errors"] == [], sent["errors"]
    await run_jobs(settings)
    mails = [m for m in smtp.wait_for(seen + 1)[seen:] if ACCEPT_LINK in text_of(m)]
    assert len(mails) == 1, mails
    _, token = invitation_link(mails[0])
    return sent["invitation"], token


async def accepted(
    api: GraphQLClient,
    settings: Settings,
    smtp: SmtpServer,
    agent: f.Person,
    admin: f.Person,
    **fields: Any,
) -> dict[str, Any]:
    """An invitation sent by `agent`, mailed and accepted by `admin`, every job run and the
    mailbox emptied: the relationship as acceptInvitation returned it."""
    _, token = await invite(api, settings, smtp, agent, **fields)
    result = await f.accept(api, admin, token)
    assert result["errors"] == [], result["errors"]
    await run_jobs(settings)
    smtp.clear()
    relationship: dict[str, Any] = result["relationship"]
    return relationship
