"""How long a customer's `removeRoles` takes to reach the partner as an email, against an
empty arq job's round trip on the same Redis.

    python -m benchmarks.removal [--samples 200]

It starts a throwaway PostgreSQL, Redis and SMTP server (aiosmtpd, as the tests start it),
gives a customer admin `--samples` partners, each with two GDAP roles granted, and runs
Partnerhub as in production (`partnerhub web` and `partnerhub worker`, each its own
process). One at a time, it asks `removeRoles` for one partner's roles and clocks until the
SMTP server has accepted the "roles removed" email to that partner's agent: the revocation
job, then the notification job it enqueues, then SMTP. In turns with each, it enqueues an
empty job for a bare arq worker on the same Redis and clocks until its result is there: once
for a worker with arq's own settings (the issue's baseline), once for one with Partnerhub's
poll delay. It prints p50 and p99 of each, then the ratio of the p99s against the first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from arq.connections import ArqRedis, RedisSettings, create_pool

from benchmarks.bare_arq import DEFAULT_QUEUE, SAME_POLL_QUEUE
from benchmarks.load import PRODUCTION, Load, Served, ask, machine_load, partnerhub_web, post
from models.foundation.ids import encode_id
from models.infrastructure.db import database, migrate
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.servers import PostgresServer, RedisServer, SmtpServer

ROLES = [str(AdminRole.USER_ADMINISTRATOR), str(AdminRole.HELPDESK_ADMINISTRATOR)]


async def _relationships(url: str, count: int) -> tuple[str, list[tuple[str, str]]]:
    """A customer admin's token, and (relationship id, the partner agent's email) of each of
    its `count` partners."""
    await migrate(url)
    async with database(url):
        admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
        pairs = []
        for _ in range(count):
            agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
            relationship = await f.granted(agent, admin, ROLES)
            pairs.append((str(encode_id("Relationship", relationship.id)), agent.email))
        return admin.token, pairs


async def _removal(port: int, smtp: SmtpServer, token: str, relationship: str, to: str) -> float:
    """Seconds from asking removeRoles to the partner's email accepted."""
    body = json.dumps(
        {"query": f.REMOVE_ROLES, "variables": {"input": {"relationshipId": relationship}}}
    ).encode()
    request = post("/graphql", body, {"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    status, answer = await ask(port, request)
    if status != 200 or b'"errors":[]' not in answer:
        raise RuntimeError(f"removeRoles failed: {status} {answer[:300]!r}")
    deadline = started + 60
    while not any(to in mail.rcpt_tos for mail in smtp.messages):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no email to {to} within 60 s")
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


async def _empty_job(redis: ArqRedis, queue: str) -> float:
    """Seconds from enqueueing an empty job to its result read back."""
    started = time.perf_counter()
    job = await redis.enqueue_job("empty", _queue_name=queue)
    assert job is not None
    await job.result(timeout=60, poll_delay=0.001)
    return time.perf_counter() - started


def _line(name: str, load: Load) -> str:
    p50, p99 = load.percentile(0.5) * 1000, load.percentile(0.99) * 1000
    return f"    {name:<44} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"


async def _measure(
    port: int, smtp: SmtpServer, redis_url: str, token: str, pairs: list[tuple[str, str]]
) -> dict[str, Load]:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    loads = {"removal": Load(), "defaults": Load(), "same poll": Load()}
    try:
        for _ in range(3):  # both workers warm
            await _empty_job(redis, DEFAULT_QUEUE)
            await _empty_job(redis, SAME_POLL_QUEUE)
        for relationship, to in pairs:
            loads["defaults"].latencies.append(await _empty_job(redis, DEFAULT_QUEUE))
            loads["same poll"].latencies.append(await _empty_job(redis, SAME_POLL_QUEUE))
            loads["removal"].latencies.append(await _removal(port, smtp, token, relationship, to))
            smtp.clear()
    finally:
        await redis.aclose()
    return loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with PostgresServer() as postgres, RedisServer() as redis, SmtpServer() as smtp:
        url = postgres.create_database("bench_removal")
        token, pairs = asyncio.run(_relationships(url, args.samples + 1))
        env = {"DATABASE_URL": url, "REDIS_URL": redis.url, "SMTP_URL": smtp.url}
        bare = {"BENCH_REDIS_URL": redis.url}
        arq = [sys.executable, "-m", "arq"]
        with (
            partnerhub_web(env) as web,
            Served([sys.executable, "-m", "api.cli", "worker"], {**PRODUCTION, **env}),
            Served([*arq, "benchmarks.bare_arq.DefaultWorker"], bare),
            Served([*arq, "benchmarks.bare_arq.SamePollWorker"], bare),
        ):
            assert web.port is not None
            asyncio.run(_removal(web.port, smtp, token, *pairs[0]))  # warm: both processes
            smtp.clear()
            print(f"PostgreSQL: {args.samples} removals, one at a time; {machine_load()}")
            loads = asyncio.run(_measure(web.port, smtp, redis.url, token, pairs[1:]))
        print(_line("removeRoles until the partner's email is in", loads["removal"]))
        print(_line("empty arq job, arq's settings (baseline)", loads["defaults"]))
        print(_line("empty arq job, Partnerhub's poll delay", loads["same poll"]))
        print(f"  {machine_load()}")
        p99 = loads["removal"].percentile(0.99)
        print(
            f"  ratio against the same poll delay: {p99 / loads['same poll'].percentile(0.99):.2f}"
        )
        print(f"  ratio (p99 / the baseline's p99): {p99 / loads['defaults'].percentile(0.99):.2f}")


if __name__ == "__main__":
    main()
