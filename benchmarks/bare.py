"""The bare baselines the load benchmarks measure Partnerhub against, served by uvicorn.

    uvicorn --factory benchmarks.bare:strawberry_app
    uvicorn --factory benchmarks.bare:relationships_app   (BENCH_DATABASE_URL)

`strawberry_app` is Strawberry on Starlette with nothing of ours: what any GraphQL answer
costs at least. `relationships_app` answers the relationships page without GraphQL or the
ORM: the same rows read with asyncpg (the bearer token's user, then one statement per
relation) and shaped into the same JSON, field for field, so the load benchmark can check
that both bodies are equal before it times them.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from models.infrastructure.tokens import hash_token
from models.reference.catalog import CURRENT_AGREEMENT_VERSION


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


def strawberry_app() -> Starlette:
    """Strawberry's ASGI app on a Starlette route, as its documentation sets it up."""
    graphql: GraphQL[None, None] = GraphQL(strawberry.Schema(query=Query), graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


def _id(type_name: str, value: UUID) -> str:
    """The global ID the API shows (`models/foundation/ids.py`): `Type:uuid` in base64."""
    return base64.urlsafe_b64encode(f"{type_name}:{value}".encode()).decode()


def _cursor(created_at: datetime, id_: UUID) -> str:
    """The page's cursor (`schema/pagination.py`): its (created_at, id) in JSON, in base64."""
    raw = json.dumps([created_at.isoformat(), str(id_)])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


VIEWER = """
SELECT u.id, u.organization_id, o.kind FROM api_token t
JOIN "user" u ON u.id = t.user_id JOIN organization o ON o.id = u.organization_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL
"""
PAGE = """
SELECT id, status, created_at, customer_id, partner_id FROM relationship
WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2
"""
COUNT = "SELECT COUNT(*) FROM relationship WHERE customer_id = $1"
ORGANIZATIONS = "SELECT id, name, kind FROM organization WHERE id = ANY($1::uuid[])"
TYPES = """
SELECT relationship_id, type, ended_at FROM relationship_type
WHERE relationship_id = ANY($1::uuid[]) ORDER BY added_at
"""
AGREEMENTS = """
SELECT a.customer_id, a.version, a.accepted_at, u.email, o.name AS organization
FROM agreement_acceptance a JOIN "user" u ON u.id = a.accepted_by_id
JOIN organization o ON o.id = u.organization_id
WHERE a.customer_id = ANY($1::uuid[]) AND a.version = $2
"""
GRANTS = """
SELECT relationship_id, role, status, expires_at, type FROM role_grant
WHERE relationship_id = ANY($1::uuid[]) ORDER BY granted_at, role
"""


def _grouped(rows: Iterable[asyncpg.Record], key: str) -> dict[UUID, list[asyncpg.Record]]:
    groups: dict[UUID, list[asyncpg.Record]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


async def relationships_page(
    pool: asyncpg.Pool, token: str, first: int, version: str
) -> dict[str, Any]:
    """The relationships page's JSON body, read with asyncpg by hand: both baselines serve it."""
    async with pool.acquire() as connection:
        viewer = await connection.fetchrow(VIEWER, hash_token(token))
        if viewer is None or viewer["kind"] != "CUSTOMER":
            raise PermissionError(token)
        customer = viewer["organization_id"]
        page = await connection.fetch(PAGE, customer, first + 1)
        rows = page[:first]
        ids = [row["id"] for row in rows]
        orgs = {customer} | {row["partner_id"] for row in rows}
        organizations = {
            row["id"]: row for row in await connection.fetch(ORGANIZATIONS, list(orgs))
        }
        types = _grouped(await connection.fetch(TYPES, ids), "relationship_id")
        accepted = await connection.fetch(AGREEMENTS, [customer], version)
        agreements = _grouped(accepted, "customer_id")
        grants = _grouped(await connection.fetch(GRANTS, ids), "relationship_id")
        total = await connection.fetchval(COUNT, customer)
    edges = []
    for row in rows:
        cursor = _cursor(row["created_at"], row["id"])
        partner, own = organizations[row["partner_id"]], organizations[customer]
        latest = next(iter(agreements.get(customer, [])), None)
        active = row["status"] == "ACTIVE"
        kinds = [t["type"] for t in types.get(row["id"], []) if not active or t["ended_at"] is None]
        edges.append(
            {
                "cursor": cursor,
                "node": {
                    "id": _id("Relationship", row["id"]),
                    "status": row["status"],
                    "types": list(dict.fromkeys(kinds)),
                    "createdAt": _time(row["created_at"]),
                    "customer": {
                        "id": _id("Organization", customer),
                        "name": own["name"],
                        "kind": own["kind"],
                    },
                    "partner": {
                        "id": _id("Organization", row["partner_id"]),
                        "name": partner["name"],
                    },
                    "agreement": {
                        "accepted": latest is not None,
                        "version": latest["version"] if latest else None,
                        "acceptedAt": _time(latest["accepted_at"]) if latest else None,
                        "acceptedBy": (
                            {
                                "email": latest["email"],
                                "organization": {"name": latest["organization"]},
                            }
                            if latest
                            else None
                        ),
                    },
                    "roleGrants": [
                        {
                            "role": g["role"],
                            "status": g["status"],
                            "expiresAt": _time(g["expires_at"]),
                            "type": g["type"],
                        }
                        for g in grants.get(row["id"], [])
                    ],
                },
            }
        )
    return {
        "data": {
            "relationships": {
                "totalCount": total,
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": len(page) > first,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            }
        }
    }


def relationships_app() -> Starlette:
    """The relationships page for a customer admin, by hand: asyncpg, then json."""
    url = os.environ["BENCH_DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    first = int(os.environ.get("BENCH_FIRST", "50"))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with asyncpg.create_pool(url, min_size=1, max_size=16) as pool:
            app.state.pool = pool
            yield

    async def relationships(request: Request) -> Response:
        token = request.headers["authorization"].partition(" ")[2]
        await request.body()
        body = await relationships_page(
            request.app.state.pool, token, first, CURRENT_AGREEMENT_VERSION
        )
        return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")

    return Starlette(routes=[Route("/graphql", relationships, methods=["POST"])], lifespan=lifespan)
