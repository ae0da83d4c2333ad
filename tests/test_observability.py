"""Operations: request ids from the web request into its jobs, structured logs, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func
from asgi_lifespan import LifespanManager
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from starlette.datastructures import Secret

from api.app import create_app
from api.logs import log_handler
from models.foundation.request_id import request_id_bound
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.outbox import OutboxMessage, Task
from tests import factories as f
from tests.factories import Person
from tests.graphql import GraphQLClient
from tests.jobs import invitation_link, run_jobs
from tests.servers import RedisServer, SmtpServer, free_port
from workers.metrics import measured

BIN = Path(sys.executable).parent
GENERATED_ID = re.compile(r"[0-9a-f]{32}")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def _scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    return _samples(response.text)


async def _graphql(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    person: Person,
    request_id: str,
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {person.token}", "X-Request-ID": request_id},
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Request-ID"] == request_id
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _invitation(customer_email: str = "it@contoso.com") -> dict[str, Any]:
    return {
        "input": {
            "customerEmail": customer_email,
            "type": "GDAP_PARTNER",
            "roles": ["USER_ADMINISTRATOR"],
            "durationDays": 90,
        }
    }


class _JsonLines:
    """The project's production log handler on the root logger, writing to a buffer."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = log_handler(production=True, stream=self.stream)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def json_logs(caplog: pytest.LogCaptureFixture) -> Iterator[_JsonLines]:
    caplog.set_level(logging.INFO)
    logs = _JsonLines()
    root = logging.getLogger()
    root.addHandler(logs.handler)
    try:
        yield logs
    finally:
        root.removeHandler(logs.handler)


# Request ids


async def test_a_request_keeps_a_sane_request_id_and_gets_a_new_one_otherwise(
    api: GraphQLClient,
) -> None:
    # When a request brings its own id, it gets the same one back
    given = await api.http.get("/healthz", headers={"X-Request-ID": "lb-7f3a:42.1_x"})
    assert given.headers["X-Request-ID"] == "lb-7f3a:42.1_x"

    # When one brings none, each gets a new one
    first = await api.http.get("/healthz")
    second = await api.http.get("/healthz")
    assert GENERATED_ID.fullmatch(first.headers["X-Request-ID"])
    assert GENERATED_ID.fullmatch(second.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]

    # When one brings an id that could forge a log line or is too long, it gets a new one
    for insane in ["two words", 'x" level="ERROR', "a" * 129, "-leading-dash"]:
        response = await api.http.get("/healthz", headers={"X-Request-ID": insane})
        assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"]), insane

    # And a refused request has one too
    missing = await api.http.get("/no/such/page", headers={"X-Request-ID": "probe-404"})
    assert missing.status_code == 404
    assert missing.headers["X-Request-ID"] == "probe-404"


async def test_the_request_id_goes_into_the_outbox_and_the_jobs_it_caused_log_it(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, json_logs: _JsonLines
) -> None:
    # Given a partner agent and a customer global admin
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)

    # When the agent sends an invitation in a request with an id
    await _graphql(api.http, f.SEND, _invitation(), agent, "req-send-1")

    # Then its outbox message carries the id
    [message] = await OutboxMessage.filter(task=Task.SEND_INVITATION_EMAIL)
    assert message.payload["request_id"] == "req-send-1"

    # When the worker runs it, with no request id around it
    with request_id_bound(None):
        await run_jobs(db)

    # Then the job's log lines carry the request's id
    [mail] = smtp_server.wait_for(1)
    job_lines = [line for line in json_logs.lines() if line["logger"] == "workers.jobs"]
    assert job_lines
    assert {line["request_id"] for line in job_lines} == {"req-send-1"}
    assert "send_invitation_email" in job_lines[0]["message"]

    # When the admin accepts and then removes the role, each in a request of its own
    _, token = invitation_link(mail)
    accepted = await _graphql(
        api.http,
        f.ACCEPT,
        {"input": {"token": token, "acceptAgreement": True}},
        admin,
        "req-accept-2",
    )
    relationship_id = accepted["acceptInvitation"]["relationship"]["id"]
    await _graphql(
        api.http, f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin, "req-rm-3"
    )
    with request_id_bound(None):
        await run_jobs(db)

    # Then the revocation job carries the removal's id into the notifications it records
    by_task: dict[str, set[str]] = {}
    for message in await OutboxMessage.all():
        by_task.setdefault(message.task, set()).add(message.payload.get("request_id", ""))
    assert by_task == {
        Task.SEND_INVITATION_EMAIL: {"req-send-1"},
        Task.SEND_NOTIFICATION: {"req-accept-2", "req-rm-3"},
        Task.REVOKE_ROLES: {"req-rm-3"},
    }
    # And every line the jobs logged names the request that caused it
    done = {
        (line["message"].split(":")[0], line["request_id"])
        for line in json_logs.lines()
        if line["logger"] == "workers.jobs"
    }
    assert done == {
        ("send_invitation_email", "req-send-1"),
        ("send_notification", "req-accept-2"),
        ("revoke_roles", "req-rm-3"),
        ("send_notification", "req-rm-3"),
    }


# Logs


def test_production_log_lines_are_json_with_the_request_id_and_extra_fields() -> None:
    # Given the production handler on a logger
    stream = io.StringIO()
    logger = logging.getLogger("tests.observability.json")
    logger.addHandler(log_handler(production=True, stream=stream))
    logger.setLevel(logging.INFO)
    logger.propagate = False

    # When lines are logged inside a request, outside one, and with an exception
    with request_id_bound("req-json-1"):
        logger.info("invitation %s sent", "inv-1", extra={"invitation_id": "inv-1"})
    logger.warning("no request here")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("it failed")

    # Then each line is a JSON object with the fields
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "invitation inv-1 sent"
    assert first["level"] == "INFO"
    assert first["logger"] == "tests.observability.json"
    assert first["request_id"] == "req-json-1"
    assert first["invitation_id"] == "inv-1"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", first["timestamp"])
    assert second["request_id"] is None
    assert second["level"] == "WARNING"
    assert third["message"] == "it failed"
    assert "ValueError: boom" in third["exc_info"]


def test_development_log_lines_are_text_naming_the_request_when_there_is_one() -> None:
    # Given the development handler on a logger
    stream = io.StringIO()
    logger = logging.getLogger("tests.observability.text")
    logger.addHandler(log_handler(production=False, stream=stream))
    logger.setLevel(logging.INFO)
    logger.propagate = False

    # When a line is logged inside a request and one outside
    with request_id_bound("req-text-1"):
        logger.info("inside")
    logger.info("outside")

    # Then the first names the request and the second names none
    inside, outside = stream.getvalue().splitlines()
    assert inside.endswith(" INFO    tests.observability.text [req-text-1]: inside")
    assert outside.endswith(" INFO    tests.observability.text: outside")


# Metrics


async def test_metrics_count_requests_by_route_template_and_jobs_and_emails_by_task(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an agent, and the metrics as they stand
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    before = await _scrape(api.http)

    # When a few requests come in and the worker sends the invitation
    await api.http.get("/dev/mail/987654")
    await api.http.get("/no/such/page")
    await _graphql(api.http, f.SEND, _invitation(), agent, "req-metrics-1")
    await run_jobs(db)
    smtp_server.wait_for(1)
    after = await _scrape(api.http)

    # Then requests are counted by method, route template and status, and timed
    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    requests = "partnerhub_http_requests_total"
    assert grew(requests, method="GET", route="/dev/mail/{number:int}", status="404") == 1
    assert grew(requests, method="GET", route="unmatched", status="404") == 1
    assert grew(requests, method="POST", route="/graphql", status="200") == 1
    seconds = "partnerhub_http_request_duration_seconds_count"
    assert grew(seconds, method="POST", route="/graphql") == 1
    # And the job is counted by outcome and timed, and the email by template and outcome
    assert grew("partnerhub_jobs_total", task="send_invitation_email", outcome="complete") == 1
    assert grew("partnerhub_job_duration_seconds_count", task="send_invitation_email") == 1
    assert grew("partnerhub_emails_total", template="invitation", outcome="sent") == 1


async def test_metrics_count_retried_jobs_and_emails_that_fail_for_good(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation whose email meets a passing refusal, then a final one
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    before = await _scrape(api.http)
    smtp_server.fail_next = ["451 4.3.0 Try again later", "554 5.7.1 Rejected"]
    await _graphql(api.http, f.SEND, _invitation(), agent, "req-metrics-2")

    # When the worker runs it
    await run_jobs(db)
    after = await _scrape(api.http)

    # Then the job ran twice, retried once, and the email failed for good
    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("partnerhub_jobs_total", task="send_invitation_email", outcome="retry") == 1
    assert grew("partnerhub_jobs_total", task="send_invitation_email", outcome="complete") == 1
    assert grew("partnerhub_job_duration_seconds_count", task="send_invitation_email") == 2
    assert grew("partnerhub_emails_total", template="invitation", outcome="failed") == 1
    assert grew("partnerhub_emails_total", template="invitation", outcome="sent") == 0


async def _hang(ctx: dict[str, Any]) -> None:
    ctx["started"].set()
    await asyncio.Event().wait()


def _job_runs(task: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("partnerhub_jobs_total", {"task": task, "outcome": outcome}) or 0
    )


async def _hanging_worker(redis_server: RedisServer, task: str, job_timeout: float) -> Worker:
    """A worker whose one measured job, `task`, never ends; its job is queued already."""
    redis_server.flushall()
    redis = ArqRedis.from_url(redis_server.url)
    try:
        await redis.enqueue_job(task)
    finally:
        await redis.aclose()
    return Worker(
        functions=[measured(func(_hang, name=task, timeout=job_timeout, max_tries=1))],
        redis_settings=RedisSettings.from_dsn(redis_server.url),
        ctx={"started": asyncio.Event()},
        poll_delay=0.02,
        handle_signals=False,
    )


async def test_a_job_cancelled_at_its_timeout_counts_as_failed(redis_server: RedisServer) -> None:
    # Given a job that never ends, with a short timeout
    worker = await _hanging_worker(redis_server, "hang_until_timeout", job_timeout=0.1)
    before = _job_runs("hang_until_timeout", "failed")

    # When a worker runs it
    worker.burst = True
    try:
        await worker.main()
    finally:
        await worker.close()

    # Then arq cancelled it at its timeout, a failure, and the run counts as failed
    assert worker.jobs_failed == 1
    assert _job_runs("hang_until_timeout", "failed") - before == 1
    assert _job_runs("hang_until_timeout", "retry") == 0


async def test_a_job_cancelled_by_a_stopping_worker_counts_as_retry(
    redis_server: RedisServer,
) -> None:
    # Given a job that never ends, with a long timeout, under way in a worker
    worker = await _hanging_worker(redis_server, "hang_until_stopped", job_timeout=600)
    before = _job_runs("hang_until_stopped", "retry")
    running = asyncio.create_task(worker.async_run())
    await worker.ctx["started"].wait()

    # When the worker stops
    await worker.close()
    with contextlib.suppress(asyncio.CancelledError):
        await running

    # Then arq will run the job again, and the run counts as a retry
    assert worker.jobs_retried == 1
    assert _job_runs("hang_until_stopped", "retry") - before == 1
    assert _job_runs("hang_until_stopped", "failed") == 0


# The processes


class _Process:
    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)

    def stop(self) -> int:
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait()

    def lines(self) -> list[dict[str, Any]]:
        """Every line of the output, each of which must be a JSON object."""
        return [json.loads(line) for line in self.log.read_text().splitlines()]


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 30
    while not await check():
        assert time.monotonic() < deadline, f"{what} did not happen"
        await asyncio.sleep(0.1)


async def _answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(url)).status_code == 200
    except httpx.TransportError:
        return False


async def test_production_processes_log_json_lines_and_the_worker_serves_its_metrics(
    db: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # Given the web and worker processes in production, the worker with a metrics port
    agent = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    web_port, metrics_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DATABASE_URL": db.database_url,
        "REDIS_URL": db.redis_url or "",
        "SMTP_URL": db.smtp_url or "",
        "SECRET_KEY": "a-production-secret-of-more-than-32-characters",
        "PUBLIC_URL": "http://partnerhub.example.com",
        "PARTNERHUB_ENV": "production",
        "METRICS_PORT": str(metrics_port),
    }
    if "PYTHONPATH" in os.environ:  # the code under test, when the suite runs from it
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    partnerhub = str(BIN / "partnerhub")
    web = _Process([partnerhub, "web", "--port", str(web_port)], env, tmp_path / "web.log")
    worker = _Process([partnerhub, "worker"], env, tmp_path / "worker.log")
    base, worker_metrics = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{metrics_port}"
    try:
        await _until(lambda: _answers(f"{base}/healthz"), "the web process answering")
        await _until(lambda: _answers(worker_metrics), "the worker serving metrics")

        # When the agent sends an invitation with a request id, and the worker mails it
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            await _graphql(http, f.SEND, _invitation(), agent, "req-process-1")
            [mail] = await smtp_server.await_for(1, timeout=30)
            # and the customer opens the link the email carries
            link, token = invitation_link(mail)
            path = urlsplit(link)
            assert (await http.get(f"{path.path}?{path.query}")).status_code == 200

        # Then the worker's metrics port counts the job and the email
        async def counted() -> bool:
            async with httpx.AsyncClient() as client:
                samples = _samples((await client.get(worker_metrics)).text)
            job = {"task": "send_invitation_email", "outcome": "complete"}
            email = {"template": "invitation", "outcome": "sent"}
            return (
                _value(samples, "partnerhub_jobs_total", **job) == 1
                and _value(samples, "partnerhub_emails_total", **email) == 1
            )

        await _until(counted, "the job and email being counted")
    finally:
        codes = web.stop(), worker.stop()

    # And both stopped cleanly, and every line they logged is a JSON object
    assert codes == (-signal.SIGTERM, 0)
    web_lines, worker_lines = web.lines(), worker.lines()
    for line in web_lines + worker_lines:
        assert {"timestamp", "level", "logger", "message", "request_id"} <= set(line), line
        assert "color_message" not in line
    # And the access log line and the job's line carry the request's id
    access = [line for line in web_lines if line["logger"] == "uvicorn.access"]
    [graphql] = [line for line in access if "POST /graphql" in line["message"]]
    assert graphql["request_id"] == "req-process-1"
    assert all(GENERATED_ID.fullmatch(line["request_id"]) for line in access if line != graphql)
    # And no line holds the invitation's token: the access line keeps the path, not the query
    assert any("GET /invitations/accept?…" in line["message"] for line in access)
    assert not [line for line in web_lines + worker_lines if token in json.dumps(line)]
    jobs = [line for line in worker_lines if line["logger"] == "workers.jobs"]
    assert [line["request_id"] for line in jobs] == ["req-process-1"]
    assert any(line["logger"] == "arq.worker" for line in worker_lines)


async def test_metrics_is_public_and_holds_only_metrics(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an invitation sent and mailed, with an agent's token and a customer's address
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    await _graphql(
        api.http, f.SEND, _invitation("secret.person@contoso.com"), agent, "req-private-1"
    )
    await run_jobs(db)
    [mail] = smtp_server.wait_for(1)
    _, invitation_token = invitation_link(mail)

    # When anyone asks for /metrics, without credentials, of a production app too
    production = replace(
        db, environment="production", secret_key=Secret("a-production-secret-" + "x" * 20)
    )
    app = create_app(production)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.get("/metrics")

    # Then it answers, in Prometheus' text format, with metrics and nothing else
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    for private in (
        "secret.person@contoso.com",
        agent.email,
        agent.token,
        invitation_token,
        "req-private-1",
    ):
        assert private not in body
    assert "@" not in body
    sample = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+")
    for line in body.splitlines():
        assert line.startswith("# ") or sample.fullmatch(line), line
