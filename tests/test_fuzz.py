"""Fuzzing the GraphQL API with schemathesis (its GraphQL support generates documents with
hypothesis-graphql) against the app served by uvicorn, anonymous and as each kind of
principal of a seeded world. Every answer must be a GraphQL answer: no 5xx, a JSON object
with `data` or `errors`, every error a well-formed one, and none a fault (an error at a
path without a code of ours, which the server would log as a fault); nothing logged at
ERROR while it runs.

The CI run is short (FUZZ_EXAMPLES, 250 per principal, spread over every operation, a
fixed seed); `make fuzz` runs
long with random seeds. Requests are JSON documents sent as clients send them: malformed
HTTP bodies (not JSON, not an object, invalid UTF-8) are the HTTP layer's own tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from graphql import get_introspection_query
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response

from api.app import create_app
from models.foundation.settings import Settings
from tests.graphql import GraphQLClient
from tests.servers import HOST, free_port
from tests.worlds import world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))  # per principal
RANDOM = os.environ.get("FUZZ_RANDOM", "") == "1"  # make fuzz: a new seed each run


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The app under uvicorn on a free loopback port, in this event loop: its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host=HOST, port=port, log_level="warning", log_config=None
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if serving.done():
                    serving.result()
                    raise RuntimeError("the web app stopped before it started")
                await asyncio.sleep(0.02)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)


class Faults(logging.Handler):
    """Keeps every record at ERROR or above: a fault the server noticed and logged."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def faults() -> Iterator[Faults]:
    handler = Faults()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def problems(response: Response | requests.Response) -> list[str]:
    """What makes an answer other than a GraphQL answer; empty when it is one."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}"]
    try:
        body = response.json()
    except ValueError:
        return ["not JSON"]
    if not isinstance(body, dict) or not {"data", "errors"} & body.keys():
        return ["not a GraphQL response"]
    errors = body.get("errors", [])
    if not isinstance(errors, list):
        return ["errors is not a list"]
    found = []
    for error in errors:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            found.append(f"malformed error: {error!r}")
        elif "path" in error and not (error.get("extensions") or {}).get("code"):
            found.append(f"a fault at {error['path']}: {error['message']}")
    return found


def fuzz(base_url: str, token: str | None, introspection: dict[str, Any], examples: int) -> int:
    """Send schemathesis' generated GraphQL requests as one principal (in a thread), about
    `examples` in all, spread over every query and mutation, valid documents and invalid
    ones; how many answers were checked."""
    schema = schemathesis.graphql.from_dict(introspection)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "schemathesis could not read every operation"
    each = max(2, examples // len(operations))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    checked = 0

    with requests.Session() as session:
        for operation in operations:
            strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
                GenerationMode.NEGATIVE
            )

            @settings(
                max_examples=each,
                deadline=None,
                database=None,
                derandomize=not RANDOM,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def answers_as_graphql(case: Any) -> None:
                nonlocal checked
                response = case.call(
                    base_url=f"{base_url}/graphql", session=session, headers=headers
                )
                assert problems(response) == [], (case.body, response.text[:2000])
                checked += 1

            answers_as_graphql()
    return checked


async def test_fuzzed_requests_get_graphql_answers_as_anyone(
    api: GraphQLClient, db: Settings, faults: Faults
) -> None:
    # Given a world with every kind of principal, and the app served by uvicorn
    seeded = await world("Zqfuzz")
    introspection = (await api.raw(get_introspection_query()))["data"]
    principals: dict[str, str | None] = {"anonymous": None}
    principals |= {who: person.token for who, person in seeded.principals.items()}

    async with served(db) as base_url:
        for who, token in principals.items():
            # When schemathesis sends its generated requests as each of them
            # Then every answer is a GraphQL answer
            checked = await asyncio.to_thread(fuzz, base_url, token, introspection, EXAMPLES)
            assert checked >= EXAMPLES // 2, (who, checked)
            # And the server logged no fault
            assert [r.getMessage() for r in faults.records] == [], who
