"""Who manages an organization's single sign-on: what decides how all of its people sign in,
so its highest administrators only, the same people who manage its webhook endpoints."""

from __future__ import annotations

from models.foundation.errors import PermissionDenied
from models.identity.actors import Actor
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole


def manages_single_sign_on(actor: Actor) -> bool:
    """A customer's Global Administrator, or a partner's admin agent."""
    if actor.is_customer:
        return actor.holds(AdminRole.GLOBAL_ADMINISTRATOR)
    return actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)


def require_single_sign_on_manager(actor: Actor) -> None:
    if not manages_single_sign_on(actor):
        raise PermissionDenied(
            "Only a customer's Global Administrator or a partner's admin agents may manage "
            "single sign-on."
        )
