"""Inbound webhooks over HTTP: signatures checked, ids de-duplicated, one job per id.

Requests are signed in the tests (`tests/webhooks_in_signing.py`, written from the
specification) and go through the real app; jobs run on a real burst worker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from arq.connections import ArqRedis
from starlette.applications import Starlette

from api.app import create_app
from models.foundation.ids import decode_id
from models.foundation.inbound_sources import parse_sources
from models.foundation.settings import Settings, SettingsError
from models.operation import Operation
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole, RoleGrantStatus
from models.rules.grants import revoke_for_customer
from models.rules.inbound_events import EVENT_TYPES
from models.tables.inbound_webhooks import InboundWebhook
from models.tables.outbox import OutboxMessage, Task
from models.tables.relationships import RoleGrant
from tests import factories as f
from tests import flows
from tests import webhooks_in_signing as signing
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.servers import SmtpServer
from workers.inbound import run_inbound_webhook
from workers.runtime import Runtime

BILLING = signing.new_secret()
BILLING_OLD = signing.new_secret()  # still accepted while the source rotates its secret
MAILER = signing.new_secret()
SECRETS = f"billing={BILLING},{BILLING_OLD}; mailer={MAILER}"


@pytest.fixture
async def hooks(db: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the real app, configured with two sources."""
    settings = dataclasses.replace(db, inbound_webhook_secrets=parse_sources(SECRETS))
    app: Starlette = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        yield http


async def _post(
    http: httpx.AsyncClient, body: bytes, secret: str = BILLING, source: str = "billing", **kw: Any
) -> httpx.Response:
    return await http.post(
        f"/webhooks/{source}", content=body, headers=signing.headers(secret, body, **kw)
    )


async def _status(
    http: httpx.AsyncClient, job_id: str, secret: str = BILLING, **kw: Any
) -> httpx.Response:
    headers = signing.headers(secret, job_id.encode(), **kw)
    return await http.get(f"/webhooks/jobs/{job_id}", headers=headers)


async def _relationship(
    hooks: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> tuple[str, f.Person]:
    """An accepted GDAP relationship with two roles: its API id and the customer's admin."""
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    relationship = await flows.accepted(
        GraphQLClient(hooks),
        db,
        smtp_server,
        agent,
        admin,
        roles=["USER_ADMINISTRATOR", "GLOBAL_READER"],
    )
    return relationship["id"], admin


async def _grants(relationship_id: str) -> dict[str, RoleGrantStatus]:
    uuid = decode_id("Relationship", relationship_id)
    grants = await RoleGrant.filter(relationship_id=uuid)
    return {grant.role: grant.status for grant in grants}


async def _nothing_recorded() -> None:
    assert await InboundWebhook.all().count() == 0
    assert await OutboxMessage.filter(task=Task.RUN_INBOUND_WEBHOOK).count() == 0


# ------------------------------------------------------------------ accepted and run once


async def test_a_signed_revocation_runs_once_and_its_status_says_so(
    hooks: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an accepted relationship
    relationship_id, _ = await _relationship(hooks, db, smtp_server)
    body = signing.event("relationship.revoke_roles", relationship_id=relationship_id)

    # When the billing system sends a signed revocation
    response = await _post(hooks, body)

    # Then it is accepted with a job id, queued until a worker runs it
    assert response.status_code == 202, response.text
    job_id = response.json()["jobId"]
    queued = await _status(hooks, job_id)
    assert queued.status_code == 200
    assert (queued.json()["status"], queued.json()["type"]) == (
        "queued",
        "relationship.revoke_roles",
    )
    await run_jobs(db)
    done = (await _status(hooks, job_id)).json()
    assert done["status"] == "complete", done
    assert done["error"] is None
    assert done["result"] == "revoking 2 grant(s)"
    assert done["finishedAt"] is not None
    # And the revocation job carried it through: every grant revoked, both sides told
    assert await _grants(relationship_id) == {
        "USER_ADMINISTRATOR": RoleGrantStatus.REVOKED,
        "GLOBAL_READER": RoleGrantStatus.REVOKED,
    }
    assert any("removed" in m.message["Subject"].lower() for m in smtp_server.messages)


async def test_a_revocation_sent_three_times_runs_exactly_once(
    hooks: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an accepted relationship
    relationship_id, _ = await _relationship(hooks, db, smtp_server)
    body = signing.event("relationship.revoke_roles", relationship_id=relationship_id)

    # When the same signed webhook arrives three times (re-signed each time, as a retry is)
    answers = [await _post(hooks, body, webhook_id="msg_revoke_1") for _ in range(3)]
    await run_jobs(db)
    answers.append(await _post(hooks, body, webhook_id="msg_revoke_1"))  # and once after it ran
    await run_jobs(db)

    # Then every answer is 202 with the same job, and the job ran once
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["jobId"] for a in answers}) == 1
    assert await InboundWebhook.all().count() == 1
    assert await OutboxMessage.filter(task=Task.RUN_INBOUND_WEBHOOK).count() == 1
    assert await OutboxMessage.filter(task=Task.REVOKE_ROLES).count() == 1
    removed = [m for m in smtp_server.messages if "removed" in m.message["Subject"].lower()]
    assert len(removed) == 2  # one for each side, once
    assert set((await _grants(relationship_id)).values()) == {RoleGrantStatus.REVOKED}


async def test_three_concurrent_repeats_make_one_job(
    hooks: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an accepted relationship
    relationship_id, _ = await _relationship(hooks, db, smtp_server)
    body = signing.event("relationship.revoke_roles", relationship_id=relationship_id)
    headers = signing.headers(BILLING, body, webhook_id="msg_concurrent")

    # When three copies of one webhook arrive at once
    answers = await asyncio.gather(
        *(hooks.post("/webhooks/billing", content=body, headers=headers) for _ in range(3))
    )
    await run_jobs(db)

    # Then the unique key let one in: one job, answered to all three
    assert [a.status_code for a in answers] == [202, 202, 202], [a.text for a in answers]
    assert len({a.json()["jobId"] for a in answers}) == 1
    assert await InboundWebhook.all().count() == 1
    assert await OutboxMessage.filter(task=Task.REVOKE_ROLES).count() == 1
    [webhook] = await InboundWebhook.all()
    assert webhook.status == "complete"


async def test_the_job_run_again_by_arq_does_nothing_more(
    hooks: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a revocation webhook whose job ran
    relationship_id, _ = await _relationship(hooks, db, smtp_server)
    body = signing.event(
        "relationship.revoke_roles", relationship_id=relationship_id, roles=["GLOBAL_READER"]
    )
    assert (await _post(hooks, body)).status_code == 202
    await run_jobs(db)
    [message] = await OutboxMessage.filter(task=Task.RUN_INBOUND_WEBHOOK)

    # When arq gets the same job again under another id, as a second delivery would, and the
    # outbox message is even marked undone (a crash after the work, before the mark)
    await OutboxMessage.filter(id=message.id).update(completed_at=None)
    assert db.redis_url is not None
    redis = ArqRedis.from_url(db.redis_url)
    try:
        assert await redis.enqueue_job(message.task, str(message.id), _job_id="again")
    finally:
        await redis.aclose()
    await run_jobs(db)

    # Then the webhook's status stopped it: one revocation, nothing else revoked
    assert await OutboxMessage.filter(task=Task.REVOKE_ROLES).count() == 1
    assert await _grants(relationship_id) == {
        "USER_ADMINISTRATOR": RoleGrantStatus.ACTIVE,
        "GLOBAL_READER": RoleGrantStatus.REVOKED,
    }


async def test_two_runs_of_one_job_at_once_do_the_work_once(
    hooks: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a revocation webhook, recorded
    relationship_id, _ = await _relationship(hooks, db, smtp_server)
    body = signing.event("relationship.revoke_roles", relationship_id=relationship_id)
    assert (await _post(hooks, body)).status_code == 202
    [message] = await OutboxMessage.filter(task=Task.RUN_INBOUND_WEBHOOK)

    # When two workers run its job at the same moment
    runtime = Runtime(db)
    assert db.redis_url is not None
    redis = ArqRedis.from_url(db.redis_url)
    try:
        results = await asyncio.gather(
            *(
                run_inbound_webhook({"runtime": runtime, "redis": redis}, str(message.id))
                for _ in range(2)
            )
        )
    finally:
        await redis.aclose()

    # Then one did the work, and the other found it done
    assert all(result.endswith("complete") or result == "done already" for result in results)
    assert await OutboxMessage.filter(task=Task.REVOKE_ROLES).count() == 1
    assert set((await _grants(relationship_id)).values()) == {RoleGrantStatus.REVOKING}


async def test_work_cut_short_is_undone_and_done_once_on_the_next_try(
    hooks: httpx.AsyncClient,
    db: Settings,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an event whose work revokes the roles and then fails once, as a crash would
    relationship_id, _ = await _relationship(hooks, db, smtp_server)
    seen_before: list[set[RoleGrantStatus]] = []

    async def revoke_then_fail(op: Operation, data: dict[str, Any]) -> str:
        seen_before.append(set((await _grants(relationship_id)).values()))
        await revoke_for_customer(op, UUID(data["relationship_id"]), None, "Test")
        if len(seen_before) == 1:
            raise ConnectionResetError("the database went away")
        return "revoked"

    flaky = dataclasses.replace(EVENT_TYPES["relationship.revoke_roles"], run=revoke_then_fail)
    monkeypatch.setitem(EVENT_TYPES, "test.revoke_then_fail", flaky)
    body = signing.event("test.revoke_then_fail", relationship_id=relationship_id)
    job_id = (await _post(hooks, body)).json()["jobId"]

    # When its job runs, fails half-way, and is tried again
    await run_jobs(db)

    # Then the second try found nothing of the first one's work, and did it once
    assert seen_before == [{RoleGrantStatus.ACTIVE}, {RoleGrantStatus.ACTIVE}]
    status = (await _status(hooks, job_id)).json()
    assert (status["status"], status["result"]) == ("complete", "revoked")
    assert await OutboxMessage.filter(task=Task.REVOKE_ROLES).count() == 1
    assert set((await _grants(relationship_id)).values()) == {RoleGrantStatus.REVOKED}


async def test_work_that_keeps_failing_fails_the_job_after_the_last_try(
    hooks: httpx.AsyncClient, db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def always_fail(op: Operation, data: dict[str, Any]) -> str:
        raise ConnectionResetError("the database went away")

    broken = dataclasses.replace(EVENT_TYPES["grants.expire_due"], run=always_fail)
    monkeypatch.setitem(EVENT_TYPES, "test.always_fail", broken)
    body = signing.event("test.always_fail")
    job_id = (await _post(hooks, body)).json()["jobId"]

    await run_jobs(db)

    status = (await _status(hooks, job_id)).json()
    assert (status["status"], status["error"]) == (
        "failed",
        "ConnectionResetError: the database went away",
    )
    [message] = await OutboxMessage.filter(task=Task.RUN_INBOUND_WEBHOOK)
    assert message.completed_at is not None  # the relay will not hand it out again


async def test_a_secret_being_rotated_out_is_still_accepted(
    hooks: httpx.AsyncClient, db: Settings
) -> None:
    # When the billing system signs with its older secret, or with both at once
    body = signing.event("grants.expire_due")
    old = await _post(hooks, body, secret=BILLING_OLD)
    both_headers = signing.headers(BILLING_OLD, body, webhook_id="msg_both")
    both_headers["webhook-signature"] = " ".join(
        [
            signing.signature(signing.new_secret(), "msg_both", int(time.time()), body),
            both_headers["webhook-signature"],
        ]
    )
    both = await hooks.post("/webhooks/billing", content=body, headers=both_headers)

    # Then both are accepted
    assert (old.status_code, both.status_code) == (202, 202)
    assert await InboundWebhook.filter(source="billing").count() == 2


async def test_one_id_from_two_sources_is_two_webhooks(
    hooks: httpx.AsyncClient, db: Settings
) -> None:
    body = signing.event("grants.expire_due")
    billing = await _post(hooks, body, webhook_id="msg_same")
    mailer = await _post(hooks, body, secret=MAILER, source="mailer", webhook_id="msg_same")
    assert (billing.status_code, mailer.status_code) == (202, 202)
    assert billing.json()["jobId"] != mailer.json()["jobId"]


# ------------------------------------------------------------------ refused, nothing recorded


async def test_tampered_bodies_wrong_secrets_and_odd_times_are_refused(
    hooks: httpx.AsyncClient, db: Settings
) -> None:
    body = signing.event("grants.expire_due")
    now = int(time.time())
    tampered_headers = signing.headers(BILLING, body)
    cases = {
        "tampered body": await hooks.post(
            "/webhooks/billing",
            content=body.replace(b"grants", b"granTs"),
            headers=tampered_headers,
        ),
        "wrong secret": await _post(hooks, body, secret=signing.new_secret()),
        "another source's secret": await _post(hooks, body, secret=MAILER),
        "stale": await _post(hooks, body, timestamp=now - 6 * 60),
        "future": await _post(hooks, body, timestamp=now + 6 * 60),
    }
    reasons = {name: (r.status_code, r.json()["error"]) for name, r in cases.items()}
    assert reasons == {
        "tampered body": (401, "No signature matches."),
        "wrong secret": (401, "No signature matches."),
        "another source's secret": (401, "No signature matches."),
        "stale": (401, "The webhook-timestamp is more than five minutes away."),
        "future": (401, "The webhook-timestamp is more than five minutes away."),
    }
    await _nothing_recorded()


async def test_a_timestamp_within_five_minutes_is_accepted(
    hooks: httpx.AsyncClient, db: Settings
) -> None:
    body = signing.event("grants.expire_due")
    response = await _post(hooks, body, timestamp=int(time.time()) - 4 * 60)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
async def test_a_missing_header_is_refused(
    hooks: httpx.AsyncClient, db: Settings, missing: str
) -> None:
    body = signing.event("grants.expire_due")
    headers = signing.headers(BILLING, body)
    del headers[missing]
    response = await hooks.post("/webhooks/billing", content=body, headers=headers)
    assert response.status_code == 401
    assert "required" in response.json()["error"]
    await _nothing_recorded()


async def test_a_malformed_signature_or_timestamp_is_refused(
    hooks: httpx.AsyncClient, db: Settings
) -> None:
    body = signing.event("grants.expire_due")
    headers = signing.headers(BILLING, body)
    bad_signature = {**headers, "webhook-signature": "v2," + headers["webhook-signature"][3:]}
    bad_time = {**headers, "webhook-timestamp": "soon"}
    for bad in (bad_signature, bad_time):
        response = await hooks.post("/webhooks/billing", content=body, headers=bad)
        assert response.status_code == 401, response.text
    await _nothing_recorded()


async def test_an_unknown_source_is_not_found(hooks: httpx.AsyncClient, db: Settings) -> None:
    body = signing.event("grants.expire_due")
    response = await _post(hooks, body, source="payroll")
    assert (response.status_code, response.json()) == (404, {"error": "Unknown source."})
    await _nothing_recorded()


async def test_a_body_over_the_cap_is_refused(hooks: httpx.AsyncClient, db: Settings) -> None:
    body = signing.event("grants.expire_due", padding="x" * 256 * 1024)
    response = await _post(hooks, body)
    assert response.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the stream is counted
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    streamed = await hooks.post(
        "/webhooks/billing", content=chunks(), headers=signing.headers(BILLING, body)
    )
    assert streamed.status_code == 413
    assert "content-length" not in streamed.request.headers
    await _nothing_recorded()


async def test_bad_events_are_refused_with_the_reason(
    hooks: httpx.AsyncClient, db: Settings
) -> None:
    cases = {
        b"not json": (None, "The body is not JSON."),
        b"[1, 2]": (None, "The body must be a JSON object."),
        signing.event("payroll.run"): ("type", None),
        b'{"type": "invitation.resend", "data": []}': ("data", None),
        signing.event("invitation.resend"): (
            "data.invitation_id",
            "`invitation_id` must be the ID of an invitation.",
        ),
        signing.event("relationship.revoke_roles", relationship_id="nope"): (
            "data.relationship_id",
            None,
        ),
        signing.event(
            "relationship.revoke_roles",
            relationship_id="UmVsYXRpb25zaGlwOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMQ==",
            roles=["KING"],
        ): ("data.roles", None),
        signing.event("mail.delivery_report", message_id="<a@b>", status="bounced"): (
            "data.reason",
            None,
        ),
        signing.event("mail.delivery_report", message_id="<a@b>", status="lost"): (
            "data.status",
            None,
        ),
    }
    for body, (field, message) in cases.items():
        response = await _post(hooks, body)
        assert response.status_code == 422, (body, response.text)
        answer = response.json()
        assert answer.get("field") == field, (body, answer)
        assert answer["error"] == message if message else answer["error"], answer
    await _nothing_recorded()


# ------------------------------------------------------------------ the status endpoint


async def test_the_status_is_for_the_source_that_sent_it_only(
    hooks: httpx.AsyncClient, db: Settings
) -> None:
    # Given a job of the billing system
    body = signing.event("grants.expire_due")
    job_id = (await _post(hooks, body)).json()["jobId"]

    # Then the billing system sees it (with either of its secrets), the mailer does not,
    # and an unsigned, stale or wrongly signed request is refused
    assert (await _status(hooks, job_id)).status_code == 200
    assert (await _status(hooks, job_id, secret=BILLING_OLD)).status_code == 200
    other = await _status(hooks, job_id, secret=MAILER)
    assert (other.status_code, other.json()) == (404, {"error": "No such job."})
    assert (await _status(hooks, "job_unknown")).status_code == 404
    assert (await hooks.get(f"/webhooks/jobs/{job_id}")).status_code == 401
    stale = await _status(hooks, job_id, timestamp=int(time.time()) - 600)
    assert stale.status_code == 401
    assert (await _status(hooks, job_id, secret=signing.new_secret())).status_code == 401
    body_signed = signing.headers(BILLING, b"{}")
    assert (await hooks.get(f"/webhooks/jobs/{job_id}", headers=body_signed)).status_code == 401
    # And a signature seen for one job does not open another of the same source
    other_job = (await _post(hooks, signing.event("grants.expire_due"))).json()["jobId"]
    seen = signing.headers(BILLING, job_id.encode())
    replayed = await hooks.get(f"/webhooks/jobs/{other_job}", headers=seen)
    assert (replayed.status_code, replayed.json()) == (401, {"error": "No signature matches."})


async def test_a_refused_job_fails_with_the_reason(
    hooks: httpx.AsyncClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a relationship the partner has ended
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer(), AdminRole.GLOBAL_ADMINISTRATOR)
    api = GraphQLClient(hooks)
    relationship = await flows.accepted(api, db, smtp_server, agent, admin)
    ended = await api.query(f.END, {"input": {"relationshipId": relationship["id"]}}, agent.token)
    assert ended["endRelationship"]["errors"] == []
    await run_jobs(db)
    revoke_jobs = await OutboxMessage.filter(task=Task.REVOKE_ROLES).count()

    # When the billing system asks to revoke its roles
    body = signing.event("relationship.revoke_roles", relationship_id=relationship["id"])
    job_id = (await _post(hooks, body)).json()["jobId"]
    await run_jobs(db)

    # Then the job failed, saying why, and started no revocation
    status = (await _status(hooks, job_id)).json()
    assert (status["status"], status["error"]) == ("failed", "The relationship has ended.")
    assert await OutboxMessage.filter(task=Task.REVOKE_ROLES).count() == revoke_jobs


# ------------------------------------------------------------------ configuration


def test_sources_are_parsed_and_their_secrets_never_print() -> None:
    sources = parse_sources(SECRETS)
    assert {name: [str(s) for s in secrets] for name, secrets in sources.items()} == {
        "billing": [BILLING, BILLING_OLD],
        "mailer": [MAILER],
    }
    settings = Settings(inbound_webhook_secrets=sources)
    assert BILLING not in repr(settings)
    assert BILLING not in str(settings)


@pytest.mark.parametrize(
    "value",
    [
        "billing",  # no secret
        "billing=",  # no secret
        "Billing Dept=" + BILLING,  # not a source name
        "billing=secret",  # not whsec_
        "billing=whsec_***",  # not base64
        "billing=whsec_c2hvcnQ=",  # too short a key
        f"billing={BILLING};billing={MAILER}",  # named twice
    ],
)
def test_a_bad_configuration_is_refused_at_start_up(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INBOUND_WEBHOOK_SECRETS", value)
    with pytest.raises(SettingsError, match="INBOUND_WEBHOOK_SECRETS") as refused:
        Settings.from_env(env_file=None)
    assert BILLING not in str(refused.value)
    assert MAILER not in str(refused.value)


def test_the_configuration_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOUND_WEBHOOK_SECRETS", SECRETS)
    settings = Settings.from_env(env_file=None)
    assert sorted(settings.inbound_webhook_secrets) == ["billing", "mailer"]
