"""Bulk sends: a partner's admin agent sends one template to many customers; the workers do
it in rounds, each customer an item done at most once, with its own result; the same key
starts nothing twice; one partner's large operation does not hold up another's."""

from __future__ import annotations

from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import BulkOperationStatus, PartnerRole
from models.rules.bulk_operations import MAX_ITEMS, ROUND_ITEMS
from models.tables.bulk import BulkOperation, BulkOperationItem
from models.tables.invitations import Invitation
from models.tables.outbox import OutboxMessage, Task
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import FAST_RETRIES, run_jobs
from tests.servers import SmtpServer
from workers.dispatch import dispatch
from workers.queue import queue_client
from workers.worker import create_worker

SEND = """mutation($input: SendInvitationsInput!) { sendInvitations(input: $input) {
  bulkOperation { id status total succeeded failed pending finishedAt }
  errors { field code } } }"""
READ = """query($id: ID!) { bulkOperation(id: $id) {
  status total succeeded failed pending finishedAt
  items(first: 100) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { customerEmail customerId status errorCode
                   invitation { customerEmail roles } } } }
} }"""
LIST = "query { bulkOperations(first: 10) { totalCount edges { node { id total } } } }"


async def _template(admin: f.Person, name: str = "Helpdesk") -> InvitationTemplate:
    return await InvitationTemplate.create(
        partner_id=admin.user.organization_id,
        name=name,
        type="GDAP_PARTNER",
        roles=["USER_ADMINISTRATOR"],
        duration_days=90,
        created_by_id=admin.user.id,
    )


def _gid(kind: str, row: Any) -> str:
    return str(encode_id(kind, row.id))


async def _send(
    api: GraphQLClient, agent: f.Person, template: Any, customers: list[dict[str, Any]], **more: Any
) -> dict[str, Any]:
    data = await api.query(
        SEND,
        {
            "input": {"templateId": _gid("InvitationTemplate", template), "customers": customers}
            | more
        },
        agent.token,
    )
    result: dict[str, Any] = data["sendInvitations"]
    return result


def _addresses(count: int, domain: str = "example.com") -> list[dict[str, Any]]:
    return [{"customerEmail": f"admin{n}@customer{n}.{domain}"} for n in range(count)]


async def test_a_template_sent_to_many_customers_gives_each_its_own_result(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given an admin agent's template, and customers among which an address the API
    # refuses and an ID that names no customer
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    template = await _template(admin)
    contoso = await f.customer("Contoso")
    customers = [
        {"customerEmail": "it@contoso.com", "customerId": _gid("Organization", contoso)},
        {"customerEmail": "not an address"},
        {"customerEmail": "it@tailspin.com", "customerId": _gid("Invitation", contoso)},
        {"customerEmail": "it@northwind.com"},
    ]

    # When they send the template to them
    started = await _send(api, admin, template, customers)

    # Then a queued operation counts them all pending
    assert started["errors"] == []
    operation = started["bulkOperation"]
    assert (operation["status"], operation["total"], operation["pending"]) == ("QUEUED", 4, 4)

    # When the workers have run
    await run_jobs(db)

    # Then it is complete, with each item's result in the order given
    read = (await api.query(READ, {"id": operation["id"]}, admin.token))["bulkOperation"]
    assert (read["status"], read["succeeded"], read["failed"], read["pending"]) == (
        "COMPLETED",
        2,
        2,
        0,
    )
    assert read["finishedAt"] is not None
    items = [edge["node"] for edge in read["items"]["edges"]]
    assert [(i["customerEmail"], i["status"], i["errorCode"]) for i in items] == [
        ("it@contoso.com", "SUCCEEDED", None),
        ("not an address", "FAILED", "INVALID_INPUT"),
        ("it@tailspin.com", "FAILED", "NOT_FOUND"),
        ("it@northwind.com", "SUCCEEDED", None),
    ]
    assert items[0]["invitation"] == {
        "customerEmail": "it@contoso.com",
        "roles": ["USER_ADMINISTRATOR"],
    }
    # And each customer that succeeded was emailed once, with the template's terms
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "it@contoso.com",
        "it@northwind.com",
    ]
    invitation = await Invitation.get(customer_email="it@contoso.com")
    assert (invitation.customer_id, invitation.duration_days) == (contoso.id, 90)
    assert invitation.sent_by_id == admin.user.id
    # And the operation is listed for the partner
    listed = (await api.query(LIST, token=admin.token))["bulkOperations"]
    assert listed["totalCount"] == 1


async def test_a_bulk_send_is_refused_whole_over_the_limit_or_with_a_template_not_theirs(
    api: GraphQLClient, db: Settings
) -> None:
    # Given an admin agent, their template, and another partner's template
    fabrikam = await f.partner("Fabrikam")
    admin = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    mine = await _template(admin)
    theirs = await _template(await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT))

    # When they send to one customer more than the limit, or from the other's template
    over = await _send(api, admin, mine, _addresses(MAX_ITEMS + 1))
    foreign = await _send(api, admin, theirs, _addresses(2))
    empty = await _send(api, admin, mine, [])

    # Then each is refused whole, naming its field, and no operation exists
    assert [(e["field"][-1], e["code"]) for e in over["errors"]] == [("customers", "INVALID_INPUT")]
    assert [(e["field"][-1], e["code"]) for e in foreign["errors"]] == [("templateId", "NOT_FOUND")]
    assert [(e["field"][-1], e["code"]) for e in empty["errors"]] == [
        ("customers", "INVALID_INPUT")
    ]
    assert await BulkOperation.all().count() == 0

    # And a sales agent, or a customer admin, may not start one or read one
    sales = await f.person(fabrikam, PartnerRole.SALES_AGENT)
    customer = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    variables = {
        "input": {"templateId": _gid("InvitationTemplate", mine), "customers": _addresses(1)}
    }
    for person in (sales, customer):
        assert await api.error_code(SEND, variables, person.token) == "FORBIDDEN"
        assert await api.error_code(LIST, token=person.token) == "FORBIDDEN"
    assert await BulkOperation.all().count() == 0


async def test_the_same_key_returns_the_same_operation_and_sends_nothing_again(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a bulk send under a key, done by the workers
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    template = await _template(admin)
    first = await _send(api, admin, template, _addresses(3), idempotencyKey="batch-7")
    await run_jobs(db)

    # When the client sends it again with the same key (a retry after a lost answer)
    again = await _send(api, admin, template, _addresses(3), idempotencyKey="batch-7")
    await run_jobs(db)

    # Then it gets the same operation, complete, and no customer is invited or emailed twice
    assert again["errors"] == []
    assert again["bulkOperation"]["id"] == first["bulkOperation"]["id"]
    assert again["bulkOperation"]["status"] == "COMPLETED"
    assert await BulkOperation.all().count() == 1
    assert await Invitation.all().count() == 3
    assert len(smtp_server.messages) == 3

    # And another partner's same key is its own
    other = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    theirs = await _send(
        api, other, await _template(other), _addresses(1, "other.com"), idempotencyKey="batch-7"
    )
    assert theirs["bulkOperation"]["id"] != first["bulkOperation"]["id"]


async def test_a_round_run_again_does_no_item_twice(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a bulk send the workers have done
    admin = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    started = await _send(api, admin, await _template(admin), _addresses(4))
    await run_jobs(db)
    [message] = await OutboxMessage.filter(task=Task.RUN_BULK_OPERATION)
    assert message.completed_at is not None

    # When its outbox message is handed to arq again, as if not done, and a worker runs it
    await OutboxMessage.filter(id=message.id).update(completed_at=None)
    redis = queue_client(db)
    try:
        await redis.flushall()
        await dispatch([message], redis)
    finally:
        await redis.aclose()
    await run_jobs(db)

    # Then nothing is done again: four invitations, four emails, four items succeeded
    assert await Invitation.all().count() == 4
    assert len(smtp_server.messages) == 4
    operation = await BulkOperation.get(id=message.payload["bulk_operation_id"])
    assert started["errors"] == []
    assert (operation.succeeded, operation.failed, operation.status) == (
        4,
        0,
        BulkOperationStatus.COMPLETED,
    )


async def test_a_small_operation_is_not_held_up_behind_a_large_one_of_another_partner(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a large operation of one partner, and then a small one of another
    big = await f.person(await f.partner("Fabrikam"), PartnerRole.ADMIN_AGENT)
    small = await f.person(await f.partner("Northwind"), PartnerRole.ADMIN_AGENT)
    large = await _send(api, big, await _template(big), _addresses(ROUND_ITEMS * 3))
    quick = await _send(api, small, await _template(small), _addresses(3, "other.com"))

    # When one worker that runs one job at a time works through them
    worker = create_worker(
        db,
        retry_delays=FAST_RETRIES,
        burst=True,
        poll_delay=0.02,
        handle_signals=False,
        max_jobs=1,
    )
    try:
        await worker.main()
    finally:
        await worker.close()

    # Then both complete, the small one while the large one still had rounds to go
    first = await BulkOperation.get(partner_id=big.user.organization_id)
    second = await BulkOperation.get(partner_id=small.user.organization_id)
    assert (first.status, second.status) == (BulkOperationStatus.COMPLETED,) * 2
    assert first.rounds >= 3
    assert second.finished_at is not None
    assert first.finished_at is not None
    assert second.finished_at < first.finished_at
    done_before = await BulkOperationItem.filter(
        operation_id=first.id, finished_at__lte=second.finished_at
    ).count()
    assert done_before <= ROUND_ITEMS
    assert large["errors"] == quick["errors"] == []
