"""SCIM 2.0 provisioning of a customer's directory: the SCIM token a Global Administrator
creates, an identity provider's typical calls (create, filter by userName, deactivate,
group membership) showing in the customer's people over GraphQL, ETags, pagination, and the
refusals (another customer's token, a revoked one, bad filters, bad bodies) in SCIM's error
format. Against the real app and database."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from httpx import AsyncClient, Response

from models.foundation.ids import encode_id
from models.identity.api_tokens import issue_token
from models.reference.enums import UserStatus
from models.tables.activity import ActivityEntry
from models.tables.organizations import ApiToken, Organization, User
from models.tables.outbound_webhooks import WebhookEndpoint, WebhookEvent
from models.tables.scim import ScimToken
from models.tables.sign_in import UserSession
from tests import factories as f
from tests.graphql import GraphQLClient

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

CREATE = """
mutation Create($input: CreateScimTokenInput!) {
  createScimToken(input: $input) { scimToken { id name } token errors { field code message } }
}
"""
REVOKE = """
mutation Revoke($input: IdInput!) {
  revokeScimToken(input: $input) { scimToken { id revokedAt } errors { field code } }
}
"""
TOKENS = "{ scimTokens { id name } }"
MEMBERS = """
{ viewer { organization { members(first: 100) {
  edges { node { id email displayName status } }
} } } }
"""


class Scim:
    """An identity provider's SCIM client: its token on every request."""

    def __init__(self, http: AsyncClient, token: str) -> None:
        self.http, self.token = http, token

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        if_match: str | None = None,
    ) -> Response:
        sent = {"Authorization": f"Bearer {self.token}"}
        if if_match is not None:
            sent["If-Match"] = if_match
        if body is not None:
            sent["Content-Type"] = "application/scim+json"
        return await self.http.request(method, f"/scim/v2{path}", json=body, headers=sent)

    async def create_user(self, user_name: str, email: str, **more: Any) -> dict[str, Any]:
        answer = await self.call(
            "POST",
            "/Users",
            {
                "schemas": [USER_SCHEMA],
                "userName": user_name,
                "emails": [{"value": email, "type": "work", "primary": True}],
                **more,
            },
        )
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def assert_scim_error(answer: Response, status: int, scim_type: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/scim+json")
    body = answer.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body["detail"]
    if scim_type is not None:
        assert body["scimType"] == scim_type


async def scim_token(api: GraphQLClient, admin: f.Person, name: str = "Entra ID") -> str:
    data = await api.query(CREATE, {"input": {"name": name}}, token=admin.token)
    payload = data["createScimToken"]
    assert payload["errors"] == []
    token: str = payload["token"]
    return token


async def directory(api: GraphQLClient) -> tuple[Organization, f.Person, Scim]:
    """A customer with two Global Administrators and its identity provider's SCIM client."""
    customer = await f.customer("Contoso")
    admin = await f.with_password(await f.person(customer, "GLOBAL_ADMINISTRATOR"))
    await f.with_password(await f.person(customer, "GLOBAL_ADMINISTRATOR"))
    return customer, admin, Scim(api.http, await scim_token(api, admin))


# ------------------------------------------------------------------------ the token


async def test_a_global_administrator_creates_a_token_shown_once_and_listed(
    api: GraphQLClient,
) -> None:
    customer = await f.customer()
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")

    token = await scim_token(api, admin, "Okta")

    assert token.startswith("phscim_")
    assert len(token) > 40
    listed = (await api.query(TOKENS, token=admin.token))["scimTokens"]
    assert [row["name"] for row in listed] == ["Okta"]
    entry = await ActivityEntry.get(action="scim_token.created")
    assert entry.customer_id == customer.id
    assert entry.actor_user_id == admin.user.id
    assert token not in str(entry.changes)


async def test_only_a_customers_global_administrator_may_create_one(api: GraphQLClient) -> None:
    customer = await f.customer()
    user_admin = await f.person(customer, "USER_ADMINISTRATOR")
    partner = await f.partner()
    agent = await f.person(partner, "ADMIN_AGENT")

    for someone in (user_admin, agent):
        code = await api.error_code(CREATE, {"input": {"name": "Mine"}}, token=someone.token)
        assert code == "FORBIDDEN"
        # and may not list them either: FORBIDDEN, as every list their roles do not open
        assert await api.error_code(TOKENS, token=someone.token) == "FORBIDDEN"
    assert not await ActivityEntry.filter(action="scim_token.created").exists()


async def test_a_token_needs_a_name(api: GraphQLClient) -> None:
    admin = await f.person(await f.customer(), "GLOBAL_ADMINISTRATOR")

    data = await api.query(CREATE, {"input": {"name": "  "}}, token=admin.token)

    assert data["createScimToken"]["token"] is None
    assert [e["code"] for e in data["createScimToken"]["errors"]] == ["INVALID_INPUT"]
    assert not await ScimToken.exists()


async def test_a_revoked_token_stops_at_once(api: GraphQLClient) -> None:
    _, admin, scim = await directory(api)
    token_id = (await api.query(TOKENS, token=admin.token))["scimTokens"][0]["id"]
    listed = await scim.call("GET", "/Users")
    assert listed.status_code == 200, listed.text

    data = await api.query(REVOKE, {"input": {"id": token_id}}, token=admin.token)

    assert data["revokeScimToken"]["scimToken"]["revokedAt"] is not None
    assert_scim_error(await scim.call("GET", "/Users"), 401)
    assert (await api.query(TOKENS, token=admin.token))["scimTokens"] == []


async def test_a_missing_or_foreign_credential_is_refused(api: GraphQLClient) -> None:
    customer = await f.customer()
    admin = await f.person(customer, "GLOBAL_ADMINISTRATOR")

    assert_scim_error(await api.http.get("/scim/v2/Users"), 401)
    # A person's bearer token is not a SCIM token.
    assert_scim_error(await Scim(api.http, admin.token).call("GET", "/Users"), 401)
    assert_scim_error(await Scim(api.http, "phscim_guess").call("GET", "/Users"), 401)


# ------------------------------------------------------------------------ users


async def test_an_identity_provider_creates_a_person_who_joins_the_directory(
    api: GraphQLClient,
) -> None:
    customer, admin, scim = await directory(api)
    endpoint = await WebhookEndpoint.create(
        organization=customer,
        url="https://8.8.8.8/hooks",
        event_types=["user.provisioned"],
        sealed_secret="x",
    )

    created = await scim.create_user(
        "b.jensen",
        "Barbara.Jensen@Contoso.example.com",
        externalId="00u1",
        name={"givenName": "Barbara", "familyName": "Jensen"},
    )

    assert created["userName"] == "b.jensen"
    assert created["externalId"] == "00u1"
    assert created["displayName"] == "Barbara Jensen"
    assert created["active"] is True
    assert created["emails"] == [
        {"value": "barbara.jensen@contoso.example.com", "type": "work", "primary": True}
    ]
    assert created["meta"]["resourceType"] == "User"
    assert created["meta"]["location"].endswith(f"/scim/v2/Users/{created['id']}")
    people = (await api.query(MEMBERS, token=admin.token))["viewer"]["organization"]["members"]
    emails = {edge["node"]["email"]: edge["node"] for edge in people["edges"]}
    assert emails["barbara.jensen@contoso.example.com"]["status"] == "ACTIVE"
    assert emails["barbara.jensen@contoso.example.com"]["displayName"] == "Barbara Jensen"
    entry = await ActivityEntry.get(action="user.provisioned")
    assert entry.customer_id == customer.id
    assert entry.actor_user_id is None
    assert entry.changes["scimToken"]["name"] == "Entra ID"
    assert scim.token not in str(entry.changes)
    event = await WebhookEvent.get(type="user.provisioned")
    assert event.data["object"] == ["User", created["id"]]
    assert event.data["customer"] == ["Organization", str(customer.id)]
    assert event.data["actorOrganization"] == ["Organization", str(customer.id)]
    assert event.data["actor"] is None
    assert scim.token not in str(event.data)
    assert endpoint.event_types == ["user.provisioned"]


async def test_what_the_identity_provider_does_names_its_customer_as_the_actor(
    api: GraphQLClient,
) -> None:
    # Given a customer's identity provider, provisioning a person and a group, then deactivating
    customer, admin, scim = await directory(api)
    created = await scim.create_user("b.jensen", "bjensen@contoso.example.com")
    group = await scim.call(
        "POST",
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": [{"value": created["id"]}]},
    )
    assert group.status_code == 201, group.text
    await scim.call(
        "PATCH",
        f"/Users/{created['id']}",
        patch({"op": "replace", "path": "active", "value": False}),
    )

    # When the customer's admin reads its activity
    data = await api.query(
        "{ activity(first: 100) { edges { node { action actor { id } "
        "actingOrganization { id name } } } } }",
        token=admin.token,
    )

    # Then every entry the SCIM calls wrote names the customer as the acting organization
    by_scim = [
        edge["node"]
        for edge in data["activity"]["edges"]
        if edge["node"]["action"] != "scim_token.created"
    ]
    assert {node["action"] for node in by_scim} >= {
        "user.provisioned",
        "directory_group.provisioned",
        "user.disabled",
    }
    for node in by_scim:
        assert node["actor"] is None
        assert node["actingOrganization"] == {
            "id": encode_id("Organization", customer.id),
            "name": "Contoso",
        }
    entries = await ActivityEntry.filter(customer_id=customer.id).exclude(
        action="scim_token.created"
    )
    assert entries
    assert {entry.actor_organization_id for entry in entries} == {customer.id}


async def test_the_identity_provider_finds_a_person_by_user_name_whatever_its_case(
    api: GraphQLClient,
) -> None:
    _, _, scim = await directory(api)
    wanted = await scim.create_user("B.Jensen", "bjensen@contoso.example.com")
    await scim.create_user("someone.else", "else@contoso.example.com")

    answer = await scim.call("GET", '/Users?filter=userName eq "b.jensen"')

    assert answer.status_code == 200
    listed = answer.json()
    assert listed["totalResults"] == 1
    assert [user["id"] for user in listed["Resources"]] == [wanted["id"]]
    by_email = await scim.call(
        "GET", '/Users?filter=emails[type eq "work"].value eq "BJensen@contoso.example.com"'
    )
    assert [user["id"] for user in by_email.json()["Resources"]] == [wanted["id"]]
    none = await scim.call("GET", '/Users?filter=userName eq "nobody"')
    assert none.json()["totalResults"] == 0
    assert none.json().get("Resources", []) == []


async def test_a_second_person_with_the_same_user_name_is_refused(api: GraphQLClient) -> None:
    _, _, scim = await directory(api)
    await scim.create_user("b.jensen", "bjensen@contoso.example.com")

    again = await scim.call(
        "POST",
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "B.JENSEN",
            "emails": [{"value": "x@contoso.example.com"}],
        },
    )

    assert_scim_error(again, 409, "uniqueness")
    assert await User.filter(email="x@contoso.example.com").count() == 0


async def test_deactivating_a_person_disables_them_and_ends_their_sessions_and_tokens(
    api: GraphQLClient,
) -> None:
    customer, admin, scim = await directory(api)
    created = await scim.create_user("b.jensen", "bjensen@contoso.example.com")
    person = await User.get(id=created["id"])
    their_token = await issue_token(person)
    assert (await api.query("{ viewer { email } }", token=their_token))["viewer"]["email"]

    answer = await scim.call(
        "PATCH",
        f"/Users/{created['id']}",
        patch({"op": "replace", "path": "active", "value": False}),
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False
    assert (await User.get(id=created["id"])).status is UserStatus.DISABLED
    assert await api.error_code("{ viewer { email } }", token=their_token) == "UNAUTHENTICATED"
    assert not await ApiToken.filter(user_id=person.id, revoked_at=None).exists()
    assert not await UserSession.filter(user_id=person.id).exists()
    people = (await api.query(MEMBERS, token=admin.token))["viewer"]["organization"]["members"]
    statuses = {edge["node"]["email"]: edge["node"]["status"] for edge in people["edges"]}
    assert statuses["bjensen@contoso.example.com"] == "DISABLED"
    entry = await ActivityEntry.get(action="user.disabled")
    assert entry.customer_id == customer.id
    assert entry.changes["tokensRevoked"] == 1

    # Entra ID's own words: "Replace" and a string "True", with no path.
    again = await scim.call(
        "PATCH", f"/Users/{created['id']}", patch({"op": "Replace", "value": {"active": True}})
    )
    assert again.status_code == 200, again.text
    assert (await User.get(id=created["id"])).status is UserStatus.ACTIVE


async def test_the_last_global_administrator_is_not_deactivated(api: GraphQLClient) -> None:
    customer = await f.customer()
    admin = await f.with_password(await f.person(customer, "GLOBAL_ADMINISTRATOR"))
    scim = Scim(api.http, await scim_token(api, admin))

    answer = await scim.call(
        "PATCH",
        f"/Users/{admin.user.id}",
        patch({"op": "replace", "path": "active", "value": False}),
    )

    assert_scim_error(answer, 409)
    assert (await User.get(id=admin.user.id)).status is UserStatus.ACTIVE
    assert_scim_error(await scim.call("DELETE", f"/Users/{admin.user.id}"), 409)
    assert await User.exists(id=admin.user.id)


async def test_replacing_a_person_changes_them_and_delete_removes_them(
    api: GraphQLClient,
) -> None:
    _, _, scim = await directory(api)
    created = await scim.create_user("b.jensen", "bjensen@contoso.example.com")
    location = f"/Users/{created['id']}"

    replaced = await scim.call(
        "PUT",
        location,
        {
            "schemas": [USER_SCHEMA],
            "userName": "barbara",
            "displayName": "Babs Jensen",
            "emails": [
                {"value": "home@contoso.example.com", "type": "home"},
                {"value": "babs@contoso.example.com", "type": "work", "primary": True},
            ],
        },
    )

    assert replaced.status_code == 200, replaced.text
    person = await User.get(id=created["id"])
    assert (person.user_name, person.email, person.display_name) == (
        "barbara",
        "babs@contoso.example.com",
        "Babs Jensen",
    )
    removed = await scim.call("DELETE", location)
    assert removed.status_code == 204
    assert not await User.exists(id=created["id"])
    assert_scim_error(await scim.call("GET", location), 404)
    entry = await ActivityEntry.get(action="user.removed")
    assert entry.changes["email"] == "babs@contoso.example.com"


async def test_etags_name_the_version_and_a_stale_if_match_is_refused(
    api: GraphQLClient,
) -> None:
    _, _, scim = await directory(api)
    created = await scim.create_user("b.jensen", "bjensen@contoso.example.com")
    location = f"/Users/{created['id']}"
    read = await scim.call("GET", location)
    etag = read.headers["etag"]
    assert etag == created["meta"]["version"]
    assert etag.startswith('W/"')

    changed = await scim.call(
        "PATCH",
        location,
        patch({"op": "replace", "path": "displayName", "value": "Babs"}),
        if_match=etag,
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag

    stale = await scim.call(
        "PATCH",
        location,
        patch({"op": "replace", "path": "displayName", "value": "Barbara"}),
        if_match=etag,
    )
    assert_scim_error(stale, 412)
    assert (await User.get(id=created["id"])).display_name == "Babs"
    assert_scim_error(await scim.call("DELETE", location, if_match=etag), 412)
    assert await User.exists(id=created["id"])


async def test_pages_follow_start_index_and_count(api: GraphQLClient) -> None:
    _, _, scim = await directory(api)  # two admins already
    for n in range(3):
        await scim.create_user(f"person{n}", f"person{n}@contoso.example.com")

    page = (await scim.call("GET", "/Users?startIndex=2&count=2")).json()
    rest = (await scim.call("GET", "/Users?startIndex=4&count=2")).json()
    counted = (await scim.call("GET", "/Users?count=0")).json()

    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert rest["itemsPerPage"] == 2
    ids = [user["id"] for user in page["Resources"] + rest["Resources"]]
    assert len(set(ids)) == 4
    assert counted["totalResults"] == 5
    assert counted.get("Resources", []) == []


# ------------------------------------------------------------------------ groups


async def test_group_membership_is_added_and_removed(api: GraphQLClient) -> None:
    customer, _, scim = await directory(api)
    alice = await scim.create_user("alice", "alice@contoso.example.com")
    bob = await scim.create_user("bob", "bob@contoso.example.com")
    created = await scim.call(
        "POST",
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": [{"value": alice["id"]}]},
    )
    assert created.status_code == 201, created.text
    group = created.json()
    location = f"/Groups/{group['id']}"

    added = await scim.call(
        "PATCH", location, patch({"op": "add", "path": "members", "value": [{"value": bob["id"]}]})
    )
    assert added.status_code == 200, added.text
    assert {m["value"] for m in added.json()["members"]} == {alice["id"], bob["id"]}
    bob_read = (await scim.call("GET", f"/Users/{bob['id']}")).json()
    assert [g["display"] for g in bob_read["groups"]] == ["Sales"]

    removed = await scim.call(
        "PATCH",
        location,
        patch({"op": "remove", "path": f'members[value eq "{alice["id"]}"]'}),
    )
    assert removed.status_code == 200, removed.text
    assert [m["value"] for m in removed.json()["members"]] == [bob["id"]]
    found = await scim.call("GET", '/Groups?filter=displayName eq "sales"')
    assert [g["id"] for g in found.json()["Resources"]] == [group["id"]]
    changes = [
        entry.changes
        for entry in await ActivityEntry.filter(action="directory_group.updated").order_by(
            "created_at"
        )
    ]
    assert changes[0]["membersAdded"] == [bob["id"]]
    assert changes[1]["membersRemoved"] == [alice["id"]]
    assert all(entry["scimToken"]["name"] == "Entra ID" for entry in changes)
    assert {e.customer_id for e in await ActivityEntry.filter(object_id=group["id"])} == {
        customer.id
    }


async def test_a_group_takes_only_people_of_its_directory(api: GraphQLClient) -> None:
    _, _, scim = await directory(api)
    other = await f.person(await f.customer(), "GLOBAL_ADMINISTRATOR")

    answer = await scim.call(
        "POST",
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Sales",
            "members": [{"value": str(other.user.id)}],
        },
    )

    assert_scim_error(answer, 400, "invalidValue")
    assert (await scim.call("GET", "/Groups")).json()["totalResults"] == 0


# ------------------------------------------------------------------------ isolation and refusals


async def test_another_customers_token_reaches_nothing_of_this_one(api: GraphQLClient) -> None:
    _, _, scim = await directory(api)
    created = await scim.create_user("b.jensen", "bjensen@contoso.example.com")
    group = (
        await scim.call("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sales"})
    ).json()
    other_admin = await f.person(await f.customer("Fabrikam"), "GLOBAL_ADMINISTRATOR")
    other = Scim(api.http, await scim_token(api, other_admin))

    listed = (await other.call("GET", "/Users")).json()
    assert [user["id"] for user in listed["Resources"]] == [str(other_admin.user.id)]
    assert (await other.call("GET", '/Users?filter=userName eq "b.jensen"')).json()[
        "totalResults"
    ] == 0
    for method, body in (("GET", None), ("PUT", {"schemas": [USER_SCHEMA], "userName": "x"})):
        assert_scim_error(await other.call(method, f"/Users/{created['id']}", body), 404)
    assert_scim_error(
        await other.call(
            "PATCH",
            f"/Users/{created['id']}",
            patch({"op": "replace", "path": "active", "value": False}),
        ),
        404,
    )
    assert_scim_error(await other.call("DELETE", f"/Users/{created['id']}"), 404)
    assert_scim_error(await other.call("DELETE", f"/Groups/{group['id']}"), 404)
    assert (await other.call("GET", "/Groups")).json()["totalResults"] == 0
    assert (await User.get(id=created["id"])).status is UserStatus.ACTIVE


async def test_bad_filters_and_bodies_are_scim_errors(api: GraphQLClient) -> None:
    _, _, scim = await directory(api)
    created = await scim.create_user("b.jensen", "bjensen@contoso.example.com")

    assert_scim_error(await scim.call("GET", "/Users?filter=userName eq"), 400, "invalidFilter")
    assert_scim_error(await scim.call("GET", '/Users?filter=shoeSize eq "9"'), 400, "invalidFilter")
    assert_scim_error(await scim.call("GET", '/Users?filter=nickName eq "b"'), 400, "invalidFilter")
    not_json = await scim.http.post(
        "/scim/v2/Users",
        content=b"{not json",
        headers={"Authorization": f"Bearer {scim.token}", "Content-Type": "application/scim+json"},
    )
    assert_scim_error(not_json, 400, "invalidSyntax")
    assert_scim_error(await scim.call("POST", "/Users", {"schemas": [USER_SCHEMA]}), 400)
    assert_scim_error(
        await scim.call("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "no-address"}),
        400,
        "invalidValue",
    )
    assert_scim_error(
        await scim.call("PATCH", f"/Users/{created['id']}", {"schemas": [PATCH_SCHEMA]}), 400
    )
    assert_scim_error(
        await scim.call(
            "PATCH", f"/Users/{created['id']}", patch({"op": "explode", "path": "active"})
        ),
        400,
    )
    assert_scim_error(await scim.call("GET", "/Users/not-an-id"), 404)
    assert_scim_error(await scim.call("GET", "/Elephants"), 404)
    assert (
        await User.filter(
            organization_id=(await User.get(id=created["id"])).organization_id
        ).count()
        == 3
    )


# ------------------------------------------------------------------------ discovery


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ServiceProviderConfig", "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"),
        ("/ResourceTypes", "urn:ietf:params:scim:api:messages:2.0:ListResponse"),
        ("/Schemas", "urn:ietf:params:scim:api:messages:2.0:ListResponse"),
    ],
)
async def test_the_service_describes_itself(api: GraphQLClient, path: str, expected: str) -> None:
    _, _, scim = await directory(api)

    answer = await scim.call("GET", path)

    assert answer.status_code == 200
    assert answer.json()["schemas"] == [expected]


async def test_entra_ids_patch_of_the_work_address_changes_the_sign_in_address(
    api: GraphQLClient,
) -> None:
    _, _, scim = await directory(api)
    created = await scim.create_user("b.jensen", "bjensen@contoso.example.com")

    answer = await scim.call(
        "PATCH",
        f"/Users/{created['id']}",
        patch(
            {
                "op": "replace",
                "path": 'emails[type eq "work"].value',
                "value": "barbara@contoso.example.com",
            },
            {"op": "add", "path": "externalId", "value": "00u9"},
        ),
    )

    assert answer.status_code == 200, answer.text
    person = await User.get(id=created["id"])
    assert person.email == "barbara@contoso.example.com"
    assert person.external_id == "00u9"
    found = await scim.call("GET", '/Users?filter=externalId eq "00u9"')
    assert [user["id"] for user in found.json()["Resources"]] == [created["id"]]
    assert (await scim.call("GET", '/Users?filter=externalId eq "00U9"')).json()[
        "totalResults"
    ] == 0
    entry = await ActivityEntry.get(action="user.updated")
    assert entry.changes["email"] == "barbara@contoso.example.com"
    assert entry.changes["externalId"] == "00u9"


async def test_every_supported_filter_answers_from_the_database(api: GraphQLClient) -> None:
    _, _, scim = await directory(api)
    alice = await scim.create_user(
        "alice", "alice@contoso.example.com", externalId="ext-A", displayName="Alice Doe"
    )
    group = (
        await scim.call(
            "POST",
            "/Groups",
            {
                "schemas": [GROUP_SCHEMA],
                "displayName": "Sales",
                "externalId": "g-1",
                "members": [{"value": alice["id"]}],
            },
        )
    ).json()
    user_filters = {
        'userName eq "ALICE"': True,
        'userName ne "alice"': False,
        'userName co "lic"': True,
        'userName sw "al"': True,
        'userName ew "ce"': True,
        "userName pr": True,
        'externalId eq "ext-A"': True,
        'externalId sw "ext"': True,
        "externalId pr": True,
        'displayName co "doe"': True,
        'emails.value eq "alice@contoso.example.com"': True,
        'emails eq "alice@contoso.example.com"': True,
        'emails.type eq "work"': True,
        'emails[type eq "home"]': False,
        "emails.primary eq true": True,
        "active eq true": True,
        "active eq false": False,
        f'id eq "{alice["id"]}"': True,
        'userName eq "alice" and not (active eq false)': True,
        'userName eq "nobody" or externalId eq "ext-A"': True,
    }
    for expression, found in user_filters.items():
        answer = await scim.call("GET", f"/Users?filter={expression}")
        assert answer.status_code == 200, (expression, answer.text)
        ids = [user["id"] for user in answer.json().get("Resources", [])]
        assert (alice["id"] in ids) is found, expression
    group_filters = {
        'displayName eq "sales"': True,
        'externalId eq "g-1"': True,
        f'members[value eq "{alice["id"]}"]': True,
        f'members.value eq "{alice["id"]}"': True,
        "members pr": True,
        f'id eq "{group["id"]}"': True,
        'displayName sw "x"': False,
    }
    for expression, found in group_filters.items():
        answer = await scim.call("GET", f"/Groups?filter={expression}")
        assert answer.status_code == 200, (expression, answer.text)
        ids = [each["id"] for each in answer.json().get("Resources", [])]
        assert (group["id"] in ids) is found, expression
    everything = await scim.call("POST", "/.search", {"filter": 'externalId sw "ext"'})
    assert everything.status_code == 200, everything.text
    assert [each["id"] for each in everything.json()["Resources"]] == [alice["id"]]


# ------------------------------------------------------------------------ sorting


def _names(answer: Response, attribute: str = "userName") -> list[str]:
    assert answer.status_code == 200, answer.text
    return [each.get(attribute) for each in answer.json().get("Resources", [])]


async def test_lists_sort_by_the_attribute_and_order_asked(api: GraphQLClient) -> None:
    # Given three people the identity provider created out of alphabetical order, one of them
    # without an externalId, and two groups
    _customer, _admin, scim = await directory(api)
    await scim.create_user("carol", "carol@contoso.example.com", externalId="e-2")
    await scim.create_user("Alice", "alice@contoso.example.com")
    await scim.create_user("bob", "bob@contoso.example.com", externalId="e-1")
    for name in ("Sales", "Engineering"):
        made = await scim.call("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})
        assert made.status_code == 201, made.text
    ours = "filter=" + quote('emails.value ew "@contoso.example.com"')

    # Then userName sorts without regard to case, both ways, and ascending by default
    ascending = await scim.call("GET", f"/Users?{ours}&sortBy=userName")
    assert _names(ascending) == ["Alice", "bob", "carol"]
    descending = await scim.call("GET", f"/Users?{ours}&sortBy=userName&sortOrder=descending")
    assert _names(descending) == ["carol", "bob", "Alice"]
    # And a page of a sorted list is a page of that order
    paged = await scim.call("GET", f"/Users?{ours}&sortBy=userName&startIndex=2&count=1")
    assert _names(paged) == ["bob"]
    # And a person without the attribute sorts last ascending, first descending
    by_external = await scim.call("GET", f"/Users?{ours}&sortBy=externalId")
    assert _names(by_external) == ["bob", "carol", "Alice"]
    by_external_desc = await scim.call(
        "GET", f"/Users?{ours}&sortBy=externalId&sortOrder=descending"
    )
    assert _names(by_external_desc) == ["Alice", "carol", "bob"]
    # And the schema's full name of the attribute works too, as does a sub-attribute
    urn = quote(f"{USER_SCHEMA}:userName")
    assert _names(await scim.call("GET", f"/Users?{ours}&sortBy={urn}")) == [
        "Alice",
        "bob",
        "carol",
    ]
    by_email = await scim.call("GET", f"/Users?{ours}&sortBy=emails.value&sortOrder=descending")
    assert _names(by_email) == ["carol", "bob", "Alice"]
    # And groups sort by their names
    groups = await scim.call("GET", "/Groups?sortBy=displayName")
    assert _names(groups, "displayName") == ["Engineering", "Sales"]
    # And a .search body sorts as the query string does, each resource type in itself
    searched = await scim.call(
        "POST",
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'emails.value ew "@contoso.example.com"',
            "sortBy": "userName",
            "sortOrder": "descending",
        },
    )
    assert _names(searched) == ["carol", "bob", "Alice"]
    everything = await scim.call(
        "POST",
        "/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "sortBy": "displayName",
            "sortOrder": "descending",
        },
    )
    assert everything.status_code == 200, everything.text
    resources = everything.json()["Resources"]
    shown = [each["displayName"] for each in resources if each["meta"]["resourceType"] == "Group"]
    assert shown == ["Sales", "Engineering"]


async def test_a_sort_that_cannot_be_kept_is_refused(api: GraphQLClient) -> None:
    _customer, _admin, scim = await directory(api)

    # An attribute the schema lacks, a complex one, and an order that is none
    assert_scim_error(await scim.call("GET", "/Users?sortBy=shoeSize"), 400)
    assert_scim_error(await scim.call("GET", "/Users?sortBy=name"), 400)
    assert_scim_error(await scim.call("GET", "/Users?sortBy=userName&sortOrder=up"), 400)
    # And one the service keeps no column for: refused rather than answered in another order
    assert_scim_error(await scim.call("GET", "/Users?sortBy=name.familyName"), 400, "invalidValue")
    # And ServiceProviderConfig says sorting is supported
    config = await scim.call("GET", "/ServiceProviderConfig")
    assert config.json()["sort"] == {"supported": True}
