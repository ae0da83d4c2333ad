"""CSV exports of the viewer's organization: its relationships, invitations and activity.

`GET /export/relationships.csv`, `/export/invitations.csv` and `/export/activity.csv`,
authenticated as `/graphql` is (the session cookie or a bearer token), each refused to
those whose roles do not open the list of the same name (`policy.LISTS`), and holding the
rows that list shows them (`visible_...`). A file of any size is streamed: rows are read in
batches by keyset on (created_at, id), oldest first, each batch written out before the next
is read, so memory stays the same whatever the size.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.identity.actors import Actor
from models.identity.viewer import Viewer
from models.policy import LISTS, visible_activity, visible_invitations, visible_relationships
from models.policy.limited_sessions import is_limited
from models.rules.invitations import effective_status
from models.tables.relationships import RelationshipTypeRecord

BATCH = 500
# A cell a spreadsheet would read as a formula is written as text (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

M = TypeVar("M", bound=Model)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _gid(kind: str, value: UUID | None) -> str:
    return str(encode_id(kind, value)) if value is not None else ""


async def _batches(queryset: QuerySet[M], related: Sequence[str] = ()) -> AsyncIterator[list[M]]:
    """The rows, oldest first, BATCH at a time, each batch one query after the last row."""
    last: tuple[datetime, UUID] | None = None
    while True:
        page = queryset.order_by("created_at", "id")
        if last is not None:
            page = page.filter(Q(created_at__gt=last[0]) | Q(created_at=last[0], id__gt=last[1]))
        if related:
            page = page.select_related(*related)
        rows = await page.limit(BATCH)
        if not rows:
            return
        yield rows
        if len(rows) < BATCH:
            return
        tail: Any = rows[-1]
        last = (tail.created_at, tail.id)


def _text(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return out.getvalue()


Rows = Callable[[Actor], AsyncIterator[list[list[object]]]]


async def _relationships(actor: Actor) -> AsyncIterator[list[list[object]]]:
    async for batch in _batches(visible_relationships(actor), ("customer", "partner")):
        types: dict[UUID, list[str]] = {row.id: [] for row in batch}
        records = await RelationshipTypeRecord.filter(
            relationship_id__in=list(types), ended_at=None
        ).order_by("added_at")
        for record in records:
            types[record.relationship_id].append(str(record.type))
        yield [
            [
                _gid("Relationship", row.id),
                _gid("Organization", row.customer_id),
                row.customer.name,
                _gid("Organization", row.partner_id),
                row.partner.name,
                row.status,
                " ".join(dict.fromkeys(types[row.id])),
                row.created_at,
                row.ended_at,
            ]
            for row in batch
        ]


async def _invitations(actor: Actor) -> AsyncIterator[list[list[object]]]:
    async for batch in _batches(visible_invitations(actor), ("partner",)):
        now = utcnow()
        yield [
            [
                _gid("Invitation", row.id),
                _gid("Organization", row.partner_id),
                row.partner.name,
                _gid("Organization", row.customer_id),
                row.customer_email,
                row.type,
                " ".join(row.roles),
                row.duration_days,
                row.auto_extend,
                effective_status(row, now),
                row.email_status,
                row.created_at,
                row.expires_at,
                row.accepted_at,
            ]
            for row in batch
        ]


async def _activity(actor: Actor) -> AsyncIterator[list[list[object]]]:
    async for batch in _batches(visible_activity(actor)):
        rows: list[list[object]] = []
        for entry in batch:
            own = entry.actor_organization_id == actor.organization_id
            rows.append(
                [
                    _gid("ActivityEntry", entry.id),
                    entry.created_at,
                    entry.action,
                    entry.object_type,
                    _gid(entry.object_type, entry.object_id),
                    _gid("Relationship", entry.relationship_id),
                    _gid("User", entry.actor_user_id) if own else "",
                    _gid("Organization", entry.actor_organization_id),
                    _gid("Organization", entry.on_behalf_of_id),
                    _gid("Organization", entry.customer_id),
                    _gid("Organization", entry.partner_id),
                    entry.request_id,
                    entry.client_address if own else None,
                    json.dumps(entry.changes, sort_keys=True),
                ]
            )
        yield rows


@dataclass(frozen=True, slots=True)
class Export:
    """One CSV file: the list whose rule opens it, its header, and its rows."""

    list_name: str
    header: tuple[str, ...]
    rows: Rows


EXPORTS: dict[str, Export] = {
    "relationships": Export(
        "relationships",
        (
            "id",
            "customerId",
            "customerName",
            "partnerId",
            "partnerName",
            "status",
            "types",
            "createdAt",
            "endedAt",
        ),
        _relationships,
    ),
    "invitations": Export(
        "invitations",
        (
            "id",
            "partnerId",
            "partnerName",
            "customerId",
            "customerEmail",
            "type",
            "roles",
            "durationDays",
            "autoExtend",
            "status",
            "emailStatus",
            "createdAt",
            "expiresAt",
            "acceptedAt",
        ),
        _invitations,
    ),
    "activity": Export(
        "activity",
        (
            "id",
            "occurredAt",
            "action",
            "objectType",
            "objectId",
            "relationshipId",
            "actorId",
            "actingOrganizationId",
            "onBehalfOfId",
            "customerId",
            "partnerId",
            "requestId",
            "clientAddress",
            "changes",
        ),
        _activity,
    ),
}


def _viewer(request: Request) -> Viewer | None:
    """The signed-in viewer who may use the API fully: not a session limited to enrolling a
    second factor, nor one that must change its password first."""
    user = request.user
    if not isinstance(user, Viewer):
        return None
    if is_limited(user):
        return None
    return user


async def export(request: Request) -> Response:
    found = EXPORTS.get(request.path_params["name"])
    if found is None:
        return PlainTextResponse("No such export.", status_code=404)
    viewer = _viewer(request)
    if viewer is None:
        return PlainTextResponse(
            "Sign in first, or send a bearer token: Authorization: Bearer <token>.",
            status_code=401,
        )
    access = LISTS[found.list_name]
    if not access.opens(viewer.actor):
        return PlainTextResponse(access.refusal, status_code=403)

    async def body() -> AsyncIterator[str]:
        yield _text([list(found.header)])
        async for rows in found.rows(viewer.actor):
            yield _text(rows)

    filename = f"{found.list_name}-{utcnow():%Y%m%d}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


ROUTES = [Route("/export/{name}.csv", export, methods=["GET"])]
