"""What the customer bought, its billing messages and its invoices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry

from models.foundation.ids import encode_id
from models.reference.tenant_enums import (
    InvoiceStatus,
)
from models.tables import tenant as m
from schema.context import Info
from schema.customers import enums as _enums  # noqa: F401  (registers the enums)
from schema.organizations.types import Organization, load_organization


@strawberry.type(description="Something bought for the customer, by itself or by a partner.")
class Purchase:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    product_name: str = strawberry.field(description="What was bought.")
    quantity: int = strawberry.field(description="How many.")
    amount: Decimal = strawberry.field(description="What it cost.")
    currency: str = strawberry.field(description="The ISO 4217 currency of the amount.")
    purchased_at: datetime = strawberry.field(description="When it was bought.")
    created_at: datetime = strawberry.field(description="When it was recorded.")
    _partner_id: strawberry.Private[Any]

    @classmethod
    def of(cls, row: m.Purchase) -> Purchase:
        return cls(
            id=encode_id("Purchase", row.id),
            product_name=row.product_name,
            quantity=row.quantity,
            amount=row.amount,
            currency=row.currency,
            purchased_at=row.purchased_at,
            created_at=row.created_at,
            _partner_id=row.partner_id,
        )

    @strawberry.field(description="The partner that bought it; null when the customer did.")
    async def partner(self, info: Info) -> Organization | None:
        return await load_organization(info, self._partner_id)


@strawberry.type(description="A billing message the customer received.")
class BillingNotification:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    subject: str = strawberry.field(description="The subject.")
    body: str = strawberry.field(description="The message.")
    created_at: datetime = strawberry.field(description="When it was sent.")

    @classmethod
    def of(cls, row: m.BillingNotification) -> BillingNotification:
        return cls(
            id=encode_id("BillingNotification", row.id),
            subject=row.subject,
            body=row.body,
            created_at=row.created_at,
        )


@strawberry.type(description="An invoice of the customer for one billing period.")
class Invoice:
    id: strawberry.ID = strawberry.field(description="Opaque ID.")
    number: str = strawberry.field(description="The invoice number.")
    amount: Decimal = strawberry.field(description="The amount due.")
    currency: str = strawberry.field(description="The ISO 4217 currency of the amount.")
    period_start: date = strawberry.field(description="The first day of the period billed.")
    period_end: date = strawberry.field(description="The last day of the period billed.")
    status: InvoiceStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was issued.")

    @classmethod
    def of(cls, row: m.Invoice) -> Invoice:
        return cls(
            id=encode_id("Invoice", row.id),
            number=row.number,
            amount=row.amount,
            currency=row.currency,
            period_start=row.period_start,
            period_end=row.period_end,
            status=row.status,
            created_at=row.created_at,
        )
