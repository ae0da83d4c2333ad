"""The two other bulk operations: a security group's roles assigned across many customers,
and many delegated admin relationships ended; done by a real worker in rounds, each item at
most once, with its own result; refused whole over the limit, to anyone but the partner's
admin agents, or with another partner's group."""

from __future__ import annotations

from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import (
    BulkOperationKind,
    BulkOperationStatus,
    DelegatedAdminRelationshipStatus,
    PartnerRole,
)
from models.rules.bulk_operations import MAX_ITEMS
from models.tables.access import AccessAssignment
from models.tables.activity import ActivityEntry
from models.tables.bulk import BulkOperation
from models.tables.delegated_admin import DelegatedAdminRelationship
from models.tables.outbox import OutboxMessage, Task
from models.tables.relationships import Relationship
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from workers.dispatch import dispatch
from workers.queue import queue_client

ASSIGN = """mutation($input: AssignAccessInBulkInput!) { assignAccessInBulk(input: $input) {
  bulkOperation { id kind status total pending } errors { field code } } }"""
END = """mutation($input: EndDelegatedAdminRelationshipsInBulkInput!) {
  endDelegatedAdminRelationshipsInBulk(input: $input) {
  bulkOperation { id kind status total pending } errors { field code } } }"""
READ = """query($id: ID!) { bulkOperation(id: $id) {
  kind status total succeeded failed pending finishedAt
  items(first: 100) { totalCount edges { node { customerEmail customerId status errorCode
    customer { name } delegatedAdminRelationship { id status } } } }
} }"""
USERS = AdminRole.USER_ADMINISTRATOR
HELPDESK = AdminRole.HELPDESK_ADMINISTRATOR


def _gid(kind: str, row_id: Any) -> str:
    return str(encode_id(kind, row_id))


async def _assign(
    api: GraphQLClient,
    agent: f.Person,
    group: Any,
    roles: list[str],
    customers: list[str],
    **more: Any,
) -> dict[str, Any]:
    variables = {
        "input": {
            "securityGroupId": _gid("SecurityGroup", group.id),
            "roles": roles,
            "customerIds": customers,
        }
        | more
    }
    result: dict[str, Any] = (await api.query(ASSIGN, variables, agent.token))["assignAccessInBulk"]
    return result


async def _end(api: GraphQLClient, agent: f.Person, ids: list[str], **more: Any) -> dict[str, Any]:
    data = await api.query(END, {"input": {"ids": ids} | more}, agent.token)
    result: dict[str, Any] = data["endDelegatedAdminRelationshipsInBulk"]
    return result


async def _read(api: GraphQLClient, agent: f.Person, operation: dict[str, Any]) -> dict[str, Any]:
    read: dict[str, Any] = (await api.query(READ, {"id": operation["id"]}, agent.token))[
        "bulkOperation"
    ]
    return read


def _results(read: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (e["node"]["customerEmail"], e["node"]["status"], e["node"]["errorCode"])
        for e in read["items"]["edges"]
    ]


async def _customer(agent: f.Person, name: str, *roles: str) -> tuple[f.Person, Relationship]:
    admin = await f.person(
        await f.customer(name), "GLOBAL_ADMINISTRATOR", email=f"ga@{name.lower()}.example"
    )
    return admin, await f.granted(agent, admin, list(roles))


async def test_a_groups_roles_assigned_across_customers_give_each_its_own_result(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent's group; Contoso and Tailspin granting both roles, Litware only
    # one, Northwind whose relationship has ended, and an organization with none
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    group = await f.group(admin, "Tier 1")
    _, contoso = await _customer(admin, "Contoso", USERS, HELPDESK)
    _, litware = await _customer(admin, "Litware", USERS)
    _, tailspin = await _customer(admin, "Tailspin", USERS, HELPDESK)
    _, northwind = await _customer(admin, "Northwind", USERS, HELPDESK)
    await Relationship.filter(id=northwind.id).update(status="ENDED", active_key=None)
    stranger = await f.customer("Stranger")
    customers = [
        _gid("Organization", r.customer_id) for r in (contoso, litware, tailspin, northwind)
    ] + [_gid("Organization", stranger.id), _gid("SecurityGroup", group.id)]

    # When they assign both roles to the group for all of them
    started = await _assign(api, admin, group, [USERS, HELPDESK], customers)

    # Then a queued operation of its kind counts them all pending
    assert started["errors"] == []
    operation = started["bulkOperation"]
    assert (operation["kind"], operation["status"], operation["pending"]) == (
        "ASSIGN_ACCESS",
        "QUEUED",
        6,
    )

    # When the workers have run
    await run_jobs(db)

    # Then each customer has its result, in the order given
    read = await _read(api, admin, operation)
    assert (read["status"], read["succeeded"], read["failed"], read["pending"]) == (
        "COMPLETED",
        2,
        4,
        0,
    )
    assert _results(read) == [
        ("admin@example.com", "SUCCEEDED", None),
        ("admin@example.com", "FAILED", "ROLE_NOT_GRANTED"),
        ("admin@example.com", "SUCCEEDED", None),
        ("admin@example.com", "FAILED", "RELATIONSHIP_ENDED"),
        ("", "FAILED", "NOT_FOUND"),
        ("", "FAILED", "NOT_FOUND"),
    ]
    ids = [e["node"]["customerId"] for e in read["items"]["edges"]]
    assert ids == [*customers[:4], None, None]
    names = [(e["node"]["customer"] or {}).get("name") for e in read["items"]["edges"]]
    assert names == ["Contoso", "Litware", "Tailspin", "Northwind", None, None]
    # And the group holds both roles for the two that succeeded, none for the one refused
    held = await AccessAssignment.filter(group_id=group.id).values_list("relationship_id", "role")
    assert sorted(held) == sorted(
        [(contoso.id, USERS), (contoso.id, HELPDESK), (tailspin.id, USERS), (tailspin.id, HELPDESK)]
    )


async def test_many_delegated_admin_relationships_ended_give_each_its_own_result(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent's delegated admin relationships with Contoso and Litware, one
    # with Tailspin ended already, and another partner's with Northwind
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    other = await f.person(await f.partner("Adatum"), PartnerRole.ADMIN_AGENT)
    dars = []
    for agent, name in (
        (admin, "Contoso"),
        (admin, "Litware"),
        (admin, "Tailspin"),
        (other, "Northwind"),
    ):
        _, relationship = await _customer(agent, name, USERS)
        dars.append(await DelegatedAdminRelationship.get(relationship_id=relationship.id))
    ids = [_gid("DelegatedAdminRelationship", dar.id) for dar in dars]
    ended_before = await _end(api, admin, [ids[2]])
    await run_jobs(db)
    assert ended_before["errors"] == []

    # When the agent ends all four, and an ID of another kind, at once
    started = await _end(api, admin, [*ids, _gid("Organization", dars[0].customer_id)])
    assert started["errors"] == []
    assert started["bulkOperation"]["kind"] == "END_DELEGATED_ADMIN"
    await run_jobs(db)

    # Then their own active ones are ended, the others FAILED with their codes
    read = await _read(api, admin, started["bulkOperation"])
    assert (read["status"], read["succeeded"], read["failed"]) == ("COMPLETED", 2, 3)
    assert _results(read) == [
        ("admin@example.com", "SUCCEEDED", None),
        ("admin@example.com", "SUCCEEDED", None),
        ("admin@example.com", "FAILED", "RELATIONSHIP_ENDED"),
        ("", "FAILED", "NOT_FOUND"),
        ("", "FAILED", "NOT_FOUND"),
    ]
    nodes = [e["node"] for e in read["items"]["edges"]]
    assert [n["delegatedAdminRelationship"] for n in nodes[3:]] == [None, None]
    assert [n["delegatedAdminRelationship"]["id"] for n in nodes[:3]] == ids[:3]
    statuses = [(await DelegatedAdminRelationship.get(id=dar.id)).status for dar in dars]
    assert statuses == [DelegatedAdminRelationshipStatus.TERMINATED] * 3 + [
        DelegatedAdminRelationshipStatus.ACTIVE
    ]


async def test_bulk_work_is_refused_whole_over_the_limit_to_others_or_with_a_foreign_group(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent, their group, and another partner's group
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    mine = await f.group(admin, "Tier 1")
    theirs = await f.group(await f.person(await f.partner("Adatum"), PartnerRole.ADMIN_AGENT), "X")
    customer = _gid("Organization", (await f.customer("Contoso")).id)
    dar = _gid("DelegatedAdminRelationship", mine.id)

    # When they ask over the limit, for nobody, with no role, or with the other's group
    over = await _assign(api, admin, mine, [USERS], [customer] * (MAX_ITEMS + 1))
    none = await _assign(api, admin, mine, [USERS], [])
    no_role = await _assign(api, admin, mine, [], [customer])
    foreign = await _assign(api, admin, theirs, [USERS], [customer])
    over_end = await _end(api, admin, [dar] * (MAX_ITEMS + 1))

    # Then each is refused whole, naming its field, and no operation exists
    def refusal(payload: dict[str, Any]) -> list[tuple[str, str]]:
        return [(e["field"][-1], e["code"]) for e in payload["errors"]]

    assert refusal(over) == [("customerIds", "INVALID_INPUT")]
    assert refusal(none) == [("customerIds", "INVALID_INPUT")]
    assert refusal(no_role) == [("roles", "ROLES_REQUIRED")]
    assert refusal(foreign) == [("securityGroupId", "NOT_FOUND")]
    assert refusal(over_end) == [("ids", "INVALID_INPUT")]
    assert await BulkOperation.all().count() == 0

    # And a sales agent, or a customer admin, may start neither
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    ga = await f.person(await f.customer("Litware"), AdminRole.GLOBAL_ADMINISTRATOR)
    assign = {
        "input": {
            "securityGroupId": _gid("SecurityGroup", mine.id),
            "roles": [USERS],
            "customerIds": [customer],
        }
    }
    for person in (sales, ga):
        assert await api.error_code(ASSIGN, assign, person.token) == "FORBIDDEN"
        assert await api.error_code(END, {"input": {"ids": [dar]}}, person.token) == "FORBIDDEN"
    assert await BulkOperation.all().count() == 0


async def test_the_same_key_returns_the_same_ending_and_a_repeated_round_ends_nothing_twice(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an ending of three delegated admin relationships under a key, done by the workers
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    ids = []
    for name in ("Contoso", "Litware", "Tailspin"):
        _, relationship = await _customer(admin, name, USERS)
        dar = await DelegatedAdminRelationship.get(relationship_id=relationship.id)
        ids.append(_gid("DelegatedAdminRelationship", dar.id))
    first = await _end(api, admin, ids, idempotencyKey="end-7")
    await run_jobs(db)

    # When the client asks again with the same key, and the round's message runs again
    again = await _end(api, admin, ids, idempotencyKey="end-7")
    [message] = await OutboxMessage.filter(task=Task.RUN_BULK_OPERATION)
    await OutboxMessage.filter(id=message.id).update(completed_at=None)
    redis = queue_client(db)
    try:
        await redis.flushall()
        await dispatch([message], redis)
    finally:
        await redis.aclose()
    await run_jobs(db)

    # Then it is the same operation, each ended once: three succeeded, one activity entry each
    assert again["bulkOperation"]["id"] == first["bulkOperation"]["id"]
    operation = await BulkOperation.get()
    assert operation.kind is BulkOperationKind.END_DELEGATED_ADMIN
    assert (operation.succeeded, operation.failed, operation.status) == (
        3,
        0,
        BulkOperationStatus.COMPLETED,
    )
    assert await DelegatedAdminRelationship.filter(ended_by_id=admin.user.id).count() == 3
    ended = ActivityEntry.filter(action="delegated_admin_relationship.ended")
    assert await ended.count() == 3
