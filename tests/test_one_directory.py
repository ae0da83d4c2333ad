"""One directory of a customer's people: the people its admins manage are the people a
partner's helpdesk acts on under AOBO, with the same IDs, and a reset sets a temporary
password on the person's real account."""

from __future__ import annotations

import base64
from typing import Any

import tests.factories as f
from models.foundation.settings import Settings
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole, RelationshipType, UserStatus
from models.tables.organizations import User
from tests.graphql import GraphQLClient
from tests.sessions import sign_in

USERS = """
query($id: ID!) {
  customer(id: $id) {
    users(first: 100) { totalCount edges { node {
      id email roles status isAdmin mustChangePassword userPrincipalName } } }
  }
}
"""
MEMBERS = """
{ viewer { organization { members(first: 100) { edges { node { id email } } } } } }
"""
RESET = """
mutation($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) {
    user { id status mustChangePassword passwordResetAt passwordResetByPartner { name } }
    temporaryPassword
    errors { field code }
  }
}
"""
ROLES = """
mutation($input: UpdateUserRolesInput!) {
  updateUserRoles(input: $input) { user { id roles } errors { field code } }
}
"""
VIEWER = "{ viewer { id email mustChangePassword } }"


def _id(type_name: str, row: Any) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{row.id}".encode()).decode()


async def _helpdesk(admin: f.Person) -> f.Person:
    """An agent of a partner whose Helpdesk Administrator grant over the admin's customer is
    assigned to the agent's group."""
    fabrikam = await f.partner("Fabrikam")
    admin_agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    agent = await f.person(fabrikam, PartnerRole.HELPDESK_AGENT)
    relationship = await f.granted(admin_agent, admin, [AdminRole.HELPDESK_ADMINISTRATOR])
    group = await f.group(agent, "Helpdesk", agent)
    await f.assign(group, relationship, AdminRole.HELPDESK_ADMINISTRATOR)
    return agent


async def test_the_customers_users_and_its_members_are_the_same_people_with_the_same_ids(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer with its admin, a colleague, and the account a PARTNER-type partner
    # was given in its tenant
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    colleague = await f.person(contoso)
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)
    await f.related(agent, admin, RelationshipType.PARTNER)
    account = await User.get(organization_id=contoso.id, partner_of_id=agent.user.organization_id)

    # When its admin lists the customer's users and the organization's members
    users = (await api.query(USERS, {"id": _id("Organization", contoso)}, admin.token))["customer"][
        "users"
    ]
    members = (await api.query(MEMBERS, token=admin.token))["viewer"]["organization"]["members"]

    # Then both list the same people under the same IDs, the partner's account among them
    by_users = {e["node"]["id"]: e["node"]["email"] for e in users["edges"]}
    by_members = {e["node"]["id"]: e["node"]["email"] for e in members["edges"]}
    assert by_users == by_members
    assert set(by_users) == {
        _id("User", admin.user),
        _id("User", colleague.user),
        _id("User", account),
    }
    assert users["totalCount"] == 3
    # ... and "admin" means holding admin roles
    admin_flags = {e["node"]["email"]: e["node"]["isAdmin"] for e in users["edges"]}
    assert admin_flags[admin.user.email] is True
    assert admin_flags[colleague.user.email] is False
    assert admin_flags[account.email] is True  # it holds the roles the customer granted


async def test_a_helpdesk_reset_sets_a_temporary_password_on_the_real_account(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer's colleague, signed in, and a partner's helpdesk agent acting for it
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    colleague = await f.with_password(await f.person(contoso))
    _, browser = await sign_in(api, colleague.user.email, f.PASSWORD)
    assert browser is not None
    agent = await _helpdesk(admin)

    # When the agent resets the colleague's password, naming them by the ID the customer's
    # users list gives
    listed = (await api.query(USERS, {"id": _id("Organization", contoso)}, agent.token))[
        "customer"
    ]["users"]["edges"]
    user_id = next(e["node"]["id"] for e in listed if e["node"]["email"] == colleague.user.email)
    reset = (
        await api.query(
            RESET,
            {"input": {"customerId": _id("Organization", contoso), "userId": user_id}},
            agent.token,
        )
    )["resetUserPassword"]

    # Then the real account holds a temporary password, to be changed at the next sign-in
    assert reset["errors"] == []
    assert reset["user"]["mustChangePassword"] is True
    assert reset["user"]["passwordResetByPartner"] == {"name": "Fabrikam"}
    temporary = reset["temporaryPassword"]
    row = await User.get(id=colleague.user.id)
    assert (row.must_change_password, row.password_reset_by_id) == (True, agent.user.id)
    # ... the colleague's open session has ended
    ended = await api.raw(VIEWER, headers=browser.headers())
    assert ended["data"]["viewer"] is None
    # ... the old password no longer works, the temporary one does, and must be changed
    refused, _ = await sign_in(api, colleague.user.email, f.PASSWORD)
    assert refused["errors"][0]["code"] == "INVALID_CREDENTIALS"
    payload, again = await sign_in(api, colleague.user.email, temporary)
    assert again is not None
    assert payload["viewer"]["mustChangePassword"] is True


async def test_an_invited_person_reset_by_an_admin_can_sign_in_with_the_temporary_password(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a person of the directory who never had a password, named by the ID the
    # customer's directory user had before it was one with its people
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    invited = await f.person(contoso)
    assert invited.user.status is UserStatus.INVITED

    # When the customer's own admin resets it
    reset = (
        await api.query(
            RESET,
            {
                "input": {
                    "customerId": _id("Organization", contoso),
                    "userId": _id("DirectoryUser", invited.user),
                }
            },
            admin.token,
        )
    )["resetUserPassword"]

    # Then the person is active with a temporary password, the same person as before
    assert reset["errors"] == []
    assert reset["user"]["id"] == _id("User", invited.user)
    assert reset["user"]["status"] == "ACTIVE"
    assert reset["user"]["passwordResetByPartner"] is None
    payload, browser = await sign_in(api, invited.user.email, reset["temporaryPassword"])
    assert browser is not None
    assert payload["viewer"]["mustChangePassword"] is True

    # And an admin resets no one's password but others': their own they change
    own = (
        await api.query(
            RESET,
            {
                "input": {
                    "customerId": _id("Organization", contoso),
                    "userId": _id("User", admin.user),
                }
            },
            admin.token,
        )
    )["resetUserPassword"]
    assert own["errors"] == [{"field": ["input", "userId"], "code": "INVALID_INPUT"}]


async def test_roles_given_by_the_admin_put_a_person_out_of_the_helpdesks_reach(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a colleague without admin roles, and a partner's helpdesk agent
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    colleague = await f.person(contoso)
    agent = await _helpdesk(admin)

    # When the admin gives the colleague Billing Administrator, by their directory ID
    given = (
        await api.query(
            ROLES,
            {
                "input": {
                    "userId": _id("User", colleague.user),
                    "roles": [AdminRole.BILLING_ADMINISTRATOR],
                }
            },
            admin.token,
        )
    )["updateUserRoles"]
    assert given["errors"] == []

    # Then the customer's users show them as an admin, and the helpdesk may not reset them
    listed = (await api.query(USERS, {"id": _id("Organization", contoso)}, agent.token))[
        "customer"
    ]["users"]["edges"]
    node = next(e["node"] for e in listed if e["node"]["id"] == _id("User", colleague.user))
    assert (node["isAdmin"], node["roles"]) == (True, ["BILLING_ADMINISTRATOR"])
    body = await api.raw(
        RESET,
        {
            "input": {
                "customerId": _id("Organization", contoso),
                "userId": _id("User", colleague.user),
            }
        },
        agent.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await User.get(id=colleague.user.id)).password_hash is None
