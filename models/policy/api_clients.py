"""Who registers an organization's API clients, and who sees them."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.foundation.errors import PermissionDenied
from models.identity.actors import Actor
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.api_clients import ApiClient


def manages_api_clients(actor: Actor | None) -> bool:
    """A customer's Global Administrator or a partner's admin agent; never a client itself."""
    if actor is None or actor.is_api_client:
        return False
    if actor.is_customer:
        return actor.holds(AdminRole.GLOBAL_ADMINISTRATOR)
    return actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)


def require_api_client_manager(actor: Actor) -> None:
    if not manages_api_clients(actor):
        raise PermissionDenied(
            "Only a customer's Global Administrator or a partner's admin agents may manage "
            "API clients."
        )


def visible_api_clients(actor: Actor | None, organization_id: object) -> QuerySet[ApiClient]:
    """The organization's clients, revoked ones too (its history), for those who manage them."""
    if (
        actor is not None
        and actor.organization_id == organization_id
        and manages_api_clients(actor)
    ):
        return ApiClient.filter(organization_id=organization_id)
    return ApiClient.filter(Q(pk__in=[]))
