"""Bulk operations as GraphQL types, and the inputs of the bulk mutations."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

import strawberry

from models.foundation.errors import ErrorCode
from models.foundation.ids import encode_id
from models.reference.catalog import AdminRole
from models.reference.enums import BulkOperationItemStatus, BulkOperationKind, BulkOperationStatus
from models.rules.bulk_operations import MAX_ITEMS, BulkCustomer
from models.tables import bulk as m
from schema.errors import UserError, bad_input
from schema.global_ids import GlobalId
from schema.invitations.types import Invitation
from schema.organizations.types import Organization
from schema.pagination import After, Connection, Edge, First, PageInfo, page_size
from schema.relationships.types import DelegatedAdminRelationship
from schema.relay import Node


@strawberry.type(
    description="One customer of a bulk operation (or one delegated admin relationship with "
    "it), and its outcome."
)
class BulkOperationItem:
    customer_email: str = strawberry.field(
        description="A send's: the customer's address, as given. Other kinds': the customer "
        "contact address the partner invited (that of the invitation the customer accepted); "
        "empty when the item names no customer of the partner's."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description="A send's: the customer organization's ID, as given. Other kinds': the "
        "customer the item acts on; null when the item names no customer of the partner's "
        "(it fails NOT_FOUND)."
    )
    status: BulkOperationItemStatus = strawberry.field(description="Where the item stands.")
    error_code: ErrorCode | None = strawberry.field(description="Why the item failed, when it did.")
    error_message: str | None = strawberry.field(
        description="The refusal in words, for a person to read, when the item failed."
    )
    invitation: Invitation | None = strawberry.field(
        description="The invitation the item sent, when it succeeded (a send's items only)."
    )
    customer: Organization | None = strawberry.field(
        description="The customer organization the item acts on (ASSIGN_ACCESS and "
        "END_DELEGATED_ADMIN items); null for a send's, and when the ID given names none of "
        "the partner's customers."
    )
    delegated_admin_relationship: DelegatedAdminRelationship | None = strawberry.field(
        description="The delegated admin relationship the item ends (END_DELEGATED_ADMIN's "
        "items only); null when the ID given names none of the partner's."
    )

    @classmethod
    def of(cls, row: m.BulkOperationItem) -> BulkOperationItem:
        dar, customer = row.delegated_admin_relationship, row.customer
        return cls(
            customer_email=row.customer_email,
            customer_id=_customer_id(row),
            status=row.status,
            error_code=ErrorCode(row.error_code) if row.error_code else None,
            error_message=row.error_message,
            invitation=Invitation.of(row.invitation) if row.invitation is not None else None,
            customer=Organization.of(customer) if customer else None,
            delegated_admin_relationship=DelegatedAdminRelationship.of(dar) if dar else None,
        )


def _customer_id(row: m.BulkOperationItem) -> strawberry.ID | None:
    if row.customer_ref:  # a send's, as given
        return strawberry.ID(row.customer_ref)
    if row.customer_id is not None:
        return strawberry.ID(encode_id("Organization", row.customer_id))
    return None


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"item:{position}".encode()).decode()


def _position(cursor: str) -> int:
    try:
        kind, _, position = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "item":
            raise ValueError(cursor)
        return int(position)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad_input("`after` is not a cursor of this list.") from exc


@strawberry.type(
    description="One action applied by the workers to many customers: its progress, counts "
    "and per-item results."
)
class BulkOperation(Node):
    kind: BulkOperationKind = strawberry.field(description="What it does to each item.")
    status: BulkOperationStatus = strawberry.field(description="Where it stands as a whole.")
    total: int = strawberry.field(description="How many items it has.")
    succeeded: int = strawberry.field(description="How many items succeeded.")
    failed: int = strawberry.field(description="How many items failed.")
    pending: int = strawberry.field(description="How many items are not done yet.")
    created_at: datetime = strawberry.field(description="When it was accepted.")
    finished_at: datetime | None = strawberry.field(description="When its last item was done.")
    _id: strawberry.Private[object]

    @classmethod
    def of(cls, row: m.BulkOperation) -> BulkOperation:
        return cls(
            id=encode_id("BulkOperation", row.id),
            kind=row.kind,
            status=row.status,
            total=row.total,
            succeeded=row.succeeded,
            failed=row.failed,
            pending=row.pending,
            created_at=row.created_at,
            finished_at=row.finished_at,
            _id=row.id,
        )

    @strawberry.field(description="Its items, in the order they were given.")
    async def items(
        self, first: First = None, after: After = None
    ) -> Connection[BulkOperationItem]:
        size = page_size(first)
        rows = m.BulkOperationItem.filter(operation_id=self._id)
        page = rows.order_by("position")
        if after:
            page = page.filter(position__gt=_position(after))
        found = (
            await page.limit(size + 1).select_related(
                "invitation", "customer", "delegated_admin_relationship"
            )
            if size
            else []
        )
        edges = [Edge(node=BulkOperationItem.of(r), cursor=_cursor(r.position)) for r in found]
        shown = edges[:size]

        async def count() -> int:
            return await rows.count()

        return Connection(
            edges=shown,
            page_info=PageInfo(
                has_next_page=len(edges) > size,
                end_cursor=shown[-1].cursor if shown else None,
            ),
            _count=count,
        )


@strawberry.input(description="One customer of a bulk send.")
class BulkCustomerInput:
    customer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Address the invitation to this customer organization: only its admins "
        "may accept it.",
    )
    customer_email: str = strawberry.field(description="The customer contact to email.")


@strawberry.input(description="Send one invitation template to many customers at once.")
class SendInvitationsInput:
    template_id: strawberry.ID = strawberry.field(
        description="The template to send: one of the partner's."
    )
    customers: list[BulkCustomerInput] = strawberry.field(
        description=f"The customers, 1 to {MAX_ITEMS}; a bad one becomes a FAILED item."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A key of the client's: the same key from the same partner returns the "
        "operation it started, and sends nothing again.",
    )
    template = GlobalId("InvitationTemplate", "template_id")

    def bulk_customers(self) -> list[BulkCustomer]:
        return [
            BulkCustomer(customer_email=c.customer_email, customer_id=c.customer_id)
            for c in self.customers
        ]


@strawberry.input(
    description="Give one security group the same granted roles for many customers at once."
)
class AssignAccessInBulkInput:
    security_group_id: strawberry.ID = strawberry.field(
        description="The group whose agents get the roles: one of the partner's."
    )
    roles: list[AdminRole] = strawberry.field(
        description="The roles to assign; each customer's relationship must hold each as an "
        "ACTIVE grant, or its item fails (ROLE_NOT_GRANTED) with none of them assigned."
    )
    customer_ids: list[strawberry.ID] = strawberry.field(
        description=f"The customer organizations, 1 to {MAX_ITEMS}; one the partner has no "
        "active relationship with becomes a FAILED item (NOT_FOUND or RELATIONSHIP_ENDED)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A key of the client's: the same key from the same partner returns the "
        "operation it started, and assigns nothing again.",
    )
    security_group = GlobalId("SecurityGroup", "security_group_id")

    def customers(self) -> list[str]:
        return [str(customer_id) for customer_id in self.customer_ids]


@strawberry.input(description="End many delegated admin relationships at once.")
class EndDelegatedAdminRelationshipsInBulkInput:
    ids: list[strawberry.ID] = strawberry.field(
        description=f"The delegated admin relationships, 1 to {MAX_ITEMS}; one that has ended "
        "already (RELATIONSHIP_ENDED), awaits approval (INVALID_INPUT) or is not the "
        "partner's (NOT_FOUND) becomes a FAILED item."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A key of the client's: the same key from the same partner returns the "
        "operation it started, and ends nothing again.",
    )

    def relationships(self) -> list[str]:
        return [str(dar_id) for dar_id in self.ids]


@strawberry.type(description="The result of a bulk mutation.")
class BulkOperationPayload:
    bulk_operation: BulkOperation | None = strawberry.field(
        description="The bulk operation started (or started before, with the same key)."
    )
    errors: list[UserError] = strawberry.field(description="Why the input was refused, if it was.")
