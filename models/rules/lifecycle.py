"""Time-bound grants and open invitations, as the clock moves: warnings, extension, expiry.

The sweeps look only at rows that are due, through the indexes on (status, next_notice_at)
and (status, expires_at), in batches, and lock what they take (skipping rows another worker
holds), so two workers never act on one grant and a repeated sweep finds nothing to do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from models.foundation.budget import Budget
from models.operation import Operation, Transaction
from models.reference.catalog import RELATIONSHIP_TYPES
from models.reference.enums import (
    DelegatedAdminRelationshipStatus,
    InvitationStatus,
    RoleGrantStatus,
)
from models.rules.delegated_admin import close_for_invitations, follow_grants
from models.rules.ungranted_assignments import drop_ungranted_assignments
from models.tables.activity import sides
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.invitations import Invitation
from models.tables.outbox import Task
from models.tables.relationships import Relationship, RoleGrant

WARNING_DAYS = (30, 7, 1)  # before the end date, each sent once, most distant first
BATCH_SIZE = 500


def extends_automatically(grant: RoleGrant) -> bool:
    """Whether the grant extends at its end date instead of expiring, by its type's terms."""
    terms = RELATIONSHIP_TYPES[grant.type].terms
    return grant.auto_extend and terms is not None and terms.may_auto_extend([grant.role])


def _extension_days(grant: RoleGrant) -> int:
    terms = RELATIONSHIP_TYPES[grant.type].terms
    assert terms is not None  # only a time-bound grant extends
    return terms.extension_days


def next_notice(grant: RoleGrant, now: datetime) -> datetime | None:
    """When the sweep must next look at the grant: its next warning, else its end date."""
    if grant.expires_at is None:
        return None
    if not extends_automatically(grant):
        for days in WARNING_DAYS:
            moment = grant.expires_at - timedelta(days=days)
            if moment > now and (grant.warned_days is None or days < grant.warned_days):
                return moment
    return grant.expires_at


def _due_warning(grant: RoleGrant, now: datetime) -> int | None:
    """The most urgent warning whose moment has come and that was not sent yet."""
    assert grant.expires_at is not None
    due = [
        days
        for days in WARNING_DAYS
        if grant.expires_at - timedelta(days=days) <= now
        and (grant.warned_days is None or days < grant.warned_days)
    ]
    return min(due) if due else None


@dataclass
class SweepReport:
    warned: int = 0
    extended: int = 0
    expired: int = 0
    invitations_expired: int = 0
    # Warnings and expiries, by relationship, template, days left and delegated admin
    # relationship: each of those hears of its own end date.
    notices: dict[tuple[UUID, str, int, UUID | None], list[RoleGrant]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # The grants that expired, by relationship: the access assignments of their delegated
    # admin relationships go with them.
    expired_grants: dict[UUID, list[RoleGrant]] = field(default_factory=lambda: defaultdict(list))
    # The activity to record: (relationship, action) and the grants it concerns.
    changes: dict[tuple[UUID, str], list[RoleGrant]] = field(
        default_factory=lambda: defaultdict(list)
    )


async def _act(grant: RoleGrant, now: datetime, report: SweepReport) -> None:
    assert grant.expires_at is not None
    relationship_id: UUID = grant.relationship_id
    if grant.expires_at <= now and extends_automatically(grant):
        while grant.expires_at <= now:
            grant.expires_at += timedelta(days=_extension_days(grant))
        grant.extended_at, grant.warned_days = now, None
        grant.next_notice_at = next_notice(grant, now)
        report.extended += 1
        report.changes[(relationship_id, "roles.extended")].append(grant)
    elif grant.expires_at <= now:
        grant.status = RoleGrantStatus.EXPIRED
        grant.revoked_at, grant.next_notice_at = now, None
        grant.end_reason = "Reached its end date"
        report.expired += 1
        report.notices[
            (relationship_id, "grants_expired", 0, grant.delegated_admin_relationship_id)
        ].append(grant)
        report.expired_grants[relationship_id].append(grant)
        report.changes[(relationship_id, "roles.expired")].append(grant)
    else:
        days = _due_warning(grant, now)
        if days is not None:
            grant.warned_days = days
            report.warned += 1
            report.notices[
                (relationship_id, "grants_expiring", days, grant.delegated_admin_relationship_id)
            ].append(grant)
        grant.next_notice_at = next_notice(grant, now)
    await grant.save(
        update_fields=[
            "expires_at",
            "extended_at",
            "warned_days",
            "next_notice_at",
            "status",
            "revoked_at",
            "end_reason",
        ]
    )


async def _notify(tx: Transaction, report: SweepReport) -> None:
    dar_ids = {key[3] for key in report.notices if key[3] is not None}
    names = dict(
        await DelegatedAdminRelationship.filter(id__in=list(dar_ids)).values_list(
            "id", "display_name"
        )
        if dar_ids
        else []
    )
    for (relationship_id, template, days, dar_id), grants in report.notices.items():
        named = {"delegated_admin_relationship": names[dar_id]} if dar_id in names else {}
        await tx.enqueue(
            Task.SEND_NOTIFICATION,
            template=template,
            relationship_id=str(relationship_id),
            roles=sorted({g.role for g in grants}),
            days=days,
            expires_at=min(g.expires_at for g in grants if g.expires_at).isoformat(),
            **named,
        )


async def _record(tx: Transaction, report: SweepReport) -> None:
    """One activity entry (and event) per relationship and kind of change."""
    if not report.changes:
        return
    relationships = {
        r.id: r
        for r in await Relationship.filter(id__in={key[0] for key in report.changes}).only(
            "id", "customer_id", "partner_id"
        )
    }
    for (relationship_id, action), grants in report.changes.items():
        await tx.record(
            action,
            "Relationship",
            relationship_id,
            **sides(relationships[relationship_id]),
            changes={
                "roles": sorted({g.role for g in grants}),
                "expiresAt": min(g.expires_at for g in grants if g.expires_at).isoformat(),
            },
        )


async def sweep_grants(
    op: Operation, batch_size: int = BATCH_SIZE, budget: Budget | None = None
) -> SweepReport:
    """Warn, extend or expire every active grant that is due, batch by batch, until none is
    left or the budget is spent (the next sweep goes on)."""
    budget = budget or Budget.unlimited()
    now = op.now()
    total = SweepReport()
    while True:
        report = SweepReport()
        async with op.atomic() as tx:
            due = (
                await RoleGrant.filter(status=RoleGrantStatus.ACTIVE, next_notice_at__lte=now)
                .order_by("next_notice_at")
                .limit(batch_size)
                .select_for_update(skip_locked=True)
            )
            for grant in due:
                await _act(grant, now, report)
            for relationship_id, expired in report.expired_grants.items():
                await drop_ungranted_assignments(
                    tx, relationship_id, expired, "The customer's grant expired"
                )
            await _notify(tx, report)
            await _record(tx, report)
            await follow_grants(
                tx,
                {
                    g.delegated_admin_relationship_id
                    for g in due
                    if g.delegated_admin_relationship_id
                },
                now,
            )
        total.warned += report.warned
        total.extended += report.extended
        total.expired += report.expired
        if len(due) < batch_size or budget.spent:
            return total


async def expire_invitations(
    op: Operation, batch_size: int = BATCH_SIZE, budget: Budget | None = None
) -> int:
    """Record EXPIRED on pending invitations past their date, and tell each partner, until
    none is left or the budget is spent."""
    budget = budget or Budget.unlimited()
    now = op.now()
    expired = 0
    while True:
        async with op.atomic() as tx:
            due = (
                await Invitation.filter(status=InvitationStatus.PENDING, expires_at__lte=now)
                .limit(batch_size)
                .select_for_update(skip_locked=True)
            )
            if due:
                await Invitation.filter(
                    id__in=[i.id for i in due], status=InvitationStatus.PENDING
                ).update(status=InvitationStatus.EXPIRED, closed_at=now)
                await close_for_invitations(
                    [i.id for i in due],
                    "Invitation expired",
                    now,
                    DelegatedAdminRelationshipStatus.EXPIRED,
                )
            for invitation in due:
                await tx.enqueue(
                    Task.SEND_NOTIFICATION,
                    template="invitation_expired",
                    invitation_id=str(invitation.id),
                )
                await tx.record(
                    "invitation.expired",
                    "Invitation",
                    invitation.id,
                    partner_id=invitation.partner_id,
                    customer_id=invitation.customer_id,
                    changes={"status": InvitationStatus.EXPIRED},
                )
        expired += len(due)
        if len(due) < batch_size or budget.spent:
            return expired
