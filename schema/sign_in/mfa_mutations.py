"""Multi-factor authentication's mutations: thin, each reads its input, calls one rule of
`models/rules/mfa.py` and shapes the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.foundation.client_address import current_client_address
from models.rules import mfa as rules
from schema.context import Info
from schema.mutations import perform
from schema.organizations.types import Organization, User
from schema.sign_in.mfa_types import (
    ConfirmTotpEnrollmentInput,
    MfaCodeInput,
    MfaRequirementPayload,
    RecoveryCodesPayload,
    SetMfaRequirementInput,
    StartTotpEnrollmentInput,
    TotpEnrollmentPayload,
)
from schema.sign_in.qr_codes import qr_code_svg
from schema.sign_in.types import UserPayload


@strawberry.type
class MfaMutations:
    @strawberry.mutation(
        description="Start enrolling an authenticator app (TOTP) for the viewer: a new seed, "
        "shown in this answer only, pending until `confirmTotpEnrollment`. Replacing an "
        "authenticator in use needs `currentCode`; the old one works until the new one is "
        "confirmed. Open to a session limited to enrolment."
    )
    async def start_totp_enrollment(
        self,
        info: Info,
        input: Annotated[
            StartTotpEnrollmentInput,
            strawberry.argument(description="The account's label in the app."),
        ],
    ) -> TotpEnrollmentPayload:
        found, errors = await perform(
            info,
            lambda op: rules.start_totp_enrollment(
                op, input.label, input.current_code, current_client_address()
            ),
        )
        if found is None:
            return TotpEnrollmentPayload(secret=None, otpauth_uri=None, qr_code=None, errors=errors)
        return TotpEnrollmentPayload(
            secret=found.secret,
            otpauth_uri=found.otpauth_uri,
            qr_code=qr_code_svg(found.otpauth_uri),
            errors=[],
        )

    @strawberry.mutation(
        description="Confirm the pending authenticator with a code it shows: multi-factor "
        "authentication is on from now on, the viewer's other sessions end, and the answer "
        "holds 10 recovery codes, shown once. Open to a session limited to enrolment, which "
        "becomes a full one."
    )
    async def confirm_totp_enrollment(
        self,
        info: Info,
        input: Annotated[
            ConfirmTotpEnrollmentInput,
            strawberry.argument(description="The app's current code."),
        ],
    ) -> RecoveryCodesPayload:
        viewer = info.context.viewer
        current = viewer.session_id if viewer else None
        found, errors = await perform(
            info,
            lambda op: rules.confirm_totp_enrollment(
                op, input.code, current_session=current, client_address=current_client_address()
            ),
        )
        return RecoveryCodesPayload(recovery_codes=found, errors=errors)

    @strawberry.mutation(
        description="New recovery codes for the viewer, in place of the old ones, proving a "
        "current code (from the app, or a recovery code). Shown in this answer only."
    )
    async def regenerate_recovery_codes(
        self,
        info: Info,
        input: Annotated[MfaCodeInput, strawberry.argument(description="A current code.")],
    ) -> RecoveryCodesPayload:
        found, errors = await perform(
            info,
            lambda op: rules.regenerate_recovery_codes(op, input.code, current_client_address()),
        )
        return RecoveryCodesPayload(recovery_codes=found, errors=errors)

    @strawberry.mutation(
        description="Turn the viewer's multi-factor authentication off: the authenticator and "
        "the recovery codes go. Needs a current code; refused with MFA_REQUIRED to partner "
        "agents, holders of privileged roles and people of an organization that requires it."
    )
    async def disable_totp(
        self,
        info: Info,
        input: Annotated[MfaCodeInput, strawberry.argument(description="A current code.")],
    ) -> UserPayload:
        found, errors = await perform(
            info, lambda op: rules.disable_totp(op, input.code, current_client_address())
        )
        return UserPayload(user=User.of(found) if found else None, errors=errors)

    @strawberry.mutation(
        description="Whether every person of the viewer's organization must sign in with a "
        "second factor: its Global Administrator (a customer) or an admin agent (a partner). "
        "Partner agents and holders of privileged roles must whatever the setting."
    )
    async def set_mfa_requirement(
        self,
        info: Info,
        input: Annotated[
            SetMfaRequirementInput, strawberry.argument(description="The new setting.")
        ],
    ) -> MfaRequirementPayload:
        found, errors = await perform(
            info, lambda op: rules.set_mfa_requirement(op, input.required)
        )
        return MfaRequirementPayload(
            organization=Organization.of(found) if found else None, errors=errors
        )
