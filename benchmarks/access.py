"""How the access check of every AOBO request scales with the size of the partner's book.

    python -m benchmarks.access [--small 100] [--large 10000] [--calls 200] [--users 50]
                                [--backend sqlite|postgres|both]

For each backend it builds a throwaway database with the committed migrations: one partner
with `--small` (100, the baseline) or `--large` customers, each relationship holding three ACTIVE
GDAP grants assigned to the partner's security groups (ten groups, the agent in all of
them), and as many unrelated grants of other partners again. It times `customer_access`
(one agent, one customer: what `customer(id:)` and every AOBO mutation pay) and
`customers_access` for a page of 100 customers (what `customers(first: 100)` pays), as the
median of `--calls` calls, and prints both sizes and their ratio.

On the baseline database it also gives every customer `--users` directory users and times
the agent's `customers` request through the app (in process), with each customer's first 10
users and their totalCount: a page of 1 customer (the baseline) and a page of 30, with the
SQL statements each request sends. Per-request loaders make both pages cost the same number of
statements, so the page of 30 costs what its rows cost, not 30 times the queries.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID

import httpx
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

from api.app import create_app
from benchmarks.backends import add_backend_argument, run_on_backends
from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.identity.api_tokens import issue_token
from models.infrastructure.db import database, migrate
from models.policy.customer_access import customer_access, customers_access
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole, RelationshipType
from models.tables.access import AccessAssignment, SecurityGroup, SecurityGroupMember
from models.tables.organizations import Organization, User
from models.tables.relationships import Relationship, RoleGrant, active_key

ROLES = (
    AdminRole.HELPDESK_ADMINISTRATOR,
    AdminRole.USER_ADMINISTRATOR,
    AdminRole.LICENSE_ADMINISTRATOR,
)
GROUPS = 10
PAGE = 100
BATCH = 2000
NESTED_PAGE = 30
CUSTOMERS_WITH_USERS = """
query($first: Int!) { customers(first: $first) { totalCount edges { node {
  id name roles
  users(first: 10) { totalCount edges { node { id userPrincipalName } } }
} } } }
"""


class _Statements(logging.Handler):
    """Counts the SQL statements Tortoise sends (it logs each on `tortoise.db_client`)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if not record.getMessage().startswith(("Created connection", "Closed connection")):
            self.count += 1


async def _book(
    partner: Organization, customers: int, groups: list[SecurityGroup]
) -> list[Organization]:
    """`customers` customers of the partner, each granting ROLES, assigned to the groups."""
    now = utcnow()
    orgs = [
        Organization(name=f"Customer {n}", kind=OrganizationKind.CUSTOMER) for n in range(customers)
    ]
    await Organization.bulk_create(orgs, batch_size=BATCH)
    relationships = [
        Relationship(
            customer_id=org.id, partner_id=partner.id, active_key=active_key(org.id, partner.id)
        )
        for org in orgs
    ]
    await Relationship.bulk_create(relationships, batch_size=BATCH)
    grants, assignments = [], []
    for n, relationship in enumerate(relationships):
        for role in ROLES:
            grants.append(
                RoleGrant(
                    relationship_id=relationship.id,
                    role=role,
                    type=RelationshipType.GDAP_PARTNER,
                    granted_at=now,
                    expires_at=now + timedelta(days=365),
                )
            )
            if groups:
                assignments.append(
                    AccessAssignment(
                        group_id=groups[n % len(groups)].id,
                        relationship_id=relationship.id,
                        role=role,
                    )
                )
    await RoleGrant.bulk_create(grants, batch_size=BATCH)
    await AccessAssignment.bulk_create(assignments, batch_size=BATCH)
    return orgs


async def _median(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def _users(customer_ids: list[UUID], users: int) -> None:
    rows = [
        User(
            organization_id=customer_id,
            display_name=f"User {n}",
            email=f"u{n}@{customer_id}.test",
        )
        for customer_id in customer_ids
        for n in range(users)
    ]
    await User.bulk_create(rows, batch_size=BATCH)


async def _request_cost(url: str, token: str, first: int, calls: int) -> tuple[float, int]:
    """The median time of the agent's `customers(first:)` request with nested users, and the
    SQL statements one such request sends."""
    app = create_app(Settings(database_url=url, environment="test"))
    headers = {"authorization": f"Bearer {token}"}
    body = {"query": CUSTOMERS_WITH_USERS, "variables": {"first": first}}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http,
    ):

        async def request() -> None:
            answer = (await http.post("/graphql", json=body, headers=headers)).json()
            assert "errors" not in answer, answer
            assert len(answer["data"]["customers"]["edges"]) == first, answer

        statements = _Statements()
        logger = logging.getLogger("tortoise.db_client")
        logger.addHandler(statements)
        logger.setLevel(logging.DEBUG)
        try:
            await request()
        finally:
            logger.removeHandler(statements)
            logger.setLevel(logging.NOTSET)
        return await _median(calls, request), statements.count


async def _nested(url: str, users: int, calls: int) -> None:
    """Time the agent's page of customers with their users: 1 customer, then NESTED_PAGE."""
    async with database(url):
        agent = await User.get(email="agent@fabrikam.test")
        partner_id = agent.organization_id
        book = await Relationship.filter(partner_id=partner_id).values_list(
            "customer_id", flat=True
        )
        await _users(list(book), users)  # type: ignore[arg-type]
        await connections.get("default").execute_script("ANALYZE")
        token = await issue_token(agent)
    one, one_statements = await _request_cost(url, token, 1, calls)
    many, many_statements = await _request_cost(url, token, NESTED_PAGE, calls)
    print(
        f"    customers with {users} users each, the first 10 of them nested: a page of 1 "
        f"{one * 1000:6.2f} ms, {one_statements} statements (baseline); a page of "
        f"{NESTED_PAGE} {many * 1000:6.2f} ms ({many / one:.2f}x), {many_statements} statements",
        flush=True,
    )


async def _measure(url: str, customers: int, calls: int) -> tuple[float, float]:
    EXECUTOR_CACHE.clear()  # Tortoise caches SQL by connection name; we switch dialects
    await migrate(url)
    async with database(url):
        started = time.perf_counter()
        partner = await Organization.create(name="Fabrikam", kind=OrganizationKind.PARTNER)
        agent = await User.create(
            organization=partner, email="agent@fabrikam.test", roles=[PartnerRole.ADMIN_AGENT]
        )
        groups = [await SecurityGroup.create(partner=partner, name=f"G{n}") for n in range(GROUPS)]
        for group in groups:
            await SecurityGroupMember.create(group=group, user=agent)
        orgs = await _book(partner, customers, groups)
        # Other partners' books of the same size, which the check must not wade through
        other = await Organization.create(name="Northwind", kind=OrganizationKind.PARTNER)
        await _book(other, customers, [])
        # Fresh statistics, as a live database has them, so the planner sees the indexes' worth
        await connections.get("default").execute_script("ANALYZE")
        print(
            f"    filled {customers:>7,} customers in {time.perf_counter() - started:6.1f} s",
            flush=True,
        )

        actor = Actor.of(agent, OrganizationKind.PARTNER)
        now = utcnow()
        picks = random.Random(7)
        one = await customer_access(actor, orgs[0].id, now)
        assert one is not None
        assert one.roles == frozenset(ROLES), one
        single = await _median(calls, lambda: customer_access(actor, picks.choice(orgs).id, now))
        page_ids = [org.id for org in orgs[:PAGE]]
        page = await _median(calls, lambda: customers_access(actor, page_ids, now))
    return single, page


async def _backend(
    name: str, url_for: Callable[[str], str], sizes: tuple[int, int], calls: int, users: int
) -> None:
    small, large = sizes
    print(f"{name}: access checks of one agent (median of {calls} calls)", flush=True)
    small_url = url_for("small")
    base_one, base_page = await _measure(small_url, small, calls)
    print(
        f"    {small:>7,} customers: {base_one * 1000:6.2f} ms for one customer, "
        f"{base_page * 1000:6.2f} ms for a page of {PAGE}  (baseline)",
        flush=True,
    )
    if users:
        await _nested(small_url, users, calls)
    one, page = await _measure(url_for("large"), large, calls)
    print(
        f"    {large:>7,} customers: {one * 1000:6.2f} ms for one customer "
        f"({one / base_one:.2f}x), {page * 1000:6.2f} ms for a page of {PAGE} "
        f"({page / base_page:.2f}x)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=PAGE)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--users", type=int, default=50, help="0 skips the nested page")
    add_backend_argument(parser)
    args = parser.parse_args()
    sizes = (args.small, args.large)
    run_on_backends(
        args.backend, lambda name, url_for: _backend(name, url_for, sizes, args.calls, args.users)
    )


if __name__ == "__main__":
    main()
