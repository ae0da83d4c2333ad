"""The Procfile under honcho, a real supervisor, against the suite's real servers.

Honcho stops every process as soon as one exits, so the one-shot `release` runs first under
its own `honcho start release`, then `honcho start web worker` runs the system.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from aiosmtpd.controller import Controller
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix
from arq.jobs import Job, JobStatus

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import EmailStatus, PartnerRole
from models.tables.invitations import Invitation
from models.tables.outbox import OutboxMessage, Task
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link
from tests.served import connection
from tests.servers import HOST, ReceivedMail, SmtpServer, free_port
from tests.worker_processes import WAIT, eventually
from workers.jobs import relay_outbox
from workers.relay import RELAY_AFTER
from workers.runtime import Runtime

BIN = Path(sys.executable).parent
PROCFILE = Path(__file__).resolve().parents[1] / "Procfile"
SHELLS = {"sh", "dash", "bash"}


class Honcho:
    """One `honcho start` of some of the Procfile's processes, its output in a file."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pid(self, name: str) -> int:
        """The process group honcho started for `name` (it signals the whole group)."""
        found = re.search(rf"system\s*\| {name}\.1 started \(pid=(\d+)\)", self.output)
        assert found, self.output
        return int(found.group(1))

    def status(self, name: str) -> str | None:
        """The exit status honcho reported for `name`, or None while it runs."""
        found = re.search(rf"system\s*\| {name}\.1 stopped \(rc=(-?\d+)\)", self.output)
        return found.group(1) if found else None

    def clean_exit_status(self, name: str) -> str:
        """What honcho reports when `name` exits 0 on SIGTERM; ask while `name` runs.

        Honcho runs each Procfile line with `sh -c` and signals its whole process group. A
        shell that does not exec the line's command (dash does not) stays in between, dies of
        the signal at once, and honcho reports the shell's status once the command has exited.
        """
        argv0 = Path(f"/proc/{self.pid(name)}/cmdline").read_bytes().split(b"\0")[0]
        return str(-signal.SIGTERM) if Path(argv0.decode()).name in SHELLS else "0"

    def lines_of(self, name: str) -> str:
        return "\n".join(line for line in self.output.splitlines() if f" {name}.1 " in line)

    async def wait_for(self, text: str) -> None:
        await eventually(lambda: text in self.output, f"{text!r} in honcho's output")

    async def wait(self) -> int:
        return await asyncio.wait_for(self.process.wait(), WAIT)

    async def stop(self) -> int:
        """SIGTERM to honcho, as a stop or Ctrl-C sends it; honcho's exit status."""
        self.process.send_signal(signal.SIGTERM)
        return await self.wait()

    async def close(self, names: tuple[str, ...]) -> None:
        """Leave nothing running, whatever the test did."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), WAIT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        for name in names:
            if f"{name}.1 started" in self.output and self.status(name) is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid(name), signal.SIGKILL)


class Supervisor:
    """Runs the Procfile under honcho with production settings from the environment only."""

    def __init__(self, settings: Settings, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.env = {
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": os.environ.get("HOME", ""),
            "LANG": "C.UTF-8",
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url or "",
            "SMTP_URL": settings.smtp_url or "",
            "PUBLIC_URL": "http://partnerhub.example.com",
            "MAIL_FROM": "Partnerhub <no-reply@partnerhub.example.com>",
            "SECRET_KEY": "a-production-secret-of-more-than-32-characters",
            # No PARTNERHUB_ENV: the Procfile's web and worker lines default to production.
            "PORT": str(self.port),
        }
        if "PYTHONPATH" in os.environ:  # the code under test, when the suite runs from it
            self.env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        self.started: list[tuple[Honcho, tuple[str, ...]]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, *names: str) -> Honcho:
        """`honcho start NAME...`, in an empty directory: no `.env` file is read."""
        log = self.root / f"honcho-{len(self.started)}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                str(BIN / "honcho"),
                "start",
                "--no-colour",
                "--procfile",
                str(PROCFILE),
                "--app-root",
                str(self.root),
                *names,
                cwd=self.root,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        honcho = Honcho(process, log)
        self.started.append((honcho, names))
        return honcho

    async def release(self) -> None:
        """The release phase: the Procfile's one-shot `release` line, under honcho."""
        honcho = await self.start("release")
        assert await honcho.wait() == 0, honcho.output
        assert honcho.status("release") == "0", honcho.output

    async def web_is_up(self, honcho: Honcho) -> None:
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            deadline = time.monotonic() + WAIT
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        return
                assert time.monotonic() < deadline, f"the web did not come up:\n{honcho.output}"
                await asyncio.sleep(0.1)

    async def close(self) -> None:
        for honcho, names in self.started:
            await honcho.close(names)


@pytest.fixture
async def supervisor(db: Settings, tmp_path: Path) -> AsyncIterator[Supervisor]:
    running = Supervisor(db, tmp_path)
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def http(supervisor: Supervisor) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=supervisor.base_url, timeout=30) as client:
        yield GraphQLClient(client)


@pytest.fixture
async def arq_redis(db: Settings) -> AsyncIterator[ArqRedis]:
    redis = ArqRedis.from_url(db.redis_url or "")
    try:
        yield redis
    finally:
        await redis.aclose()


class HeldSmtpServer:
    """An SMTP server that holds its answer to DATA until the test lets it go.

    As with a real server, a message is delivered when it is answered 250; a client that goes
    away while the answer is held has delivered nothing.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.arrived = 0  # DATA commands received
        self.dropped = 0  # sessions lost while their answer was held
        self.delivered: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._released = asyncio.Event()  # set on the server's own loop
        self._controller = Controller(
            self, hostname=HOST, port=self.port, server_hostname="localhost"
        )

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def counts(self) -> tuple[int, int, int]:
        """Messages arrived, dropped and delivered so far."""
        with self._lock:
            return self.arrived, self.dropped, len(self.delivered)

    def release(self) -> None:
        """Answer the held messages, and every later one at once."""
        self._controller.loop.call_soon_threadsafe(self._released.set)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            self.arrived += 1
        try:
            await self._released.wait()
        except asyncio.CancelledError:  # aiosmtpd cancels the session when the client goes
            with self._lock:
                self.dropped += 1
            raise
        raw = bytes(envelope.original_content).replace(b"\r\n", b"\n")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.delivered.append(
                ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
        return "250 Message accepted for delivery"

    def __enter__(self) -> HeldSmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
        self._controller.stop()


@pytest.fixture
def held_smtp(supervisor: Supervisor) -> Iterator[HeldSmtpServer]:
    """A held SMTP server that the Procfile's processes mail to."""
    with HeldSmtpServer() as server:
        supervisor.env["SMTP_URL"] = server.url
        yield server


async def test_honcho_runs_the_procfile_and_carries_an_invitation_through(
    supervisor: Supervisor, http: GraphQLClient, smtp_server: SmtpServer
) -> None:
    # Given people in both organizations, and the release phase run under honcho
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    await supervisor.release()

    # When honcho starts the web and worker processes
    honcho = await supervisor.start("web", "worker")
    await supervisor.web_is_up(honcho)
    clean_exit = honcho.clean_exit_status("worker")

    # And the agent sends an invitation over HTTP
    sent = await f.send(
        http, agent, customerEmail="it@contoso.com", roles=["USER_ADMINISTRATOR"], durationDays=30
    )
    assert sent["errors"] == []

    # Then the worker emails it, and its link opens the web console
    [mail] = await smtp_server.await_for(1, timeout=WAIT)
    url, token = invitation_link(mail)
    assert url.startswith("http://partnerhub.example.com/invitations/accept?token=")
    page = await http.http.get(f"/invitations/accept?token={token}")
    assert page.status_code == 200
    assert '<script type="module" src="/console/app.js">' in page.text

    # When the customer's global admin accepts, the partner is told
    accepted = await f.accept(http, admin, token)
    assert accepted["errors"] == []
    relationship = accepted["relationship"]
    assert [g["status"] for g in relationship["roleGrants"]] == ["ACTIVE"]
    await smtp_server.await_for(2, timeout=WAIT)

    # When the customer removes the roles, the worker finishes the revocation and tells both
    data = await http.query(
        f.REMOVE_ROLES, {"input": {"relationshipId": relationship["id"]}}, admin.token
    )
    grants = data["removeRoles"]["relationship"]["roleGrants"]
    assert [g["status"] for g in grants] == ["REVOKING"]
    mails = await smtp_server.await_for(4, timeout=WAIT)
    assert {m.rcpt_tos[0] for m in mails[2:]} == {agent.email, admin.email}
    query = "query($id: ID!) { relationship(id: $id) { roleGrants { status } } }"
    data = await http.query(query, {"id": relationship["id"]}, admin.token)
    assert data["relationship"]["roleGrants"] == [{"status": "REVOKED"}]

    # When honcho gets SIGTERM, it passes it on; both processes stop on their own, and
    # honcho exits as a process stopped by SIGTERM does (128 + 15)
    assert await honcho.stop() == 128 + signal.SIGTERM
    # Uvicorn shuts down gracefully, then re-raises the signal it caught
    assert honcho.status("web") == str(-signal.SIGTERM), honcho.output
    assert "Application shutdown complete" in honcho.lines_of("web")
    assert honcho.status("worker") == clean_exit, honcho.output
    assert "SIGKILL" not in honcho.output
    assert "Traceback" not in honcho.output
    assert len(smtp_server.messages) == 4


def _gone(redis: ArqRedis, key: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return not await redis.exists(key)

    return check


def _complete(job: Job) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await job.status() == JobStatus.complete

    return check


async def _invitation_job() -> tuple[Invitation, OutboxMessage]:
    """The test's one invitation, and the outbox message of its email."""
    [invitation] = await Invitation.all()
    [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
    return invitation, message


async def test_a_worker_stopped_with_sigterm_finishes_the_job_under_way(
    supervisor: Supervisor, http: GraphQLClient, held_smtp: HeldSmtpServer, arq_redis: ArqRedis
) -> None:
    # Given the Procfile's web and worker processes under honcho, mailing to a server that
    # holds its answer to each message until the test lets it go
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    await supervisor.release()
    honcho = await supervisor.start("web", "worker")
    await supervisor.web_is_up(honcho)
    clean_exit = honcho.clean_exit_status("worker")

    # And an invitation whose email the worker is sending: its message is at the server
    sent = await f.send(http, agent, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    await eventually(lambda: held_smtp.counts() == (1, 0, 0), "the worker sends the email")

    # When honcho gets SIGTERM and passes it on to both processes
    honcho.process.send_signal(signal.SIGTERM)
    await honcho.wait_for("sending SIGTERM to worker.1")
    await honcho.wait_for("web.1 stopped")

    # Then the web process has stopped, but the worker waits for its job
    assert honcho.status("worker") is None, honcho.output

    # When the server answers the message
    held_smtp.release()

    # Then the job finishes and the worker stops on its own, before honcho would kill it
    assert await honcho.wait() == 128 + signal.SIGTERM
    assert honcho.status("worker") == clean_exit, honcho.output
    assert "SIGKILL" not in honcho.output
    assert "Traceback" not in honcho.output

    # And the email was delivered once, by the job's first and only run
    assert held_smtp.counts() == (1, 0, 1)
    assert held_smtp.delivered[0].rcpt_tos == ["it@contoso.com"]
    invitation, message = await _invitation_job()
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.SENT, 1)
    assert message.completed_at is not None
    job = Job(message.job_id, arq_redis)
    assert await job.status() == JobStatus.complete
    result = await job.result_info()
    assert result is not None
    assert (result.success, result.result, result.job_try) == (True, "sent", 1)


async def test_a_job_cut_off_by_sigkill_runs_again_in_a_new_worker(
    db: Settings,
    supervisor: Supervisor,
    http: GraphQLClient,
    held_smtp: HeldSmtpServer,
    arq_redis: ArqRedis,
) -> None:
    # Given the Procfile's web and worker processes under honcho, mailing to a server that
    # holds its answer to each message until the test lets it go
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    await supervisor.release()
    honcho = await supervisor.start("web", "worker")
    await supervisor.web_is_up(honcho)

    # And an invitation whose email the worker is sending: its message is at the server
    sent = await f.send(http, agent, customerEmail="it@contoso.com")
    assert sent["errors"] == []
    await eventually(lambda: held_smtp.counts() == (1, 0, 0), "the worker sends the email")

    # When the worker is killed outright, mid-job (honcho then stops the web process too)
    os.killpg(honcho.pid("worker"), signal.SIGKILL)
    await honcho.wait()
    assert honcho.status("worker") == str(-signal.SIGKILL), honcho.output

    # Then the message was never answered, so never delivered; nothing records it as sent
    await eventually(lambda: held_smtp.counts() == (1, 1, 0), "the server sees the client go")
    held_smtp.release()
    invitation, message = await _invitation_job()
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.QUEUED, 0)
    assert message.completed_at is None

    # And arq still has the job, marked in progress for the longest job timeout plus 10s
    in_progress = in_progress_key_prefix + message.job_id
    in_progress_for = db.job_timeout + 10
    assert 0 < await arq_redis.pttl(in_progress) <= in_progress_for * 1000
    score = await arq_redis.zscore(default_queue_name, message.job_id)
    assert score is not None

    # When the outbox relay runs (RELAY_AFTER later), it finds the message undone and hands it
    # to arq again: arq still holds the job under that id, so no job is added
    with time_machine.travel(utcnow() + RELAY_AFTER + timedelta(seconds=1), tick=True):
        ctx = {"runtime": Runtime(db), "redis": arq_redis}
        assert await relay_outbox(ctx) == "relayed 0 message(s)"
    assert await arq_redis.zscore(default_queue_name, message.job_id) == score

    # And, by then, the in-progress mark has run out: Redis keeps its own clock, which the
    # test cannot move, so the test lets the key's time run out now
    await arq_redis.pexpire(in_progress, 1)
    await eventually(_gone(arq_redis, in_progress), "the in-progress mark runs out")

    # When a new worker starts
    honcho = await supervisor.start("worker")

    # Then it runs the job again, and the email is delivered once
    await eventually(lambda: held_smtp.counts()[2] == 1, "the new worker delivers the email")
    clean_exit = honcho.clean_exit_status("worker")
    job = Job(message.job_id, arq_redis)
    await eventually(_complete(job), "the job's result is recorded")
    result = await job.result_info()
    assert result is not None
    assert (result.success, result.result, result.job_try) == (True, "sent", 2)
    invitation, message = await _invitation_job()
    assert (invitation.email_status, invitation.email_attempts) == (EmailStatus.SENT, 1)
    assert message.completed_at is not None
    assert held_smtp.delivered[0].rcpt_tos == ["it@contoso.com"]

    # And the new worker stops cleanly, with nothing more sent
    assert await honcho.stop() == 128 + signal.SIGTERM
    assert honcho.status("worker") == clean_exit, honcho.output
    assert held_smtp.counts() == (2, 1, 1)


async def test_the_procfile_runs_production_unless_told_otherwise(
    supervisor: Supervisor,
) -> None:
    # Given the environment of a deployment that forgot both PARTNERHUB_ENV and SECRET_KEY
    del supervisor.env["SECRET_KEY"]

    # When the supervisor starts the web and the worker
    honcho = await supervisor.start("web", "worker")

    # Then they run as production, which refuses the default secret: neither starts
    assert await honcho.wait() != 0
    assert "SECRET_KEY must be set in production" in honcho.output
    assert honcho.status("web") not in (None, "0"), honcho.output


async def test_the_web_process_cuts_off_slow_clients_and_believes_no_forwarded_for(
    supervisor: Supervisor, http: GraphQLClient, db: Settings
) -> None:
    # Given the Procfile's web process, with a header time-out of half a second and Contact me
    # limited to one request per client address, and a listed partner
    supervisor.env |= {"HTTP_HEADER_TIMEOUT": "0.5", "CONTACT_RATE_LIMIT": "1"}
    fabrikam, _ = await f.listed_partner("Fabrikam")
    honcho = await supervisor.start("web")
    await supervisor.web_is_up(honcho)

    # When a client trickles its headers a byte at a time
    async with connection(supervisor.port) as slow:
        await slow.send(b"GET /healthz HTTP/1.1\r\nHost: partnerhub.example.com\r\n")
        # Then the web process answers 408 and closes the connection before they end
        assert await slow.trickle(b"X-Slow: " + b"a" * 1000, pause=0.05) is False
        assert (await slow.answer()).startswith(b"HTTP/1.1 408 ")

    # When a client on this host sends Contact me twice, claiming another address each time
    answers = []
    for address in ("203.0.113.1", "203.0.113.2"):
        response = await http.http.post(
            "/graphql",
            json={"query": f.CONTACT, "variables": {"input": f.contact_form(fabrikam)}},
            headers={"X-Forwarded-For": address},
        )
        answers.append(response.json()["data"]["contactPartner"]["errors"])

    # Then the claims are not believed: the second is the same client's, and refused
    assert answers[0] == []
    assert [error["code"] for error in answers[1]] == ["RATE_LIMITED"]
    await honcho.stop()
