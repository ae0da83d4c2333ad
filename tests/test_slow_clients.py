"""Slow and greedy clients against the app served by a real uvicorn (`api.serving`): headers
or a body trickled a byte at a time, headers without end, more connections than the cap.

The time-outs are set to half a second here; what is asserted is what the server does (the
status it answers, the connection it closes), never how long it took.
"""

from __future__ import annotations

import asyncio
import dataclasses

import httpx

from models.foundation.settings import Settings
from tests.served import Connection, connection, served, status_of

SHORT = 0.5  # seconds: the time-outs of these servers
PAUSE = 0.05  # seconds between the bytes a slow client sends
ENDLESS = b"a" * 1000  # more than a slow client can send before the time-out


async def test_a_client_trickling_its_headers_is_cut_off_while_others_are_answered(
    db: Settings,
) -> None:
    # Given the app served with a header time-out
    settings = dataclasses.replace(db, http_header_timeout=SHORT)
    async with (
        served(settings) as server,
        connection(server.port) as slow,
        httpx.AsyncClient(base_url=server.base) as http,
    ):
        # When a client starts a request and sends its headers a byte at a time
        assert await slow.send(b"POST /graphql HTTP/1.1\r\nHost: partnerhub.test\r\n")
        trickling = asyncio.create_task(slow.trickle(b"X-Slow: " + ENDLESS, PAUSE))

        # Then the health check is answered meanwhile
        assert (await http.get("/healthz")).json() == {"status": "ok"}

        # And the slow client is answered 408 and its connection closed before its headers end
        assert await trickling is False
        assert status_of(await slow.answer()) == 408


async def test_a_client_trickling_its_body_is_cut_off_while_others_are_answered(
    db: Settings,
) -> None:
    # Given the app served with a body time-out
    settings = dataclasses.replace(db, http_body_timeout=SHORT)
    async with (
        served(settings) as server,
        connection(server.port) as slow,
        httpx.AsyncClient(base_url=server.base) as http,
    ):
        # When a client sends its headers, then its body a byte at a time
        headers = (
            b"POST /graphql HTTP/1.1\r\nHost: partnerhub.test\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(ENDLESS)
        )
        assert await slow.send(headers)
        trickling = asyncio.create_task(slow.trickle(ENDLESS, PAUSE))

        # Then the health check and GraphQL are answered meanwhile
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        asked = await http.post("/graphql", json={"query": "{ __typename }"})
        assert asked.json() == {"data": {"__typename": "Query"}}

        # And the slow client is answered 408 and its connection closed before its body ends
        assert await trickling is False
        assert status_of(await slow.answer()) == 408


async def test_a_connection_that_never_asks_anything_is_closed(db: Settings) -> None:
    # Given the app served with a header time-out
    async with served(dataclasses.replace(db, http_header_timeout=SHORT)) as server:
        # When a client connects and sends nothing
        idle = await Connection.open(server.port)

        # Then the server closes the connection, without a word
        assert await idle.answer() == b""
        await idle.close()


async def test_headers_past_the_size_cap_are_refused_with_431(db: Settings) -> None:
    # Given the app served with headers capped at 4 KiB
    async with served(dataclasses.replace(db, http_max_header_bytes=4096)) as server:
        async with connection(server.port) as greedy:
            # When a client sends 10 KiB of headers, and still no end to them
            more = b"X-More: " + b"a" * 1000 + b"\r\n"
            await greedy.send(b"GET /healthz HTTP/1.1\r\nHost: partnerhub.test\r\n" + more * 10)

            # Then it is answered 431 and its connection closed
            assert status_of(await greedy.answer()) == 431

        # While headers of a usual size are taken
        async with httpx.AsyncClient(base_url=server.base) as http:
            usual = await http.get("/healthz", headers={"X-Usual": "a" * 1000})
            assert usual.status_code == 200


async def test_requests_past_the_connection_cap_are_answered_503(db: Settings) -> None:
    # Given the app served with at most 3 connections
    async with served(dataclasses.replace(db, http_max_connections=3)) as server:
        idle = [await Connection.open(server.port) for _ in range(3)]
        async with httpx.AsyncClient(base_url=server.base) as http:
            # When 3 connections are open and a fourth client asks something
            refused = await http.get("/healthz")

            # Then it is answered 503
            assert refused.status_code == 503

            # And once the others have gone, it is answered again
            for one in idle:
                await one.close()
            for _ in range(100):
                answered = await http.get("/healthz", headers={"Connection": "close"})
                if answered.status_code == 200:
                    break
                await asyncio.sleep(0.05)
            assert answered.status_code == 200
