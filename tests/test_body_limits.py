"""Request bodies past their route's limit, against the app served by a real uvicorn: refused
with 413 before they are read in full, whether they declare their length or not."""

from __future__ import annotations

import dataclasses
import json

import httpx

from models.foundation.inbound_sources import parse_sources
from models.foundation.settings import Settings
from tests import webhooks_in_signing as signing
from tests.served import connection, served, status_of

BILLING = signing.new_secret()
HEAD = b"POST %s HTTP/1.1\r\nHost: partnerhub.test\r\nContent-Type: application/json\r\n"


def _body_of(answer: bytes) -> dict[str, object]:
    body: dict[str, object] = json.loads(answer.partition(b"\r\n\r\n")[2])
    return body


async def test_the_default_limit_of_graphql_is_one_mib(db: Settings) -> None:
    # Given the app with its default limits
    assert (db.graphql_max_body_bytes, db.webhook_max_body_bytes) == (1024 * 1024, 256 * 1024)
    async with served(db) as server:
        async with connection(server.port) as client:
            # When a client declares a GraphQL body of 50 MiB and starts sending it
            await client.send(HEAD % b"/graphql" + b"Content-Length: 52428800\r\n\r\n{")

            # Then it is refused with 413 and a GraphQL error, and the connection is closed
            answer = await client.answer()
        assert status_of(answer) == 413
        assert _body_of(answer) == {
            "errors": [
                {
                    "message": "The request body is larger than 1 MiB.",
                    "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
                }
            ]
        }

        # While a request within the limit is answered
        async with httpx.AsyncClient(base_url=server.base) as http:
            padded = {"query": "{ __typename }" + " " * 1_000_000}
            answered = await http.post("/graphql", json=padded)
        assert answered.json() == {"data": {"__typename": "Query"}}


async def test_a_chunked_body_is_counted_as_it_arrives_and_refused_past_the_limit(
    db: Settings,
) -> None:
    # Given the app with GraphQL bodies limited to 2 KiB
    async with served(dataclasses.replace(db, graphql_max_body_bytes=2048)) as server:
        async with connection(server.port) as client:
            # When a client sends a body without a length, in chunks, past the limit
            await client.send(HEAD % b"/graphql" + b"Transfer-Encoding: chunked\r\n\r\n")
            for _ in range(3):
                await client.send(b"400\r\n" + b" " * 1024 + b"\r\n")

            # Then it is refused with 413, without the end of the body, and the connection closed
            answer = await client.answer()
        assert status_of(answer) == 413
        assert _body_of(answer)["errors"] == [
            {
                "message": "The request body is larger than 2 KiB.",
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ]


async def test_webhooks_have_a_limit_of_their_own(db: Settings) -> None:
    # Given the app with a webhook source and webhook bodies limited to 4 KiB
    settings = dataclasses.replace(
        db,
        inbound_webhook_secrets=parse_sources(f"billing={BILLING}"),
        webhook_max_body_bytes=4096,
    )
    async with served(settings) as server, httpx.AsyncClient(base_url=server.base) as http:
        # When a signed webhook is larger than that
        body = signing.event("grants.expire_due", padding="x" * 4096)
        response = await http.post(
            "/webhooks/billing", content=body, headers=signing.headers(BILLING, body)
        )

        # Then it is refused with 413, in the webhooks' own words
        assert response.status_code == 413
        assert response.json() == {"error": "The body is larger than 4 KiB."}

        # While a GraphQL request of that size is answered
        padded = {"query": "{ __typename }" + " " * 8192}
        assert (await http.post("/graphql", json=padded)).status_code == 200
