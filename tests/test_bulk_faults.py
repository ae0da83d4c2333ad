"""Bulk operations through a worker killed outright mid-way: a real `partnerhub worker`
process is SIGKILLed while it works through a bulk operation's rounds, another is started,
and the operation finishes with every customer invited (or every assignment made) once."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import (
    BulkOperationItemStatus,
    BulkOperationStatus,
    OrganizationKind,
    PartnerRole,
    RelationshipType,
    RoleGrantStatus,
)
from models.tables.access import AccessAssignment
from models.tables.activity import ActivityEntry
from models.tables.bulk import BulkOperation, BulkOperationItem
from models.tables.invitations import Invitation
from models.tables.organizations import Organization
from models.tables.relationships import Relationship, RoleGrant, active_key
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.servers import SmtpServer
from tests.worker_processes import WorkerProcess, environment, eventually

# Jobs of 4 seconds: a round killed mid-way runs again 14 seconds after it began (arq's
# in-progress mark: the job time-out plus 10 seconds).
SHORT = {"JOB_TIMEOUT": "4", "SMTP_TIMEOUT": "2", "EMAIL_RETRY_DELAYS": "0.5"}
CUSTOMERS = 300

SEND = """mutation($input: SendInvitationsInput!) { sendInvitations(input: $input) {
  bulkOperation { id } errors { field code } } }"""


async def test_a_bulk_send_cut_off_by_a_killed_worker_finishes_with_each_customer_invited_once(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # Given an admin agent's bulk send of a template to 300 customers
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    template = await InvitationTemplate.create(
        partner_id=admin.user.organization_id,
        name="Helpdesk",
        type="GDAP_PARTNER",
        roles=["USER_ADMINISTRATOR"],
        duration_days=90,
    )
    addresses = [f"admin{n}@customer{n}.example.com" for n in range(CUSTOMERS)]
    sent = await api.query(
        SEND,
        {
            "input": {
                "templateId": str(encode_id("InvitationTemplate", template.id)),
                "customers": [{"customerEmail": a} for a in addresses],
            }
        },
        admin.token,
    )
    assert sent["sendInvitations"]["errors"] == []
    [operation] = await BulkOperation.all()

    # And a worker process working through it, killed outright once it has done 40 items
    env = environment(db, **SHORT)
    await _killed_mid_way(env, tmp_path, operation, done=40)

    # When another worker is started
    second = WorkerProcess(env, tmp_path / "worker-2.log")
    try:
        await second.becomes(200, "the second worker is ready")

        # Then the operation completes, every item succeeded once
        await _completes(operation)
        assert (operation.succeeded, operation.failed) == (CUSTOMERS, 0)
        items = await BulkOperationItem.filter(operation_id=operation.id)
        assert {item.status for item in items} == {BulkOperationItemStatus.SUCCEEDED}

        # And every customer was invited exactly once, each invitation its item's
        invited = [invitation.customer_email for invitation in await Invitation.all()]
        assert sorted(invited) == sorted(addresses)
        assert len({item.invitation_id for item in items}) == CUSTOMERS

        # And every customer has their email; one sent again after the crash carries the
        # Message-ID of the first (only an email in flight when the worker died repeats)
        await eventually(
            lambda: {m.rcpt_tos[0] for m in smtp_server.messages} == set(addresses),
            "every customer is emailed",
            wait=180,  # 300 emails through one worker: slow on a busy machine, not stuck
        )
        by_address: dict[str, set[str]] = {}
        for mail in smtp_server.messages:
            by_address.setdefault(mail.rcpt_tos[0], set()).add(str(mail.message["Message-ID"]))
        assert all(len(ids) == 1 for ids in by_address.values())
        assert "bulk:" in second.output or "try=2" in second.output
    finally:
        second.stop()


ASSIGN = """mutation($input: AssignAccessInBulkInput!) { assignAccessInBulk(input: $input) {
  bulkOperation { id } errors { field code } } }"""


async def _killed_mid_way(
    env: dict[str, str], tmp_path: Path, operation: BulkOperation, *, done: int
) -> None:
    """A worker process works through `operation` until `done` items succeeded, and is then
    killed outright, mid-way through it."""
    first = WorkerProcess(env, tmp_path / "worker-1.log")
    try:
        await first.becomes(200, "the first worker is ready")

        async def under_way() -> bool:
            await operation.refresh_from_db()
            return operation.succeeded >= done

        await eventually(under_way, f"the first worker has done {done} items")
        assert first.kill() == -signal.SIGKILL
    finally:
        first.stop()
    await operation.refresh_from_db()
    assert 0 < operation.succeeded < CUSTOMERS, "the worker was killed mid-operation"


async def _completes(operation: BulkOperation) -> None:
    """Wait until `operation` is COMPLETED."""

    async def completed() -> bool:
        await operation.refresh_from_db()
        return operation.status is BulkOperationStatus.COMPLETED

    await eventually(completed, "the operation completes")


async def _granting_customers(admin: f.Person, count: int) -> list[Relationship]:
    """`count` customers whose relationship with the admin's partner holds an ACTIVE grant of
    User Administrator (rows as the rules leave them, written at once)."""
    partner_id = admin.user.organization_id
    customers = [
        Organization(name=f"Customer {n}", kind=OrganizationKind.CUSTOMER) for n in range(count)
    ]
    await Organization.bulk_create(customers)
    relationships = [
        Relationship(
            customer_id=c.id, partner_id=partner_id, active_key=active_key(c.id, partner_id)
        )
        for c in customers
    ]
    await Relationship.bulk_create(relationships)
    now = utcnow()
    await RoleGrant.bulk_create(
        [
            RoleGrant(
                relationship_id=r.id,
                role=AdminRole.USER_ADMINISTRATOR,
                type=RelationshipType.GDAP_PARTNER,
                status=RoleGrantStatus.ACTIVE,
                granted_at=now,
                expires_at=now + timedelta(days=90),
            )
            for r in relationships
        ]
    )
    return relationships


async def test_a_bulk_assignment_cut_off_by_a_killed_worker_assigns_each_customer_once(
    api: GraphQLClient, db: Settings, tmp_path: Path
) -> None:
    # Given an admin agent's assignment of a group's role across 300 customers
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    group = await f.group(admin, "Tier 1")
    relationships = await _granting_customers(admin, CUSTOMERS)
    started = await api.query(
        ASSIGN,
        {
            "input": {
                "securityGroupId": str(encode_id("SecurityGroup", group.id)),
                "roles": ["USER_ADMINISTRATOR"],
                "customerIds": [
                    str(encode_id("Organization", r.customer_id)) for r in relationships
                ],
            }
        },
        admin.token,
    )
    assert started["assignAccessInBulk"]["errors"] == []
    [operation] = await BulkOperation.all()

    # And a worker process working through it, killed outright once it has begun
    env = environment(db, **SHORT)
    await _killed_mid_way(env, tmp_path, operation, done=1)

    # When another worker is started
    second = WorkerProcess(env, tmp_path / "worker-2.log")
    try:
        await second.becomes(200, "the second worker is ready")
        await _completes(operation)
    finally:
        second.stop()

    # Then every customer's item succeeded once: one assignment, one activity entry each
    assert (operation.succeeded, operation.failed) == (CUSTOMERS, 0)
    items = await BulkOperationItem.filter(operation_id=operation.id)
    assert {item.status for item in items} == {BulkOperationItemStatus.SUCCEEDED}
    assigned = await AccessAssignment.filter(group_id=group.id).values_list(
        "relationship_id", flat=True
    )
    assert sorted(map(str, assigned)) == sorted(str(r.id) for r in relationships)
    assert await ActivityEntry.filter(action="access.role_assigned").count() == CUSTOMERS
