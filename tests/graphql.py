"""A small GraphQL client for tests, over the real HTTP app."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response


class GraphQLClient:
    def __init__(self, http: AsyncClient) -> None:
        self.http = http

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The HTTP response to one request, whatever its status (cookies, refusals)."""
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers=sent | (headers or {}),
        )

    async def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token, headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The data of a query that must succeed."""
        body = await self.raw(query, variables, token, headers)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def error_code(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> str:
        """The code of the top-level error a request must give."""
        body = await self.raw(query, variables, token, headers)
        assert body.get("errors"), body
        code: str = body["errors"][0].get("extensions", {}).get("code", "")
        return code
