"""Signing in, passwords and bearer tokens: the inputs and payloads of their mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import UserError
from schema.global_ids import OptionalGlobalId
from schema.organizations.types import User
from schema.sign_in.credentials import ApiToken


@strawberry.input(description="An email address and password, and a second factor once enrolled.")
class SignInInput:
    email: str = strawberry.field(description="The account's email address.")
    password: str = strawberry.field(description="The account's password.")
    totp_code: str | None = strawberry.field(
        default=None,
        description="The 6-digit code of the person's authenticator app, when they have one "
        "(`mfaRequired` said so); each code works once.",
    )
    recovery_code: str | None = strawberry.field(
        default=None,
        description="One of the person's recovery codes, in place of `totpCode`; each works once.",
    )


@strawberry.type(
    description="The result of signing in; on success the response also sets the "
    "session cookie (HttpOnly) and the CSRF cookie."
)
class SignInPayload:
    viewer: User | None = strawberry.field(description="The person now signed in.")
    mfa_required: bool = strawberry.field(
        description="True when the password was right and the person has an authenticator: "
        "no session yet; sign in again with the password and `totpCode` or `recoveryCode`."
    )
    errors: list[UserError] = strawberry.field(description="Why sign-in was refused, if it was.")


@strawberry.input(
    description="Which sessions to end: the one making the request unless said otherwise."
)
class SignOutInput:
    everywhere: bool | None = strawberry.field(
        default=False, description="End every session of the viewer's, this one included."
    )
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="End this one session of the viewer's (from `User.sessions`)."
    )
    session = OptionalGlobalId("Session", "session_id")


@strawberry.type(
    description="The result of signing out; the response clears the cookies when "
    "the session making the request ended."
)
class SignOutPayload:
    sessions_ended: int = strawberry.field(description="How many sessions ended.")
    errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")


@strawberry.input(description="A password chosen from an emailed set-password link.")
class SetPasswordInput:
    token: str = strawberry.field(description="The `token` of the link's address.")
    password: str = strawberry.field(
        description="The new password: 8 to 128 characters, not a common or breached one."
    )


@strawberry.input(description="Who forgot their password.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="The account's email address.")


@strawberry.type(
    description="The same answer whether or not an account has the address: if "
    "one does, a link to choose a new password is on its way (valid 30 minutes, once)."
)
class RequestPasswordResetPayload:
    errors: list[UserError] = strawberry.field(
        description="Why the request was refused, if it was: an empty address, or too many "
        "requests from the client's address (RATE_LIMITED)."
    )


@strawberry.input(description="The viewer's current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(
        description="The new password: 8 to 128 characters, not a common or breached one, not "
        "the current one."
    )


@strawberry.type(description="The result of a mutation on a person's account.")
class UserPayload:
    user: User | None = strawberry.field(description="The account, as it is now.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")


@strawberry.input(description="A new bearer token for the viewer's scripts.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="A name to tell it apart (1 to 100 characters).")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working by itself; none: until revoked."
    )


@strawberry.type(description="A bearer token, and its value when it was just created.")
class ApiTokenPayload:
    api_token: ApiToken | None = strawberry.field(description="The token.")
    token: str | None = strawberry.field(
        description="The token's value, for `Authorization: Bearer`: shown only when it is "
        "created, never again. Null otherwise."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
