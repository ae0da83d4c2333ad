"""Multi-factor authentication: the inputs and payloads of its mutations."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.organizations.types import Organization


@strawberry.input(description="A new authenticator app for the viewer.")
class StartTotpEnrollmentInput:
    label: str | None = strawberry.field(
        default=None,
        description='How the authenticator app names this account, beside "Partnerhub" (up '
        "to 100 characters); none: the viewer's email address.",
    )
    current_code: str | None = strawberry.field(
        default=None,
        description="To replace an authenticator in use: a code from it, or a recovery code. "
        "Not needed for a first enrolment.",
    )


@strawberry.type(
    description="A seed for the viewer's authenticator app, pending until "
    "`confirmTotpEnrollment`. Shown in this answer only: it is stored sealed, and never "
    "shown again."
)
class TotpEnrollmentPayload:
    secret: str | None = strawberry.field(
        description="The seed in base32, for typing into the app by hand."
    )
    otpauth_uri: str | None = strawberry.field(
        description="The `otpauth://totp/...` URI that apps read from a QR code."
    )
    qr_code: str | None = strawberry.field(
        description="`otpauthUri` as a QR code: an SVG image in a `data:` URI, drawn by the "
        "service itself."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")


@strawberry.input(description="The first code of the authenticator app being enrolled.")
class ConfirmTotpEnrollmentInput:
    code: str = strawberry.field(description="The 6-digit code the app shows now.")


@strawberry.input(description="A current code, proving the viewer holds their second factor.")
class MfaCodeInput:
    code: str = strawberry.field(
        description="A 6-digit code from the authenticator app, or an unused recovery code."
    )


@strawberry.type(
    description="Recovery codes: each signs in once in place of the authenticator app. Shown "
    "in this answer only (they are stored hashed); the earlier ones no longer work."
)
class RecoveryCodesPayload:
    recovery_codes: list[str] | None = strawberry.field(
        description="The new recovery codes, to keep somewhere safe."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")


@strawberry.input(description="Whether everyone of the viewer's organization must use MFA.")
class SetMfaRequirementInput:
    required: bool = strawberry.field(
        description="True: every person of the organization signs in with a second factor. "
        "False: only partner agents and holders of privileged roles must (a partner "
        "organization cannot turn it off)."
    )


@strawberry.type(description="The organization whose requirement changed.")
class MfaRequirementPayload:
    organization: Organization | None = strawberry.field(
        description="The viewer's organization, as it is now."
    )
    errors: list[UserError] = strawberry.field(description="Why it was refused, if it was.")
