"""An API client follows live updates with its access token, like a person's script, and its
connection closes at once when the client is revoked."""

from __future__ import annotations

from tests.live import live
from tests.test_api_clients import READ_SCOPES, REVOKE, Portal, create, oauth, portal

__all__ = ["portal"]  # the fixture, shared with the API clients' own tests

WATCH = """subscription($id: ID!) {
  relationshipChanged(id: $id) { id status roleGrants { role status } }
}"""


async def test_a_client_watches_a_relationship_until_it_is_revoked(portal: Portal) -> None:
    # Given a partner's API client holding an access token from /oauth/token
    created = await create(portal.http, portal.admin, READ_SCOPES)
    async with oauth(portal.base, created) as client:
        token = (await client.fetch_token("/oauth/token", grant_type="client_credentials"))[
            "access_token"
        ]
    ws = portal.base.replace("http://", "ws://") + "/graphql"
    async with live(ws) as connection:
        # When it signs the connection in with the token and watches its relationship
        assert (await connection.init({"authorization": f"Bearer {token}"}))[
            "type"
        ] == "connection_ack"
        operation = await connection.subscribe(WATCH, {"id": portal.relationship_id})
        # Then it is sent the relationship as it stands
        first = (await connection.next_data(operation))["relationshipChanged"]
        assert first["id"] == portal.relationship_id
        assert [g["role"] for g in first["roleGrants"]] == ["USER_ADMINISTRATOR"]

        # When the partner's admin revokes the client
        revoked = await portal.http.query(
            REVOKE, {"input": {"id": created["apiClient"]["id"]}}, portal.admin.token
        )
        assert revoked["revokeApiClient"]["errors"] == []
        # Then the connection closes as signed out
        assert await connection.closed_with() == 4401


async def test_a_revoked_clients_token_cannot_open_a_connection(portal: Portal) -> None:
    created = await create(portal.http, portal.admin, READ_SCOPES)
    async with oauth(portal.base, created) as client:
        token = (await client.fetch_token("/oauth/token", grant_type="client_credentials"))[
            "access_token"
        ]
    await portal.http.query(
        REVOKE, {"input": {"id": created["apiClient"]["id"]}}, portal.admin.token
    )
    ws = portal.base.replace("http://", "ws://") + "/graphql"
    async with live(ws) as connection:
        await connection.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        assert await connection.closed_with() == 4403
