"""The customer's support incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.policy import discloses_partner
from models.reference.tenant_enums import (
    IncidentSeverity,
    IncidentStatus,
)
from models.tables import tenant as m
from schema.context import Info
from schema.customers import enums as _enums  # noqa: F401  (registers the enums)
from schema.customers.disclosure import disclosed_partner
from schema.organizations.types import Organization


@strawberry.type(description="A support incident of the customer.")
class SupportIncident:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    title: str = strawberry.field(description="What it is about.")
    description: str = strawberry.field(description="The details.")
    severity: IncidentSeverity = strawberry.field(description="How severe it is.")
    status: IncidentStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was opened.")
    _opened_by_id: strawberry.Private[Any]
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.SupportIncident) -> SupportIncident:
        return cls(
            id=encode_id("SupportIncident", row.id),
            title=row.title,
            description=row.description,
            severity=row.severity,
            status=row.status,
            created_at=row.created_at,
            _opened_by_id=row.opened_by_id,
            _partner_id=row.opened_by_partner_id,
        )

    @strawberry.field(
        description="The email address of the person who opened it (to a partner's agents, "
        "null when another partner's agent did)."
    )
    async def opened_by(self, info: Info) -> str | None:
        if self._opened_by_id is None:
            return None
        if self._partner_id is not None and not discloses_partner(
            info.context.actor(), self._partner_id
        ):
            return None  # another partner's agent
        user = await info.context.loaders.user.load(self._opened_by_id)
        return user.email if user else None

    @strawberry.field(
        description="The partner whose agent opened it on behalf of the customer; null when "
        "the customer opened it itself."
    )
    async def opened_by_partner(self, info: Info) -> Organization | None:
        return await disclosed_partner(info, self._partner_id)
