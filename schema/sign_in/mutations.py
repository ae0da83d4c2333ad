"""Signing in and out, passwords and bearer tokens: thin, each reads its input, calls one rule,
shapes the payload and, for sessions, the cookies."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.foundation.client_address import current_client_address
from models.foundation.clock import utcnow
from models.identity.sessions import Device, SessionTimeouts
from models.rules import api_tokens as token_rules
from models.rules import sign_in as rules
from models.tables.organizations import ApiToken as ApiTokenRow
from schema.context import Context, Info
from schema.errors import UserError
from schema.inputs import IdInput
from schema.mutations import perform
from schema.organizations.types import User
from schema.sign_in.cookies import clear_session_cookies, set_session_cookies
from schema.sign_in.credentials import ApiToken
from schema.sign_in.types import (
    ApiTokenPayload,
    ChangePasswordInput,
    CreateApiTokenInput,
    RequestPasswordResetInput,
    RequestPasswordResetPayload,
    SetPasswordInput,
    SignInInput,
    SignInPayload,
    SignOutInput,
    SignOutPayload,
    UserPayload,
)


def _device(context: Context) -> Device:
    """The browser signing in, as its session list will show it."""
    return Device(
        user_agent=context.request.headers.get("user-agent"),
        client_address=current_client_address(),
    )


def _signed_in(
    context: Context,
    found: rules.SignedIn | rules.SecondFactorRequired | None,
    errors: list[UserError],
) -> SignInPayload:
    """The payload of a sign-in, and on success the cookies of its new session; no session
    while a second factor must follow."""
    if found is None:
        return SignInPayload(viewer=None, mfa_required=False, errors=errors)
    if isinstance(found, rules.SecondFactorRequired):
        return SignInPayload(viewer=None, mfa_required=True, errors=[])
    session = found.session
    set_session_cookies(
        context.response, session.token, session.session.expires_at, utcnow(), context.settings
    )
    return SignInPayload(viewer=User.of(found.user), mfa_required=False, errors=[])


def _token_payload(
    found: ApiTokenRow | None, token: str | None, errors: list[UserError]
) -> ApiTokenPayload:
    return ApiTokenPayload(
        api_token=ApiToken.of(found) if found else None, token=token, errors=errors
    )


@strawberry.type
class SignInMutations:
    @strawberry.mutation(
        description="Sign in with an email address and password: the response sets the "
        "session cookie. Public. Throttled per account and per client address with growing "
        "delays (RATE_LIMITED, saying how long to wait); a wrong address and a wrong password "
        "get the same INVALID_CREDENTIALS. A person with an authenticator gets "
        "`mfaRequired: true` and no session until they send `totpCode` or `recoveryCode` "
        "with the password (a wrong or spent code: INVALID_MFA_CODE, throttled the same way)."
    )
    async def sign_in(
        self,
        info: Info,
        input: Annotated[
            SignInInput, strawberry.argument(description="The email address and password.")
        ],
    ) -> SignInPayload:
        context = info.context
        timeouts = SessionTimeouts.of(context.settings)
        device = _device(context)
        found, errors = await perform(
            info,
            lambda op: rules.sign_in(
                op,
                input.email,
                input.password,
                timeouts=timeouts,
                device=device,
                totp_code=input.totp_code,
                recovery_code=input.recovery_code,
            ),
            public=True,
        )
        return _signed_in(context, found, errors)

    @strawberry.mutation(
        description="Sign out: end the session making the request (and clear its cookies), "
        "one other session of the viewer's, or all of them. Without a session it ends nothing "
        "and still clears the cookies."
    )
    async def sign_out(
        self,
        info: Info,
        input: Annotated[SignOutInput, strawberry.argument(description="Which sessions to end.")],
    ) -> SignOutPayload:
        context = info.context
        current = context.viewer.session_id if context.viewer else None
        found, errors = await perform(
            info,
            lambda op: rules.sign_out(
                op,
                current_session=current,
                session_id=input.session,
                everywhere=bool(input.everywhere),
            ),
            public=True,
        )
        if found is not None and found.current_ended:
            clear_session_cookies(context.response, context.settings)
        return SignOutPayload(sessions_ended=found.ended if found else 0, errors=errors)

    @strawberry.mutation(
        description="Choose a password from an emailed set-password link (a new account's, "
        "or a reset's). The link works once; every other session of the person's ends, and "
        "the response signs them in (session cookie), or, for a person with an "
        "authenticator, answers `mfaRequired: true`: they sign in with the new password and "
        "a code. Public."
    )
    async def set_password(
        self,
        info: Info,
        input: Annotated[
            SetPasswordInput,
            strawberry.argument(description="The link's token and the chosen password."),
        ],
    ) -> SignInPayload:
        context = info.context
        timeouts = SessionTimeouts.of(context.settings)
        device = _device(context)
        found, errors = await perform(
            info,
            lambda op: rules.set_password(
                op, input.token, input.password, timeouts=timeouts, device=device
            ),
            public=True,
        )
        return _signed_in(context, found, errors)

    @strawberry.mutation(
        description="Forgot password: email the account with this address a link to choose a "
        "new password (valid 30 minutes, once). Public; the answer is the same whether or not "
        "the address has an account. A client address asks a limited number of times "
        "(PASSWORD_RESET_RATE_PER_ADDRESS, 10 an hour by default), whatever the addresses it "
        "names; past it, RATE_LIMITED."
    )
    async def request_password_reset(
        self,
        info: Info,
        input: Annotated[
            RequestPasswordResetInput,
            strawberry.argument(description="The account's email address."),
        ],
    ) -> RequestPasswordResetPayload:
        _, errors = await perform(
            info,
            lambda op: rules.request_password_reset(
                op,
                input.email,
                client_address=current_client_address(),
                quota=info.context.settings.password_reset_quota,
            ),
            public=True,
        )
        return RequestPasswordResetPayload(errors=errors)

    @strawberry.mutation(
        description="Change the viewer's password, proving the current one (throttled like "
        "sign-in). The viewer's other sessions end at once; a temporary password stops being "
        "one."
    )
    async def change_password(
        self,
        info: Info,
        input: Annotated[
            ChangePasswordInput,
            strawberry.argument(description="The current password and the new one."),
        ],
    ) -> UserPayload:
        context = info.context
        current = context.viewer.session_id if context.viewer else None
        found, errors = await perform(
            info,
            lambda op: rules.change_password(
                op,
                input.current_password,
                input.new_password,
                current_session=current,
                client_address=current_client_address(),
            ),
        )
        return UserPayload(user=User.of(found) if found else None, errors=errors)

    @strawberry.mutation(
        description="Create a bearer token for the viewer's scripts (`Authorization: Bearer`). "
        "Its value is in this answer only."
    )
    async def create_api_token(
        self,
        info: Info,
        input: Annotated[
            CreateApiTokenInput,
            strawberry.argument(description="The token's name and optional expiry."),
        ],
    ) -> ApiTokenPayload:
        found, errors = await perform(
            info, lambda op: token_rules.create_api_token(op, input.name, input.expires_at)
        )
        if found is None:
            return _token_payload(None, None, errors)
        return _token_payload(*found, errors)

    @strawberry.mutation(
        description="Revoke one of the viewer's bearer tokens: it stops working at once."
    )
    async def revoke_api_token(
        self,
        info: Info,
        input: Annotated[IdInput, strawberry.argument(description="The token (an `ApiToken` ID).")],
    ) -> ApiTokenPayload:
        found, errors = await perform(
            info, lambda op: token_rules.revoke_api_token(op, input.uuid_of("ApiToken"))
        )
        return _token_payload(found, None, errors)
