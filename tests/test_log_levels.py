"""What the processes log, and at which level: faults loudly, a client's mistakes and idle
cron runs quietly, and nobody's personal data."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.enums import PartnerRole
from models.tables.outbox import OutboxMessage
from tests import factories as f
from tests.faults import break_loaders
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import RedisServer, SmtpServer

CONTACT = """
mutation Contact($input: ContactPartnerInput!) {
  contactPartner(input: $input) { errors { field message } }
}
"""
RELATIONSHIPS = """
query Relationships($status: RelationshipStatus) { relationships(status: $status) { totalCount } }
"""
PERSONAL = {"contactName": "Ada Lovelace", "email": "ada.lovelace@contoso.com", "phone": "+1 555"}


def _records(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == logger]


async def test_a_malformed_request_is_one_info_line_that_holds_none_of_its_data(
    api: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    # When a visitor's Contact me misses fields, and names a field the schema does not have
    body = await api.raw(CONTACT, {"input": {"partnerId": "x", **PERSONAL, "bogus": 1}})
    # And a client asks for relationships with a status that does not exist
    other = await api.raw(RELATIONSHIPS, {"status": "SOMETIMES"})

    # Then both are answered with errors
    assert body["errors"]
    assert other["errors"]
    # And each is one INFO line, without a traceback, that says which variable was wrong
    lines = _records(caplog, "strawberry.execution")
    assert [(r.levelno, r.getMessage()) for r in lines] == [
        (
            logging.INFO,
            "GraphQL request refused: variable $input (ContactPartnerInput!) is not valid",
        ),
        (
            logging.INFO,
            "GraphQL request refused: variable $status (RelationshipStatus) is not valid",
        ),
    ]
    assert all(r.exc_info is None for r in lines)
    # And nothing the visitor submitted is in the log
    for value in (*PERSONAL.values(), "SOMETIMES"):
        assert value not in caplog.text, value


async def test_a_fault_while_resolving_still_logs_an_error_with_its_traceback(
    api: GraphQLClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a signed-in agent, and a loader that fails
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    break_loaders(monkeypatch, "a fault of ours")
    caplog.set_level(logging.INFO)

    # When the agent asks for its organization
    body = await api.raw("{ viewer { organization { name } } }", token=agent.token)

    # Then the fault is an ERROR with its traceback: an operator has something to fix
    assert body["errors"]
    [line] = _records(caplog, "strawberry.execution")
    assert line.levelno == logging.ERROR
    assert line.exc_info is not None
    assert "a fault of ours" in caplog.text


def _cron_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """arq's lines about a cron job's run: its start (→) and its end (←)."""
    return [r for r in _records(caplog, "arq.worker") if re.search("[→←] cron:", r.getMessage())]


async def test_an_idle_worker_logs_no_cron_runs_and_a_run_that_did_something_shows(
    db: Settings,
    api: GraphQLClient,
    redis_server: RedisServer,
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)

    # When the worker runs its cron jobs with nothing to do
    await run_jobs(db)

    # Then it logged none of those runs, though it ran them
    assert _cron_lines(caplog) == []
    caplog.set_level(logging.DEBUG, logger="arq.worker")
    caplog.clear()
    await run_jobs(db)
    ran = {re.findall(r"cron:(\w+)", r.getMessage())[0] for r in _cron_lines(caplog)}
    assert {"relay_outbox", "sweep_lifecycle", "deliver_due_webhooks"} <= ran
    assert {r.levelno for r in _cron_lines(caplog)} == {logging.DEBUG}
    caplog.set_level(logging.INFO, logger="arq.worker")

    # Given an invitation whose email never reached Redis, long enough ago for the relay
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    assert (await f.send(api, agent))["errors"] == []
    redis_server.flushall()
    await OutboxMessage.all().update(enqueued_at=None, created_at=utcnow() - timedelta(minutes=5))
    caplog.clear()

    # When the worker runs again
    await run_jobs(db)

    # Then the relay's run, which did something, is logged at INFO; the idle ones are not
    [relayed] = _cron_lines(caplog)
    assert relayed.levelno == logging.INFO
    assert "relay_outbox" in relayed.getMessage()
    assert "relayed 1 message(s)" in relayed.getMessage()
    # And the email it relayed was sent
    smtp_server.wait_for(1)
