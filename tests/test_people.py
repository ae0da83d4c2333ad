"""Managing an organization's people over the API: inviting (and resending or canceling an
invitation), changing roles, disabling, enabling and removing; who may, each refusal naming
its field, the last admin kept, and another organization getting nothing. Against the real
app, database, worker and SMTP server."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from models.foundation.clock import utcnow
from models.foundation.ids import decode_id, encode_id
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from models.reference.enums import RelationshipType, UserStatus
from models.tables.activity import ActivityEntry
from models.tables.organizations import ApiToken, Organization, User
from models.tables.outbound_webhooks import WebhookEndpoint, WebhookEvent
from models.tables.outbox import OutboxMessage, Task
from models.tables.sign_in import PasswordLink, UserSession
from tests import factories as f
from tests.authenticator import next_code, with_authenticator
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs, text_of
from tests.servers import SmtpServer
from tests.sessions import sign_in

USER = "id email displayName status roles viewerActions"
PAYLOAD = f"user {{ {USER} }} errors {{ field message code }}"
INVITE = f"""
mutation Invite($input: InviteUserInput!) {{ inviteUser(input: $input) {{ {PAYLOAD} }} }}
"""
UPDATE_ROLES = f"""
mutation Roles($input: UpdateUserRolesInput!) {{ updateUserRoles(input: $input) {{ {PAYLOAD} }} }}
"""
BY_ID = {
    name: f"""
mutation Act($input: UserIdInput!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}
"""
    for name in (
        "disableUser",
        "enableUser",
        "removeUser",
        "resendUserInvitation",
        "cancelUserInvitation",
    )
}
SET_PASSWORD = """
mutation Set($input: SetPasswordInput!) {
  setPassword(input: $input) { viewer { id email status roles } errors { field code message } }
}
"""
MEMBERS = f"""
{{ viewer {{ organization {{ members(first: 100) {{
  totalCount edges {{ node {{ {USER} }} }}
}} }} }} }}
"""
VIEWER = """
{ viewer { id canManagePeople assignableRoles { key name privileged } viewerActions } }
"""
ACTIVITY = """
query($filter: ActivityFilter) {
  activity(first: 100, filter: $filter) {
    edges { node {
      action objectId changes actor { id email } removedActor { id email displayName removedAt }
    } }
  }
}
"""
RELATIONSHIPS = "{ relationships { totalCount } }"
REQUEST_RESET = """
mutation($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { errors { code } }
}
"""
NEW_PASSWORD = "seven silver spoons"


# ------------------------------------------------------------------------------ helpers


async def active(person: f.Person) -> f.Person:
    """The person as one who has set a password: ACTIVE, and counted among its
    organization's active admins."""
    await User.filter(id=person.user.id).update(status=UserStatus.ACTIVE)
    person.user.status = UserStatus.ACTIVE
    return person


async def invite(api: GraphQLClient, who: f.Person, **fields: Any) -> dict[str, Any]:
    """inviteUser's payload; `fields` are its input (roles default to none)."""
    data = await api.query(INVITE, {"input": {"roles": []} | fields}, who.token)
    payload: dict[str, Any] = data["inviteUser"]
    return payload


async def set_roles(
    api: GraphQLClient, who: f.Person, user_id: str, roles: list[str]
) -> dict[str, Any]:
    """updateUserRoles's payload, as `who`."""
    data = await api.query(UPDATE_ROLES, {"input": {"userId": user_id, "roles": roles}}, who.token)
    payload: dict[str, Any] = data["updateUserRoles"]
    return payload


async def act(api: GraphQLClient, who: f.Person, name: str, user_id: str) -> dict[str, Any]:
    """The payload of one of the `UserIdInput` mutations (`name`), as `who`."""
    data = await api.query(BY_ID[name], {"input": {"userId": user_id}}, who.token)
    payload: dict[str, Any] = data[name]
    return payload


def gid(person: f.Person | User) -> str:
    user = person.user if isinstance(person, f.Person) else person
    return str(encode_id("User", user.id))


def refusals(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    """Each refusal as (the field it names, its code)."""
    return [
        (error["field"][-1] if error["field"] else None, error["code"])
        for error in payload["errors"]
    ]


async def emailed_token(smtp: SmtpServer, count: int) -> str:
    """The set-password token of the `count`th email the worker sent."""
    mails = await smtp.await_for(count)
    return text_of(mails[count - 1]).split("/set-password?token=", 1)[1].split()[0]


async def contoso(*roles: str) -> tuple[Organization, f.Person]:
    """Contoso and an active admin of it holding `roles` (Global Administrator unless said)."""
    org = await f.customer("Contoso")
    admin = await f.person(org, *(roles or ("GLOBAL_ADMINISTRATOR",)), email="admin@contoso.com")
    return org, await active(admin)


# ------------------------------------------------------------------------ inviting people


async def test_an_admin_invites_a_colleague_who_sets_a_password_from_the_email(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's Global Administrator
    org, admin = await contoso()

    # When they invite a colleague as Helpdesk Administrator
    invited = await invite(
        api,
        admin,
        email=" Megan@Contoso.com",
        displayName=" Megan Bowen ",
        roles=["HELPDESK_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"],
    )

    # Then the colleague is INVITED with that role, under an ID that members lists too
    assert invited["errors"] == []
    person = invited["user"]
    assert (person["email"], person["displayName"], person["status"], person["roles"]) == (
        "megan@contoso.com",
        "Megan Bowen",
        "INVITED",
        ["HELPDESK_ADMINISTRATOR"],
    )
    members = (await api.query(MEMBERS, token=admin.token))["viewer"]["organization"]["members"]
    assert {e["node"]["id"]: e["node"]["status"] for e in members["edges"]} == {
        person["id"]: "INVITED",
        gid(admin): "ACTIVE",
    }
    # And the invitation is in Contoso's activity log and is an event
    [entry] = await ActivityEntry.filter(action="user.invited")
    assert (entry.actor_user_id, entry.customer_id) == (admin.user.id, org.id)
    assert entry.changes == {"email": "megan@contoso.com", "roles": ["HELPDESK_ADMINISTRATOR"]}

    # When the worker runs
    await run_jobs(db)

    # Then they got a link to choose their password, valid 7 days and sealed in the outbox
    [mail] = await smtp_server.await_for(1)
    assert mail.rcpt_tos == ["megan@contoso.com"]
    assert mail.message["Subject"] == "Set your Partnerhub password"
    token = await emailed_token(smtp_server, 1)
    link = await PasswordLink.get(user__email="megan@contoso.com")
    assert link.expires_at - link.created_at == timedelta(days=7)
    assert token not in json.dumps([m.payload for m in await OutboxMessage.all()])

    # When they choose a password from it
    chosen = await api.query(SET_PASSWORD, {"input": {"token": token, "password": NEW_PASSWORD}})

    # Then they are ACTIVE and signed in as the same person, with the role they were given
    assert chosen["setPassword"]["viewer"] == {
        "id": person["id"],
        "email": "megan@contoso.com",
        "status": "ACTIVE",
        "roles": ["HELPDESK_ADMINISTRATOR"],
    }
    payload, browser = await sign_in(api, "megan@contoso.com", NEW_PASSWORD)
    assert payload["errors"] == []
    assert browser is not None


async def test_a_partners_admin_agent_invites_an_agent(api: GraphQLClient, db: Settings) -> None:
    # Given Fabrikam's admin agent
    fabrikam = await f.partner("Fabrikam")
    agent = await active(await f.person(fabrikam, "ADMIN_AGENT"))

    # When they invite a sales agent
    invited = await invite(api, agent, email="sales@fabrikam.com", roles=["SALES_AGENT"])

    # Then the agent is Fabrikam's, INVITED, and the invitation is in Fabrikam's log
    assert invited["errors"] == []
    assert invited["user"]["roles"] == ["SALES_AGENT"]
    user = await User.get(email="sales@fabrikam.com")
    assert user.organization_id == fabrikam.id
    [entry] = await ActivityEntry.filter(action="user.invited")
    assert (entry.partner_id, entry.customer_id) == (fabrikam.id, None)


async def test_an_invitation_is_refused_naming_each_field(api: GraphQLClient, db: Settings) -> None:
    # Given Contoso's Global Administrator and Fabrikam's admin agent, and Fabrikam's address
    _, admin = await contoso()
    fabrikam = await f.partner("Fabrikam")
    agent = await active(await f.person(fabrikam, "ADMIN_AGENT", email="agent@fabrikam.com"))

    # When an invitation is wrong in every field at once
    wrong = await invite(
        api, admin, email="not-an-address", displayName="x" * 201, roles=["ADMIN_AGENT"]
    )
    # Then each is refused next to its field
    assert refusals(wrong) == [
        ("email", "INVALID_INPUT"),
        ("displayName", "INVALID_INPUT"),
        ("roles", "UNKNOWN_ROLE"),
    ]

    # When a partner invites with a customer's role, or with none
    assert refusals(await invite(api, agent, email="a@fabrikam.com", roles=["GLOBAL_READER"])) == [
        ("roles", "UNKNOWN_ROLE")
    ]
    assert refusals(await invite(api, agent, email="a@fabrikam.com", roles=[])) == [
        ("roles", "ROLES_REQUIRED")
    ]

    # When Contoso invites an address that has an account, here or in another organization
    for address in ("ADMIN@contoso.com", "agent@fabrikam.com"):
        taken = await invite(api, admin, email=address)
        # Then it is refused naming the address, and saying nothing of whose it is
        assert refusals(taken) == [("email", "DUPLICATE")]
        assert (
            taken["errors"][0]["message"] == "This email address already has a Partnerhub account."
        )

    # And nothing was added, recorded or queued
    assert await User.all().count() == 2
    assert await ActivityEntry.filter(action="user.invited").count() == 0
    assert await PasswordLink.all().count() == 0


async def test_resending_an_invitation_sends_a_new_link_and_the_old_one_dies(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a colleague invited by Contoso's admin, whose email went out
    _, admin = await contoso()
    person = (await invite(api, admin, email="megan@contoso.com"))["user"]
    await run_jobs(db)
    first = await emailed_token(smtp_server, 1)

    # When the admin resends it at once
    soon = await act(api, admin, "resendUserInvitation", person["id"])
    # Then that is too soon, naming the person
    assert refusals(soon) == [("userId", "RATE_LIMITED")]

    # When they resend it two minutes later
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        resent = await act(api, admin, "resendUserInvitation", person["id"])
        assert resent["errors"] == []
        await run_jobs(db)
        second = await emailed_token(smtp_server, 2)
        assert second != first

        # Then the first link is dead and the new one works
        old = await api.query(SET_PASSWORD, {"input": {"token": first, "password": NEW_PASSWORD}})
        assert [e["code"] for e in old["setPassword"]["errors"]] == ["LINK_NOT_VALID"]
        new = await api.query(SET_PASSWORD, {"input": {"token": second, "password": NEW_PASSWORD}})
        assert new["setPassword"]["viewer"]["status"] == "ACTIVE"
        entries = ActivityEntry.filter(object_id=decode_id("User", person["id"]))
        assert [e.action for e in await entries.order_by("created_at")] == [
            "user.invited",
            "user.invitation_resent",
            "user.password_set",
        ]

        # When the admin resends or cancels the invitation of someone who has set a password
        for name in ("resendUserInvitation", "cancelUserInvitation"):
            refused = await act(api, admin, name, person["id"])
            # Then there is no invitation any more, and they are told so
            assert refusals(refused) == [("userId", "USER_NOT_INVITED")]


async def test_canceling_an_invitation_removes_the_invited_person(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a colleague invited by Contoso's admin, whose email went out
    org, admin = await contoso()
    person = (await invite(api, admin, email="megan@contoso.com", displayName="Megan"))["user"]
    await run_jobs(db)
    token = await emailed_token(smtp_server, 1)

    # When the admin cancels the invitation
    canceled = await act(api, admin, "cancelUserInvitation", person["id"])

    # Then the person as they were is in the answer, and is gone
    assert canceled["errors"] == []
    assert (canceled["user"]["email"], canceled["user"]["status"]) == (
        "megan@contoso.com",
        "INVITED",
    )
    assert not await User.exists(email="megan@contoso.com")
    # And their link died with them
    used = await api.query(SET_PASSWORD, {"input": {"token": token, "password": NEW_PASSWORD}})
    assert [e["code"] for e in used["setPassword"]["errors"]] == ["LINK_NOT_VALID"]
    # And the cancellation names them in Contoso's log
    [entry] = await ActivityEntry.filter(action="user.invitation_canceled")
    assert entry.customer_id == org.id
    assert entry.changes["email"] == "megan@contoso.com"
    # And the address may be invited again, as a new person
    again = await invite(api, admin, email="megan@contoso.com")
    assert again["errors"] == []
    assert again["user"]["id"] != person["id"]


# -------------------------------------------------------------------------- who may


async def test_who_may_manage_people_and_which_roles(api: GraphQLClient, db: Settings) -> None:
    # Given Contoso's admins of several kinds, and a plain colleague
    org, ga = await contoso()
    user_admin = await active(await f.person(org, "USER_ADMINISTRATOR"))
    role_admin = await active(await f.person(org, "PRIVILEGED_ROLE_ADMINISTRATOR"))
    billing = await active(await f.person(org, "BILLING_ADMINISTRATOR"))
    colleague = await active(await f.person(org, "REPORTS_READER", email="ann@contoso.com"))

    # Then a Billing Administrator may neither invite nor change anyone's roles
    for query, variables in (
        (INVITE, {"input": {"email": "new@contoso.com", "roles": []}}),
        (UPDATE_ROLES, {"input": {"userId": gid(colleague), "roles": []}}),
        (BY_ID["disableUser"], {"input": {"userId": gid(colleague)}}),
    ):
        assert await api.error_code(query, variables, billing.token) == "FORBIDDEN"

    # And a User Administrator invites and manages people with non-privileged roles only
    assert (await invite(api, user_admin, email="new@contoso.com", roles=["GLOBAL_READER"]))[
        "errors"
    ] == []
    privileged = await invite(
        api, user_admin, email="boss@contoso.com", roles=["GLOBAL_ADMINISTRATOR"]
    )
    assert refusals(privileged) == [("roles", "PRIVILEGED_ROLE_REQUIRED")]
    assert privileged["errors"][0]["message"] == (
        "Only a Global or Privileged Role Administrator may give or take Global Administrator."
    )
    promoted = await set_roles(api, user_admin, gid(colleague), ["PRIVILEGED_ROLE_ADMINISTRATOR"])
    assert refusals(promoted) == [("roles", "PRIVILEGED_ROLE_REQUIRED")]
    assert (await set_roles(api, user_admin, gid(colleague), ["LICENSE_ADMINISTRATOR"]))[
        "errors"
    ] == []
    # ... and cannot touch the people who hold a privileged role
    for name in ("disableUser", "removeUser"):
        assert refusals(await act(api, user_admin, name, gid(ga))) == [
            ("userId", "PRIVILEGED_ROLE_REQUIRED")
        ]
    assert refusals(await set_roles(api, user_admin, gid(role_admin), [])) == [
        ("userId", "PRIVILEGED_ROLE_REQUIRED")
    ]

    # And a Privileged Role Administrator changes any role, but does not invite or disable
    assert (await set_roles(api, role_admin, gid(colleague), ["GLOBAL_ADMINISTRATOR"]))[
        "errors"
    ] == []
    assert (
        await api.error_code(
            INVITE, {"input": {"email": "x@contoso.com", "roles": []}}, role_admin.token
        )
        == "FORBIDDEN"
    )
    assert (
        await api.error_code(
            BY_ID["disableUser"], {"input": {"userId": gid(billing)}}, role_admin.token
        )
        == "FORBIDDEN"
    )

    # And the Global Administrator does everything
    assert (await set_roles(api, ga, gid(colleague), ["REPORTS_READER"]))["errors"] == []
    assert (await act(api, ga, "disableUser", gid(user_admin)))["errors"] == []

    # And every allowed change is in Contoso's log, each refused one is not
    assert [e.action for e in await ActivityEntry.all().order_by("created_at")] == [
        "user.invited",
        "user.roles_updated",
        "user.roles_updated",
        "user.roles_updated",
        "user.disabled",
    ]


async def test_a_partners_agents_are_managed_by_its_admin_agents_only(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's admin agent, a sales agent and a helpdesk agent
    fabrikam = await f.partner("Fabrikam")
    admin = await active(await f.person(fabrikam, "ADMIN_AGENT"))
    sales = await active(await f.person(fabrikam, "SALES_AGENT"))
    helpdesk = await active(await f.person(fabrikam, "HELPDESK_AGENT"))

    # Then neither the sales nor the helpdesk agent may manage anyone
    for agent in (sales, helpdesk):
        variables = {"input": {"userId": gid(helpdesk), "roles": ["ADMIN_AGENT"]}}
        assert await api.error_code(UPDATE_ROLES, variables, agent.token) == "FORBIDDEN"
        assert (
            await api.error_code(
                INVITE,
                {"input": {"email": "a@fabrikam.com", "roles": ["SALES_AGENT"]}},
                agent.token,
            )
            == "FORBIDDEN"
        )

    # And the admin agent gives roles, checked against a partner's roles
    assert refusals(await set_roles(api, admin, gid(sales), ["BILLING_ADMINISTRATOR"])) == [
        ("roles", "UNKNOWN_ROLE")
    ]
    assert refusals(await set_roles(api, admin, gid(sales), [])) == [("roles", "ROLES_REQUIRED")]
    changed = await set_roles(api, admin, gid(sales), ["HELPDESK_AGENT", "SALES_AGENT"])
    assert changed["errors"] == []
    assert changed["user"]["roles"] == ["SALES_AGENT", "HELPDESK_AGENT"]  # the catalog's order
    # And disables and removes agents
    assert (await act(api, admin, "disableUser", gid(helpdesk)))["user"]["status"] == "DISABLED"
    assert (await act(api, admin, "removeUser", gid(helpdesk)))["errors"] == []
    assert not await User.exists(id=helpdesk.user.id)


async def test_roles_changes_are_recorded_and_a_change_to_nothing_records_nothing(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin and a colleague with Reports Reader, and an endpoint subscribed
    org, admin = await contoso()
    colleague = await active(await f.person(org, "REPORTS_READER"))
    await WebhookEndpoint.create(
        organization=org,
        url="https://8.8.8.8/hooks",
        event_types=["user.roles_updated"],
        sealed_secret=Sealer("tests").seal("whsec_" + "A" * 32),
    )

    # When the admin swaps the role for Helpdesk Administrator, then asks for the same again
    first = await set_roles(api, admin, gid(colleague), ["HELPDESK_ADMINISTRATOR"])
    second = await set_roles(api, admin, gid(colleague), ["HELPDESK_ADMINISTRATOR"])

    # Then both answer the person's roles, and one change is recorded, with what it did
    assert first["user"]["roles"] == second["user"]["roles"] == ["HELPDESK_ADMINISTRATOR"]
    [entry] = await ActivityEntry.filter(action="user.roles_updated")
    assert entry.changes == {
        "roles": ["HELPDESK_ADMINISTRATOR"],
        "added": ["HELPDESK_ADMINISTRATOR"],
        "removed": ["REPORTS_READER"],
    }
    # And it is an event for the subscribed system
    [event] = await WebhookEvent.all()
    assert event.type == "user.roles_updated"
    assert event.data["object"] == ["User", str(colleague.user.id)]
    # And the colleague's next request acts with the new role
    assert (await User.get(id=colleague.user.id)).roles == ["HELPDESK_ADMINISTRATOR"]


# ----------------------------------------------------------------- disabling and removing


async def test_disabling_a_person_stops_their_open_session_and_token_on_the_next_request(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a colleague signed in in a browser, with a bearer token for a script
    org, admin = await contoso()
    colleague = await f.with_password(
        await f.person(org, "BILLING_ADMINISTRATOR", email="ann@contoso.com")
    )
    _, browser = await sign_in(api, colleague.email, f.PASSWORD)
    assert browser is not None
    assert (await api.query(RELATIONSHIPS, headers=browser.headers()))["relationships"] == {
        "totalCount": 0
    }

    # When the admin disables them
    disabled = await act(api, admin, "disableUser", gid(colleague))

    # Then they are DISABLED, and their session and token stop working on the next request
    assert disabled["errors"] == []
    assert disabled["user"]["status"] == "DISABLED"
    assert disabled["user"]["viewerActions"] == ["CHANGE_ROLES", "ENABLE", "REMOVE"]
    assert await api.error_code(RELATIONSHIPS, headers=browser.headers()) == "UNAUTHENTICATED"
    assert await api.error_code(RELATIONSHIPS, token=colleague.token) == "UNAUTHENTICATED"
    # And they were ended, not merely refused
    assert await UserSession.filter(user_id=colleague.user.id).count() == 0
    assert await ApiToken.filter(user_id=colleague.user.id, revoked_at=None).count() == 0
    payload, _ = await sign_in(api, colleague.email, f.PASSWORD)
    assert [e["code"] for e in payload["errors"]] == ["ACCOUNT_DISABLED"]
    [entry] = await ActivityEntry.filter(action="user.disabled")
    assert entry.changes == {"email": "ann@contoso.com", "sessionsEnded": 1, "tokensRevoked": 1}
    # And disabling them again changes nothing
    assert (await act(api, admin, "disableUser", gid(colleague)))["errors"] == []
    assert await ActivityEntry.filter(action="user.disabled").count() == 1

    # When the admin enables them
    enabled = await act(api, admin, "enableUser", gid(colleague))

    # Then they sign in again; the revoked token stays revoked
    assert enabled["user"]["status"] == "ACTIVE"
    payload, again = await sign_in(api, colleague.email, f.PASSWORD)
    assert payload["errors"] == []
    assert again is not None
    assert await api.error_code(RELATIONSHIPS, token=colleague.token) == "UNAUTHENTICATED"
    entries = ActivityEntry.filter(object_id=colleague.user.id).order_by("created_at")
    assert [e.action for e in await entries] == [
        "user.signed_in",
        "user.disabled",
        "user.enabled",
        "user.signed_in",
    ]


async def test_a_disabled_persons_emailed_link_opens_nothing(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a colleague who asked for a reset link, which the worker emailed
    org, admin = await contoso()
    colleague = await f.with_password(
        await f.person(org, "BILLING_ADMINISTRATOR", email="ann@contoso.com")
    )
    await api.query(REQUEST_RESET, {"input": {"email": colleague.email}})
    await run_jobs(db)
    token = await emailed_token(smtp_server, 1)

    # When the admin disables them, and they open the link
    assert (await act(api, admin, "disableUser", gid(colleague)))["errors"] == []
    refused = await api.query(SET_PASSWORD, {"input": {"token": token, "password": NEW_PASSWORD}})

    # Then it opens nothing, and they stay disabled
    assert [e["code"] for e in refused["setPassword"]["errors"]] == ["LINK_NOT_VALID"]
    assert (await User.get(id=colleague.user.id)).status is UserStatus.DISABLED

    # And an invited person is not disabled: their invitation is canceled instead
    invited = (await invite(api, admin, email="megan@contoso.com"))["user"]
    not_yet = await act(api, admin, "disableUser", invited["id"])
    assert refusals(not_yet) == [("userId", "INVALID_INPUT")]
    assert "cancel their invitation instead" in not_yet["errors"][0]["message"]


async def test_removing_a_person_ends_their_sign_ins_and_their_activity_still_names_them(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a colleague signed in, who made a bearer token (an entry of the activity log)
    org, admin = await contoso()
    colleague = await f.with_password(
        await f.person(org, "BILLING_ADMINISTRATOR", email="ann@contoso.com")
    )
    colleague.user.display_name = "Ann Beebe"
    await colleague.user.save(update_fields=["display_name"])
    _, browser = await sign_in(api, colleague.email, f.PASSWORD)
    assert browser is not None
    made = await api.query(
        'mutation { createApiToken(input: {name: "Export"}) { token errors { code } } }',
        headers=browser.headers(),
    )
    assert made["createApiToken"]["errors"] == []

    # When the admin removes them
    removed = await act(api, admin, "removeUser", gid(colleague))

    # Then the answer is the person as they were, and they are gone with all that was theirs
    assert removed["errors"] == []
    assert removed["user"]["email"] == "ann@contoso.com"
    assert not await User.exists(id=colleague.user.id)
    assert await UserSession.filter(user_id=colleague.user.id).count() == 0
    assert await ApiToken.filter(user_id=colleague.user.id).count() == 0
    assert await api.error_code(RELATIONSHIPS, headers=browser.headers()) == "UNAUTHENTICATED"
    assert await api.error_code(RELATIONSHIPS, token=colleague.token) == "UNAUTHENTICATED"
    members = (await api.query(MEMBERS, token=admin.token))["viewer"]["organization"]["members"]
    assert [e["node"]["email"] for e in members["edges"]] == ["admin@contoso.com"]

    # And what they did stays in the log, naming them
    data = await api.query(ACTIVITY, {"filter": {"actions": ["api_token.created"]}}, admin.token)
    [entry] = [edge["node"] for edge in data["activity"]["edges"]]
    assert entry["actor"] is None
    assert entry["removedActor"]["id"] == gid(colleague)
    assert (entry["removedActor"]["email"], entry["removedActor"]["displayName"]) == (
        "ann@contoso.com",
        "Ann Beebe",
    )
    # And the removal itself is recorded, with what ended
    [removal] = await ActivityEntry.filter(action="user.removed")
    assert removal.changes == {
        "email": "ann@contoso.com",
        "displayName": "Ann Beebe",
        "roles": ["BILLING_ADMINISTRATOR"],
        "sessionsEnded": 1,
        "tokensRevoked": 2,
    }
    # And the entries of someone still there name them as `actor`, not `removedActor`
    data = await api.query(ACTIVITY, {"filter": {"actions": ["user.removed"]}}, admin.token)
    [own] = [edge["node"] for edge in data["activity"]["edges"]]
    assert (own["actor"]["email"], own["removedActor"]) == ("admin@contoso.com", None)


# ------------------------------------------------------------------------- the last admin


async def test_the_last_global_administrator_is_never_demoted_disabled_or_removed(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's one active Global Administrator, and another one invited but not yet in
    org, admin = await contoso()
    invited = await f.person(org, "GLOBAL_ADMINISTRATOR")
    disabled = await f.person(org, "GLOBAL_ADMINISTRATOR")
    await User.filter(id=disabled.user.id).update(status=UserStatus.DISABLED)

    # When the admin demotes, disables or removes themselves
    demoted = await set_roles(api, admin, gid(admin), ["BILLING_ADMINISTRATOR"])
    off = await act(api, admin, "disableUser", gid(admin))
    gone = await act(api, admin, "removeUser", gid(admin))

    # Then each is refused, naming the field: neither an invited nor a disabled one counts
    assert refusals(demoted) == [("roles", "LAST_ADMIN")]
    assert demoted["errors"][0]["message"] == (
        "You are the last active Global Administrator of your organization: give someone else "
        "the role first."
    )
    assert refusals(off) == [("userId", "LAST_ADMIN")]
    assert refusals(gone) == [("userId", "LAST_ADMIN")]
    assert (await User.get(id=admin.user.id)).roles == ["GLOBAL_ADMINISTRATOR"]
    # And other roles may still be added beside the kept one
    kept = await set_roles(api, admin, gid(admin), ["GLOBAL_ADMINISTRATOR", "GLOBAL_READER"])
    assert kept["errors"] == []

    # When the invited one sets a password (ACTIVE), the admin may step down
    await active(invited)
    stepped = await set_roles(api, admin, gid(admin), ["BILLING_ADMINISTRATOR"])
    assert stepped["errors"] == []
    # And has lost the right to manage people on their very next request
    viewer = (await api.query(VIEWER, token=admin.token))["viewer"]
    assert (viewer["canManagePeople"], viewer["assignableRoles"]) == (False, [])
    assert (
        await api.error_code(BY_ID["removeUser"], {"input": {"userId": gid(invited)}}, admin.token)
        == "FORBIDDEN"
    )
    # And the new one is now the last, and kept
    assert refusals(await act(api, invited, "removeUser", gid(invited))) == [
        ("userId", "LAST_ADMIN")
    ]


async def test_the_last_admin_agent_of_a_partner_is_kept(api: GraphQLClient, db: Settings) -> None:
    # Given Fabrikam's two admin agents
    fabrikam = await f.partner("Fabrikam")
    first = await active(await f.person(fabrikam, "ADMIN_AGENT", email="one@fabrikam.com"))
    second = await active(await f.person(fabrikam, "ADMIN_AGENT", email="two@fabrikam.com"))

    # When the first disables the second, then demotes themselves
    assert (await act(api, first, "disableUser", gid(second)))["errors"] == []
    demoted = await set_roles(api, first, gid(first), ["SALES_AGENT"])

    # Then the demotion is refused: they are the last active admin agent
    assert refusals(demoted) == [("roles", "LAST_ADMIN")]
    assert "last active admin agent" in demoted["errors"][0]["message"]

    # And once the second is enabled, it goes through
    assert (await act(api, first, "enableUser", gid(second)))["errors"] == []
    assert (await set_roles(api, first, gid(first), ["SALES_AGENT"]))["errors"] == []


async def test_an_admin_may_disable_themselves_and_is_signed_out_at_once(
    api: GraphQLClient, db: Settings
) -> None:
    # Given two Global Administrators, the first signed in in a browser (with the second
    # factor a Global Administrator must use)
    org, admin = await contoso()
    admin = await with_authenticator(await f.with_password(admin))
    other = await active(await f.person(org, "GLOBAL_ADMINISTRATOR"))
    _, browser = await sign_in(api, admin.email, f.PASSWORD, totpCode=await next_code(admin))
    assert browser is not None

    # When the first disables themselves from the browser
    data = await api.query(
        BY_ID["disableUser"], {"input": {"userId": gid(admin)}}, headers=browser.headers()
    )

    # Then it is done, and the browser's next request is no longer signed in
    assert data["disableUser"]["errors"] == []
    assert data["disableUser"]["user"]["status"] == "DISABLED"
    assert await api.error_code(RELATIONSHIPS, headers=browser.headers()) == "UNAUTHENTICATED"
    # And only the other admin can enable them again
    assert (await act(api, other, "enableUser", gid(admin)))["user"]["status"] == "ACTIVE"


# --------------------------------------------------------------- what the viewer is told


async def test_the_viewer_is_told_what_they_may_do_and_to_whom(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's Global and User Administrators, a Billing Administrator, and an invitee
    org, ga = await contoso()
    user_admin = await active(await f.person(org, "USER_ADMINISTRATOR"))
    billing = await active(await f.person(org, "BILLING_ADMINISTRATOR"))
    invited = await f.person(org, "GLOBAL_READER")
    fabrikam = await f.partner("Fabrikam")
    agent = await active(await f.person(fabrikam, "ADMIN_AGENT"))
    sales = await active(await f.person(fabrikam, "SALES_AGENT"))

    async def viewer(who: f.Person) -> dict[str, Any]:
        found: dict[str, Any] = (await api.query(VIEWER, token=who.token))["viewer"]
        return found

    async def actions(who: f.Person) -> dict[str, list[str]]:
        data = await api.query(MEMBERS, token=who.token)
        edges = data["viewer"]["organization"]["members"]["edges"]
        return {edge["node"]["email"]: edge["node"]["viewerActions"] for edge in edges}

    # Then who may manage people is said on their own account
    assert [(await viewer(p))["canManagePeople"] for p in (ga, user_admin, billing)] == [
        True,
        True,
        False,
    ]
    assert [(await viewer(p))["canManagePeople"] for p in (agent, sales)] == [True, False]
    # And which roles they may give, with the catalog's names
    ga_roles = (await viewer(ga))["assignableRoles"]
    assert ga_roles[0] == {
        "key": "GLOBAL_ADMINISTRATOR",
        "name": "Global Administrator",
        "privileged": True,
    }
    user_admin_roles = {role["key"] for role in (await viewer(user_admin))["assignableRoles"]}
    assert "GLOBAL_ADMINISTRATOR" not in user_admin_roles
    assert "PRIVILEGED_ROLE_ADMINISTRATOR" not in user_admin_roles
    assert {"USER_ADMINISTRATOR", "HELPDESK_ADMINISTRATOR"} <= user_admin_roles
    assert [role["name"] for role in (await viewer(agent))["assignableRoles"]] == [
        "Admin agent",
        "Sales agent",
        "Helpdesk agent",
    ]
    # And what they may do to each person, by the person's roles and status
    assert await actions(ga) == {
        ga.email: ["CHANGE_ROLES", "DISABLE", "REMOVE"],
        user_admin.email: ["CHANGE_ROLES", "DISABLE", "REMOVE"],
        billing.email: ["CHANGE_ROLES", "DISABLE", "REMOVE"],
        invited.email: ["CHANGE_ROLES", "RESEND_INVITATION", "CANCEL_INVITATION"],
    }
    by_user_admin = await actions(user_admin)
    assert by_user_admin[ga.email] == []  # a Global Administrator is above them
    assert by_user_admin[billing.email] == ["CHANGE_ROLES", "DISABLE", "REMOVE"]
    # And someone who manages nobody may do nothing to anyone
    assert all(value == [] for value in (await actions(billing)).values())


async def test_a_partners_account_in_the_tenant_is_managed_but_never_invited(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso, whose PARTNER-type relationship gave Fabrikam an account in its tenant
    org, admin = await contoso()
    fabrikam = await f.partner("Fabrikam")
    agent = await active(await f.person(fabrikam, "ADMIN_AGENT"))
    await f.granted(agent, admin, ["USER_ADMINISTRATOR"], RelationshipType.PARTNER)
    account = await User.get(organization_id=org.id, partner_of_id=fabrikam.id)

    # Then Contoso's admin sees it among its people, to change or remove, not to re-invite
    data = await api.query(MEMBERS, token=admin.token)
    [listed] = [
        edge["node"]
        for edge in data["viewer"]["organization"]["members"]["edges"]
        if edge["node"]["id"] == gid(account)
    ]
    assert listed["viewerActions"] == ["CHANGE_ROLES", "REMOVE"]
    for name in ("resendUserInvitation", "cancelUserInvitation"):
        refused = await act(api, admin, name, gid(account))
        assert refusals(refused) == [("userId", "USER_NOT_INVITED")]
    assert await OutboxMessage.filter(task=Task.SEND_PASSWORD_EMAIL).count() == 0

    # When the admin takes the role the partner was granted, the account loses it
    taken = await set_roles(api, admin, gid(account), [])
    assert taken["user"]["roles"] == []


# ----------------------------------------------------------------- another organization


async def test_another_organization_gets_nothing(api: GraphQLClient, db: Settings) -> None:
    # Given Contoso's Global Administrator, and Litware's and Fabrikam's people
    _, admin = await contoso()
    litware = await f.customer("Litware")
    theirs = await active(await f.person(litware, "GLOBAL_ADMINISTRATOR"))
    invited = await f.person(litware, "GLOBAL_READER")
    fabrikam = await f.partner("Fabrikam")
    agent = await active(await f.person(fabrikam, "ADMIN_AGENT"))
    before = {u.id: (u.roles, u.status) for u in await User.all()}

    # When Contoso's admin acts on each of them by their IDs
    for target in (theirs, invited, agent):
        answers = [await set_roles(api, admin, gid(target), ["GLOBAL_READER"])]
        answers += [await act(api, admin, name, gid(target)) for name in BY_ID]
        # Then each is not found, naming the person, and shows nothing of them
        for payload in answers:
            assert refusals(payload) == [("userId", "NOT_FOUND")]
            assert payload["user"] is None
            assert target.email not in json.dumps(payload)

    # And nothing of theirs changed, and nothing was recorded or sent
    assert {u.id: (u.roles, u.status) for u in await User.all()} == before
    assert await ActivityEntry.all().count() == 0
    assert await OutboxMessage.all().count() == 0
    # And an ID of another type, or none at all, is not found either
    wrong = await act(api, admin, "disableUser", str(encode_id("Organization", litware.id)))
    assert refusals(wrong) == [("userId", "NOT_FOUND")]


@pytest.mark.parametrize("name", ["disableUser", "removeUser"])
async def test_a_visitor_is_asked_to_sign_in(api: GraphQLClient, db: Settings, name: str) -> None:
    # Given a person of Contoso
    _, admin = await contoso()
    # When someone who is not signed in acts on them
    # Then they are asked to sign in, and nothing changes
    assert await api.error_code(BY_ID[name], {"input": {"userId": gid(admin)}}) == "UNAUTHENTICATED"
    assert (await User.get(id=admin.user.id)).status is UserStatus.ACTIVE
