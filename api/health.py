"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

PROBE_TIMEOUT = 2.0


async def healthz(request: Request) -> JSONResponse:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def _database() -> str:
    await connections.get("default").execute_query("SELECT 1")
    return "ok"


async def _redis(request: Request) -> str:
    redis = request.app.state.redis
    if redis is None:
        return "not configured"
    await redis.ping()
    return "ok"


async def readyz(request: Request) -> JSONResponse:
    """The database and Redis answer; 503 naming the one that does not."""
    checks = {"database": _database(), "redis": _redis(request)}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = await asyncio.wait_for(check, PROBE_TIMEOUT)
        except Exception as exc:  # any failure means not ready; the body says which
            results[name] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in results.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": results},
        status_code=200 if ready else 503,
    )
