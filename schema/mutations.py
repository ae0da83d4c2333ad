"""Running a domain operation for a mutation: refusals become payload errors, here only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from models.foundation.errors import Refused
from models.operation import Operation
from schema.context import Info
from schema.errors import UserError
from schema.guards import denial_forbidden
from workers.dispatch import after_commit

T = TypeVar("T")


async def perform(
    info: Info, action: Callable[[Operation], Awaitable[T]], *, public: bool = False
) -> tuple[T | None, list[UserError]]:
    """Run `action` as the viewer; dispatch its committed side effects once it returns.

    A refused rule gives `(None, errors)` and, because the rules refuse before or inside
    their transaction, leaves the database as it was. A refused permission is FORBIDDEN.
    Only a `public` action runs without a signed-in viewer (its operation's actor is None).
    """
    context = info.context
    op = context.operation(public=public)
    try:
        with denial_forbidden():
            result = await action(op)
    except Refused as refused:
        return None, [UserError.of(error) for error in refused.refusals]
    finally:
        await after_commit(op, context.redis)
    return result, []
