"""The throwaway servers in tests/servers.py really start, serve and stop."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email.message import EmailMessage

import aiosmtplib
import asyncpg  # type: ignore[import-untyped]
import pytest
import redis

from tests.servers import PostgresServer, RedisServer, SmtpServer, free_port


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def _mail(subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@partnerhub.test"
    message["To"] = "alice@example.test"
    message["Subject"] = subject
    message.set_content(body)
    return message


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


async def test_postgres_select_and_create_database(postgres: PostgresServer) -> None:
    assert postgres.url == f"postgres://postgres@127.0.0.1:{postgres.port}/postgres"
    conn = await asyncpg.connect(postgres.url)
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SHOW fsync") == "off"
        assert await conn.fetchval("SHOW max_connections") == "200"
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
    finally:
        await conn.close()

    url = postgres.create_database("servers_check")
    assert url == f"postgres://postgres@127.0.0.1:{postgres.port}/servers_check"
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT current_database()") == "servers_check"
    finally:
        await conn.close()

    with pytest.raises(RuntimeError, match="already exists"):
        postgres.create_database("servers_check")


def test_redis_ping_flush_and_restart(redis_server: RedisServer) -> None:
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    with redis.Redis.from_url(redis_server.url) as client:
        assert client.ping() is True
        client.set("k", "v")
        redis_server.flushall()
        assert client.get("k") is None

    redis_server.stop()
    assert _refused(redis_server.port)
    with (
        redis.Redis.from_url(redis_server.url) as client,
        pytest.raises(redis.ConnectionError),
    ):
        client.ping()

    redis_server.start()
    with redis.Redis.from_url(redis_server.url) as client:
        assert client.ping() is True


async def test_smtp_receives_and_parses(smtp: SmtpServer) -> None:
    smtp.clear()
    assert smtp.url == f"smtp://127.0.0.1:{smtp.port}"
    await aiosmtplib.send(_mail("Hello", "Body text\n"), hostname="127.0.0.1", port=smtp.port)

    [mail] = await smtp.await_for(1)
    assert mail.mail_from == "noreply@partnerhub.test"
    assert mail.rcpt_tos == ["alice@example.test"]
    assert mail.message["Subject"] == "Hello"
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert isinstance(body, EmailMessage)
    assert body.get_content() == "Body text\n"
    assert smtp.wait_for(1) == [mail]


async def test_smtp_injected_failure_then_success(smtp: SmtpServer) -> None:
    smtp.clear()
    smtp.fail_next = ["451 4.3.0 Try again later"]
    with pytest.raises(aiosmtplib.SMTPResponseException) as info:
        await aiosmtplib.send(_mail("first", "x\n"), hostname="127.0.0.1", port=smtp.port)
    assert info.value.code == 451
    assert smtp.messages == []

    await aiosmtplib.send(_mail("second", "y\n"), hostname="127.0.0.1", port=smtp.port)
    [mail] = await smtp.await_for(1)
    assert mail.message["Subject"] == "second"


async def test_smtp_stop_and_restart_same_port(smtp: SmtpServer) -> None:
    smtp.clear()
    port = smtp.port
    smtp.stop()
    assert _refused(port)
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await aiosmtplib.send(_mail("down", "z\n"), hostname="127.0.0.1", port=port)

    smtp.start()
    assert smtp.port == port
    await aiosmtplib.send(_mail("up", "z\n"), hostname="127.0.0.1", port=port)
    [mail] = await smtp.await_for(1)
    assert mail.message["Subject"] == "up"
