"""An organization that makes single sign-on its only way in: its people's passwords are
refused, wherever a password would sign someone in (signing in, choosing one from a link).

Apart from `models/rules/single_sign_on.py` so that the password rules, which that module's
sign-in builds on, can ask it too.
"""

from __future__ import annotations

from models.foundation.errors import DomainError, ErrorCode
from models.tables.organizations import User
from models.tables.single_sign_on import SingleSignOn


async def password_refusal(user: User, field: str) -> DomainError | None:
    """The refusal of a password for a person whose organization signs in through its
    provider only (naming `field`); None when passwords are allowed."""
    config = await SingleSignOn.get_or_none(
        organization_id=user.organization_id, enabled=True, required=True
    )
    if config is None:
        return None
    return DomainError(
        ErrorCode.SINGLE_SIGN_ON_REQUIRED,
        f"Your organization signs in through {config.display_name} only: choose "
        f"Sign in with {config.display_name}.",
        field,
    )
