"""Live updates: GraphQL subscriptions over WebSocket (graphql-transport-ws) on `/graphql`.

A real WebSocket client against uvicorn; changes made through a second web process (its own
Python process, on the same database and Redis) reach a subscriber of the first through
Redis. Subscribers see only what they could read, and lose the connection when their
sign-in ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.identity.api_tokens import issue_token
from models.rules.bulk_operations import ROUND_ITEMS
from models.tables.organizations import ApiToken, Organization
from models.tables.outbox import OutboxMessage, Task
from models.tables.relationships import Relationship
from models.tables.templates import InvitationTemplate
from tests import factories as f
from tests.factories import PASSWORD, Person, with_password
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs
from tests.live import LiveClient, live, other_web_process
from tests.served import Served, served
from tests.servers import RedisServer
from tests.sessions import ORIGIN, Browser, sign_in
from workers.jobs import run_bulk_operation
from workers.queue import queue_client
from workers.runtime import Runtime

RELATIONSHIP_CHANGED = """
subscription Watch($id: ID!) {
  relationshipChanged(id: $id) { id status roleGrants { role status } }
}
"""

INVITATION_CHANGED = """
subscription Watch($id: ID!) { invitationChanged(id: $id) { id status emailStatus } }
"""

CANCEL = """
mutation Cancel($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { id status } errors { code } }
}
"""

SEND_INVITATIONS = """
mutation Send($input: SendInvitationsInput!) {
  sendInvitations(input: $input) { bulkOperation { id } errors { code } }
}
"""

SIGN_OUT = "mutation { signOut(input: {}) { sessionsEnded errors { code } } }"

REVOKE_TOKEN = """
mutation Revoke($input: IdInput!) { revokeApiToken(input: $input) { errors { code } } }
"""

DISABLE = """
mutation Disable($input: UserIdInput!) { disableUser(input: $input) { errors { code } } }
"""


@pytest.fixture
async def web(db: Settings) -> AsyncIterator[Served]:
    """The process the subscribers connect to."""
    async with served(db) as server:
        yield server


@pytest.fixture
async def other(db: Settings, tmp_path: Path) -> AsyncIterator[GraphQLClient]:
    """Another web process, where the changes are made."""
    async with (
        other_web_process(db, tmp_path) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        yield GraphQLClient(client)


def bearer(person: Person) -> dict[str, str]:
    return {"authorization": f"Bearer {person.token}"}


async def watching(client: LiveClient, query: str, object_id: str) -> tuple[str, dict[str, Any]]:
    """Subscribe, and the first message: the object's current state."""
    operation = await client.subscribe(query, {"id": object_id})
    return operation, await client.next_data(operation)


async def gdap(roles: list[str]) -> tuple[Person, Person, Relationship, str]:
    partner_org, customer_org = await f.partner(), await f.customer()
    agent = await f.person(partner_org, "ADMIN_AGENT")
    admin = await f.person(customer_org, "GLOBAL_ADMINISTRATOR")
    relationship = await f.granted(agent, admin, roles)
    return agent, admin, relationship, encode_id("Relationship", relationship.id)


async def test_a_subscriber_on_one_web_process_sees_roles_removed_through_another(
    web: Served, other: GraphQLClient
) -> None:
    # Given a partner agent watching a relationship on one web process, signed in with a
    # bearer token in connection_init
    agent, admin, _, relationship_id = await gdap(["USER_ADMINISTRATOR", "GLOBAL_READER"])
    async with live(web.graphql_ws) as client:
        assert (await client.init(bearer(agent)))["type"] == "connection_ack"
        operation, first = await watching(client, RELATIONSHIP_CHANGED, relationship_id)
        grants = first["relationshipChanged"]["roleGrants"]
        assert {g["role"]: g["status"] for g in grants} == {
            "USER_ADMINISTRATOR": "ACTIVE",
            "GLOBAL_READER": "ACTIVE",
        }
        # When the customer removes one role through another web process
        removed = await other.query(
            f.REMOVE_ROLES,
            {"input": {"relationshipId": relationship_id, "roles": ["GLOBAL_READER"]}},
            admin.token,
        )
        assert removed["removeRoles"]["errors"] == []
        # Then the subscriber receives the new state, without asking
        changed = (await client.next_data(operation))["relationshipChanged"]
        assert {g["role"]: g["status"] for g in changed["roleGrants"]} == {
            "USER_ADMINISTRATOR": "ACTIVE",
            "GLOBAL_READER": "REVOKING",
        }


async def test_an_invitation_watched_by_its_partner_shows_its_cancellation(
    web: Served, other: GraphQLClient
) -> None:
    partner_org = await f.partner()
    agent = await f.person(partner_org, "ADMIN_AGENT")
    sent = await f.send(other, agent)
    invitation_id = sent["invitation"]["id"]
    async with live(web.graphql_ws) as client:
        await client.init(bearer(agent))
        operation, first = await watching(client, INVITATION_CHANGED, invitation_id)
        assert first["invitationChanged"]["status"] == "PENDING"
        canceled = await other.query(CANCEL, {"input": {"id": invitation_id}}, agent.token)
        assert canceled["cancelInvitation"]["errors"] == []
        changed = await client.next_data(operation)
        assert changed["invitationChanged"] == first["invitationChanged"] | {"status": "CANCELED"}


async def test_a_change_a_worker_makes_reaches_the_subscriber(
    db: Settings, web: Served, other: GraphQLClient
) -> None:
    # Given an invitation whose email waits in the queue, watched by its partner
    agent = await f.person(await f.partner(), "ADMIN_AGENT")
    sent = await f.send(other, agent)
    invitation_id = sent["invitation"]["id"]
    async with live(web.graphql_ws) as client:
        await client.init(bearer(agent))
        operation, first = await watching(client, INVITATION_CHANGED, invitation_id)
        assert first["invitationChanged"]["emailStatus"] == "QUEUED"
        # When a worker sends it
        await run_jobs(db)
        # Then the subscriber sees it sent
        changed = await client.next_data(operation)
        assert changed["invitationChanged"]["emailStatus"] == "SENT"


BULK_CHANGED = """
subscription Watch($id: ID!) {
  bulkOperationChanged(id: $id) { id status total succeeded failed pending }
}
"""

SEND_MANY = """
mutation Send($input: SendInvitationsInput!) {
  sendInvitations(input: $input) { bulkOperation { id } errors { code } }
}
"""


async def test_a_bulk_operations_subscriber_hears_each_round_of_it(
    db: Settings, web: Served, other: GraphQLClient
) -> None:
    # Given an admin agent's bulk send to more customers than a worker's round takes
    partner_org = await f.partner()
    admin = await f.person(partner_org, "ADMIN_AGENT")
    template = await InvitationTemplate.create(
        partner_id=partner_org.id,
        name="Helpdesk",
        type="GDAP_PARTNER",
        roles=["USER_ADMINISTRATOR"],
        duration_days=90,
        created_by_id=admin.user.id,
    )
    count = ROUND_ITEMS + 5
    customers = [{"customerEmail": f"admin{n}@customer{n}.example.com"} for n in range(count)]
    started = await other.query(
        SEND_MANY,
        {
            "input": {
                "templateId": encode_id("InvitationTemplate", template.id),
                "customers": customers,
            }
        },
        admin.token,
    )
    operation_id = started["sendInvitations"]["bulkOperation"]["id"]
    async with live(web.graphql_ws) as client:
        await client.init(bearer(admin))
        operation, first = await watching(client, BULK_CHANGED, operation_id)
        assert first["bulkOperationChanged"]["status"] == "QUEUED"
        assert first["bulkOperationChanged"]["pending"] == count
        # When a worker does one round of it
        [outbox] = await OutboxMessage.filter(task=Task.RUN_BULK_OPERATION)
        redis = queue_client(db)
        try:
            await run_bulk_operation({"runtime": Runtime(db), "redis": redis}, str(outbox.id))
        finally:
            await redis.aclose()
        # Then the subscriber sees its progress
        progress = (await client.next_data(operation))["bulkOperationChanged"]
        assert (progress["status"], progress["succeeded"], progress["pending"]) == (
            "RUNNING",
            ROUND_ITEMS,
            count - ROUND_ITEMS,
        )
        # When the workers do the rest
        await run_jobs(db)
        # Then the subscriber sees it move to its end (changes that come faster than it reads
        # are sent as one state), and the subscription completes with that last state
        states = []
        while (message := await client.receive())["type"] == "next":
            states.append(message["payload"]["data"]["bulkOperationChanged"])
        assert message == {"id": operation, "type": "complete"}
        pending = [state["pending"] for state in states]
        assert pending == sorted(pending, reverse=True)
        assert states[-1] | {"id": None} == {
            "id": None,
            "status": "COMPLETED",
            "total": count,
            "succeeded": count,
            "failed": 0,
            "pending": 0,
        }


async def test_a_token_that_expires_closes_its_connection_when_it_does(web: Served) -> None:
    # Given a subscriber signed in with a token that expires in two seconds
    agent, _, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    expiring = await issue_token(agent.user, "Short", utcnow() + timedelta(seconds=2))
    async with live(web.graphql_ws) as client:
        await client.init({"authorization": f"Bearer {expiring}"})
        await watching(client, RELATIONSHIP_CHANGED, relationship_id)
        # Then, with nothing else happening, the connection closes once it has expired
        assert await client.closed_with() == 4401


async def test_a_subscriber_of_another_organization_gets_not_found_and_nothing_more(
    web: Served, other: GraphQLClient
) -> None:
    # Given a relationship, and an admin of another customer who knows its ID
    agent, admin, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    stranger = await f.person(await f.customer(), "GLOBAL_ADMINISTRATOR")
    rival = await f.person(await f.partner(), "ADMIN_AGENT")
    async with live(web.graphql_ws) as client, live(web.graphql_ws) as watcher:
        await client.init(bearer(stranger))
        await watcher.init(bearer(agent))
        # When both subscribe to it
        refused = await client.subscribe(RELATIONSHIP_CHANGED, {"id": relationship_id})
        # Then the stranger's subscription ends with NOT_FOUND (and completes), as for an ID
        # that names nothing: it does not learn that the relationship exists
        assert await client.error_and_complete(refused) == "NOT_FOUND"
        watched, _ = await watching(watcher, RELATIONSHIP_CHANGED, relationship_id)
        # And the stranger hears nothing of a change the partner sees
        await other.query(
            f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin.token
        )
        await watcher.next_data(watched)
        for missing in ("not an id", str(encode_id("Relationship", uuid4()))):
            ping = await client.subscribe(RELATIONSHIP_CHANGED, {"id": missing})
            assert await client.error_and_complete(ping) == "NOT_FOUND"
    # Another partner's agent, subscribing to an invitation it did not send: NOT_FOUND too
    sent = await f.send(other, agent)
    async with live(web.graphql_ws) as client:
        await client.init(bearer(rival))
        refused = await client.subscribe(INVITATION_CHANGED, {"id": sent["invitation"]["id"]})
        assert await client.error_and_complete(refused) == "NOT_FOUND"


async def test_a_person_of_its_own_organization_who_may_not_read_it_gets_forbidden(
    web: Served,
) -> None:
    # Given a relationship, and a person of the customer holding no admin role
    _, admin, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    plain = await f.person(await Organization.get(id=admin.user.organization_id))
    async with live(web.graphql_ws) as client:
        await client.init(bearer(plain))
        # When that person subscribes to the relationship
        refused = await client.subscribe(RELATIONSHIP_CHANGED, {"id": relationship_id})
        # Then it is refused FORBIDDEN: its organization's, not that person's to read
        assert await client.error_and_complete(refused) == "FORBIDDEN"


async def test_without_credentials_a_subscription_is_unauthenticated(web: Served) -> None:
    _, _, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    async with live(web.graphql_ws) as client:
        await client.init()
        refused = await client.subscribe(RELATIONSHIP_CHANGED, {"id": relationship_id})
        assert await client.error_and_complete(refused) == "UNAUTHENTICATED"


async def test_a_bad_bearer_token_in_connection_init_closes_the_connection(web: Served) -> None:
    async with live(web.graphql_ws) as client:
        await client.send({"type": "connection_init", "payload": {"authorization": "Bearer no"}})
        assert await client.closed_with() == 4403


async def test_revoking_the_bearer_token_closes_its_connection(
    web: Served, other: GraphQLClient
) -> None:
    agent, _, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    async with live(web.graphql_ws) as client:
        await client.init(bearer(agent))
        await watching(client, RELATIONSHIP_CHANGED, relationship_id)
        token = await ApiToken.get(user_id=agent.user.id)
        token_id = encode_id("ApiToken", token.id)
        revoked = await other.query(REVOKE_TOKEN, {"input": {"id": token_id}}, agent.token)
        assert revoked["revokeApiToken"]["errors"] == []
        assert await client.closed_with() == 4401


async def test_disabling_the_person_closes_their_connection(
    web: Served, other: GraphQLClient
) -> None:
    _, admin, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    await with_password(admin)  # active people, not invited ones
    manager = await with_password(
        await f.person(await admin.user.organization, "GLOBAL_ADMINISTRATOR")
    )
    async with live(web.graphql_ws) as client:
        await client.init(bearer(admin))
        await watching(client, RELATIONSHIP_CHANGED, relationship_id)
        user_id = encode_id("User", admin.user.id)
        disabled = await other.query(DISABLE, {"input": {"userId": user_id}}, manager.token)
        assert disabled["disableUser"]["errors"] == []
        assert await client.closed_with() == 4401


async def billing_admin_signed_in(other: GraphQLClient) -> tuple[Person, Person, str, Browser]:
    """A customer's billing administrator (no second factor required), signed in with a
    password: their browser's cookies."""
    agent, _, relationship, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    customer_org = await relationship.customer
    billing = await with_password(await f.person(customer_org, "BILLING_ADMINISTRATOR"))
    _, browser = await sign_in(other, billing.email, PASSWORD)
    assert browser is not None
    return agent, billing, relationship_id, browser


def cookies(browser: Browser) -> dict[str, str]:
    return {"Cookie": browser.headers(csrf=False, origin=None)["Cookie"]}


async def test_the_session_cookie_signs_a_browser_in_and_signing_out_closes_it(
    web: Served, other: GraphQLClient
) -> None:
    # Given a browser signed in, subscribed with its cookie from the console's own origin
    _, _, relationship_id, browser = await billing_admin_signed_in(other)
    async with live(web.graphql_ws, headers=cookies(browser), origin=ORIGIN) as client:
        assert (await client.init())["type"] == "connection_ack"
        _, first = await watching(client, RELATIONSHIP_CHANGED, relationship_id)
        assert first["relationshipChanged"]["id"] == relationship_id
        # When the person signs out (through the other web process)
        signed_out = await other.query(SIGN_OUT, headers=browser.headers())
        assert signed_out["signOut"]["sessionsEnded"] == 1
        # Then the connection closes
        assert await client.closed_with() == 4401


async def test_a_cross_site_handshake_carrying_the_session_cookie_is_refused(
    web: Served, other: GraphQLClient
) -> None:
    _, _, relationship_id, browser = await billing_admin_signed_in(other)
    with pytest.raises(InvalidStatus) as refused:
        async with live(web.graphql_ws, headers=cookies(browser), origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    # Without the cookie, another site's page may connect, but signs in only with a token
    async with live(web.graphql_ws, origin="https://evil.example") as client:
        await client.init()
        unsigned = await client.subscribe(RELATIONSHIP_CHANGED, {"id": relationship_id})
        assert await client.error_and_complete(unsigned) == "UNAUTHENTICATED"


async def test_a_mutation_succeeds_while_redis_is_down(
    db: Settings, redis_server: RedisServer
) -> None:
    # Given a web process whose Redis stops answering
    async with served(db) as server, httpx.AsyncClient(base_url=server.base) as http:
        api = GraphQLClient(http)
        _, admin, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
        redis_server.pause()
        try:
            # When a customer removes roles, Then the change is made and answered all the same
            removed = await api.query(
                f.REMOVE_ROLES, {"input": {"relationshipId": relationship_id}}, admin.token
            )
        finally:
            redis_server.resume()
        grants = removed["removeRoles"]["relationship"]["roleGrants"]
        assert removed["removeRoles"]["errors"] == []
        assert [g["status"] for g in grants] == ["REVOKING"]


async def test_a_subscription_over_http_is_refused_as_bad_input(api: GraphQLClient) -> None:
    agent = await f.person(await f.partner(), "ADMIN_AGENT")
    response = await api.post(INVITATION_CHANGED, {"id": "x"}, agent.token)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_temporary_password_opens_no_subscription(web: Served) -> None:
    # Given a customer admin who must change a temporary password first
    _, admin, _, relationship_id = await gdap(["USER_ADMINISTRATOR"])
    admin.user.must_change_password = True
    await admin.user.save(update_fields=["must_change_password"])
    async with live(web.graphql_ws) as client:
        await client.init(bearer(admin))
        # When they subscribe, Then the subscription ends with the code that says why
        refused = await client.subscribe(RELATIONSHIP_CHANGED, {"id": relationship_id})
        assert await client.error_and_complete(refused) == "PASSWORD_CHANGE_REQUIRED"


async def test_a_subscriber_hears_changes_again_after_the_feeds_redis_connection_drops(
    web: Served, other: GraphQLClient, redis_server: RedisServer
) -> None:
    # Given a subscriber watching a relationship
    agent, admin, _, relationship_id = await gdap(["USER_ADMINISTRATOR", "GLOBAL_READER"])
    async with live(web.graphql_ws) as client:
        await client.init(bearer(agent))
        operation, first = await watching(client, RELATIONSHIP_CHANGED, relationship_id)
        # When Redis drops the web process's subscription connection
        redis_server.command("CLIENT", "KILL", "TYPE", "pubsub")
        # Then, connected again, the subscriber is sent the state anew (a change may have
        # been missed meanwhile), and hears the changes that follow
        assert await client.next_data(operation) == first
        await other.query(
            f.REMOVE_ROLES,
            {"input": {"relationshipId": relationship_id, "roles": ["GLOBAL_READER"]}},
            admin.token,
        )
        changed = (await client.next_data(operation))["relationshipChanged"]
        assert {g["role"]: g["status"] for g in changed["roleGrants"]}["GLOBAL_READER"] == (
            "REVOKING"
        )


async def test_queries_and_mutations_do_not_run_over_the_websocket(web: Served) -> None:
    # Given a connection signed in with a bearer token
    agent = await f.person(await f.partner(), "ADMIN_AGENT")
    async with live(web.graphql_ws) as client:
        await client.init(bearer(agent))
        # When it sends a query and a mutation, Then neither runs: they go over HTTP, where
        # each request is signed in afresh
        for document in ("query { viewer { id } }", SIGN_OUT):
            operation = await client.subscribe(document, {})
            message = await client.receive()
            assert message["id"] == operation
            assert message["type"] == "error", message
            assert "data" not in message["payload"]


BULK_OPERATION_CHANGED = """
subscription Watch($id: ID!) {
  bulkOperationChanged(id: $id) { id status total succeeded failed pending }
}
"""


async def test_a_bulk_operation_watched_by_its_admin_agent_moves_and_then_completes(
    db: Settings, web: Served, other: GraphQLClient
) -> None:
    # Given an admin agent's bulk send, queued, watched by the agent
    agent = await f.person(await f.partner(), "ADMIN_AGENT")
    template = await InvitationTemplate.create(
        partner_id=agent.user.organization_id,
        name="Helpdesk",
        type="GDAP_PARTNER",
        roles=["USER_ADMINISTRATOR"],
        duration_days=90,
    )
    started = await other.query(
        SEND_INVITATIONS,
        {
            "input": {
                "templateId": encode_id("InvitationTemplate", template.id),
                "customers": [
                    {"customerEmail": f"it{n}@customer{n}.example.com"} for n in range(3)
                ],
            }
        },
        agent.token,
    )
    operation_id = started["sendInvitations"]["bulkOperation"]["id"]
    async with live(web.graphql_ws) as client:
        await client.init(bearer(agent))
        operation, first = await watching(client, BULK_OPERATION_CHANGED, operation_id)
        assert first["bulkOperationChanged"]["status"] == "QUEUED"
        assert first["bulkOperationChanged"]["pending"] == 3

        # When a worker does it
        await run_jobs(db)

        # Then the subscriber sees it move to its end, and the subscription completes then
        seen = [first["bulkOperationChanged"]]
        while seen[-1]["status"] != "COMPLETED":
            seen.append((await client.next_data(operation))["bulkOperationChanged"])
        assert (seen[-1]["succeeded"], seen[-1]["pending"]) == (3, 0)
        assert [s["succeeded"] for s in seen] == sorted(s["succeeded"] for s in seen)
        assert await client.receive() == {"id": operation, "type": "complete"}
