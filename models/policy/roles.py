"""What kind of person an actor is, by the roles they hold: the predicates every check starts
from."""

from __future__ import annotations

from models.identity.actors import Actor
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole

_ADMIN_ROLE_KEYS: frozenset[str] = frozenset(AdminRole)
_PARTNER_ROLE_KEYS: frozenset[str] = frozenset(PartnerRole)


def is_customer_admin(actor: Actor) -> bool:
    return actor.is_customer and not actor.roles.isdisjoint(_ADMIN_ROLE_KEYS)


def is_partner_agent(actor: Actor) -> bool:
    return actor.is_partner and not actor.roles.isdisjoint(_PARTNER_ROLE_KEYS)
