"""Partnerhub's web app under load, against bare apps answering the same, on PostgreSQL.

    python -m benchmarks.web [--connections 16] [--seconds 5] [--rounds 3] [--first 50]

It starts a throwaway PostgreSQL, migrates a database and gives a customer admin `--first`
partners, each relationship with two GDAP roles granted and the Customer Agreement accepted.
Partnerhub runs as `partnerhub web` runs in production (its own uvicorn process, access
log included); each baseline runs in another uvicorn process (`benchmarks/bare.py`). The
client (`benchmarks/load.py`) holds `--connections` keep-alive connections to one server
at a time, in turns, and checks every answer. Three comparisons:

- the relationships page (`relationships(first: 50)` with grants, names and agreement)
  against a Starlette endpoint reading the same rows with asyncpg and returning the same
  JSON (the bodies are compared before anything is timed), in the same rounds as bare
  Strawberry answering the same page from the same asyncpg rows (`benchmarks/bare_page.py`):
  the ceiling of that ratio for any server built on Strawberry;
- `{ __typename }` against a bare Strawberry + Starlette app answering the same;
- `{ viewer { id } }` with the admin's bearer token against the bare app's `{ __typename }`.

Each prints requests per second, p50 and p99 for each server, then the ratio of each one's
rate to the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable

from benchmarks.load import (
    Load,
    add_load_arguments,
    ask,
    compare,
    machine_load,
    partnerhub_web,
    post,
    run_load,
    uvicorn_app,
)
from models.infrastructure.db import database, migrate
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from tests import factories as f
from tests.servers import PostgresServer

RELATIONSHIPS = """
query Relationships($first: Int!) {
  relationships(first: $first) {
    totalCount
    edges {
      cursor
      node {
        id status types createdAt
        customer { id name kind }
        partner { id name }
        agreement { accepted version acceptedAt acceptedBy { email organization { name } } }
        roleGrants { role status expiresAt type }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ROLES = [AdminRole.USER_ADMINISTRATOR, AdminRole.HELPDESK_ADMINISTRATOR]


async def seed(url: str, partners: int) -> str:
    """A customer admin with `partners` relationships; the admin's bearer token."""
    await migrate(url)
    async with database(url):
        admin = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
        for _ in range(partners):
            agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
            await f.granted(agent, admin, [str(role) for role in ROLES])
        return admin.token


def _graphql(query: str, token: str | None = None, **variables: object) -> bytes:
    body = json.dumps({"query": query, "variables": variables}).encode()
    return post("/graphql", body, {"Authorization": f"Bearer {token}"} if token else None)


async def _body(port: int, request: bytes) -> object:
    """One answer's JSON, to compare the servers' answers before timing them."""
    status, body = await ask(port, request)
    assert status == 200, body
    return json.loads(body)


def _no_errors(body: bytes) -> bool:
    return b'"errors"' not in body


Target = tuple[str, int, bytes]  # what a server is called, its port, the request it gets


async def _comparison(
    args: argparse.Namespace, title: str, ours: Target, base: Target, *others: Target
) -> None:
    """The servers loaded in turns; each one's figures, then the ratio of each one's rate to
    the baseline's (`base`), all measured in the same rounds."""

    def run(port: int, request: bytes) -> Callable[[], Awaitable[Load]]:
        return lambda: run_load(
            port, request, _no_errors, connections=args.connections, seconds=args.seconds
        )

    loads = await compare(
        {name: run(port, request) for name, port, request in (ours, base, *others)}, args.rounds
    )
    print(f"  {title}")
    for name, load in loads.items():
        print(f"    {name:<30} {load.line()}")
    for name, _, _ in (*others, ours):
        ratio = loads[name].rate / loads[base[0]].rate
        print(f"    ratio ({name} / {base[0]}, requests per second): {ratio:.2f}", flush=True)


async def _benchmark(
    args: argparse.Namespace, web: int, bare: int, pages: int, ceiling: int, token: str
) -> None:
    page = _graphql(RELATIONSHIPS, token, first=args.first)
    ours, theirs = await _body(web, page), await _body(pages, page)
    if ours != theirs:
        raise RuntimeError(f"the bodies differ:\n{ours}\n{theirs}")
    bare_page = await _body(ceiling, page)
    if bare_page != theirs:
        raise RuntimeError(f"the bodies differ:\n{bare_page}\n{theirs}")
    print(f"  {machine_load()}", flush=True)
    await _comparison(
        args,
        f"relationships(first: {args.first}) with grants, names and agreement",
        ("Partnerhub", web, page),
        ("asyncpg + Starlette", pages, page),
        ("bare Strawberry + asyncpg", ceiling, page),
    )
    typename = _graphql("{ __typename }")
    await _comparison(
        args, "{ __typename }", ("Partnerhub", web, typename), ("bare Strawberry", bare, typename)
    )
    await _comparison(
        args,
        "{ viewer { id } }, signed in, against the bare app's { __typename }",
        ("Partnerhub", web, _graphql("{ viewer { id } }", token)),
        ("bare Strawberry", bare, typename),
    )
    print(f"  {machine_load()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    add_load_arguments(parser)
    parser.add_argument("--first", type=int, default=50, help="relationships on the page")
    args = parser.parse_args()
    with PostgresServer() as server:
        url = server.create_database("bench_web")
        token = asyncio.run(seed(url, args.first))
        print(
            f"PostgreSQL: {args.connections} connections, {args.rounds} rounds of "
            f"{args.seconds:g} s per server, in turns",
            flush=True,
        )
        env = {"DATABASE_URL": url, "BENCH_DATABASE_URL": url, "BENCH_FIRST": str(args.first)}
        with (
            partnerhub_web(env) as web,
            uvicorn_app("benchmarks.bare:strawberry_app", env) as bare,
            uvicorn_app("benchmarks.bare:relationships_app", env) as pages,
            uvicorn_app("benchmarks.bare_page:strawberry_relationships_app", env) as ceiling,
        ):
            assert web.port is not None
            assert bare.port is not None
            assert pages.port is not None
            assert ceiling.port is not None
            asyncio.run(_benchmark(args, web.port, bare.port, pages.port, ceiling.port, token))


if __name__ == "__main__":
    main()
