"""GraphQL over HTTP: what `POST /graphql` answers a request it cannot run.

Strawberry answers a body it cannot use with plain text, and some (a JSON body that is a
number, invalid UTF-8, arrays nested past the decoder's depth) with a 500. Here every such
request is a 400 in GraphQL's own shape, `{"errors": [{"message", "extensions": {"code"}}]}`,
with a code of `RequestErrorCode`: GRAPHQL_PARSE_FAILED when there is no document to read,
BAD_USER_INPUT when the request around it is wrong.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError

from api.limits import size_in_words
from schema.context import Context
from schema.errors import RequestErrorCode

PARSE_FAILED = RequestErrorCode.GRAPHQL_PARSE_FAILED
BAD_INPUT = RequestErrorCode.BAD_USER_INPUT


class Malformed(Exception):
    """A request that cannot run, with the code and the words of its answer."""

    def __init__(self, message: str, code: RequestErrorCode) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def graphql_error(status: int, message: str, code: RequestErrorCode) -> JSONResponse:
    """A response holding one top-level GraphQL error."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]},
        status_code=status,
    )


def body_too_large(max_bytes: int) -> Response:
    """The refusal of a body over `GRAPHQL_MAX_BODY_BYTES` (`api.limits.BodyLimit`)."""
    return graphql_error(
        413, f"The request body is larger than {size_in_words(max_bytes)}.", PARSE_FAILED
    )


def _decoded(body: str | bytes) -> object:
    try:
        return json.loads(body)
    except RecursionError:
        raise Malformed("The body nests arrays or objects too deeply.", PARSE_FAILED) from None
    except ValueError:  # not JSON, or not UTF-8
        raise Malformed("The body is not JSON in UTF-8.", PARSE_FAILED) from None


# The members of a GraphQL request, the types each may have, and the code of a wrong one.
_MEMBERS: dict[str, tuple[type, RequestErrorCode]] = {
    "query": (str, PARSE_FAILED),
    "operationName": (str, BAD_INPUT),
    "variables": (dict, BAD_INPUT),
    "extensions": (dict, BAD_INPUT),
}


def graphql_request(body: str | bytes) -> dict[str, Any] | list[Any]:
    """The body as a GraphQL request: a JSON object whose members have their types (a list
    is a batch, which Strawberry refuses on its own), or `Malformed`."""
    data = _decoded(body)
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise Malformed("The body must be a JSON object with a `query`.", PARSE_FAILED)
    for member, (kind, code) in _MEMBERS.items():
        value = data.get(member)
        if value is not None and not isinstance(value, kind):
            what = "a string" if kind is str else "an object"
            raise Malformed(f"`{member}` must be {what} or null.", code)
    return data


def _answer(refused: HTTPException) -> Response:
    """Strawberry's refusal as a GraphQL error: no document (PARSE_FAILED), or a request that
    is wrong around it (BAD_USER_INPUT). A 404 (no GraphiQL here) stays a plain 404."""
    if refused.status_code == 404:
        return PlainTextResponse(refused.reason, status_code=404)
    code = PARSE_FAILED if isinstance(refused.__cause__, MissingQueryError) else BAD_INPUT
    return graphql_error(refused.status_code, refused.reason, code)


class GraphQLOverHTTP(GraphQL[Context, None]):
    """Strawberry's ASGI app, answering every request it cannot run with a GraphQL error."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except Malformed as malformed:
            response = graphql_error(400, malformed.message, malformed.code)
        except HTTPException as refused:
            response = _answer(refused)
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        return graphql_request(data)
