"""An admin resets a colleague's second factor through the API (`resetUserMfa`), under the rules
of managing that person's roles: their authenticator and recovery codes go, their sessions
end, and the reset is recorded and sent to subscribed systems."""

from __future__ import annotations

from typing import Any

from models.foundation.clock import utcnow
from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from models.infrastructure.tokens import Sealer
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.activity import ActivityEntry
from models.tables.mfa import RecoveryCode, TotpFactor
from models.tables.organizations import User
from models.tables.outbound_webhooks import WebhookEndpoint, WebhookEvent
from models.tables.sign_in import UserSession
from tests import factories as f
from tests.authenticator import next_code, with_authenticator
from tests.graphql import GraphQLClient
from tests.sessions import sign_in

RESET_MFA = """
mutation($input: UserIdInput!) {
  resetUserMfa(input: $input) {
    user { id email mfaEnabled viewerActions } errors { field message code }
  }
}
"""
MEMBERS = """
{ viewer { organization { members(first: 100) { edges { node { id viewerActions } } } } } }
"""
VIEWER = "{ viewer { id } }"


def gid(person: f.Person) -> str:
    return str(encode_id("User", person.user.id))


async def reset(api: GraphQLClient, who: f.Person, user_id: str) -> dict[str, Any]:
    return await api.raw(RESET_MFA, {"input": {"userId": user_id}}, who.token)


async def _enrolled(person: f.Person) -> f.Person:
    """The person, with a password and an authenticator app."""
    return await with_authenticator(await f.with_password(person))


async def test_an_admin_resets_a_colleagues_lost_authenticator(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's Global Administrator, and a colleague with an authenticator app, signed
    # in, and an endpoint subscribed to the reset
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR)
    colleague = await _enrolled(await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR))
    await RecoveryCode.create(user_id=colleague.user.id, code_hash="0" * 64, created_at=utcnow())
    _, browser = await sign_in(
        api, colleague.user.email, f.PASSWORD, totpCode=await next_code(colleague)
    )
    assert browser is not None
    await WebhookEndpoint.create(
        organization=contoso,
        url="https://8.8.8.8/hooks",
        event_types=["user.mfa_reset"],
        sealed_secret=Sealer("tests").seal("whsec_" + "A" * 32),
    )
    # ... whom the People page offers to reset
    members = (await api.query(MEMBERS, token=admin.token))["viewer"]["organization"]["members"]
    actions = {e["node"]["id"]: e["node"]["viewerActions"] for e in members["edges"]}
    assert "RESET_MFA" in actions[gid(colleague)]
    assert "RESET_MFA" not in actions[gid(admin)]  # not oneself

    # When the admin resets the colleague's second factor
    body = await reset(api, admin, gid(colleague))

    # Then the authenticator and the recovery codes are gone, and the open session with them
    payload = body["data"]["resetUserMfa"]
    assert payload["errors"] == []
    assert payload["user"]["mfaEnabled"] is False
    assert "RESET_MFA" not in payload["user"]["viewerActions"]
    assert not await TotpFactor.exists(user_id=colleague.user.id)
    assert not await RecoveryCode.exists(user_id=colleague.user.id)
    assert not await UserSession.exists(user_id=colleague.user.id)
    assert (await api.raw(VIEWER, headers=browser.headers()))["data"]["viewer"] is None
    # ... it is recorded, and sent to the subscribed system
    [entry] = await ActivityEntry.filter(action="user.mfa_reset")
    assert entry.object_id == colleague.user.id
    assert entry.changes == {
        "email": colleague.user.email,
        "recoveryCodesRemoved": 1,
        "sessionsEnded": 1,
    }
    [event] = await WebhookEvent.all()
    assert event.type == "user.mfa_reset"
    assert event.data["object"] == ["User", str(colleague.user.id)]
    # ... and the colleague signs in with their password, to set up a new app
    signed, again = await sign_in(api, colleague.user.email, f.PASSWORD)
    assert signed["errors"] == []
    assert signed["mfaRequired"] is False
    assert again is not None

    # And a second reset finds nothing to reset
    twice = (await reset(api, admin, gid(colleague)))["data"]["resetUserMfa"]
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [
        (["input", "userId"], "MFA_NOT_ENABLED")
    ]


async def test_who_may_reset_a_second_factor_is_who_may_change_the_persons_roles(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's people: a User Administrator, a billing admin, a Global Administrator,
    # all with authenticators, and someone of another organization
    contoso = await f.customer("Contoso")
    user_admin = await f.person(contoso, AdminRole.USER_ADMINISTRATOR)
    billing = await _enrolled(await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR))
    global_admin = await _enrolled(await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR))
    reader = await f.person(contoso, AdminRole.REPORTS_READER)
    stranger = await _enrolled(await f.person(await f.customer(), AdminRole.BILLING_ADMINISTRATOR))
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)

    # When each tries
    # Then a User Administrator resets a non-privileged colleague's ...
    done = (await reset(api, user_admin, gid(billing)))["data"]["resetUserMfa"]
    assert done["errors"] == []
    # ... but not a Global Administrator's (privileged: Global or Privileged Role admins)
    refused = (await reset(api, user_admin, gid(global_admin)))["data"]["resetUserMfa"]
    assert [e["code"] for e in refused["errors"]] == ["PRIVILEGED_ROLE_REQUIRED"]
    # ... someone who manages no roles is refused at the top level
    forbidden = await reset(api, reader, gid(global_admin))
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # ... and nobody reaches a person of another organization, a partner's agent neither
    for who in (user_admin, agent):
        body = await reset(api, who, gid(stranger))
        codes = [e["code"] for e in (body["data"]["resetUserMfa"] or {}).get("errors", [])]
        codes += [e["extensions"]["code"] for e in body.get("errors") or []]
        assert codes in (["NOT_FOUND"], ["FORBIDDEN"])
    # ... nor resets their own
    own = (await reset(api, global_admin, gid(global_admin)))["data"]["resetUserMfa"]
    assert [e["code"] for e in own["errors"]] == ["INVALID_INPUT"]
    # And what was refused still stands
    assert await TotpFactor.exists(user_id=global_admin.user.id)
    assert await TotpFactor.exists(user_id=stranger.user.id)
    assert await User.exists(id=billing.user.id)
