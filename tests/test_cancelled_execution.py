"""A request cancelled while its fields resolve leaves no resolver coroutine behind that was
never awaited (graphql-core's own execution does, which Python reports as a warning: a
console page left as a subscription's event resolves, a client gone mid-request)."""

from __future__ import annotations

import asyncio
import gc
import warnings

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import PlainFieldsExecution


@strawberry.type
class Query:
    @strawberry.field
    async def first(self) -> str:
        return "first"

    @strawberry.field
    async def second(self) -> str:
        return "second"


async def _never_awaited(execution: type[StrawberryGraphQLCoreExecutionContext]) -> list[str]:
    """The 'never awaited' warnings of `{ first second }` cancelled after each number of
    steps of the event loop, from none up to when it has finished."""
    schema = strawberry.Schema(query=Query, execution_context_class=execution)
    found: list[str] = []
    for steps in range(8):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            running = asyncio.ensure_future(schema.execute("{ first second }"))
            for _ in range(steps):
                await asyncio.sleep(0)
            running.cancel()
            try:
                result = await running
            except asyncio.CancelledError:
                pass
            else:
                assert result.data == {"first": "first", "second": "second"}
            del running
            gc.collect()
        found += [str(w.message) for w in caught if "never awaited" in str(w.message)]
    return found


async def test_a_cancelled_request_leaves_no_resolver_never_awaited() -> None:
    # Given graphql-core's own execution leaves some behind when cancelled at the wrong step
    assert await _never_awaited(StrawberryGraphQLCoreExecutionContext) != []

    # Then Partnerhub's leaves none, whatever the step
    assert await _never_awaited(PlainFieldsExecution) == []
