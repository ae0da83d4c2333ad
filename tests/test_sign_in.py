"""People sign in with a password and get a session: the cookies, their time-outs, signing
out, passwords chosen from emailed links, changed, or temporary, and bearer tokens of
their own. Against the real app, database, worker and SMTP server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from argon2 import PasswordHasher
from arq.connections import ArqRedis
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.identity.passwords import Passwords
from models.identity.sessions import CSRF_COOKIE, SESSION_COOKIE
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.enums import UserStatus
from models.rules.people import create_person
from models.tables.activity import ActivityEntry
from models.tables.organizations import ApiToken, Organization, User
from models.tables.outbox import OutboxMessage
from models.tables.sign_in import PasswordLink, SignInThrottle, UserSession
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs, text_of
from tests.servers import SmtpServer
from tests.sessions import Browser, set_cookies, sign_in
from workers.dispatch import dispatch
from workers.retention import purge_sign_in
from workers.runtime import Runtime
from workers.worker import cron_jobs

VIEWER = "{ viewer { email status mustChangePassword mfaEnabled } }"
RELATIONSHIPS = "{ relationships { totalCount } }"
SESSIONS = "{ viewer { sessions { id current createdAt lastUsedAt expiresAt userAgent } } }"
SIGN_OUT = """
mutation SignOut($input: SignOutInput!) {
  signOut(input: $input) { sessionsEnded errors { field message code } }
}
"""
CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { user { email mustChangePassword } errors { field code message } }
}
"""
REQUEST_RESET = """
mutation Reset($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { errors { field code } }
}
"""
SET_PASSWORD = """
mutation Set($input: SetPasswordInput!) {
  setPassword(input: $input) {
    viewer { email status } mfaRequired errors { field code message }
  }
}
"""
CREATE_TOKEN = """
mutation Create($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    apiToken { id name expiresAt } token errors { field code }
  }
}
"""
REVOKE_TOKEN = """
mutation Revoke($input: IdInput!) {
  revokeApiToken(input: $input) { apiToken { id name revokedAt } token errors { field code } }
}
"""
API_TOKENS = "{ viewer { apiTokens { id name expiresAt } } }"


async def signed_in_admin() -> f.Person:
    """Contoso's helpdesk admin, who has a password. Holding no privileged role, they need no
    second factor: `test_mfa.py` signs in those who do."""
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "HELPDESK_ADMINISTRATOR", email="admin@contoso.com")
    return await f.with_password(admin)


@asynccontextmanager
async def from_address(app: Starlette, address: str) -> AsyncIterator[GraphQLClient]:
    """The API as seen from one client address (the socket peer)."""
    transport = ASGITransport(app=app, client=(address, 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


async def test_a_person_signs_in_with_a_password_and_the_cookie_carries_the_session(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, who has a password
    admin = await signed_in_admin()

    # When they sign in
    response = await api.post(
        "mutation($input: SignInInput!) { signIn(input: $input) { viewer { email status "
        "mustChangePassword mfaEnabled } mfaRequired errors { code } } }",
        {"input": {"email": "Admin@Contoso.com ", "password": f.PASSWORD}},
        headers={"User-Agent": "Firefox on Linux"},
    )

    # Then they are signed in, without a second factor for now
    assert response.json()["data"]["signIn"] == {
        "viewer": {
            "email": "admin@contoso.com",
            "status": "ACTIVE",
            "mustChangePassword": False,
            "mfaEnabled": False,
        },
        "mfaRequired": False,
        "errors": [],
    }
    # And the session cookie is HttpOnly, SameSite=Lax and Secure (PUBLIC_URL is not loopback);
    # the CSRF cookie beside it is readable by the console
    cookies = set_cookies(response)
    session, csrf = cookies[SESSION_COOKIE], cookies[CSRF_COOKIE]
    assert {"httponly", "secure"} <= set(session)
    assert session["samesite"].lower() == "lax"
    assert session["path"] == "/"
    assert "httponly" not in csrf
    assert "secure" in csrf
    assert csrf["samesite"].lower() == "lax"
    # And only the hash of the session's token is stored
    [stored] = await UserSession.all()
    assert stored.token_hash == hashlib.sha256(session["value"].encode()).hexdigest()
    assert stored.user_agent == "Firefox on Linux"
    assert stored.client_address == "127.0.0.1"

    # And the cookie signs the browser in, with the session listed as the current one
    browser = Browser.of(response)
    data = await api.query(VIEWER, headers=browser.headers())
    assert data["viewer"]["email"] == "admin@contoso.com"
    sessions = (await api.query(SESSIONS, headers=browser.headers()))["viewer"]["sessions"]
    assert [(s["current"], s["userAgent"]) for s in sessions] == [(True, "Firefox on Linux")]

    # And the sign-in is in Contoso's activity log, without any secret
    [entry] = await ActivityEntry.filter(action="user.signed_in")
    assert entry.actor_user_id == admin.user.id
    assert entry.customer_id == admin.user.organization_id
    recorded = json.dumps(entry.changes)
    assert f.PASSWORD not in recorded
    assert session["value"] not in recorded


async def test_a_wrong_password_and_an_unknown_address_get_the_same_refusal(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, and a colleague invited but without a password yet
    admin = await signed_in_admin()
    invited = await f.person(await Organization.get(name="Contoso"), email="new@contoso.com")
    assert invited.user.status is UserStatus.INVITED

    # When someone signs in with a wrong password, an unknown address, or as the invited one
    answers = [
        await sign_in(api, admin.email, "not the password at all"),
        await sign_in(api, "nobody@contoso.com", f.PASSWORD),
        await sign_in(api, invited.email, f.PASSWORD),
    ]

    # Then each gets the same refusal, naming the password, and no cookie
    for payload, browser in answers:
        assert browser is None
        assert payload["viewer"] is None
        assert payload["errors"] == [
            {
                "field": ["input", "password"],
                "message": "The email address or password is not right.",
                "code": "INVALID_CREDENTIALS",
            }
        ]
    # And empty fields are refused each next to its field
    payload, _ = await sign_in(api, " ", "")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["input", "email"], "INVALID_INPUT"),
        (["input", "password"], "INVALID_INPUT"),
    ]
    assert await UserSession.all().count() == 0


async def test_a_cookie_only_request_from_another_site_is_refused(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, signed in in a browser
    admin = await signed_in_admin()
    _, browser = await sign_in(api, admin.email, f.PASSWORD)
    assert browser is not None
    create = {"input": {"name": "forged"}}

    # When another site's page makes the browser post a mutation: the cookie goes with it,
    # but the site can neither read the CSRF cookie nor send our origin
    forged = [
        await api.post(CREATE_TOKEN, create, headers=browser.headers(csrf=False, origin=None)),
        await api.post(
            CREATE_TOKEN, create, headers=browser.headers(csrf=False, origin="https://evil.test")
        ),
        await api.post(CREATE_TOKEN, create, headers=browser.headers(origin="https://evil.test")),
        await api.post(CREATE_TOKEN, create, headers=browser.headers(csrf=False)),
        await api.post(
            CREATE_TOKEN,
            create,
            headers=browser.headers(csrf=False) | {"X-CSRF-Token": "made-up"},
        ),
    ]

    # Then each is refused as FORBIDDEN, and nothing is written
    for response in forged:
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # And a form post (no JSON body) is refused before anything reads it
    form = await api.http.post(
        "/graphql",
        content="query=mutation{signOut(input:{}){sessionsEnded}}",
        headers=browser.headers() | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    assert await ApiToken.filter(name="forged").count() == 0
    # And so is signing a browser in from another site's page
    refused = await api.post(
        'mutation { signIn(input: {email: "a@b.c", password: "x"}) { mfaRequired } }',
        headers={"Origin": "https://evil.test"},
    )
    assert refused.status_code == 403

    # When the console sends the same request, with the header and from its own origin
    sent = await api.query(CREATE_TOKEN, create, headers=browser.headers())

    # Then it goes through
    assert sent["createApiToken"]["errors"] == []
    # And a script's bearer token needs no CSRF header, whatever the origin
    token = sent["createApiToken"]["token"]
    scripted = await api.post(
        CREATE_TOKEN, {"input": {"name": "script"}}, token, headers={"Origin": "https://x.test"}
    )
    assert scripted.status_code == 200
    assert scripted.json()["data"]["createApiToken"]["errors"] == []


async def test_signing_out_ends_one_session_or_all_of_them(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin signed in on three browsers
    admin = await signed_in_admin()
    browsers = []
    for _ in range(3):
        _, browser = await sign_in(api, admin.email, f.PASSWORD)
        assert browser is not None
        browsers.append(browser)
    first, second, third = browsers
    listed = (await api.query(SESSIONS, headers=first.headers()))["viewer"]["sessions"]
    assert len(listed) == 3
    [current] = [s for s in listed if s["current"]]
    others = [s["id"] for s in listed if not s["current"]]

    # When the first browser signs out another session
    signed_out = await api.post(
        SIGN_OUT, {"input": {"sessionId": others[0]}}, headers=first.headers()
    )

    # Then that one ended, the first stays signed in and keeps its cookies
    assert signed_out.json()["data"]["signOut"] == {"sessionsEnded": 1, "errors": []}
    assert SESSION_COOKIE not in set_cookies(signed_out)
    listed = (await api.query(SESSIONS, headers=first.headers()))["viewer"]["sessions"]
    assert {s["id"] for s in listed} == {current["id"], others[1]}

    # When it signs out itself
    signed_out = await api.post(SIGN_OUT, {"input": {}}, headers=first.headers())

    # Then its cookies are cleared, and its cookie signs nobody in any more
    assert signed_out.json()["data"]["signOut"]["sessionsEnded"] == 1
    cleared = set_cookies(signed_out)
    assert cleared[SESSION_COOKIE]["value"] == ""
    assert cleared[CSRF_COOKIE]["value"] == ""
    assert await api.error_code(RELATIONSHIPS, headers=first.headers()) == "UNAUTHENTICATED"
    assert (await api.query(VIEWER, headers=first.headers()))["viewer"] is None

    # When one of the two left signs out everywhere
    still = [b for b in (second, third) if (await api.query(VIEWER, headers=b.headers()))["viewer"]]
    assert len(still) == 1
    everywhere = await api.query(
        SIGN_OUT, {"input": {"everywhere": True}}, headers=still[0].headers()
    )

    # Then no session of the admin's is left
    assert everywhere["signOut"]["sessionsEnded"] == 1
    assert await UserSession.filter(user_id=admin.user.id).count() == 0
    # And a session of someone else's cannot be named
    bob = await f.with_password(await f.person(await Organization.get(name="Contoso")))
    _, bobs = await sign_in(api, bob.email, f.PASSWORD)
    assert bobs is not None
    _, again = await sign_in(api, admin.email, f.PASSWORD)
    assert again is not None
    [bob_session] = (await api.query(SESSIONS, headers=bobs.headers()))["viewer"]["sessions"]
    refused = await api.query(
        SIGN_OUT, {"input": {"sessionId": bob_session["id"]}}, headers=again.headers()
    )
    assert refused["signOut"]["errors"][0]["code"] == "NOT_FOUND"
    assert await UserSession.filter(user_id=bob.user.id).count() == 1


async def test_a_session_ends_when_idle_for_8_hours_and_after_7_days_in_any_case(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, signed in now
    admin = await signed_in_admin()
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        _, browser = await sign_in(api, admin.email, f.PASSWORD)
        assert browser is not None

        # When they use the session every 7 hours, for nearly 7 days
        for _ in range(23):
            clock.shift(timedelta(hours=7))
            # Then it keeps working
            assert (await api.query(VIEWER, headers=browser.headers()))["viewer"] is not None

        # When 7 days have passed since sign-in, used or not
        clock.move_to(start + timedelta(days=7, minutes=1))

        # Then it has ended
        assert await api.error_code(RELATIONSHIPS, headers=browser.headers()) == "UNAUTHENTICATED"

        # When they sign in again and leave the browser unused for 8 hours
        _, browser = await sign_in(api, admin.email, f.PASSWORD)
        assert browser is not None
        clock.shift(timedelta(hours=7, minutes=59))
        assert (await api.query(VIEWER, headers=browser.headers()))["viewer"] is not None
        clock.shift(timedelta(hours=8, minutes=1))

        # Then it has ended too, and the answer clears the browser's cookies
        ended = await api.post(VIEWER, headers=browser.headers())
        assert ended.json()["data"]["viewer"] is None
        assert set_cookies(ended)[SESSION_COOKIE]["value"] == ""


async def test_changing_the_password_ends_the_other_sessions_at_once(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin signed in on two browsers
    admin = await signed_in_admin()
    _, laptop = await sign_in(api, admin.email, f.PASSWORD)
    _, phone = await sign_in(api, admin.email, f.PASSWORD)
    assert laptop is not None
    assert phone is not None
    new = "a much longer passphrase"

    # When they change the password on the laptop, first with a wrong current one
    wrong = await api.query(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": "not it at all", "newPassword": new}},
        headers=laptop.headers(),
    )
    weak = await api.query(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": f.PASSWORD, "newPassword": "password1"}},
        headers=laptop.headers(),
    )
    changed = await api.query(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": f.PASSWORD, "newPassword": new}},
        headers=laptop.headers(),
    )

    # Then the wrong and the weak ones are refused, each naming its field
    assert [(e["field"], e["code"]) for e in wrong["changePassword"]["errors"]] == [
        (["input", "currentPassword"], "INVALID_CREDENTIALS")
    ]
    assert [(e["field"], e["code"]) for e in weak["changePassword"]["errors"]] == [
        (["input", "newPassword"], "PASSWORD_NOT_ALLOWED")
    ]
    assert "password1" not in weak["changePassword"]["errors"][0]["message"]
    assert changed["changePassword"] == {
        "user": {"email": admin.email, "mustChangePassword": False},
        "errors": [],
    }
    # And the phone's session ended at once, the laptop's goes on
    assert await api.error_code(RELATIONSHIPS, headers=phone.headers()) == "UNAUTHENTICATED"
    assert (await api.query(VIEWER, headers=laptop.headers()))["viewer"] is not None
    # And the old password no longer signs in, the new one does
    assert (await sign_in(api, admin.email, f.PASSWORD))[1] is None
    assert (await sign_in(api, admin.email, new))[1] is not None
    # And the change is recorded, without either password
    [entry] = await ActivityEntry.filter(action="user.password_changed")
    assert entry.changes == {"sessionsEnded": 1}


async def test_a_forgotten_password_is_reset_by_a_single_use_emailed_link(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's admin, signed in somewhere
    admin = await signed_in_admin()
    _, elsewhere = await sign_in(api, admin.email, f.PASSWORD)
    assert elsewhere is not None

    # When they, and someone with an address nobody has, ask for a reset
    asked = await api.query(REQUEST_RESET, {"input": {"email": "ADMIN@contoso.com"}})
    unknown = await api.query(REQUEST_RESET, {"input": {"email": "nobody@contoso.com"}})
    await run_jobs(db)

    # Then both get the same answer, and only the admin gets an email, with a link
    assert asked == unknown == {"requestPasswordReset": {"errors": []}}
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["admin@contoso.com"]
    assert mail.message["Subject"] == "Reset your Partnerhub password"
    text = text_of(mail)
    assert "30 minutes" in text
    [link] = [word for word in text.split() if "/set-password?token=" in word]
    assert link.startswith("http://partnerhub.test/set-password?token=")
    token = link.split("token=", 1)[1]
    # And the token is stored nowhere but as a hash, and left the outbox once mailed
    assert await PasswordLink.filter(token_hash=hashlib.sha256(token.encode()).hexdigest()).exists()
    for message in await OutboxMessage.all():
        assert "sealed_token" not in message.payload
    for entry in await ActivityEntry.all():
        assert token not in json.dumps(entry.changes)

    # When they choose a common password, then a good one
    weak = await api.query(SET_PASSWORD, {"input": {"token": token, "password": "iloveyou"}})
    response = await api.post(
        SET_PASSWORD, {"input": {"token": token, "password": "seven silver spoons"}}
    )

    # Then the common one is refused and the link still works; the good one signs them in
    assert weak["setPassword"]["errors"][0]["code"] == "PASSWORD_NOT_ALLOWED"
    assert response.json()["data"]["setPassword"] == {
        "viewer": {"email": "admin@contoso.com", "status": "ACTIVE"},
        "mfaRequired": False,
        "errors": [],
    }
    browser = Browser.of(response)
    assert (await api.query(VIEWER, headers=browser.headers()))["viewer"] is not None
    # And the session open elsewhere has ended
    assert await api.error_code(RELATIONSHIPS, headers=elsewhere.headers()) == "UNAUTHENTICATED"
    # And the link works once
    again = await api.query(
        SET_PASSWORD, {"input": {"token": token, "password": "eight golden forks"}}
    )
    assert again["setPassword"]["errors"] == [
        {
            "field": ["input", "token"],
            "code": "LINK_NOT_VALID",
            "message": "This link was used already, has expired or is not valid. "
            "Ask for a new one.",
        }
    ]
    assert (await sign_in(api, admin.email, "seven silver spoons"))[1] is not None


async def test_a_reset_link_expires_after_30_minutes(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a reset link mailed to Contoso's admin
    admin = await signed_in_admin()
    await api.query(REQUEST_RESET, {"input": {"email": admin.email}})
    await run_jobs(db)
    [mail] = smtp_server.messages
    token = text_of(mail).split("token=", 1)[1].split()[0]

    # When it is used 31 minutes later
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        late = await api.query(
            SET_PASSWORD, {"input": {"token": token, "password": "seven silver spoons"}}
        )

    # Then it no longer works, and the password is unchanged
    assert late["setPassword"]["errors"][0]["code"] == "LINK_NOT_VALID"
    assert (await sign_in(api, admin.email, f.PASSWORD))[1] is not None


async def test_a_person_added_by_an_operator_sets_a_password_from_a_7_day_link(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a person added the way `partnerhub create-user` adds one
    contoso = await f.customer("Contoso")
    op = Operation(actor=None, sealer=Sealer(str(db.secret_key)))
    user = await create_person(op, contoso, "ada@contoso.com", "Ada", ["GLOBAL_ADMINISTRATOR"])
    assert user.status is UserStatus.INVITED
    redis = ArqRedis.from_url(db.redis_url or "")
    try:
        await dispatch(op.committed, redis)
    finally:
        await redis.aclose()

    # When the worker runs
    await run_jobs(db)

    # Then the person got a link to choose a password, valid 7 days
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ["ada@contoso.com"]
    assert mail.message["Subject"] == "Set your Partnerhub password"
    link = await PasswordLink.get(user_id=user.id)
    assert link.expires_at - link.created_at == timedelta(days=7)
    token = text_of(mail).split("token=", 1)[1].split()[0]

    # When they use it 6 days later
    with time_machine.travel(utcnow() + timedelta(days=6), tick=False):
        chosen = await api.query(
            SET_PASSWORD, {"input": {"token": token, "password": "seven silver spoons"}}
        )

    # Then they are ACTIVE and signed in
    assert chosen["setPassword"]["viewer"] == {"email": "ada@contoso.com", "status": "ACTIVE"}
    assert (await User.get(id=user.id)).status is UserStatus.ACTIVE
    assert [e.action for e in await ActivityEntry.all().order_by("created_at")] == [
        "user.created",
        "user.password_set",
    ]


async def test_a_temporary_password_must_be_changed_before_anything_else(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, whose password was set by someone else
    admin = await signed_in_admin()
    await User.filter(id=admin.user.id).update(must_change_password=True)
    _, browser = await sign_in(api, admin.email, f.PASSWORD)
    assert browser is not None
    headers = browser.headers()

    # When they ask for anything but the viewer
    refused = [
        await api.raw(RELATIONSHIPS, headers=headers),
        await api.raw("{ roleDefinitions { key } }", headers=headers),
        await api.raw(CREATE_TOKEN, {"input": {"name": "x"}}, headers=headers),
        await api.raw(
            "query { ...Root } fragment Root on Query { viewer { email } relationships { "
            "totalCount } }",
            headers=headers,
        ),
        await api.raw(RELATIONSHIPS, token=admin.token),  # a bearer token too
    ]

    # Then it is refused with PASSWORD_CHANGE_REQUIRED, and nothing ran
    for body in refused:
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["PASSWORD_CHANGE_REQUIRED"]
    assert await ApiToken.filter(name="x").count() == 0
    # And the viewer says why
    viewer = await api.query(VIEWER, headers=headers)
    assert viewer["viewer"]["mustChangePassword"] is True

    # When they change it
    changed = await api.query(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": f.PASSWORD, "newPassword": "my very own words"}},
        headers=headers,
    )

    # Then everything opens again
    assert changed["changePassword"]["user"]["mustChangePassword"] is False
    assert (await api.query(RELATIONSHIPS, headers=headers))["relationships"]["totalCount"] == 0
    # And signing out was allowed all along
    assert (await api.query(SIGN_OUT, {"input": {}}, headers=headers))["signOut"]["errors"] == []


async def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, whose hash was made with weaker Argon2 parameters
    admin = await signed_in_admin()
    weak = Passwords(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    old_hash = await weak.hash(f.PASSWORD)
    await User.filter(id=admin.user.id).update(password_hash=old_hash)

    # When they sign in
    assert (await sign_in(api, admin.email, f.PASSWORD))[1] is not None

    # Then the hash is Argon2id with today's parameters, and still takes the password
    stored = (await User.get(id=admin.user.id)).password_hash
    assert stored is not None
    assert stored != old_hash
    assert stored.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(stored)
    assert (await sign_in(api, admin.email, f.PASSWORD))[1] is not None


async def test_people_manage_their_own_bearer_tokens(api: GraphQLClient, db: Settings) -> None:
    # Given Contoso's admin signed in, and a colleague
    admin = await signed_in_admin()
    colleague = await f.person(await Organization.get(name="Contoso"), "GLOBAL_ADMINISTRATOR")
    _, browser = await sign_in(api, admin.email, f.PASSWORD)
    assert browser is not None
    later = (utcnow() + timedelta(days=30)).isoformat()

    # When they create a token for a script, with an expiry
    created = await api.query(
        CREATE_TOKEN,
        {"input": {"name": "Nightly export", "expiresAt": later}},
        headers=browser.headers(),
    )

    # Then its value is shown once, and it works as a bearer token
    payload = created["createApiToken"]
    token = payload["token"]
    assert token.startswith("ph_")
    assert payload["apiToken"]["name"] == "Nightly export"
    assert (await api.query(VIEWER, token=token))["viewer"]["email"] == admin.email
    # And it is listed for them without its value, and for nobody else
    listed = await api.query(API_TOKENS, headers=browser.headers())
    assert [t["name"] for t in listed["viewer"]["apiTokens"]] == ["Nightly export", "Test script"]
    assert token not in json.dumps(listed)
    members = await api.query(
        "{ viewer { organization { members { edges { node { email apiTokens { id } "
        "sessions { id } } } } } } }",
        token=colleague.token,
    )
    nodes = members["viewer"]["organization"]["members"]["edges"]
    assert {n["node"]["email"]: n["node"]["apiTokens"] for n in nodes}[admin.email] == []
    assert all(n["node"]["sessions"] == [] for n in nodes)
    # And the colleague cannot revoke it
    refused = await api.query(
        REVOKE_TOKEN, {"input": {"id": payload["apiToken"]["id"]}}, colleague.token
    )
    assert refused["revokeApiToken"]["errors"] == [{"field": ["input", "id"], "code": "NOT_FOUND"}]
    # And names and expiries that make no sense are refused
    bad = await api.query(
        CREATE_TOKEN,
        {"input": {"name": " ", "expiresAt": "2001-01-01T00:00:00Z"}},
        headers=browser.headers(),
    )
    assert [e["field"] for e in bad["createApiToken"]["errors"]] == [["input", "name"]]
    past = await api.query(
        CREATE_TOKEN,
        {"input": {"name": "old", "expiresAt": "2001-01-01T00:00:00Z"}},
        headers=browser.headers(),
    )
    assert [e["field"] for e in past["createApiToken"]["errors"]] == [["input", "expiresAt"]]

    # When it expires
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        # Then it stops working
        assert await api.error_code(VIEWER, token=token) == "UNAUTHENTICATED"

    # When its owner revokes it
    revoked = await api.query(
        REVOKE_TOKEN, {"input": {"id": payload["apiToken"]["id"]}}, headers=browser.headers()
    )

    # Then it stops working at once, and leaves the list
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    assert await api.error_code(VIEWER, token=token) == "UNAUTHENTICATED"
    left = (await api.query(API_TOKENS, headers=browser.headers()))["viewer"]["apiTokens"]
    assert [t["name"] for t in left] == ["Test script"]
    assert [e.action for e in await ActivityEntry.filter(object_type="ApiToken")] == [
        "api_token.created",
        "api_token.revoked",
    ]


# The brute force of the issue: guesses against one account, from this many addresses.
GUESSES = 1000
ATTACKERS = 5


async def test_guessing_a_password_is_throttled_and_the_owner_still_gets_in(
    app: Starlette, db: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Given Contoso's admin
    admin = await signed_in_admin()
    answers: list[tuple[int, list[dict[str, Any]]]] = []
    start = utcnow()

    with time_machine.travel(start, tick=False) as clock:
        # When an attacker tries 1,000 wrong passwords from five addresses, a second apart
        async with AsyncExitStack() as stack:
            attackers = [
                await stack.enter_async_context(from_address(app, f"203.0.113.{n + 1}"))
                for n in range(ATTACKERS)
            ]
            for n in range(GUESSES):
                response = await attackers[n % ATTACKERS].post(
                    SIGN_IN_CODES, {"input": {"email": admin.email, "password": f"guess {n}"}}
                )
                errors = response.json()["data"]["signIn"]["errors"]
                answers.append((response.status_code, errors))
                clock.shift(timedelta(seconds=1))

        # Then nothing failed, and most guesses were refused before any password check
        assert {status for status, _ in answers} == {200}
        codes = [errors[0]["code"] for _, errors in answers]
        assert set(codes) == {"INVALID_CREDENTIALS", "RATE_LIMITED"}
        assert codes[:5] == ["INVALID_CREDENTIALS"] * 5
        # (the account's delays, doubling to 30 s, let at most one guess in 30 s through)
        assert codes.count("INVALID_CREDENTIALS") <= 5 + 5 + GUESSES // 30 + 1
        limited = [
            errors[0]["message"]
            for _, errors in answers
            if errors[0]["code"] != "INVALID_CREDENTIALS"
        ]
        assert all(
            message.startswith("Too many sign-in attempts. Try again in") for message in limited
        )

        # When the owner signs in from their own address right after, then under a minute later
        async with from_address(app, "198.51.100.7") as owner:
            payload, _ = await sign_in(owner, admin.email, f.PASSWORD)
            assert payload["errors"][0]["code"] == "RATE_LIMITED"
            clock.shift(timedelta(seconds=31))
            payload, browser = await sign_in(owner, admin.email, f.PASSWORD)

        # Then they are in: the account's delay never passes 30 seconds
        assert payload["errors"] == []
        assert browser is not None

    # And no password appears in any log line
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f.PASSWORD not in logged
    assert "guess 1" not in logged


SIGN_IN_CODES = """
mutation($input: SignInInput!) { signIn(input: $input) { errors { code message } } }
"""


async def test_an_address_guessing_at_many_accounts_is_slowed_down(
    app: Starlette, db: Settings
) -> None:
    # Given an attacker's address trying one password against many addresses
    codes = []
    with time_machine.travel(utcnow(), tick=False) as clock:
        async with from_address(app, "203.0.113.9") as attacker:
            for n in range(40):
                response = await attacker.post(
                    SIGN_IN_CODES, {"input": {"email": f"user{n}@contoso.com", "password": "x" * 8}}
                )
                codes.append(response.json()["data"]["signIn"]["errors"][0]["code"])
                clock.shift(timedelta(seconds=2))

        # Then after 20 free failures, the address has to wait longer and longer
        assert codes[:20] == ["INVALID_CREDENTIALS"] * 20
        assert codes[20:].count("RATE_LIMITED") > 10

        # And another address is not held back by it
        async with from_address(app, "198.51.100.8") as other:
            response = await other.post(
                SIGN_IN_CODES, {"input": {"email": "user1@contoso.com", "password": "x" * 8}}
            )
            assert response.json()["data"]["signIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_a_disabled_account_neither_signs_in_nor_keeps_its_session(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin signed in, with a bearer token
    admin = await signed_in_admin()
    _, browser = await sign_in(api, admin.email, f.PASSWORD)
    assert browser is not None

    # When the account is disabled (by whatever will disable people)
    await User.filter(id=admin.user.id).update(status=UserStatus.DISABLED)

    # Then the session and the token stop working at once, and sign-in says why
    assert await api.error_code(RELATIONSHIPS, headers=browser.headers()) == "UNAUTHENTICATED"
    assert await api.error_code(RELATIONSHIPS, token=admin.token) == "UNAUTHENTICATED"
    payload, again = await sign_in(api, admin.email, f.PASSWORD)
    assert again is None
    assert payload["errors"][0]["code"] == "ACCOUNT_DISABLED"
    # And a wrong password says nothing about it
    payload, _ = await sign_in(api, admin.email, "not the password")
    assert payload["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_password_rules_follow_nist_800_63b() -> None:
    from models.identity.passwords import password_problem

    # Length: 8 at least, 64 and more allowed, counted after normalization
    assert password_problem("seven c") == "Use at least 8 characters."
    assert password_problem("a b c d e f g h i j " * 3 + "1234") is None  # 64 characters
    too_long = "z" * 60 + "yxwvutsrqponmlkjihgfedcba" * 3  # 135 characters
    assert password_problem(too_long) == "Use at most 128 characters."
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in "password")  # NFKC makes it ASCII
    assert "too common" in (password_problem(full_width) or "")
    # No composition rules: letters and spaces alone are fine
    assert password_problem("blue kettle harbor") is None
    # Known to attackers: common ones, padded or not, and the account's own words
    for common in ("password", "Password123!", "iloveyou", "qwertyuiop", "1q2w3e4r"):
        assert "too common" in (password_problem(common) or ""), common
    for own in ("ada.lovelace", "Contoso2024!", "partnerhub1"):
        assert "email address" in (password_problem(own, email="ada.lovelace@contoso.com") or "")
    for run in ("aaaaaaaaaa", "hgfedcba", "mnopqrstu"):
        assert "too easy" in (password_problem(run) or ""), run


async def test_the_daily_purge_forgets_what_signs_nobody_in_any_more(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a session, a reset link and a throttle counter from a wrong password, all of today
    admin = await signed_in_admin()
    _, browser = await sign_in(api, admin.email, f.PASSWORD)
    assert browser is not None
    await api.query(REQUEST_RESET, {"input": {"email": admin.email}})
    await sign_in(api, "someone@contoso.com", "a wrong guess")
    runtime = {"runtime": Runtime(db)}
    [job] = [job for job in cron_jobs() if job.name.endswith("purge_sign_in")]
    assert (job.hour, job.minute) == (3, 47)

    # When the daily job runs now, then 8 days later
    now = await purge_sign_in(runtime)
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        later = await purge_sign_in(runtime)

    # Then nothing live went, and later everything did
    assert now == "purged 0 sessions, 0 links, 0 counters"
    # (the counters: the admin's account, the made-up one, and the client's address)
    assert later == "purged 1 sessions, 1 links, 3 counters"
    assert await UserSession.all().count() == 0
    assert await PasswordLink.all().count() == 0
    assert await SignInThrottle.all().count() == 0
