"""Delegated admin relationships as their invitation and their grants move them: opened with
a GDAP invitation, started by its acceptance, closed with it, and ended when no grant of
theirs gives access any more (their last role removed, or every grant expired)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode
from models.operation import Transaction
from models.reference.catalog import GDAP_TERMS
from models.reference.enums import DelegatedAdminRelationshipStatus, RoleGrantStatus
from models.tables.activity import sides
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.relationships import Relationship, RoleGrant

Status = DelegatedAdminRelationshipStatus
# Stored while it may still give access: a name is unique among these.
IN_FORCE = (Status.APPROVAL_PENDING, Status.ACTIVE)


def effective_status(dar: DelegatedAdminRelationship, now: datetime) -> Status:
    """EXPIRING is an ACTIVE one in its last days; one past its end date is EXPIRED, even
    before the sweep records it."""
    if dar.status is Status.ACTIVE and dar.ends_at is not None:
        if dar.ends_at <= now:
            return Status.EXPIRED
        if dar.ends_at - now <= timedelta(days=GDAP_TERMS.expiring_days):
            return Status.EXPIRING
    return dar.status


def _scope(partner_id: UUID, customer_id: UUID | None, customer_email: str) -> str:
    """Whom a name is unique among: the partner's relationships with one customer (its
    address while an invitation names no organization)."""
    return f"{partner_id}:{customer_id or customer_email.casefold()}"


def _key(scope: str, name: str) -> str:
    return f"{scope}:{name.casefold()}"


async def _default_name(scope: str, now: datetime) -> str:
    """ "GDAP 2026-12-07", then "GDAP 2026-12-07 (2)"...: the first one not in force."""
    base = f"GDAP {now:%Y-%m-%d}"
    rows = await DelegatedAdminRelationship.filter(name_key__startswith=_key(scope, base)).values(
        "name_key"
    )
    taken = {row["name_key"] for row in rows}
    name, n = base, 1
    while _key(scope, name) in taken:
        n += 1
        name = f"{base} ({n})"
    return name


async def open_for_invitation(
    invitation: Invitation, display_name: str | None, now: datetime
) -> DelegatedAdminRelationship:
    """The delegated admin relationship a GDAP invitation offers, awaiting approval; inside
    the invitation's transaction. A name in force already is refused (NAME_TAKEN): by the
    check here, or, when another send of the same name commits between the check and the
    insert, by the unique `name_key` that both databases enforce (the caller's transaction
    is then undone whole)."""
    scope = _scope(invitation.partner_id, invitation.customer_id, invitation.customer_email)
    if display_name is None:
        display_name = await _default_name(scope, now)
    elif await DelegatedAdminRelationship.exists(name_key=_key(scope, display_name)):
        raise _name_taken()
    assert invitation.duration_days is not None  # every GDAP invitation has one
    try:
        return await _create_offered(invitation, display_name, scope)
    except IntegrityError as exc:
        raise _name_taken() from exc


def _name_taken() -> DomainError:
    return DomainError(
        ErrorCode.NAME_TAKEN,
        "Another delegated admin relationship with this customer has this name.",
        "displayName",
    )


async def _create_offered(
    invitation: Invitation, display_name: str, scope: str
) -> DelegatedAdminRelationship:
    assert invitation.duration_days is not None
    return await DelegatedAdminRelationship.create(
        partner_id=invitation.partner_id,
        customer_id=invitation.customer_id,
        invitation_id=invitation.id,
        display_name=display_name,
        name_key=_key(scope, display_name),
        roles=list(invitation.roles),
        duration_days=invitation.duration_days,
        auto_extend=invitation.auto_extend,
    )


async def start(
    invitation: Invitation, relationship: Relationship, now: datetime
) -> DelegatedAdminRelationship | None:
    """The customer accepted the invitation: its delegated admin relationship joins the
    pair's relationship and starts now. Accepted by an organization its invitation did not
    name, it keeps its name unless the customer has one of that name in force already."""
    dar = await DelegatedAdminRelationship.select_for_update().get_or_none(
        invitation_id=invitation.id, status=Status.APPROVAL_PENDING
    )
    if dar is None:
        return None
    scope = _scope(relationship.partner_id, relationship.customer_id, "")
    name = dar.display_name
    if _key(scope, name) != dar.name_key and await DelegatedAdminRelationship.exists(
        name_key=_key(scope, name)
    ):
        dar.name_key = None  # free its old key first, so that the default may take it
        await dar.save(update_fields=["name_key"])
        name = await _default_name(scope, now)
    dar.display_name, dar.name_key = name, _key(scope, name)
    dar.customer_id, dar.relationship_id = relationship.customer_id, relationship.id
    dar.status, dar.starts_at = Status.ACTIVE, now
    dar.ends_at = now + timedelta(days=dar.duration_days)
    await dar.save(
        update_fields=[
            "display_name",
            "name_key",
            "customer_id",
            "relationship_id",
            "status",
            "starts_at",
            "ends_at",
        ]
    )
    return dar


async def close_for_invitations(
    invitation_ids: list[UUID], why: str, now: datetime, status: Status = Status.TERMINATED
) -> None:
    """Invitations canceled or declined (TERMINATED), or expired (EXPIRED): what they
    offered never starts."""
    await DelegatedAdminRelationship.filter(
        invitation_id__in=invitation_ids, status=Status.APPROVAL_PENDING
    ).update(status=status, name_key=None, ended_at=now, end_reason=why)


async def follow_grants(
    tx: Transaction,
    dar_ids: set[UUID],
    now: datetime,
    *,
    ended_by_id: UUID | None = None,
    reason: str | None = None,
) -> list[DelegatedAdminRelationship]:
    """After grants changed: each ACTIVE one of `dar_ids` ends when none of its grants gives
    access any more (TERMINATED when `reason` says they were removed, else EXPIRED), or
    takes its grants' latest end date (an automatic extension). Returns those that ended."""
    if not dar_ids:
        return []
    dars = await DelegatedAdminRelationship.filter(
        id__in=list(dar_ids), status=Status.ACTIVE
    ).select_for_update()
    if not dars:
        return []
    ends: dict[UUID, list[datetime | None]] = defaultdict(list)
    for dar_id, expires_at in await RoleGrant.filter(
        delegated_admin_relationship_id__in=[d.id for d in dars], status=RoleGrantStatus.ACTIVE
    ).values_list("delegated_admin_relationship_id", "expires_at"):
        ends[dar_id].append(expires_at)
    ended: list[DelegatedAdminRelationship] = []
    for dar in dars:
        dates = [d for d in ends.get(dar.id, []) if d is not None]
        if dar.id in ends:
            if dates and max(dates) != dar.ends_at:
                dar.ends_at = max(dates)
                await dar.save(update_fields=["ends_at"])
            continue
        dar.status = Status.TERMINATED if reason else Status.EXPIRED
        dar.name_key, dar.ended_at = None, now
        dar.ended_by_id, dar.end_reason = ended_by_id, reason or "Reached its end date"
        await dar.save(
            update_fields=["status", "name_key", "ended_at", "ended_by_id", "end_reason"]
        )
        ended.append(dar)
    for dar in ended:
        await record_end(tx, dar)
    return ended


async def record_end(tx: Transaction, dar: DelegatedAdminRelationship) -> None:
    """The entry (and event) of a delegated admin relationship that ended, for both sides."""
    assert dar.relationship_id is not None
    assert dar.customer_id is not None
    await tx.record(
        "delegated_admin_relationship.ended",
        "DelegatedAdminRelationship",
        dar.id,
        relationship_id=dar.relationship_id,
        customer_id=dar.customer_id,
        partner_id=dar.partner_id,
        changes={
            "displayName": dar.display_name,
            "status": dar.status,
            "roles": sorted(dar.roles),
            "reason": dar.end_reason,
        },
    )


async def record_start(
    tx: Transaction, relationship: Relationship, dar: DelegatedAdminRelationship
) -> None:
    """The entry (and event) of a delegated admin relationship the customer approved."""
    assert dar.ends_at is not None
    await tx.record(
        "delegated_admin_relationship.activated",
        "DelegatedAdminRelationship",
        dar.id,
        **sides(relationship),
        changes={
            "displayName": dar.display_name,
            "status": dar.status,
            "roles": sorted(dar.roles),
            "durationDays": dar.duration_days,
            "autoExtend": dar.auto_extend,
            "endsAt": dar.ends_at.isoformat(),
        },
    )
