"""API clients: registered by an organization's admins, they take access tokens at
/oauth/token with a real OAuth 2.0 client (authlib's) and read through /graphql within their
scopes and the roles their organization holds, until revoked."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Quota, Settings
from models.infrastructure.tokens import hash_token
from models.reference.enums import PartnerRole
from models.tables.access import SecurityGroup, SecurityGroupMember
from models.tables.api_clients import ApiClient, ApiClientSecret, ApiClientToken
from models.tables.invitations import Invitation
from models.tables.organizations import Organization, User
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.served import served

CREATE = """
mutation Create($input: CreateApiClientInput!) {
  createApiClient(input: $input) {
    apiClient { id clientId name scopes expiresAt revokedAt }
    clientSecret
    errors { field message code }
  }
}
"""
REVOKE = """
mutation Revoke($input: IdInput!) {
  revokeApiClient(input: $input) { apiClient { id revokedAt } errors { field code } }
}
"""
ROTATE = """
mutation Rotate($input: RotateApiClientSecretInput!) {
  rotateApiClientSecret(input: $input) {
    apiClient { id } clientSecret errors { field code }
  }
}
"""
CUSTOMERS = "{ customers { edges { node { id name } } } }"
USERS = """
query Users($id: ID!) { customer(id: $id) { name users { edges { node { displayName } } } } }
"""
GROUPS = """
query Groups($id: ID!) { customer(id: $id) { groups { edges { node {
  displayName members { edges { node { id displayName } } }
} } } } }
"""
DEVICES = "query Devices($id: ID!) { customer(id: $id) { devices { totalCount } } }"
READ_SCOPES = ["RELATIONSHIPS_READ", "CUSTOMER_DATA_READ"]


@dataclass
class Portal:
    """A partner serving a customer that granted User Administrator, and the partner's live
    app."""

    base: str
    http: GraphQLClient
    settings: Settings
    admin: f.Person
    customer_admin: f.Person
    customer: Organization
    relationship_id: str


@pytest.fixture
async def portal(db: Settings) -> AsyncIterator[Portal]:
    _partner, admin = await f.listed_partner("Contoso Partners")
    customer = await f.customer("Fabrikam")
    customer_admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")
    relationship = await f.granted(admin, customer_admin, ["USER_ADMINISTRATOR"])
    await f.tenant(customer, "fabrikam")
    settings = dataclasses.replace(db, api_client_rate_limit=Quota(1000, 60))
    async with served(settings) as server, httpx.AsyncClient(base_url=server.base) as http:
        yield Portal(
            server.base,
            GraphQLClient(http),
            settings,
            admin,
            customer_admin,
            customer,
            encode_id("Relationship", relationship.id),
        )


async def create(
    api: GraphQLClient, by: f.Person, scopes: list[str], **fields: Any
) -> dict[str, Any]:
    data = await api.query(
        CREATE, {"input": {"name": "Portal", "scopes": scopes} | fields}, by.token
    )
    payload: dict[str, Any] = data["createApiClient"]
    return payload


def oauth(base: str, created: dict[str, Any], **options: Any) -> AsyncOAuth2Client:
    """authlib's OAuth 2.0 client for a created API client."""
    return AsyncOAuth2Client(
        client_id=created["apiClient"]["clientId"],
        client_secret=created["clientSecret"],
        base_url=base,
        **options,
    )


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


# ------------------------------------------------------------------ registering clients


async def test_a_partner_admin_registers_a_client_whose_secret_is_shown_once(
    portal: Portal,
) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)

    assert created["errors"] == []
    assert created["apiClient"]["scopes"] == READ_SCOPES
    secret = created["clientSecret"]
    row = await ApiClient.get(client_id=created["apiClient"]["clientId"])
    stored = await ApiClientSecret.get(client_id=row.id)
    assert stored.secret_hash == hash_token(secret) != secret
    listed = await portal.http.query(
        "{ viewer { organization { apiClients { id name scopes } } } }", token=portal.admin.token
    )
    assert listed["viewer"]["organization"]["apiClients"] == [
        {"id": created["apiClient"]["id"], "name": "Portal", "scopes": READ_SCOPES}
    ]
    assert "clientSecret" not in str(listed)


async def test_only_admins_register_clients_and_bad_input_names_its_field(
    portal: Portal,
) -> None:
    partner = await Organization.get(id=portal.admin.user.organization_id)
    sales = await f.person(partner, PartnerRole.SALES_AGENT)
    refused = await portal.http.error_code(
        CREATE, {"input": {"name": "X", "scopes": ["RELATIONSHIPS_READ"]}}, sales.token
    )
    bad = await create(portal.http, portal.admin, [], name=" ", expiresAt="2001-01-01T00:00:00Z")
    by_customer = await create(portal.http, portal.customer_admin, ["CUSTOMER_DATA_READ"])

    assert refused == "FORBIDDEN"
    assert bad["apiClient"] is None
    assert bad["clientSecret"] is None
    assert sorted(e["field"][-1] for e in bad["errors"]) == ["expiresAt", "name", "scopes"]
    assert await ApiClient.all().count() == 1
    assert by_customer["errors"] == []
    listed = await portal.http.query(
        "{ viewer { organization { apiClients { id } } } }", token=sales.token
    )
    assert listed["viewer"]["organization"]["apiClients"] == []


async def test_the_service_says_who_may_manage_clients_and_which_scopes_there_are(
    portal: Portal,
) -> None:
    partner = await Organization.get(id=portal.admin.user.organization_id)
    customer_users = await f.person(portal.customer, "USER_ADMINISTRATOR")
    sales = await f.person(partner, PartnerRole.SALES_AGENT)
    ask = "{ viewer { canManageApiClients } apiScopes { key wire description } }"

    answers = [
        await portal.http.query(ask, token=person.token)
        for person in (portal.admin, portal.customer_admin, sales, customer_users)
    ]

    assert [a["viewer"]["canManageApiClients"] for a in answers] == [True, True, False, False]
    scopes = answers[0]["apiScopes"]
    assert [s["key"] for s in scopes] == [
        "RELATIONSHIPS_READ",
        "CUSTOMER_DATA_READ",
        "CUSTOMER_DATA_WRITE",
        "INVITATIONS_READ",
        "INVITATIONS_WRITE",
        "ACTIVITY_READ",
    ]
    assert scopes[1]["wire"] == "customer_data.read"
    assert all(s["description"] for s in scopes)


async def test_another_organization_cannot_revoke_or_rotate_a_client(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)
    other = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    client_id = created["apiClient"]["id"]

    revoked = await portal.http.query(REVOKE, {"input": {"id": client_id}}, other.token)
    rotated = await portal.http.query(ROTATE, {"input": {"id": client_id}}, other.token)

    assert revoked["revokeApiClient"]["errors"] == [{"field": ["input", "id"], "code": "NOT_FOUND"}]
    assert rotated["rotateApiClientSecret"]["clientSecret"] is None
    assert (await ApiClient.get(client_id=created["apiClient"]["clientId"])).revoked_at is None


# ------------------------------------------------------------------ tokens and /graphql


async def test_a_client_reads_its_customers_data_within_the_granted_roles(
    portal: Portal,
) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)
    customer_id = encode_id("Organization", portal.customer.id)

    async with oauth(portal.base, created) as client:
        token = await client.fetch_token("/oauth/token", grant_type="client_credentials")
        customers = await graphql(client, CUSTOMERS)
        users = await graphql(client, USERS, id=customer_id)
        devices = await graphql(client, DEVICES, id=customer_id)
        invitations = await graphql(client, "{ invitations { totalCount } }")
        viewer = await graphql(client, "{ viewer { id } }")

    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == "relationships.read customer_data.read"
    assert customers["data"]["customers"]["edges"] == [
        {"node": {"id": customer_id, "name": "Fabrikam"}}
    ]
    names = {e["node"]["displayName"] for e in users["data"]["customer"]["users"]["edges"]}
    # One directory: the customer's Global Administrator is one of its people too
    assert names == {"Ann fabrikam", "Ada fabrikam", portal.customer_admin.user.display_name}
    # User Administrator opens no devices; the scopes open no invitations
    assert error_code(devices) == "FORBIDDEN"
    assert error_code(invitations) == "FORBIDDEN"
    assert viewer["data"]["viewer"] is None  # a client is no person
    stored = await ApiClientToken.get()
    assert stored.token_hash == hash_token(token["access_token"])


async def test_a_client_reads_the_directorys_groups_as_it_reads_its_users(
    portal: Portal,
) -> None:
    # Given a group of the customer's directory (as its identity provider makes them)
    ann = await User.get(organization=portal.customer, display_name="Ann fabrikam")
    sales = await SecurityGroup.create(partner=portal.customer, name="Sales")
    await SecurityGroupMember.create(group=sales, user=ann)
    created = await create(portal.http, portal.admin, READ_SCOPES)
    customer_id = encode_id("Organization", portal.customer.id)

    # When the partner's client reads them, and a token narrowed to relationships.read does
    async with oauth(portal.base, created) as client:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        groups = await graphql(client, GROUPS, id=customer_id)
    async with oauth(portal.base, created, scope="relationships.read") as client:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        narrowed = await graphql(client, GROUPS, id=customer_id)

    # Then User Administrator opens them, Ann by her User ID; the narrowed token is refused
    assert groups["data"]["customer"]["groups"]["edges"] == [
        {
            "node": {
                "displayName": "Sales",
                "members": {
                    "edges": [
                        {"node": {"id": encode_id("User", ann.id), "displayName": "Ann fabrikam"}}
                    ]
                },
            }
        }
    ]
    assert error_code(narrowed) == "FORBIDDEN"


async def test_a_token_narrowed_to_one_scope_opens_only_that(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)
    customer_id = encode_id("Organization", portal.customer.id)

    async with oauth(portal.base, created, scope="relationships.read") as client:
        token = await client.fetch_token("/oauth/token", grant_type="client_credentials")
        customers = await graphql(client, CUSTOMERS)
        users = await graphql(client, USERS, id=customer_id)

    assert token["scope"] == "relationships.read"
    assert len(customers["data"]["customers"]["edges"]) == 1
    assert error_code(users) == "FORBIDDEN"


async def test_a_client_acts_as_itself_never_as_a_person(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, ["CUSTOMER_DATA_WRITE", "RELATIONSHIPS_READ"])

    async with oauth(portal.base, created) as client:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        refused = await graphql(
            client,
            "mutation($input: CreateApiClientInput!) { createApiClient(input: $input) "
            "{ errors { code } } }",
            input={"name": "Spawn", "scopes": ["ACTIVITY_READ"]},
        )

    assert error_code(refused) == "FORBIDDEN"
    assert await ApiClient.all().count() == 1


RESET = """
mutation($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) {
    user { displayName passwordResetByPartner { name } } errors { code }
  }
}
"""


async def test_a_client_granted_the_write_scope_resets_a_password_as_itself(
    portal: Portal,
) -> None:
    writer = await create(portal.http, portal.admin, ["CUSTOMER_DATA_WRITE", "ACTIVITY_READ"])
    reader = await create(portal.http, portal.admin, ["CUSTOMER_DATA_READ"], name="Reader")
    # a person of the customer's directory who holds no admin role
    user = await User.get(organization_id=portal.customer.id, display_name="Ann fabrikam")
    variables = {
        "input": {
            "customerId": encode_id("Organization", portal.customer.id),
            "userId": encode_id("User", user.id),
        }
    }

    async with oauth(portal.base, writer) as client, oauth(portal.base, reader) as other:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        await other.fetch_token("/oauth/token", grant_type="client_credentials")
        reset = await graphql(client, RESET, **variables)
        refused = await graphql(other, RESET, **variables)
        activity = await graphql(
            client,
            '{ activity(filter: { actions: ["user.password_reset"] }) '
            "{ edges { node { actor { id } actorApiClient { name } onBehalfOf { name } } } } }",
        )

    assert reset["data"]["resetUserPassword"]["errors"] == []
    assert reset["data"]["resetUserPassword"]["user"]["passwordResetByPartner"] == {
        "name": "Contoso Partners"
    }
    assert error_code(refused) == "FORBIDDEN"
    assert activity["data"]["activity"]["edges"] == [
        {
            "node": {
                "actor": None,
                "actorApiClient": {"name": "Portal"},
                "onBehalfOf": {"name": "Fabrikam"},
            }
        }
    ]
    row = await User.get(id=user.id)
    assert row.password_reset_by_id is None
    assert row.password_reset_by_partner_id == portal.admin.user.organization_id


SEND = """
mutation($input: SendInvitationInput!) {
  sendInvitation(input: $input) { invitation { id status } errors { field code } }
}
"""
CANCEL = """
mutation($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { status } errors { code } }
}
"""


async def test_a_client_granted_invitations_write_sends_and_cancels_invitations(
    portal: Portal,
) -> None:
    sender = await create(portal.http, portal.admin, ["INVITATIONS_WRITE", "ACTIVITY_READ"])
    reader = await create(portal.http, portal.admin, ["INVITATIONS_READ"], name="Reader")
    invitation = {"customerEmail": "buyer@northwind.example.com", "type": "RESELLER"}

    async with oauth(portal.base, sender) as client, oauth(portal.base, reader) as other:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        await other.fetch_token("/oauth/token", grant_type="client_credentials")
        sent = await graphql(client, SEND, input=invitation)
        refused = await graphql(other, SEND, input=invitation)
        sent_id = sent["data"]["sendInvitation"]["invitation"]["id"]
        canceled = await graphql(client, CANCEL, input={"id": sent_id})
        activity = await graphql(
            client,
            '{ activity(filter: { actions: ["invitation.sent", "invitation.canceled"] }) '
            "{ edges { node { action actor { id } actorApiClient { name } } } } }",
        )

    assert sent["data"]["sendInvitation"]["errors"] == []
    assert error_code(refused) == "FORBIDDEN"
    assert canceled["data"]["cancelInvitation"]["invitation"]["status"] == "CANCELED"
    # (newest first; the invitation the partner's admin sent before follows)
    assert [e["node"] for e in activity["data"]["activity"]["edges"]][:2] == [
        {"action": "invitation.canceled", "actor": None, "actorApiClient": {"name": "Portal"}},
        {"action": "invitation.sent", "actor": None, "actorApiClient": {"name": "Portal"}},
    ]
    row = await Invitation.get(customer_email="buyer@northwind.example.com")
    assert row.sent_by_id is None
    assert row.partner_id == portal.admin.user.organization_id


async def test_the_customer_removing_the_roles_narrows_the_client_at_once(
    portal: Portal,
) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)
    customer_id = encode_id("Organization", portal.customer.id)

    async with oauth(portal.base, created) as client:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        before = await graphql(client, USERS, id=customer_id)
        removed = await portal.http.query(
            f.REMOVE_ROLES,
            {"input": {"relationshipId": portal.relationship_id}},
            portal.customer_admin.token,
        )
        after = await graphql(client, USERS, id=customer_id)

    assert before["data"]["customer"]["users"] is not None
    assert removed["removeRoles"]["errors"] == []
    assert error_code(after) == "FORBIDDEN"


async def test_revoking_the_client_stops_its_issued_tokens_at_once(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)

    async with oauth(portal.base, created) as client:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        before = await graphql(client, CUSTOMERS)
        await portal.http.query(
            REVOKE, {"input": {"id": created["apiClient"]["id"]}}, portal.admin.token
        )
        after = await graphql(client, CUSTOMERS)
        with pytest.raises(OAuthError) as again:
            await client.fetch_token("/oauth/token", grant_type="client_credentials")

    assert before["data"]["customers"]["edges"]
    assert error_code(after) == "UNAUTHENTICATED"
    assert again.value.error == "invalid_client"
    listed = await portal.http.query(
        "{ viewer { organization { apiClients { id status revokedAt } } } }",
        token=portal.admin.token,
    )
    [shown] = listed["viewer"]["organization"]["apiClients"]
    assert shown["id"] == created["apiClient"]["id"]
    assert shown["status"] == "REVOKED"
    assert shown["revokedAt"] is not None


async def test_an_expired_token_stops_and_introspects_inactive(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)

    async with oauth(portal.base, created) as client:
        token = await client.fetch_token("/oauth/token", grant_type="client_credentials")
        with time_machine.travel(utcnow() + timedelta(hours=1, seconds=5)):
            # authlib's client would fetch a new token itself: send the old one as it is
            after = await portal.http.raw(CUSTOMERS, token=token["access_token"])
            introspected = await client.introspect_token(
                "/oauth/introspect", token=token["access_token"]
            )

    assert error_code(after) == "UNAUTHENTICATED"
    assert introspected.json() == {"active": False}


async def test_a_client_past_its_expiry_gets_no_token_and_its_tokens_stop(
    portal: Portal,
) -> None:
    expires = (utcnow() + timedelta(minutes=30)).isoformat()
    created = await create(portal.http, portal.admin, READ_SCOPES, expiresAt=expires)

    async with oauth(portal.base, created) as client:
        token = await client.fetch_token("/oauth/token", grant_type="client_credentials")
        with time_machine.travel(utcnow() + timedelta(minutes=31)):
            after = await portal.http.raw(CUSTOMERS, token=token["access_token"])
            with pytest.raises(OAuthError) as refused:
                await client.fetch_token("/oauth/token", grant_type="client_credentials")

    assert created["apiClient"]["expiresAt"] is not None
    assert error_code(after) == "UNAUTHENTICATED"
    assert refused.value.error == "invalid_client"


# ------------------------------------------------------------------ the OAuth endpoints


async def test_bad_secrets_unknown_scopes_and_other_grants_get_oauth_errors(
    portal: Portal,
) -> None:
    created = await create(portal.http, portal.admin, ["RELATIONSHIPS_READ"])
    wrong = created | {"clientSecret": "phs_not-the-secret"}

    async with oauth(portal.base, wrong) as client:
        with pytest.raises(OAuthError) as bad_secret:
            await client.fetch_token("/oauth/token", grant_type="client_credentials")
    async with oauth(portal.base, created, scope="activity.read") as client:
        with pytest.raises(OAuthError) as not_granted:
            await client.fetch_token("/oauth/token", grant_type="client_credentials")
    async with oauth(portal.base, created, scope="everything.write") as client:
        with pytest.raises(OAuthError) as unknown:
            await client.fetch_token("/oauth/token", grant_type="client_credentials")
    async with httpx.AsyncClient(base_url=portal.base) as http:
        password_grant = await http.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "a", "password": "b"},
            auth=(created["apiClient"]["clientId"], created["clientSecret"]),
        )
        as_json = await http.post("/oauth/token", json={"grant_type": "client_credentials"})
        garbled = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
        )

    assert bad_secret.value.error == "invalid_client"
    assert not_granted.value.error == "invalid_scope"
    assert unknown.value.error == "invalid_scope"
    assert password_grant.status_code == 400
    assert password_grant.json()["error"] == "unsupported_grant_type"
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"
    assert garbled.status_code in (400, 401)
    assert "error" in garbled.json()
    assert await ApiClientToken.all().count() == 0


async def test_client_secret_post_works_too(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, ["RELATIONSHIPS_READ"])

    options = {"token_endpoint_auth_method": "client_secret_post"}
    async with oauth(portal.base, created, **options) as client:
        token = await client.fetch_token("/oauth/token", grant_type="client_credentials")
        relationships = await graphql(client, "{ relationships { totalCount } }")

    assert token["scope"] == "relationships.read"
    assert relationships["data"]["relationships"]["totalCount"] == 1


async def test_a_client_revokes_and_introspects_its_own_tokens_only(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)
    other = await create(portal.http, portal.admin, READ_SCOPES, name="Other")

    async with oauth(portal.base, created) as client, oauth(portal.base, other) as second:
        token = await client.fetch_token("/oauth/token", grant_type="client_credentials")
        live = await client.introspect_token("/oauth/introspect", token=token["access_token"])
        foreign = await second.introspect_token("/oauth/introspect", token=token["access_token"])
        revoked = await client.revoke_token("/oauth/revoke", token=token["access_token"])
        after = await graphql(client, CUSTOMERS)
        dead = await client.introspect_token("/oauth/introspect", token=token["access_token"])

    assert live.json()["active"] is True
    assert live.json()["client_id"] == created["apiClient"]["clientId"]
    assert live.json()["scope"] == "relationships.read customer_data.read"
    assert foreign.json() == {"active": False}
    assert revoked.status_code == 200
    assert error_code(after) == "UNAUTHENTICATED"
    assert dead.json() == {"active": False}


async def test_a_rotated_secret_overlaps_with_the_old_one_as_asked(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, ["RELATIONSHIPS_READ"])
    client_id = created["apiClient"]["id"]

    rotated = await portal.http.query(ROTATE, {"input": {"id": client_id}}, portal.admin.token)
    fresh = created | {"clientSecret": rotated["rotateApiClientSecret"]["clientSecret"]}
    async with oauth(portal.base, created) as old, oauth(portal.base, fresh) as new:
        await old.fetch_token("/oauth/token", grant_type="client_credentials")
        await new.fetch_token("/oauth/token", grant_type="client_credentials")
    again = await portal.http.query(
        ROTATE, {"input": {"id": client_id, "previousSecretHours": 0}}, portal.admin.token
    )
    newest = created | {"clientSecret": again["rotateApiClientSecret"]["clientSecret"]}
    async with oauth(portal.base, fresh) as stale, oauth(portal.base, newest) as current:
        with pytest.raises(OAuthError) as refused:
            await stale.fetch_token("/oauth/token", grant_type="client_credentials")
        await current.fetch_token("/oauth/token", grant_type="client_credentials")

    assert refused.value.error == "invalid_client"
    assert await ApiClientToken.all().count() == 3


async def test_discovery_lists_the_endpoints_and_every_scope(portal: Portal) -> None:
    async with httpx.AsyncClient(base_url=portal.base) as http:
        found = (await http.get("/.well-known/oauth-authorization-server")).json()

    assert found["token_endpoint"] == portal.settings.public_url + "/oauth/token"
    assert found["revocation_endpoint"].endswith("/oauth/revoke")
    assert found["introspection_endpoint"].endswith("/oauth/introspect")
    assert found["grant_types_supported"] == ["client_credentials"]
    assert found["scopes_supported"] == [
        "relationships.read",
        "customer_data.read",
        "customer_data.write",
        "invitations.read",
        "invitations.write",
        "activity.read",
    ]


async def test_a_client_past_its_rate_limit_is_told_to_slow_down(db: Settings) -> None:
    _partner, admin = await f.listed_partner("Limited Partners")
    settings = dataclasses.replace(db, api_client_rate_limit=Quota(2, 60))
    async with served(settings) as server, httpx.AsyncClient(base_url=server.base) as http:
        created = await create(GraphQLClient(http), admin, ["RELATIONSHIPS_READ"])
        async with oauth(server.base, created) as client:
            for _ in range(2):
                await client.fetch_token("/oauth/token", grant_type="client_credentials")
            with pytest.raises(OAuthError) as limited:
                await client.fetch_token("/oauth/token", grant_type="client_credentials")
        answer = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(created["apiClient"]["clientId"], created["clientSecret"]),
        )

    assert limited.value.error == "slow_down"
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "60"
    assert await ApiClientToken.all().count() == 2


async def test_the_activity_log_shows_the_client_and_no_person(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, ["ACTIVITY_READ"])

    async with oauth(portal.base, created) as client:
        await client.fetch_token("/oauth/token", grant_type="client_credentials")
        own = await graphql(
            client,
            '{ activity(filter: { actions: ["api_client.token_issued"] }) '
            "{ edges { node { action actor { id } actorApiClient { id name } } } } }",
        )

    assert own["data"]["activity"]["edges"] == [
        {
            "node": {
                "action": "api_client.token_issued",
                "actor": None,
                "actorApiClient": {"id": created["apiClient"]["id"], "name": "Portal"},
            }
        }
    ]


async def test_a_client_past_its_graphql_rate_limit_is_refused_across_web_processes(
    db: Settings,
) -> None:
    # Given two web processes sharing Redis, which allow each client 3 GraphQL requests an hour
    _partner, admin = await f.listed_partner("Busy Partners")
    settings = dataclasses.replace(db, api_client_graphql_rate_limit=Quota(3, 3600))
    async with (
        served(settings) as one,
        served(settings) as two,
        httpx.AsyncClient(base_url=one.base) as http,
    ):
        busy = await create(GraphQLClient(http), admin, ["RELATIONSHIPS_READ"])
        calm = await create(GraphQLClient(http), admin, ["RELATIONSHIPS_READ"])
        async with oauth(one.base, busy) as first, oauth(two.base, busy) as second:
            token = await first.fetch_token("/oauth/token", grant_type="client_credentials")
            second.token = token
            # When the client spends its requests on both processes, then asks once more
            answers = [
                await client.post("/graphql", json={"query": CUSTOMERS})
                for client in (first, second, first, second)
            ]
        async with oauth(two.base, calm) as other:
            await other.fetch_token("/oauth/token", grant_type="client_credentials")
            others = await graphql(other, CUSTOMERS)
        person = await GraphQLClient(http).query(CUSTOMERS, {}, admin.token)

    # Then the three allowed ones answered, and the fourth is refused with 429 and RATE_LIMITED
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert all("errors" not in answer.json() for answer in answers[:3])
    refused = answers[3]
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert "data" not in refused.json()  # nothing ran
    assert error_code(refused.json()) == "RATE_LIMITED"
    # ... while another client of the same partner, and its people, are not limited
    assert others["data"]["customers"] == {"edges": []}
    assert person["customers"] == {"edges": []}


async def test_admins_see_every_client_newest_first_with_its_status(portal: Portal) -> None:
    # Given a client revoked, one past its expiry and one working, registered in that order
    revoked = await create(portal.http, portal.admin, READ_SCOPES, name="Old portal")
    await portal.http.query(
        REVOKE, {"input": {"id": revoked["apiClient"]["id"]}}, portal.admin.token
    )
    expired = await create(portal.http, portal.admin, READ_SCOPES, name="Trial")
    await ApiClient.filter(client_id=expired["apiClient"]["clientId"]).update(
        expires_at=utcnow() - timedelta(days=1)
    )
    working = await create(portal.http, portal.admin, READ_SCOPES, name="Portal")

    # When the partner's admin lists them
    listed = await portal.http.query(
        "{ viewer { organization { apiClients { id name status revokedAt } } } }",
        token=portal.admin.token,
    )

    # Then all three are there, newest first, each with its status
    clients = listed["viewer"]["organization"]["apiClients"]
    assert [(c["name"], c["status"]) for c in clients] == [
        ("Portal", "ACTIVE"),
        ("Trial", "EXPIRED"),
        ("Old portal", "REVOKED"),
    ]
    assert [c["id"] for c in clients] == [
        working["apiClient"]["id"],
        expired["apiClient"]["id"],
        revoked["apiClient"]["id"],
    ]
    assert clients[2]["revokedAt"] is not None
    assert clients[0]["revokedAt"] is None
    # And a revoked client cannot be revoked or given a new secret again
    again = await portal.http.query(
        REVOKE, {"input": {"id": revoked["apiClient"]["id"]}}, portal.admin.token
    )
    assert again["revokeApiClient"]["errors"] == [{"field": ["input", "id"], "code": "NOT_FOUND"}]
