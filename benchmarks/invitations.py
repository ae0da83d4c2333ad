"""500 invitations through the web app and the worker to a real SMTP server, against a bare
aiosmtplib loop sending as many comparable messages to the same server.

    python -m benchmarks.invitations [--invitations 500] [--rounds 2] [--connections 16]

It starts a throwaway PostgreSQL, Redis and SMTP server (aiosmtpd, as the tests start it),
and `--invitations` partner agents, one per invitation. Partnerhub runs as in production: a
`partnerhub web` process and a `partnerhub worker` process. Each round first runs the
baseline (`benchmarks/smtp_loop.py`, a process of its own sending copies of a real invitation
email through as many connections as the worker keeps open), then Partnerhub: the client
sends every `sendInvitation` over `--connections` keep-alive connections, and the clock
stops when the SMTP server has accepted the last of the emails; the CPU time the web and the
worker processes used meanwhile is printed too (on Linux), which the load of a shared
machine moves far less than the times. Then the worker alone: the same number of invitations
sent with no worker running, then a worker started, timed from its first email accepted to
its last. It prints both times and rates, the worker's ratio,
then the ratio the issue sets a target for (baseline time / Partnerhub time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.load import (
    PRODUCTION,
    Served,
    ask,
    machine_load,
    partnerhub_web,
    post,
    read_answer,
)
from models.infrastructure.db import database, migrate
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.servers import HOST, PostgresServer, RedisServer, SmtpServer
from workers.runtime import DEFAULT_SMTP_CONNECTIONS


async def _agents(url: str, count: int) -> list[str]:
    """`count` partner agents, each of a partner of its own: their bearer tokens."""
    await migrate(url)
    async with database(url):
        return [
            (await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)).token for _ in range(count)
        ]


def _invitation(token: str, email: str) -> bytes:
    variables = {
        "input": {
            "customerEmail": email,
            "type": "GDAP_PARTNER",
            "roles": ["USER_ADMINISTRATOR"],
            "durationDays": 90,
        }
    }
    body = json.dumps({"query": f.SEND, "variables": variables}).encode()
    return post("/graphql", body, {"Authorization": f"Bearer {token}"})


async def _send_all(port: int, requests: list[bytes], connections: int) -> None:
    """Every request once, over `connections` keep-alive connections; each must succeed."""
    queue = list(reversed(requests))

    async def user() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while queue:
                writer.write(queue.pop())
                status, body = await read_answer(reader)
                if status != 200 or b'"errors":[]' not in body:
                    raise RuntimeError(f"sendInvitation failed: {status} {body[:300]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(user() for _ in range(connections)))


async def _wait_for(smtp: SmtpServer, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len(smtp.messages) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(smtp.messages)} of {count} emails within {seconds} s")
        await asyncio.sleep(0.01)


def _cpu(processes: dict[str, Served]) -> dict[str, float | None]:
    return {name: process.cpu_seconds() for name, process in processes.items()}


def _cpu_line(before: dict[str, float | None], after: dict[str, float | None], count: int) -> str:
    """Each process's CPU time between the two readings, in all and per invitation: the
    figure that the machine's load moves least."""
    parts = []
    for name, ended in after.items():
        began = before[name]
        if began is None or ended is None:
            return "      CPU time: not measured (it is read from Linux's /proc)"
        used = ended - began
        parts.append(f"{name} {used:.2f} s ({used / count * 1000:.1f} ms per invitation)")
    return "      CPU time: " + ", ".join(parts)


async def _partnerhub(
    port: int,
    smtp: SmtpServer,
    tokens: list[str],
    round_: int,
    connections: int,
    processes: dict[str, Served],
) -> float:
    """Seconds from the first sendInvitation to the last of their emails accepted."""
    smtp.clear()
    requests = [
        _invitation(token, f"it{round_}-{n}@customer{n}.example.com")
        for n, token in enumerate(tokens)
    ]
    cpu = _cpu(processes)
    started = time.perf_counter()
    await _send_all(port, requests, connections)
    answered = time.perf_counter() - started
    await _wait_for(smtp, len(tokens), seconds=300)
    took = time.perf_counter() - started
    print(
        f"    Partnerhub: {took:6.2f} s (every mutation answered after {answered:.2f} s), "
        f"{len(tokens) / took:6.1f} emails/s",
        flush=True,
    )
    print(_cpu_line(cpu, _cpu(processes), len(tokens)), flush=True)
    return took


async def _drained(
    port: int, smtp: SmtpServer, tokens: list[str], round_: int, connections: int, worker: Served
) -> float:
    """The worker alone: every invitation sent while no worker runs, then one started; the
    seconds from its first email accepted to its last, and the rate between them."""
    smtp.clear()
    requests = [
        _invitation(token, f"queued{round_}-{n}@customer{n}.example.com")
        for n, token in enumerate(tokens)
    ]
    await _send_all(port, requests, connections)
    with worker:
        await _wait_for(smtp, 1, seconds=60)
        first = time.perf_counter()
        await _wait_for(smtp, len(tokens), seconds=300)
        took = time.perf_counter() - first
    rate = (len(tokens) - 1) / took
    print(f"    its worker alone, the jobs queued: {rate:6.1f} emails/s", flush=True)
    return rate


def _baseline(smtp: SmtpServer, message: Path, count: int) -> float:
    smtp.clear()
    args = [sys.executable, "-m", "benchmarks.smtp_loop", "--port", str(smtp.port)]
    args += ["--message", str(message), "--messages", str(count)]
    args += ["--connections", str(DEFAULT_SMTP_CONNECTIONS)]
    took = float(subprocess.run(args, check=True, capture_output=True, text=True).stdout)  # noqa: S603
    assert len(smtp.messages) == count
    print(f"    aiosmtplib loop: {took:6.2f} s, {count / took:6.1f} emails/s", flush=True)
    return took


async def _warm_up(port: int, smtp: SmtpServer, token: str) -> bytes:
    """One invitation through both processes; its email, which the baseline sends."""
    status, body = await ask(port, _invitation(token, "warm-up@customer.example.com"))
    if status != 200 or b'"errors":[]' not in body:
        raise RuntimeError(f"sendInvitation failed: {status} {body[:300]!r}")
    await _wait_for(smtp, 1, seconds=60)
    return smtp.messages[0].message.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--invitations", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16, help="HTTP connections")
    args = parser.parse_args()
    with (
        PostgresServer() as postgres,
        RedisServer() as redis,
        SmtpServer() as smtp,
        tempfile.TemporaryDirectory() as folder,
    ):
        url = postgres.create_database("bench_invitations")
        tokens = asyncio.run(_agents(url, args.invitations))
        env = {"DATABASE_URL": url, "REDIS_URL": redis.url, "SMTP_URL": smtp.url}
        command = [sys.executable, "-m", "api.cli", "worker"]
        message = Path(folder) / "invitation.eml"
        base, ours, drained = [], [], []
        with partnerhub_web(env) as web:
            assert web.port is not None
            with Served(command, {**PRODUCTION, **env}):
                message.write_bytes(asyncio.run(_warm_up(web.port, smtp, tokens[0])))
            print(
                f"PostgreSQL: {args.invitations} invitations, {DEFAULT_SMTP_CONNECTIONS} SMTP "
                f"connections each side; {machine_load()}",
                flush=True,
            )
            for round_ in range(args.rounds):
                print(f"  round {round_ + 1}", flush=True)
                base.append(_baseline(smtp, message, args.invitations))
                with Served(command, {**PRODUCTION, **env}) as worker:
                    # The worker starts with the round, as the clock does: its start counts.
                    processes = {"web": web, "worker (its start included)": worker}
                    ours.append(
                        asyncio.run(
                            _partnerhub(web.port, smtp, tokens, round_, args.connections, processes)
                        )
                    )
                worker = Served(command, {**PRODUCTION, **env})
                drained.append(
                    asyncio.run(_drained(web.port, smtp, tokens, round_, args.connections, worker))
                )
        print(f"  {machine_load()}")
        loop_rate = args.invitations / min(base)
        print(
            f"  the worker alone: best {max(drained):.1f} emails/s, the loop's best "
            f"{loop_rate:.1f}: ratio {max(drained) / loop_rate:.2f}"
        )
        print(
            f"  best: Partnerhub {min(ours):.2f} s, aiosmtplib loop {min(base):.2f} s; "
            f"ratio (baseline time / Partnerhub time): {min(base) / min(ours):.2f}"
        )


if __name__ == "__main__":
    main()
