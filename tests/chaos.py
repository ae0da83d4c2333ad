"""The Procfile's processes through faults: N `partnerhub web` and M `partnerhub worker`
processes in production mode on one PostgreSQL and one Redis, the workload of issue 13
through their HTTP API, and the effects counted where they land: emails per Message-ID at
the SMTP server, webhook deliveries per webhook-id at the receiver, revocations in the
database.

The shape comes from the environment, so that `make chaos` runs it at length and the suite's
own run stays short: CHAOS_WEB and CHAOS_WORKERS processes (2 and 2), CHAOS_SCALE (1: each
group of the workload a few operations; every count scales with it), CHAOS_FAULT_SECONDS
(how long a fault lasts, 2), and CHAOS_REAL_CRON (unset: once a fault has passed the test
runs the outbox relay itself, as the workers' cron does every 10 seconds; set to 1: the test
waits for that cron), CHAOS_LONG (set to 1 by `make chaos`: every fault, not only the
short form's three; see `tests/test_chaos.py`), CHAOS_DRAIN_SECONDS (how long the effects
may take to land once a fault has passed; see `Shape.drain_limit`), and CHAOS_LOG_DIR
(where each fault's processes write their logs, and Redis its own, kept after the run;
pytest's base temporary directory unless set, which pytest keeps for its last three runs).

When a fault's effects do not drain in time, the test fails with what is still waiting and
why (`tests/backlog.py`), and the path of the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis

from models.foundation.budget import Budget
from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import EmailStatus, PartnerRole, RoleGrantStatus
from models.tables.invitations import Invitation
from models.tables.outbound_webhooks import DeliveryStatus, WebhookDelivery
from models.tables.outbox import NotificationEmail, OutboxMessage, RecipientStatus
from models.tables.relationships import RoleGrant
from tests import backlog
from tests import factories as f
from tests.factories import Person
from tests.jobs import invitation_link
from tests.receivers import Receiver
from tests.servers import HOST, SmtpServer, free_port
from tests.worker_processes import PARTNERHUB, WAIT, WorkerProcess, environment, eventually
from workers.relay import RELAY_AFTER, relay

# arq's in-progress mark lasts JOB_TIMEOUT plus 10 seconds: a killed worker's job runs again
# 14 seconds later. Emails retry within seconds, so an outage of a few seconds is outlasted.
PROCESS_SETTINGS = {
    "JOB_TIMEOUT": "4",
    "SMTP_TIMEOUT": "2",
    "REDIS_TIMEOUT": "1",
    "EMAIL_RETRY_DELAYS": "0.5,1,1,2,2,2,3,3,3,3",
    "SECRET_KEY": "a-production-secret-of-more-than-32-characters",
    "WEBHOOKS_ALLOW_PRIVATE": "true",
    # The workload sends more invitations than a person would: the quotas are not under test.
    "INVITATION_RATE_PER_AGENT": "100000/3600",
    "INVITATION_RATE_PER_PARTNER": "100000/3600",
    "INVITATION_RATE_PER_RECIPIENT": "100000/3600",
}
# Jobs one worker runs at once (workers/worker.py): the most a killed worker had in flight.
WORKER_MAX_JOBS = 20
# The webhook events the partners subscribe to: each the workload's own, counted exactly.
EVENT_TYPES = [
    "invitation.sent",
    "invitation.resent",
    "invitation.accepted",
    "relationship.ended",
    "roles.expired",
    "roles.extended",
]
# A 503 (the database does not answer) is tried again after its Retry-After, as the deployment
# guide tells clients to, this many times at most: nothing of the refused request was written.
RETRIES_OF_503 = 8
CONCURRENT_ACCEPTS = 5  # customers' admins accepting one token at the same moment
INVITES = "invites you to a"  # in the subject of an invitation email and of its reminder


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class Shape:
    """How many processes, how much work, how long each fault lasts."""

    web: int = 2
    workers: int = 2
    scale: int = 1
    fault_seconds: float = 2.0
    real_cron: bool = False
    long_form: bool = False
    drain_seconds: float | None = None  # CHAOS_DRAIN_SECONDS: the limit, if not the default

    @classmethod
    def from_env(cls) -> Shape:
        return cls(
            web=int(os.environ.get("CHAOS_WEB", cls.web)),
            workers=int(os.environ.get("CHAOS_WORKERS", cls.workers)),
            scale=int(os.environ.get("CHAOS_SCALE", cls.scale)),
            fault_seconds=float(os.environ.get("CHAOS_FAULT_SECONDS", cls.fault_seconds)),
            real_cron=_flag("CHAOS_REAL_CRON"),
            long_form=_flag("CHAOS_LONG"),
            drain_seconds=float(os.environ["CHAOS_DRAIN_SECONDS"])
            if os.environ.get("CHAOS_DRAIN_SECONDS")
            else None,
        )

    @staticmethod
    def log_root(default: Path) -> Path:
        """Where the processes' logs go: CHAOS_LOG_DIR, or `default`."""
        chosen = os.environ.get("CHAOS_LOG_DIR", "").strip()
        root = Path(chosen).resolve() if chosen else default
        root.mkdir(parents=True, exist_ok=True)
        return root

    @property
    def drain_limit(self) -> float:
        """Seconds the effects may take to land once a fault has passed: a killed job's
        in-progress mark, the relay's 40 seconds when the test waits for its cron, retries;
        or CHAOS_DRAIN_SECONDS (longer, to see whether a fault drains at all; short, to see
        the report of what is waiting)."""
        if self.drain_seconds is not None:
            return self.drain_seconds
        return 60.0 + (60.0 if self.real_cron else 0.0) + 2 * self.fault_seconds


class WebProcess:
    """One `partnerhub web`, as the Procfile's `web` line runs it, on a loopback port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                [PARTNERHUB, "web", "--host", HOST, "--port", str(self.port)],
                env=env,
                cwd=log.parent,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    async def up(self) -> None:
        async def check() -> bool:
            assert self.popen.poll() is None, f"the web process exited:\n{self.output}"
            with contextlib.suppress(httpx.TransportError):
                async with httpx.AsyncClient(timeout=5) as client:
                    return (await client.get(f"{self.base_url}/healthz")).status_code == 200
            return False

        await eventually(check, "the web process answers /healthz")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


class Cluster:
    """N web and M worker processes of one deployment; a killed worker is replaced, as a
    supervisor restarts it."""

    def __init__(self, settings: Settings, root: Path, shape: Shape, **variables: str) -> None:
        self.env = environment(settings, **PROCESS_SETTINGS, **variables)
        self.root = root
        self.shape = shape
        self.web: list[WebProcess] = []
        self.workers: list[WorkerProcess] = []

    async def start_web(self) -> None:
        self.web = [WebProcess(self.env, self.root / f"web-{n}.log") for n in range(self.shape.web)]
        for process in self.web:
            await process.up()

    async def start_workers(self) -> None:
        for _ in range(self.shape.workers):
            await self.add_worker()

    async def add_worker(self) -> WorkerProcess:
        worker = WorkerProcess(self.env, self.root / f"worker-{len(self.workers)}.log")
        self.workers.append(worker)
        await worker.becomes(200, "a worker is ready")
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for web in self.web:
            web.stop()


class Traffic:
    """GraphQL requests spread over the web processes, every answer's status counted."""

    def __init__(self, bases: list[str]) -> None:
        # Idle connections are dropped well before the server's keep-alive time-out (5 s,
        # as long as a 503's Retry-After): one reused as the server closes it would fail.
        limits = httpx.Limits(keepalive_expiry=2.0)
        self.clients = [
            httpx.AsyncClient(base_url=base, timeout=30, limits=limits) for base in bases
        ]
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []
        self.refusals: list[str] = []  # user errors of mutations the workload expected to pass
        self.turn = 0

    async def call(self, query: str, variables: dict[str, Any], who: Person) -> dict[str, Any]:
        """The request's `data`, or {} when the answer has none (each answer's status is
        counted). A 503 is tried again after its Retry-After, on the next web process."""
        response = await self._post(query, variables, who)
        self.statuses[response.status_code] += 1
        for _ in range(RETRIES_OF_503):
            retry_after = response.headers.get("Retry-After")
            if response.status_code != 503 or retry_after is None:
                break
            await asyncio.sleep(float(retry_after))
            response = await self._post(query, variables, who)
            self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{response.status_code} {response.text[:300]}")
            return {}
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            self.server_errors.append(f"{response.status_code} {body['errors']}")
        data: dict[str, Any] = body.get("data") or {}
        return data

    async def _post(self, query: str, variables: dict[str, Any], who: Person) -> httpx.Response:
        client = self.clients[self.turn % len(self.clients)]
        self.turn += 1
        return await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {who.token}"},
        )

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


CREATE_ENDPOINT = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { webhookEndpoint { id } errors { field code } }
}
"""
RESEND = """
mutation($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { id } errors { code } }
}
"""


@dataclass
class Expected:
    """What the acknowledged operations must have caused, each exactly once."""

    invitation_emails: int = 0
    events: Counter[str] = field(default_factory=Counter)
    revoked_relationships: list[str] = field(default_factory=list)
    accept_winners: int = 0


@dataclass
class Party:
    """A partner with its admin agent, the customers' global admins it invites."""

    agent: Person
    admins: list[Person]


class Workload:
    """The issue's workload at CHAOS_SCALE: invitations sent, accepted (some by several
    customers at once), resent; roles removed; relationships ended; grants the crons warn
    of, extend and expire."""

    def __init__(self, traffic: Traffic, smtp: SmtpServer, scale: int) -> None:
        self.traffic = traffic
        self.smtp = smtp
        self.scale = scale
        self.expected = Expected()
        self.parties: list[Party] = []
        self.pending: list[tuple[Party, Person, str, str]] = []  # invitation id, its token
        self.relationships: list[tuple[Party, Person, str]] = []

    async def people(self) -> None:
        """Partners, each with an admin agent and two customers' global admins."""
        for n in range(4 * self.scale):
            partner = await f.partner(f"Partner {n}")
            agent = await f.person(
                partner, PartnerRole.ADMIN_AGENT, email=f"agent@partner{n}.fabrikam.com"
            )
            admins = [
                await f.person(
                    await f.customer(f"Customer {n}.{m}"),
                    AdminRole.GLOBAL_ADMINISTRATOR,
                    email=f"admin@customer{n}-{m}.contoso.com",
                )
                for m in range(2)
            ]
            self.parties.append(Party(agent, admins))

    async def endpoints(self, url: str) -> None:
        """Each partner's webhook endpoint at the receiver."""
        for party in self.parties:
            data = await self.traffic.call(
                CREATE_ENDPOINT, {"input": {"url": url, "eventTypes": EVENT_TYPES}}, party.agent
            )
            assert data["createWebhookEndpoint"]["errors"] == [], data

    async def due_grants(self) -> None:
        """Relationships whose grants the lifecycle cron must expire, extend, or warn of,
        seeded through the rules before any webhook endpoint exists; their own emails are
        taken as long sent."""
        now = utcnow()
        for n, party in enumerate(self.parties[: 3 * self.scale]):
            relationship = await f.granted(party.agent, party.admins[1], ["USER_ADMINISTRATOR"])
            kind = n % 3  # 0: expires, 1: extends, 2: ends in six days, so is warned of
            ends = now + timedelta(days=6) if kind == 2 else now - timedelta(minutes=1)
            await RoleGrant.filter(relationship_id=relationship.id).update(
                auto_extend=kind == 1, expires_at=ends, next_notice_at=now - timedelta(minutes=1)
            )
            if kind == 0:
                self.expected.events["roles.expired"] += 1
            if kind == 1:
                self.expected.events["roles.extended"] += 1
        await OutboxMessage.filter(completed_at=None).update(completed_at=now, enqueued_at=now)
        await Invitation.all().update(email_status=EmailStatus.SENT, email_attempts=1)

    async def send(self, party: Party, admin: Person) -> str | None:
        """An invitation to the admin's address: its id, or None if it was not acknowledged."""
        data = await self.traffic.call(
            f.SEND,
            {
                "input": {
                    "customerEmail": admin.email,
                    "type": "GDAP_PARTNER",
                    "roles": ["USER_ADMINISTRATOR"],
                    "durationDays": 90,
                }
            },
            party.agent,
        )
        payload = data.get("sendInvitation")
        if not payload or payload["errors"]:
            self.traffic.refusals.append(f"sendInvitation: {payload}")
            return None
        self.expected.invitation_emails += 1
        self.expected.events["invitation.sent"] += 1
        invitation_id: str = payload["invitation"]["id"]
        return invitation_id

    async def token(self, invitation_id: str, address: str, count: int) -> str:
        """The token of the latest invitation email to `address`, once `count` reached it."""

        def arrived() -> bool:
            return len([m for m in self.smtp.messages if m.rcpt_tos == [address]]) >= count

        await eventually(arrived, f"invitation email {count} to {address}")
        mail = [m for m in self.smtp.messages if m.rcpt_tos == [address]][-1]
        return invitation_link(mail)[1]

    async def before(self) -> None:
        """While all is well: an invitation from each partner, and half of them accepted."""
        sent = await asyncio.gather(*(self.send(p, p.admins[0]) for p in self.parties))
        for party, invitation_id in zip(self.parties, sent, strict=True):
            assert invitation_id is not None, (self.traffic.server_errors, self.traffic.refusals)
            token = await self.token(invitation_id, party.admins[0].email, 1)
            self.pending.append((party, party.admins[0], invitation_id, token))
        half = len(self.pending) // 2
        accepting, self.pending = self.pending[:half], self.pending[half:]
        results = await asyncio.gather(*(self.accept(p, a, t) for p, a, _, t in accepting))
        assert all(results), self.traffic.server_errors

    async def accept(self, party: Party, admin: Person, token: str) -> bool:
        data = await self.traffic.call(
            f.ACCEPT, {"input": {"token": token, "acceptAgreement": True}}, admin
        )
        payload = data.get("acceptInvitation")
        if not payload or payload["errors"]:
            return False
        self.expected.events["invitation.accepted"] += 1
        self.relationships.append((party, admin, payload["relationship"]["id"]))
        return True

    async def resend(self, party: Party, invitation_id: str) -> None:
        data = await self.traffic.call(RESEND, {"input": {"id": invitation_id}}, party.agent)
        payload = data.get("resendInvitation")
        if payload and not payload["errors"]:
            self.expected.invitation_emails += 1
            self.expected.events["invitation.resent"] += 1

    async def remove(self, admin: Person, relationship_id: str) -> None:
        data = await self.traffic.call(
            f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin
        )
        payload = data.get("removeRoles")
        if payload and not payload["errors"]:
            self.expected.revoked_relationships.append(relationship_id)

    async def end(self, party: Party, relationship_id: str) -> None:
        data = await self.traffic.call(
            f.END, {"input": {"relationshipId": relationship_id}}, party.agent
        )
        payload = data.get("endRelationship")
        if payload and not payload["errors"]:
            self.expected.revoked_relationships.append(relationship_id)
            self.expected.events["relationship.ended"] += 1

    async def race(self, party: Party, token: str) -> None:
        """Several customers' admins accept one token at once: one of them wins."""
        rivals = [admin for p in self.parties for admin in p.admins][:CONCURRENT_ACCEPTS]
        results = await asyncio.gather(*(self.accept(party, admin, token) for admin in rivals))
        self.expected.accept_winners += sum(results)
        assert sum(results) <= 1, "two customers accepted one invitation"

    async def during(self) -> None:
        """While the fault lasts: new invitations, resends, accepts and a race for one token,
        removals and ends, all at once."""
        half = len(self.pending) // 2
        resending, accepting = self.pending[:half], self.pending[half:]
        racing, accepting = accepting[0], accepting[1:]
        removing = self.relationships[: len(self.relationships) // 2]
        ending = self.relationships[len(self.relationships) // 2 :]
        calls = [
            *(self.send(p, p.admins[1]) for p in self.parties[: 2 * self.scale]),
            *(self.resend(p, i) for p, _, i, _ in resending),
            *(self.accept(p, a, t) for p, a, _, t in accepting),
            self.race(racing[0], racing[3]),
            *(self.remove(a, r) for _, a, r in removing),
            *(self.end(p, r) for p, _, r in ending),
        ]
        await asyncio.gather(*calls)


@dataclass
class Landed:
    """The effects counted where they land."""

    emails: Counter[str]  # per Message-ID, at the SMTP server
    invitation_emails: int  # distinct Message-IDs of invitation emails and reminders
    deliveries: Counter[str]  # per webhook-id, at the receiver
    events: Counter[str]  # distinct deliveries per event type, at the receiver

    @classmethod
    def count(cls, smtp: SmtpServer, receiver: Receiver) -> Landed:
        emails: Counter[str] = Counter()
        invitations: set[str] = set()
        for mail in smtp.messages:
            message_id = str(mail.message["Message-ID"])
            emails[message_id] += 1
            if INVITES in str(mail.message["Subject"]):
                invitations.add(message_id)
        deliveries: Counter[str] = Counter()
        events: Counter[str] = Counter()
        for request in list(receiver.received):
            deliveries[request.webhook_id] += 1
            if deliveries[request.webhook_id] == 1:
                events[request.json["type"]] += 1
        return cls(emails, len(invitations), deliveries, events)

    def repeated(self) -> dict[str, int]:
        """Message-IDs and webhook-ids that landed more than once, with their counts."""
        twice = {k: n for k, n in self.emails.items() if n > 1}
        return twice | {k: n for k, n in self.deliveries.items() if n > 1}


async def outstanding(expected: Expected, smtp: SmtpServer, receiver: Receiver) -> list[str]:
    """What the workload caused that has not landed yet, or is still to do; [] once drained."""
    landed = Landed.count(smtp, receiver)
    waiting = []
    if landed.invitation_emails < expected.invitation_emails:
        waiting.append(f"invitation emails {landed.invitation_emails}/{expected.invitation_emails}")
    for kind, count in expected.events.items():
        if landed.events[kind] < count:
            waiting.append(f"{kind} deliveries {landed.events[kind]}/{count}")
    undone = await OutboxMessage.filter(completed_at=None)
    if undone:
        waiting.append(
            "outbox messages "
            + str(
                sorted(
                    f"{m.task} {m.payload.get('template', '')} created {m.created_at:%S.%f} "
                    f"enqueued {m.enqueued_at and f'{m.enqueued_at:%S.%f}'}"
                    for m in undone
                )
            )
        )
    deliveries = await WebhookDelivery.filter(status=DeliveryStatus.PENDING).count()
    if deliveries:
        waiting.append(f"{deliveries} webhook deliveries pending")
    if failed := await WebhookDelivery.filter(status=DeliveryStatus.FAILED).count():
        waiting.append(f"{failed} webhook deliveries failed")
    if revoking := await RoleGrant.filter(status=RoleGrantStatus.REVOKING).count():
        waiting.append(f"{revoking} grants revoking")
    unsent = await NotificationEmail.filter(
        status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING]
    ).values_list("id", "status", "attempts", flat=False)
    if unsent:
        waiting.append(f"notification emails unsent {unsent}")
    return waiting


async def drain(
    shape: Shape,
    settings: Settings,
    expected: Expected,
    smtp: SmtpServer,
    receiver: Receiver,
    cluster: Cluster,
) -> float:
    """Seconds until everything has landed, from now (the fault has just passed); past the
    shape's limit, the test fails with what is still waiting and why (`tests/backlog.py`).

    Unless the test waits for the workers' own cron (CHAOS_REAL_CRON), it runs the outbox
    relay every few seconds, as that cron does every 10 seconds for messages 30 s old.
    """
    started = time.monotonic()
    redis = ArqRedis.from_url(settings.redis_url or "")
    relayed = time.monotonic()
    try:
        while waiting := await outstanding(expected, smtp, receiver):
            waited = time.monotonic() - started
            if waited >= shape.drain_limit:
                why = await backlog.report(settings.redis_url or "", cluster.workers, cluster.root)
                pytest.fail(f"not drained after {waited:.0f} s: {waiting}\n{why}")
            if int(waited * 5) % 25 == 0:
                print(f"    {waited:5.1f} s: {waiting}")
            if not shape.real_cron and time.monotonic() - relayed > 2:
                relayed = time.monotonic()
                # The relay as its cron runs it RELAY_AFTER on: every message undone is due.
                with contextlib.suppress(OSError, ConnectionError):
                    await relay(redis, utcnow() + RELAY_AFTER, Budget.of(5))
            await asyncio.sleep(0.2)
    finally:
        await redis.aclose()
    return time.monotonic() - started
