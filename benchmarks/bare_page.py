"""The relationships page in bare Strawberry: the most any Strawberry server could do.

    uvicorn --factory benchmarks.bare_page:strawberry_relationships_app   (BENCH_DATABASE_URL)

It reads the page's rows exactly as `benchmarks.bare.relationships_app` does (asyncpg, one
statement per relation, nothing else), but answers through Strawberry on Starlette, as its
documentation sets it up, with parsed and validated documents kept (`ParserCache`,
`ValidationCache`) and Partnerhub's short way for plain fields (`schema/execution.py`).
Every field is a plain attribute: no resolver but the page's, no ORM, no loaders, no access
check, no middleware, strings where Partnerhub has enums. Whatever Partnerhub adds on top
of GraphQL execution, this server does not have; so its rate over the hand-written
baseline's is the ceiling of that ratio for any server built on Strawberry and graphql-core.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from benchmarks.bare import relationships_page
from models.reference.catalog import CURRENT_AGREEMENT_VERSION
from schema.execution import PlainFieldsExecution


@strawberry.type
class Organization:
    id: strawberry.ID
    name: str
    kind: str | None = None


@strawberry.type
class AcceptedBy:
    email: str
    organization: Organization


@strawberry.type
class Agreement:
    accepted: bool
    version: str | None
    accepted_at: str | None
    accepted_by: AcceptedBy | None


@strawberry.type
class RoleGrant:
    role: str
    status: str
    expires_at: str | None
    type: str


@strawberry.type
class Relationship:
    id: strawberry.ID
    status: str
    types: list[str]
    created_at: str
    customer: Organization
    partner: Organization
    agreement: Agreement
    role_grants: list[RoleGrant]


@strawberry.type
class Edge:
    cursor: str
    node: Relationship


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class RelationshipConnection:
    total_count: int
    edges: list[Edge]
    page_info: PageInfo


def _relationship(node: dict[str, Any]) -> Relationship:
    agreement = node["agreement"]
    accepted_by = agreement["acceptedBy"]
    return Relationship(
        id=node["id"],
        status=node["status"],
        types=node["types"],
        created_at=node["createdAt"],
        customer=Organization(**node["customer"]),
        partner=Organization(**node["partner"]),
        agreement=Agreement(
            accepted=agreement["accepted"],
            version=agreement["version"],
            accepted_at=agreement["acceptedAt"],
            accepted_by=AcceptedBy(
                email=accepted_by["email"],
                organization=Organization(id=strawberry.ID(""), **accepted_by["organization"]),
            )
            if accepted_by
            else None,
        ),
        role_grants=[
            RoleGrant(role=g["role"], status=g["status"], expires_at=g["expiresAt"], type=g["type"])
            for g in node["roleGrants"]
        ],
    )


@strawberry.type
class Query:
    @strawberry.field
    async def relationships(self, info: strawberry.Info, first: int) -> RelationshipConnection:
        request: Request = info.context["request"]
        token = request.headers["authorization"].partition(" ")[2]
        page = await relationships_page(
            request.app.state.pool, token, first, CURRENT_AGREEMENT_VERSION
        )
        found = page["data"]["relationships"]
        return RelationshipConnection(
            total_count=found["totalCount"],
            edges=[Edge(cursor=e["cursor"], node=_relationship(e["node"])) for e in found["edges"]],
            page_info=PageInfo(
                has_next_page=found["pageInfo"]["hasNextPage"],
                end_cursor=found["pageInfo"]["endCursor"],
            ),
        )


def strawberry_relationships_app() -> Starlette:
    """Bare Strawberry answering the relationships page from asyncpg's rows."""
    url = os.environ["BENCH_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    schema = strawberry.Schema(
        query=Query,
        extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
        execution_context_class=PlainFieldsExecution,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with asyncpg.create_pool(url, min_size=1, max_size=16) as pool:
            app.state.pool = pool
            yield

    graphql: GraphQL[Any, None] = GraphQL(schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)
