"""Malformed requests against the app served by a real uvicorn: each is refused with a 4xx
that says why (on `/graphql`, a GraphQL error with a listed code), never a 500, and each
answer and its log line carry the request's id. So does the 500 of a fault of ours; and a
client that drops mid-upload is no fault of ours.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.logs import log_handler
from models.foundation.inbound_sources import parse_sources
from models.foundation.settings import Settings
from models.rules import inbound
from models.tables.inbound_webhooks import InboundWebhook
from schema.errors import RequestErrorCode
from tests import webhooks_in_signing as signing
from tests.served import connection, served

BILLING = signing.new_secret()
JSON = {"content-type": "application/json"}
PARSE_FAILED = RequestErrorCode.GRAPHQL_PARSE_FAILED
BAD_INPUT = RequestErrorCode.BAD_USER_INPUT


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


@dataclass(frozen=True)
class GraphQLCase:
    body: bytes
    code: RequestErrorCode


GRAPHQL_CASES = {
    "a JSON number": GraphQLCase(b"3", PARSE_FAILED),
    "a JSON string": GraphQLCase(b'"{ __typename }"', PARSE_FAILED),
    "JSON null": GraphQLCase(b"null", PARSE_FAILED),
    "JSON true": GraphQLCase(b"true", PARSE_FAILED),
    "invalid UTF-8": GraphQLCase(b'{"query": "{ __typename \xff\xfe }"}', PARSE_FAILED),
    "not JSON": GraphQLCase(b"{ __typename }", PARSE_FAILED),
    "100,000 nested arrays": GraphQLCase(b"[" * 100_000, PARSE_FAILED),
    "100,000 nested objects": GraphQLCase(b'{"a":' * 100_000, PARSE_FAILED),
    "variables nested 5,000 deep": GraphQLCase(
        b'{"query": "query($v: [String]) { __typename }", "variables": {"v": %s}}'
        % _deep_json(5000).encode(),
        PARSE_FAILED,
    ),
    "no query": GraphQLCase(b"{}", PARSE_FAILED),
    "a query that is not a string": GraphQLCase(b'{"query": 5}', PARSE_FAILED),
    "variables that are not an object": GraphQLCase(
        b'{"query": "{ __typename }", "variables": [1]}', BAD_INPUT
    ),
    "an operation name that is not a string": GraphQLCase(
        b'{"query": "{ __typename }", "operationName": 5}', BAD_INPUT
    ),
    "a batch": GraphQLCase(b'[{"query": "{ __typename }"}]', BAD_INPUT),
}


@dataclass(frozen=True)
class WebhookCase:
    body: bytes
    timestamp: int | None
    status: int
    says: str


WEBHOOK_CASES = {
    "a webhook-timestamp 400 digits long": WebhookCase(
        signing.event("grants.expire_due"), 10**399, 401, "five minutes"
    ),
    "a signed body of 50,000 nested arrays": WebhookCase(
        _deep_json(50_000).encode(), None, 422, "too deeply"
    ),
    "a signed body of invalid UTF-8": WebhookCase(b'{"type": "\xff"}', None, 422, "not JSON"),
}


class JsonLines:
    """The production log handler on the root logger, its lines kept."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = log_handler(production=True, stream=self.stream)

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line.get("request_id") == request_id]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[JsonLines]:
    caplog.set_level(logging.INFO)
    lines = JsonLines()
    logging.getLogger().addHandler(lines.handler)
    try:
        yield lines
    finally:
        logging.getLogger().removeHandler(lines.handler)


@pytest.fixture
async def http(db: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app served by uvicorn, with one inbound webhook source."""
    settings = dataclasses.replace(db, inbound_webhook_secrets=parse_sources(f"billing={BILLING}"))
    async with served(settings) as server, httpx.AsyncClient(base_url=server.base) as client:
        yield client


def _access_line(logs: JsonLines, response: httpx.Response) -> dict[str, Any]:
    """The access log line of `response`, found by the request id it answered with."""
    request_id = response.headers["X-Request-ID"]
    lines = [line for line in logs.of_request(request_id) if line["logger"] == "uvicorn.access"]
    assert len(lines) == 1, logs.stream.getvalue()
    return lines[0]


async def test_malformed_graphql_requests_are_refused_with_a_listed_code(
    http: httpx.AsyncClient, logs: JsonLines
) -> None:
    for name, case in GRAPHQL_CASES.items():
        # When a request to /graphql is malformed in this way
        response = await http.post("/graphql", content=case.body, headers=JSON)

        # Then it is refused with 400 and one GraphQL error, with the code that says why
        assert response.status_code == 400, (name, response.text)
        assert response.headers["content-type"] == "application/json", name
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": case.code.value}, (name, error)
        assert error["message"], name

        # And the answer and its log line carry the request's id
        assert _access_line(logs, response)["message"].endswith('" 400'), name


async def test_malformed_webhooks_are_refused_before_their_signature_is_checked(
    http: httpx.AsyncClient, db: Settings, logs: JsonLines
) -> None:
    for name, case in WEBHOOK_CASES.items():
        # When a webhook, signed with the source's secret, is malformed in this way
        headers = signing.headers(BILLING, case.body, timestamp=case.timestamp)
        response = await http.post("/webhooks/billing", content=case.body, headers=headers)

        # Then it is refused with the route's status for it, saying why
        assert response.status_code == case.status, (name, response.text)
        assert case.says in response.json()["error"], (name, response.text)

        # And the answer and its log line carry the request's id
        assert _access_line(logs, response)["message"].endswith(f'" {case.status}'), name

    # And nothing was recorded
    assert await InboundWebhook.all().count() == 0


async def test_a_fault_of_ours_is_answered_500_with_the_request_id_it_was_logged_under(
    http: httpx.AsyncClient, logs: JsonLines, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a fault in the rule that records webhooks
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a fault of ours")

    monkeypatch.setattr(inbound, "receive", broken)

    # When a correctly signed webhook meets it
    body = signing.event("grants.expire_due")
    response = await http.post(
        "/webhooks/billing", content=body, headers=signing.headers(BILLING, body)
    )

    # Then it is answered 500, with its request id
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    request_id = response.headers["X-Request-ID"]

    # And the fault was logged under that id, with its traceback, beside the access line
    [fault] = [line for line in logs.of_request(request_id) if line["level"] == "ERROR"]
    assert "a fault of ours" in fault["exc_info"]
    assert _access_line(logs, response)["message"].endswith('" 500')


def _requests(exposition: str, status: str) -> float:
    """How many POSTs to /graphql `/metrics` counts with `status`."""
    wanted = {"method": "POST", "route": "/graphql", "status": status}
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "partnerhub_http_requests_total" and sample.labels == wanted
    )


async def test_a_client_that_drops_mid_upload_is_logged_at_info_and_not_counted_as_500(
    db: Settings, logs: JsonLines
) -> None:
    async with served(db) as server, httpx.AsyncClient(base_url=server.base) as http:
        before = (await http.get("/metrics")).text

        # When a client sends part of a GraphQL request's body, then goes away
        async with connection(server.port) as dropping:
            await dropping.send(
                b"POST /graphql HTTP/1.1\r\nHost: partnerhub.test\r\nX-Request-ID: dropped-1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                b'{"query": "{ __typ'
            )

        # Then one INFO line says so, under the request's id, without a traceback
        for _ in range(200):
            said = logs.of_request("dropped-1")
            if said:
                break
            await asyncio.sleep(0.02)
        [line] = said
        assert line["level"] == "INFO"
        assert "went away" in line["message"]
        assert "exc_info" not in line

        # And /metrics counts it as a client that closed its request, not as a 500
        after = (await http.get("/metrics")).text
        assert _requests(after, "499") == _requests(before, "499") + 1
        assert _requests(after, "500") == _requests(before, "500")
    assert not [line for line in logs.all() if line["level"] == "ERROR"]
