"""How long a change made on one web process takes to reach a subscriber of another.

    python -m benchmarks.live_updates [--samples 100]

It starts a throwaway PostgreSQL and Redis, gives a customer admin `--samples` partners,
each with two GDAP roles granted, and runs two `partnerhub web` processes as in production.
One at a time, a partner's agent subscribes to its relationship (`relationshipChanged`) on
the first process, over graphql-transport-ws with its bearer token, and the customer removes
one role through the second: clocked from sending `removeRoles` until the subscriber holds
the new state, against the mutation's own answer (the baseline). It prints p50 and p99 of
each, then the ratio of the p99s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from benchmarks.load import Load, ask, machine_load, partnerhub_web, post
from models.foundation.ids import encode_id
from models.infrastructure.db import database, migrate
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.live import live
from tests.servers import HOST, PostgresServer, RedisServer

ROLES = [str(AdminRole.USER_ADMINISTRATOR), str(AdminRole.HELPDESK_ADMINISTRATOR)]
WATCH = """
subscription Watch($id: ID!) { relationshipChanged(id: $id) { id roleGrants { role status } } }
"""


async def _relationships(url: str, count: int) -> tuple[str, list[tuple[str, str]]]:
    """A customer admin's token, and (relationship id, the partner agent's token) of each of
    its `count` partners."""
    await migrate(url)
    async with database(url):
        admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
        pairs = []
        for _ in range(count):
            agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
            relationship = await f.granted(agent, admin, ROLES)
            pairs.append((str(encode_id("Relationship", relationship.id)), agent.token))
        return admin.token, pairs


async def _sample(
    watch_port: int, change_port: int, token: str, relationship: str, agent: str
) -> tuple[float, float]:
    """(seconds until removeRoles answered, seconds until the subscriber got the change)."""
    body = json.dumps(
        {
            "query": f.REMOVE_ROLES,
            "variables": {"input": {"relationshipId": relationship, "roles": [ROLES[1]]}},
        }
    ).encode()
    request = post("/graphql", body, {"Authorization": f"Bearer {token}"})
    async with live(f"ws://{HOST}:{watch_port}/graphql") as client:
        await client.init({"authorization": f"Bearer {agent}"})
        operation = await client.subscribe(WATCH, {"id": relationship})
        await client.next_data(operation)  # the current state
        started = time.perf_counter()
        status, answer = await ask(change_port, request)
        answered = time.perf_counter() - started
        if status != 200 or b'"errors":[]' not in answer:
            raise RuntimeError(f"removeRoles failed: {status} {answer[:300]!r}")
        changed = await client.next_data(operation)
        received = time.perf_counter() - started
    grants = changed["relationshipChanged"]["roleGrants"]
    if {g["role"]: g["status"] for g in grants}.get(ROLES[1]) != "REVOKING":
        raise RuntimeError(f"unexpected state: {grants}")
    return answered, received


def _line(name: str, load: Load) -> str:
    p50, p99 = load.percentile(0.5) * 1000, load.percentile(0.99) * 1000
    return f"    {name:<52} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"


async def _measure(
    watch: int, change: int, token: str, pairs: list[tuple[str, str]]
) -> dict[str, Load]:
    loads = {"answer": Load(), "live": Load()}
    for relationship, agent in pairs:
        answered, received = await _sample(watch, change, token, relationship, agent)
        loads["answer"].latencies.append(answered)
        loads["live"].latencies.append(received)
    return loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=100)
    args = parser.parse_args()
    with PostgresServer() as postgres, RedisServer() as redis:
        url = postgres.create_database("bench_live_updates")
        token, pairs = asyncio.run(_relationships(url, args.samples + 1))
        env = {
            "DATABASE_URL": url,
            "REDIS_URL": redis.url,
            "PUBLIC_URL": "https://partners.example.com",
            "MAIL_FROM": "Partnerhub <no-reply@partners.example.com>",
        }
        with partnerhub_web(env) as watching, partnerhub_web(env) as changing:
            assert watching.port is not None
            assert changing.port is not None
            asyncio.run(_sample(watching.port, changing.port, token, *pairs[0]))  # warm
            print(f"PostgreSQL: {args.samples} changes, one at a time; {machine_load()}")
            loads = asyncio.run(_measure(watching.port, changing.port, token, pairs[1:]))
        print(_line("removeRoles answered (baseline)", loads["answer"]))
        print(_line("the change on the other process's subscriber", loads["live"]))
        print(f"  {machine_load()}")
        ratio = loads["live"].percentile(0.99) / loads["answer"].percentile(0.99)
        print(f"  ratio (p99 / the baseline's p99): {ratio:.2f}")


if __name__ == "__main__":
    main()
