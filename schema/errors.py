"""Turning the domain's refusals into GraphQL answers, in one place."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from models.foundation.errors import ERROR_CODE_MEANINGS, DomainError, ErrorCode
from schema.enum_values import describe_values

ErrorCodeType = strawberry.enum(
    ErrorCode, name="ErrorCode", description="Why a mutation refused its input."
)
describe_values(ErrorCodeType, ERROR_CODE_MEANINGS)


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


def unauthenticated(message: str = "Sign in with a valid bearer token.") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})


def forbidden(message: str = "You may not do this.") -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
