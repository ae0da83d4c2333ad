"""A sign-in limited to putting itself right (a temporary password to change, or a second
factor to enrol) reads its own `viewer` and nothing behind it: not its organization's people,
API clients, sessions or tokens. The rule is the policy's (`models/policy/limited_sessions.py`),
so the lists and checks every field asks refuse such a viewer, whatever the path to them."""

from __future__ import annotations

from typing import Any

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.policy import lists_opened_by, visible_members, visible_sessions
from models.policy.api_clients import manages_api_clients
from models.policy.limited_sessions import limited_actor
from models.policy.people import manages_people
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.organizations import User
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.test_mfa import CHANGE_PASSWORD, enrol, signed_in

BEHIND_VIEWER = """
{ viewer {
  email opensLists canManagePeople canManageApiClients canInvitePeople
  sessions { id } apiTokens { id }
  organization { name members { totalCount edges { node { email } } } apiClients { id } }
} }
"""


async def behind_viewer(api: GraphQLClient, headers: dict[str, str]) -> dict[str, Any]:
    viewer: dict[str, Any] = (await api.query(BEHIND_VIEWER, headers=headers))["viewer"]
    return viewer


async def test_a_session_limited_to_enrolment_sees_nothing_behind_its_viewer(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner's admin agent, with a colleague, signed in without an authenticator yet
    fabrikam = await f.partner("Fabrikam")
    agent = await f.with_password(
        await f.person(fabrikam, PartnerRole.ADMIN_AGENT, email="admin@fabrikam.com")
    )
    await f.person(fabrikam, PartnerRole.SALES_AGENT, email="sales@fabrikam.com")
    browser = await signed_in(api, agent)

    # When the limited session reads what its viewer leads to
    limited = await behind_viewer(api, browser.headers())

    # Then it reads its own viewer and organization's name, and nothing else
    assert limited["email"] == "admin@fabrikam.com"
    assert limited["organization"] == {
        "name": "Fabrikam",
        "members": {"totalCount": 0, "edges": []},
        "apiClients": [],
    }
    assert limited["opensLists"] == []
    assert limited["sessions"] == limited["apiTokens"] == []
    assert not limited["canManagePeople"]
    assert not limited["canManageApiClients"]
    assert not limited["canInvitePeople"]

    # When the agent enrols an authenticator, the same session opens them
    await enrol(api, browser)
    full = await behind_viewer(api, browser.headers())
    assert full["organization"]["members"]["totalCount"] == 2
    assert len(full["sessions"]) == 1
    assert "relationships" in full["opensLists"]
    assert full["canManagePeople"]
    assert full["canManageApiClients"]


async def test_a_temporary_password_shows_no_people_until_it_is_changed(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a customer's Billing Administrator holding a temporary password, signed in
    contoso = await f.customer("Contoso")
    await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR, email="global@contoso.com")
    billing = await f.with_password(
        await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR, email="billing@contoso.com")
    )
    await User.filter(id=billing.user.id).update(must_change_password=True)
    browser = await signed_in(api, billing)

    # When they read the organization's people, in the session and with their bearer token
    in_session = await behind_viewer(api, browser.headers())
    with_token = (await api.query(BEHIND_VIEWER, token=billing.token))["viewer"]

    # Then neither lists anyone
    for viewer in (in_session, with_token):
        assert viewer["organization"]["members"] == {"totalCount": 0, "edges": []}
        assert viewer["opensLists"] == []
        assert viewer["apiTokens"] == []

    # When they change the password, the people are theirs to see again
    changed = await api.query(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": f.PASSWORD, "newPassword": "my very own words"}},
        headers=browser.headers(),
    )
    assert changed["changePassword"]["errors"] == []
    after = await behind_viewer(api, browser.headers())
    assert after["organization"]["members"]["totalCount"] == 2


async def test_the_policy_refuses_a_limited_actor_what_its_roles_would_open(db: Settings) -> None:
    # Given a customer's Global Administrator, as a full actor and as a limited one
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    full = Actor.of(admin.user, contoso.kind)
    limited = limited_actor(full)

    # Then every decision that the full actor passes, the limited one fails
    assert await visible_members(full, contoso.id).count() == 1
    assert await visible_members(limited, contoso.id).count() == 0
    assert lists_opened_by(full)
    assert lists_opened_by(limited) == []
    assert manages_people(full)
    assert not manages_people(limited)
    assert manages_api_clients(full)
    assert not manages_api_clients(limited)
    assert await visible_sessions(limited, admin.user.id, utcnow()).count() == 0
