"""Turning the domain's refusals into GraphQL answers, in one place, and the codes of errors.

Every error an answer holds carries a code clients can act on: a refused mutation's
`UserError.code` is an `ErrorCode`; a top-level error's `extensions.code` is a
`RequestErrorCode`. Both enums are in the schema, and the README lists them.
"""

from __future__ import annotations

from enum import StrEnum

import strawberry
from graphql import GraphQLError

from models.foundation.errors import ERROR_CODE_MEANINGS, DomainError, ErrorCode
from schema.enum_values import describe_values

ErrorCodeType = strawberry.enum(
    ErrorCode, name="ErrorCode", description="Why a mutation refused its input."
)
describe_values(ErrorCodeType, ERROR_CODE_MEANINGS)


class RequestErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    MFA_ENROLLMENT_REQUIRED = "MFA_ENROLLMENT_REQUIRED"
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"  # noqa: S105 (a code, not a secret)
    RATE_LIMITED = "RATE_LIMITED"


REQUEST_ERROR_CODES: dict[RequestErrorCode, str] = {
    RequestErrorCode.UNAUTHENTICATED: "Missing or bad credentials: sign in, or send a valid "
    "bearer token.",
    RequestErrorCode.FORBIDDEN: "The viewer may not take this action or open this list or object.",
    RequestErrorCode.NOT_FOUND: "A subscription's object does not exist, or is another "
    "organization's (whose existence is not told): no such ID.",
    RequestErrorCode.BAD_USER_INPUT: "An argument or variable the document's types cannot "
    "refuse: `first` outside 0 to 100, a cursor that is not one of the list's, a bad "
    "directory filter, a variable of the wrong type; or a request wrong around its document "
    "(`variables` that are not an object, an unknown `operationName`, a batch).",
    RequestErrorCode.GRAPHQL_PARSE_FAILED: "There is no document to read: the body is not a "
    "JSON object with a `query` string (or not UTF-8, or nested too deep), the document is "
    "not GraphQL, or the body or the document is longer than the service reads.",
    RequestErrorCode.GRAPHQL_VALIDATION_FAILED: "The document does not fit the schema (an "
    "unknown field or enum value, a missing argument) or its limits (depth, aliases).",
    RequestErrorCode.INTERNAL_SERVER_ERROR: "Something failed on the service's side; the "
    "message says no more in production. Trying again later may work.",
    RequestErrorCode.MFA_ENROLLMENT_REQUIRED: "The browser session is limited to enrolment: "
    "its person must use a second factor and has none yet. Only `viewer`, "
    "`startTotpEnrollment`, `confirmTotpEnrollment` and `signOut` run until "
    "`confirmTotpEnrollment` succeeds; the operation ran nothing.",
    RequestErrorCode.PASSWORD_CHANGE_REQUIRED: "The viewer holds a temporary password: only "
    "`viewer`, `changePassword` and `signOut` run until `changePassword` succeeds; the "
    "operation ran nothing.",
    RequestErrorCode.RATE_LIMITED: "An API client sent more requests to `/graphql` than its "
    "rate limit allows (HTTP 429): wait the `Retry-After` seconds; the request ran nothing.",
}

RequestErrorCodeType = strawberry.enum(
    RequestErrorCode,
    name="RequestErrorCode",
    description="The `extensions.code` of a top-level error: why a request, or a field of it, "
    "got no answer. (A mutation's refusals of its input are `UserError`s instead.)",
)
describe_values(RequestErrorCodeType, REQUEST_ERROR_CODES)


@strawberry.type(description="A business rule that refused a mutation's input.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="The path of the input field concerned, when there is one."
    )
    message: str = strawberry.field(description="What went wrong, for a person to read.")
    code: ErrorCode = strawberry.field(description="A stable code for clients to act on.")

    @classmethod
    def of(cls, error: DomainError) -> UserError:
        return cls(
            field=["input", error.field] if error.field else None,
            message=error.message,
            code=error.code,
        )


def code_of(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def with_code(error: GraphQLError, code: RequestErrorCode) -> GraphQLError:
    """`error`, given `code` unless it carries one already."""
    if code_of(error) is None:
        error.extensions = {**(error.extensions or {}), "code": code.value}
    return error


def unauthenticated(message: str = "Sign in with a valid bearer token.") -> GraphQLError:
    return GraphQLError(message, extensions={"code": RequestErrorCode.UNAUTHENTICATED.value})


def forbidden(message: str = "You may not do this.") -> GraphQLError:
    return GraphQLError(message, extensions={"code": RequestErrorCode.FORBIDDEN.value})


def not_found(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": RequestErrorCode.NOT_FOUND.value})


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": RequestErrorCode.BAD_USER_INPUT.value})
