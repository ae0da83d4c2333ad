"""Who manages and uses a partner's invitation templates, and who runs and reads its bulk
operations."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.foundation.errors import PermissionDenied
from models.identity.actors import Actor
from models.reference.enums import PartnerRole
from models.tables.bulk import BulkOperation
from models.tables.templates import InvitationTemplate

# Templates are used for single invitations by those who send invitations.
TEMPLATE_USER_ROLES = (PartnerRole.ADMIN_AGENT, PartnerRole.SALES_AGENT)


def uses_templates(actor: Actor) -> bool:
    """A partner's admin and sales agents: they send single invitations from templates."""
    return actor.is_partner and actor.holds(*TEMPLATE_USER_ROLES)


def is_partner_admin_agent(actor: Actor) -> bool:
    return actor.is_partner and actor.holds(PartnerRole.ADMIN_AGENT)


def require_template_manager(actor: Actor) -> None:
    """Creating, changing and deleting templates: the partner's admin agents."""
    if not is_partner_admin_agent(actor):
        raise PermissionDenied("Only a partner's admin agents may manage invitation templates.")


def require_bulk_operator(actor: Actor) -> None:
    """Bulk operations: the partner's admin agents only."""
    if not is_partner_admin_agent(actor):
        raise PermissionDenied("Only a partner's admin agents may run bulk operations.")


def visible_templates(actor: Actor) -> QuerySet[InvitationTemplate]:
    """The partner's templates, for those who use them; nothing for anyone else."""
    if uses_templates(actor):
        return InvitationTemplate.filter(partner_id=actor.organization_id)
    return InvitationTemplate.filter(Q(pk__in=[]))


def visible_bulk_operations(actor: Actor) -> QuerySet[BulkOperation]:
    """The partner's bulk operations, for its admin agents; nothing for anyone else."""
    if is_partner_admin_agent(actor):
        return BulkOperation.filter(partner_id=actor.organization_id)
    return BulkOperation.filter(Q(pk__in=[]))
