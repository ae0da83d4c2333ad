"""Multi-factor authentication over the API: enrolling an authenticator app, signing in with
its codes or a recovery code, each working once, the session limited to enrolment, who must
use a second factor, turning it off, and no secret left anywhere. Against the real app,
database and Redis; the tests play the authenticator app with pyotp."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import time_machine

from models.foundation.clock import utcnow
from models.foundation.settings import Settings
from models.identity.mfa import recovery_code_hash
from models.reference.catalog import AdminRole
from models.reference.enums import PartnerRole
from models.tables.activity import ActivityEntry
from models.tables.mfa import RecoveryCode, TotpFactor
from models.tables.organizations import Organization, User
from models.tables.outbound_webhooks import WebhookEvent
from models.tables.sign_in import UserSession
from tests import factories as f
from tests.authenticator import next_code, with_authenticator
from tests.graphql import GraphQLClient
from tests.jobs import run_jobs, text_of
from tests.servers import SmtpServer
from tests.sessions import Browser, sign_in

VIEWER = "{ viewer { email mfaEnabled mfaEnrollmentRequired } }"
RELATIONSHIPS = "{ relationships { totalCount } }"
START = """
mutation Start($input: StartTotpEnrollmentInput!) {
  startTotpEnrollment(input: $input) { secret otpauthUri qrCode errors { field message code } }
}
"""
CONFIRM = """
mutation Confirm($input: ConfirmTotpEnrollmentInput!) {
  confirmTotpEnrollment(input: $input) { recoveryCodes errors { field message code } }
}
"""
REGENERATE = """
mutation Regenerate($input: MfaCodeInput!) {
  regenerateRecoveryCodes(input: $input) { recoveryCodes errors { field message code } }
}
"""
DISABLE = """
mutation Disable($input: MfaCodeInput!) {
  disableTotp(input: $input) { user { email mfaEnabled } errors { field message code } }
}
"""
SET_REQUIREMENT = """
mutation Require($input: SetMfaRequirementInput!) {
  setMfaRequirement(input: $input) {
    organization { name mfaRequired } errors { field message code }
  }
}
"""
CREATE_TOKEN = """
mutation Create($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { token errors { code } }
}
"""
SIGN_OUT = "mutation { signOut(input: {}) { sessionsEnded errors { code } } }"
CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { user { mustChangePassword } errors { field code } }
}
"""
SET_PASSWORD = """
mutation Set($input: SetPasswordInput!) {
  setPassword(input: $input) { viewer { email } mfaRequired errors { field code } }
}
"""
REQUEST_RESET = """
mutation Reset($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { errors { code } }
}
"""
RECOVERY_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


async def contoso_admin() -> f.Person:
    """Contoso's Global Administrator, who has a password and, holding a privileged role,
    must use a second factor."""
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR, email="admin@contoso.com")
    return await f.with_password(admin)


async def signed_in(api: GraphQLClient, person: f.Person, **codes: str) -> Browser:
    payload, browser = await sign_in(api, person.email, f.PASSWORD, **codes)
    assert payload["errors"] == [], payload
    assert browser is not None
    return browser


async def mutate(
    api: GraphQLClient, query: str, name: str, variables: dict[str, Any], browser: Browser
) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await api.query(query, {"input": variables}, headers=browser.headers())
    )[name]
    return payload


async def enrol(
    api: GraphQLClient, browser: Browser, label: str | None = None
) -> tuple[str, list[str]]:
    """Enrol an authenticator through the API, as the console does: its seed and the recovery
    codes."""
    started = await mutate(api, START, "startTotpEnrollment", {"label": label}, browser)
    assert started["errors"] == []
    secret: str = started["secret"]
    confirmed = await mutate(
        api, CONFIRM, "confirmTotpEnrollment", {"code": pyotp.TOTP(secret).now()}, browser
    )
    assert confirmed["errors"] == []
    return secret, confirmed["recoveryCodes"]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


async def test_a_global_administrator_enrols_an_authenticator_and_signs_in_with_its_codes(
    api: GraphQLClient, db: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Given Contoso's Global Administrator, who has no authenticator yet
    admin = await contoso_admin()

    # When they sign in with their password
    payload, limited = await sign_in(api, admin.email, f.PASSWORD)

    # Then they get a session limited to enrolment: the viewer says so, and nothing else opens
    assert payload["mfaRequired"] is False
    assert limited is not None
    viewer = (await api.query(VIEWER, headers=limited.headers()))["viewer"]
    assert viewer == {
        "email": "admin@contoso.com",
        "mfaEnabled": False,
        "mfaEnrollmentRequired": True,
    }
    assert error_codes(await api.raw(RELATIONSHIPS, headers=limited.headers())) == [
        "MFA_ENROLLMENT_REQUIRED"
    ]

    # When they start enrolling an authenticator app
    started = await mutate(api, START, "startTotpEnrollment", {"label": "Work phone"}, limited)

    # Then they get a seed, its otpauth URI and a QR code drawn by the service
    secret = started["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = urlsplit(started["otpauthUri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == "/Partnerhub:Work phone"
    assert parse_qs(uri.query) == {"secret": [secret], "issuer": ["Partnerhub"]}
    assert started["qrCode"].startswith("data:image/svg+xml")
    # And the seed is stored sealed, pending until confirmed: the session is still limited
    factor = await TotpFactor.get(user_id=admin.user.id)
    assert factor.secret_sealed is None
    assert factor.pending_secret_sealed is not None
    assert secret not in factor.pending_secret_sealed
    assert error_codes(await api.raw(RELATIONSHIPS, headers=limited.headers())) == [
        "MFA_ENROLLMENT_REQUIRED"
    ]

    # When they confirm with a wrong code, then with the app's code
    totp = pyotp.TOTP(secret)
    wrong = str((int(totp.now()) + 1) % 1_000_000).zfill(6)
    refused = await mutate(api, CONFIRM, "confirmTotpEnrollment", {"code": wrong}, limited)
    first_code = totp.now()
    confirmed = await mutate(api, CONFIRM, "confirmTotpEnrollment", {"code": first_code}, limited)

    # Then the wrong one is refused next to its field, and the right one turns MFA on and
    # shows ten different recovery codes, stored only as hashes
    assert refused == {
        "recoveryCodes": None,
        "errors": [
            {
                "field": ["input", "code"],
                "message": "That code is not right. Enter the 6-digit code your authenticator "
                "app shows now.",
                "code": "INVALID_MFA_CODE",
            }
        ],
    }
    codes = confirmed["recoveryCodes"]
    assert confirmed["errors"] == []
    assert len(codes) == len(set(codes)) == 10
    assert all(RECOVERY_CODE.match(code) for code in codes)
    stored = {row.code_hash for row in await RecoveryCode.filter(user_id=admin.user.id)}
    assert stored == {recovery_code_hash(code) for code in codes}
    # And the session opens everything now
    viewer = (await api.query(VIEWER, headers=limited.headers()))["viewer"]
    assert viewer["mfaEnabled"] is True
    assert viewer["mfaEnrollmentRequired"] is False
    assert (await api.query(RELATIONSHIPS, headers=limited.headers()))["relationships"] == {
        "totalCount": 0
    }

    # When they sign out, then sign in with the password alone
    await api.query(SIGN_OUT, headers=limited.headers())
    payload, browser = await sign_in(api, admin.email, f.PASSWORD)

    # Then a code must follow, and there is no session yet
    assert payload == {"viewer": None, "mfaRequired": True, "errors": []}
    assert browser is None
    assert await UserSession.filter(user_id=admin.user.id).count() == 0

    # When they send a wrong code, and the code already used to confirm
    wrong_payload, _ = await sign_in(api, admin.email, f.PASSWORD, totpCode=wrong)
    replayed, _ = await sign_in(api, admin.email, f.PASSWORD, totpCode=first_code)

    # Then both are refused, the replayed one as used already
    assert wrong_payload["errors"] == [
        {
            "field": ["input", "totpCode"],
            "message": "That code is not right. Enter the 6-digit code your authenticator app "
            "shows now.",
            "code": "INVALID_MFA_CODE",
        }
    ]
    assert replayed["errors"] == [
        {
            "field": ["input", "totpCode"],
            "message": "That code was used already. Wait for the next one in your "
            "authenticator app.",
            "code": "INVALID_MFA_CODE",
        }
    ]

    # When they send the app's next code
    next_step = totp.at(utcnow(), counter_offset=1)
    payload, browser = await sign_in(api, admin.email, f.PASSWORD, totpCode=next_step)

    # Then they are signed in, and that code does not work a second time
    assert payload["errors"] == []
    assert payload["viewer"]["mfaEnabled"] is True
    assert browser is not None
    again, _ = await sign_in(api, admin.email, f.PASSWORD, totpCode=next_step)
    assert again["errors"][0]["code"] == "INVALID_MFA_CODE"

    # And no seed, code or recovery code is in an activity entry, an event or a log line
    entries = await ActivityEntry.filter(object_id=admin.user.id).order_by("created_at")
    assert [e.action for e in entries] == [
        "user.signed_in",
        "user.mfa_enrollment_started",
        "user.mfa_enabled",
        "user.signed_out",
        "user.signed_in",
    ]
    assert entries[-1].changes == {"method": "password", "secondFactor": "totp"}
    recorded = json.dumps([e.changes for e in entries]) + json.dumps(
        [event.data for event in await WebhookEvent.all()]
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret_text in [secret, first_code, next_step, *codes]:
        assert secret_text not in recorded
        assert secret_text not in logged


async def test_each_recovery_code_signs_in_once(api: GraphQLClient, db: Settings) -> None:
    # Given Contoso's admin with an authenticator and recovery codes
    admin = await contoso_admin()
    _, codes = await enrol(api, await signed_in(api, admin))

    # When they sign in with a recovery code, typed in lower case with spaces
    typed = codes[3].lower().replace("-", " ")
    payload, browser = await sign_in(api, admin.email, f.PASSWORD, recoveryCode=typed)

    # Then they are in, and the activity log says a recovery code was used and how many are left
    assert payload["errors"] == []
    assert browser is not None
    entry = await ActivityEntry.filter(action="user.signed_in").order_by("-created_at").first()
    assert entry is not None
    assert entry.changes == {
        "method": "password",
        "secondFactor": "recovery_code",
        "recoveryCodesLeft": 9,
    }

    # When the same recovery code is used again, or a made-up one, or one as the app's code
    used_again, _ = await sign_in(api, admin.email, f.PASSWORD, recoveryCode=codes[3])
    made_up, _ = await sign_in(api, admin.email, f.PASSWORD, recoveryCode="AAAA-BBBB-CCCC-DDDD")
    misplaced, _ = await sign_in(api, admin.email, f.PASSWORD, totpCode=codes[4])

    # Then each is refused, naming its field
    for answer, field in ((used_again, "recoveryCode"), (made_up, "recoveryCode")):
        assert answer["errors"] == [
            {
                "field": ["input", field],
                "message": "That recovery code is not right, or was used already.",
                "code": "INVALID_MFA_CODE",
            }
        ]
    assert [(e["field"], e["code"]) for e in misplaced["errors"]] == [
        (["input", "totpCode"], "INVALID_MFA_CODE")
    ]
    # And another one still works
    assert (await sign_in(api, admin.email, f.PASSWORD, recoveryCode=codes[4]))[1] is not None


async def test_a_code_is_accepted_one_step_either_side_and_not_further(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, whose authenticator's seed the test knows
    admin = await with_authenticator(await contoso_admin())
    assert admin.totp_secret is not None
    totp = pyotp.TOTP(admin.totp_secret)
    start = utcnow()

    with time_machine.travel(start, tick=False) as clock:
        # When they send the code of two steps ago, and of two steps ahead (a clock far off)
        old = totp.at(start, counter_offset=-2)
        ahead = totp.at(start, counter_offset=2)
        refused = [
            (await sign_in(api, admin.email, f.PASSWORD, totpCode=code))[0] for code in (old, ahead)
        ]

        # Then both are refused
        assert [p["errors"][0]["code"] for p in refused] == ["INVALID_MFA_CODE"] * 2

        # When they send the previous step's code (a phone a little slow)
        payload, _ = await sign_in(
            api, admin.email, f.PASSWORD, totpCode=totp.at(start, counter_offset=-1)
        )

        # Then they are in; and after it, only a later step's code works
        assert payload["errors"] == []
        clock.shift(timedelta(seconds=30))
        assert (await sign_in(api, admin.email, f.PASSWORD, totpCode=totp.at(start)))[1] is not None
        stale = totp.at(start, counter_offset=-1)
        assert (await sign_in(api, admin.email, f.PASSWORD, totpCode=stale))[1] is None


async def test_guessing_codes_is_throttled_like_passwords(api: GraphQLClient, db: Settings) -> None:
    # Given Contoso's admin with an authenticator, and someone who knows the password
    admin = await with_authenticator(await contoso_admin())

    with time_machine.travel(utcnow(), tick=False) as clock:
        # When they guess codes, a second apart
        answers = []
        for n in range(8):
            if n:
                clock.shift(timedelta(seconds=1))
            payload, _ = await sign_in(api, admin.email, f.PASSWORD, totpCode=f"{n:06d}")
            answers.append(payload["errors"][0]["code"])

        # Then the first five are checked and refused, and then they must wait
        assert answers[:5] == ["INVALID_MFA_CODE"] * 5
        assert set(answers[5:]) <= {"INVALID_MFA_CODE", "RATE_LIMITED"}
        assert "RATE_LIMITED" in answers[5:]
        # And even the right code waits its turn
        code = await next_code(admin)
        payload, _ = await sign_in(api, admin.email, f.PASSWORD, totpCode=code)
        assert payload["errors"][0]["code"] == "RATE_LIMITED"

        # When the owner tries again under a minute later, with the code their app shows then
        clock.shift(timedelta(seconds=31))
        payload, browser = await sign_in(
            api, admin.email, f.PASSWORD, totpCode=await next_code(admin)
        )

    # Then they are in: a right password never cleared the code's counter, and its delay
    # stays under a minute
    assert payload["errors"] == []
    assert browser is not None


async def test_a_limited_session_opens_only_the_viewer_enrolment_and_signing_out(
    api: GraphQLClient, db: Settings
) -> None:
    # Given a partner agent who has no authenticator, signed in with a password
    fabrikam = await f.partner("Fabrikam")
    agent = await f.with_password(await f.person(fabrikam, PartnerRole.SALES_AGENT))
    limited = await signed_in(api, agent)
    headers = limited.headers()

    # When they ask for anything else, alone or beside the viewer, through a fragment too
    refused = [
        await api.raw(RELATIONSHIPS, headers=headers),
        await api.raw("{ invitations { totalCount } }", headers=headers),
        await api.raw(CREATE_TOKEN, {"input": {"name": "x"}}, headers=headers),
        await api.raw(
            CHANGE_PASSWORD,
            {"input": {"currentPassword": f.PASSWORD, "newPassword": "my very own words"}},
            headers=headers,
        ),
        await api.raw(
            "query { ...Root } fragment Root on Query { viewer { email } relationships { "
            "totalCount } }",
            headers=headers,
        ),
    ]

    # Then each is refused as a whole with MFA_ENROLLMENT_REQUIRED, and nothing ran
    for body in refused:
        assert body["data"] is None
        assert error_codes(body) == ["MFA_ENROLLMENT_REQUIRED"]
    assert await User.filter(id=agent.user.id, password_hash=agent.user.password_hash).exists()
    # And the agent's bearer token, made for a script, is not limited: tokens skip MFA
    assert error_codes(await api.raw("{ invitations { totalCount } }", token=agent.token)) == []
    # And signing out works
    assert (await api.query(SIGN_OUT, headers=headers))["signOut"]["sessionsEnded"] == 1


async def test_a_temporary_password_is_changed_first_then_the_authenticator_enrolled(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's admin, whose password was set by someone else, signed in
    admin = await contoso_admin()
    await User.filter(id=admin.user.id).update(must_change_password=True)
    browser = await signed_in(api, admin)

    # When they try to enrol first
    body = await api.raw(START, {"input": {}}, headers=browser.headers())

    # Then the password comes first
    assert error_codes(body) == ["PASSWORD_CHANGE_REQUIRED"]

    # When they change it
    changed = await api.query(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": f.PASSWORD, "newPassword": "my very own words"}},
        headers=browser.headers(),
    )
    assert changed["changePassword"]["errors"] == []

    # Then the session is limited to enrolment, and enrolling opens it
    assert error_codes(await api.raw(RELATIONSHIPS, headers=browser.headers())) == [
        "MFA_ENROLLMENT_REQUIRED"
    ]
    await enrol(api, browser)
    assert error_codes(await api.raw(RELATIONSHIPS, headers=browser.headers())) == []


async def test_who_must_use_a_second_factor(api: GraphQLClient, db: Settings) -> None:
    # Given a customer's Global Administrator, its billing admin, a partner's sales agent
    contoso = await f.customer("Contoso")
    admin = await f.with_password(await f.person(contoso, AdminRole.GLOBAL_ADMINISTRATOR))
    billing = await f.with_password(await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR))
    privileged = await f.with_password(
        await f.person(contoso, AdminRole.PRIVILEGED_ROLE_ADMINISTRATOR)
    )
    fabrikam = await f.partner("Fabrikam")
    sales = await f.with_password(await f.person(fabrikam, PartnerRole.SALES_AGENT))

    # When each signs in with a password
    required = {}
    for person in (admin, billing, privileged, sales):
        browser = await signed_in(api, person)
        viewer = (await api.query(VIEWER, headers=browser.headers()))["viewer"]
        required[person.email] = viewer["mfaEnrollmentRequired"]

    # Then only the billing admin, holding no privileged role in a customer, is not asked
    assert required == {
        admin.email: True,
        billing.email: False,
        privileged.email: True,
        sales.email: True,
    }


async def test_an_organization_may_require_a_second_factor_of_everyone(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso, its Global Administrator with an authenticator, and its billing admin
    # signed in without one
    admin = await with_authenticator(await contoso_admin())
    contoso = await Organization.get(name="Contoso")
    billing = await f.with_password(await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR))
    billing_browser = await signed_in(api, billing)
    assert error_codes(await api.raw(RELATIONSHIPS, headers=billing_browser.headers())) == []
    organization = "{ viewer { organization { mfaRequired } } }"
    assert (await api.query(organization, token=admin.token))["viewer"]["organization"] == {
        "mfaRequired": False
    }

    # When the billing admin tries to require MFA of everyone
    refused = await api.raw(SET_REQUIREMENT, {"input": {"required": True}}, token=billing.token)

    # Then it is not theirs to change
    assert error_codes(refused) == ["FORBIDDEN"]

    # When the Global Administrator requires it
    admin_browser = await signed_in(api, admin, totpCode=await next_code(admin))
    changed = await mutate(
        api, SET_REQUIREMENT, "setMfaRequirement", {"required": True}, admin_browser
    )

    # Then the setting is on, in the activity log (and its event), and the billing admin's
    # session, which has no second factor, is limited to enrolment at once
    assert changed == {"organization": {"name": "Contoso", "mfaRequired": True}, "errors": []}
    entry = await ActivityEntry.get(action="organization.mfa_requirement_changed")
    assert entry.changes == {"mfaRequired": True}
    assert entry.customer_id == contoso.id
    assert error_codes(await api.raw(RELATIONSHIPS, headers=billing_browser.headers())) == [
        "MFA_ENROLLMENT_REQUIRED"
    ]

    # When they turn it off again
    await mutate(api, SET_REQUIREMENT, "setMfaRequirement", {"required": False}, admin_browser)

    # Then the billing admin's session opens again
    assert error_codes(await api.raw(RELATIONSHIPS, headers=billing_browser.headers())) == []


async def test_a_partner_requires_a_second_factor_by_default_and_cannot_turn_it_off(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Fabrikam's admin agent, and Contoso's admin who works with Fabrikam
    fabrikam = await f.partner("Fabrikam")
    agent = await f.person(fabrikam, PartnerRole.ADMIN_AGENT)
    contoso_admin_ = await f.person(await f.customer("Contoso"), AdminRole.GLOBAL_ADMINISTRATOR)
    organization = "{ viewer { organization { kind mfaRequired } } }"

    # Then Fabrikam's setting is on by default, for its own people
    assert (await api.query(organization, token=agent.token))["viewer"]["organization"] == {
        "kind": "PARTNER",
        "mfaRequired": True,
    }

    # When the admin agent turns it off, or on, and Contoso's admin tries it on Contoso's
    off = await api.query(SET_REQUIREMENT, {"input": {"required": False}}, token=agent.token)
    on = await api.query(SET_REQUIREMENT, {"input": {"required": True}}, token=agent.token)

    # Then off is refused, since partner agents always use a second factor; on is kept
    assert off["setMfaRequirement"] == {
        "organization": None,
        "errors": [
            {
                "field": ["input", "required"],
                "message": "Partner agents always sign in with a second factor: a partner "
                "organization cannot turn the requirement off.",
                "code": "MFA_REQUIRED",
            }
        ],
    }
    assert on["setMfaRequirement"]["organization"] == {"name": "Fabrikam", "mfaRequired": True}
    # And another organization's setting is nobody else's to read
    other = "{ viewer { organization { mfaRequired } } }"
    assert (await api.query(other, token=contoso_admin_.token))["viewer"]["organization"] == {
        "mfaRequired": False
    }
    assert (await Organization.get(id=fabrikam.id)).mfa_required is True


async def test_recovery_codes_are_made_anew_and_mfa_turned_off_with_a_current_code(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's billing admin, who enrolled an authenticator of their own accord
    contoso = await f.customer("Contoso")
    billing = await f.with_password(await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR))
    browser = await signed_in(api, billing)
    secret, old_codes = await enrol(api, browser)
    billing.totp_secret = secret

    # When they ask for new recovery codes with a wrong code, then with an app's code
    wrong = await mutate(api, REGENERATE, "regenerateRecoveryCodes", {"code": "000000"}, browser)
    fresh = await mutate(
        api, REGENERATE, "regenerateRecoveryCodes", {"code": await next_code(billing)}, browser
    )

    # Then the wrong one is refused, and the new codes replace the old ones
    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [
        (["input", "code"], "INVALID_MFA_CODE")
    ]
    new_codes = fresh["recoveryCodes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    old_sign_in, _ = await sign_in(api, billing.email, f.PASSWORD, recoveryCode=old_codes[0])
    assert old_sign_in["errors"][0]["code"] == "INVALID_MFA_CODE"

    # When they turn MFA off with a recovery code
    off = await mutate(api, DISABLE, "disableTotp", {"code": new_codes[0]}, browser)

    # Then it is off: the authenticator and the codes are gone, and the password alone signs in
    assert off == {"user": {"email": billing.email, "mfaEnabled": False}, "errors": []}
    assert not await TotpFactor.filter(user_id=billing.user.id).exists()
    assert not await RecoveryCode.filter(user_id=billing.user.id).exists()
    payload, again = await sign_in(api, billing.email, f.PASSWORD)
    assert payload["mfaRequired"] is False
    assert again is not None
    assert [e.action for e in await ActivityEntry.filter(action__startswith="user.mfa")] == [
        "user.mfa_enrollment_started",
        "user.mfa_enabled",
        "user.mfa_disabled",
    ]

    # And turning off what is off is refused
    nothing = await mutate(api, DISABLE, "disableTotp", {"code": "123456"}, again)
    assert [e["code"] for e in nothing["errors"]] == ["MFA_NOT_ENABLED"]


async def test_who_must_use_mfa_may_replace_the_authenticator_but_not_turn_it_off(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's Global Administrator with an authenticator, signed in with it
    admin = await with_authenticator(await contoso_admin())
    assert admin.totp_secret is not None
    old_app = pyotp.TOTP(admin.totp_secret)
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        browser = await signed_in(api, admin, totpCode=old_app.at(start))

        # When they try to turn it off with a current code
        off = await mutate(
            api, DISABLE, "disableTotp", {"code": old_app.at(start, counter_offset=1)}, browser
        )

        # Then it is refused: their role requires it
        assert [e["code"] for e in off["errors"]] == ["MFA_REQUIRED"]
        assert await TotpFactor.filter(user_id=admin.user.id, secret_sealed__isnull=False).exists()

        # When they start replacing it without a current code, then with one
        bare = await mutate(api, START, "startTotpEnrollment", {}, browser)
        replacing = await mutate(
            api,
            START,
            "startTotpEnrollment",
            {"currentCode": old_app.at(start, counter_offset=1)},
            browser,
        )

        # Then a current code is asked for first
        assert [(e["field"], e["code"]) for e in bare["errors"]] == [
            (["input", "currentCode"], "INVALID_INPUT")
        ]
        new_app = pyotp.TOTP(replacing["secret"])
        assert replacing["secret"] != admin.totp_secret
        # And the old app keeps working until the new one is confirmed
        clock.shift(timedelta(seconds=60))
        now = utcnow()
        assert (await sign_in(api, admin.email, f.PASSWORD, totpCode=old_app.at(now)))[1]

        # When they confirm the new one
        clock.shift(timedelta(seconds=30))
        confirmed = await mutate(
            api, CONFIRM, "confirmTotpEnrollment", {"code": new_app.at(utcnow())}, browser
        )

        # Then the new app signs in, and the old one no longer does
        assert confirmed["errors"] == []
        clock.shift(timedelta(seconds=30))
        now = utcnow()
        assert (await sign_in(api, admin.email, f.PASSWORD, totpCode=old_app.at(now)))[1] is None
        assert (await sign_in(api, admin.email, f.PASSWORD, totpCode=new_app.at(now)))[1]
    entry = await ActivityEntry.get(action="user.mfa_enabled")
    assert entry.changes["replaced"] is True


async def test_confirming_an_authenticator_ends_the_other_sessions(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's billing admin signed in on a laptop and a phone
    contoso = await f.customer("Contoso")
    billing = await f.with_password(await f.person(contoso, AdminRole.BILLING_ADMINISTRATOR))
    laptop = await signed_in(api, billing)
    phone = await signed_in(api, billing)

    # When they enrol an authenticator on the laptop
    await enrol(api, laptop)

    # Then the phone's session, opened without a second factor, has ended
    assert error_codes(await api.raw(VIEWER, headers=laptop.headers())) == []
    assert (await api.raw(VIEWER, headers=phone.headers()))["data"]["viewer"] is None


async def test_a_reset_link_does_not_sign_in_past_the_second_factor(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given Contoso's admin with an authenticator, and the reset link emailed to them
    admin = await with_authenticator(await contoso_admin())
    await api.query(REQUEST_RESET, {"input": {"email": admin.email}})
    await run_jobs(db)
    [mail] = smtp_server.messages
    [link] = [word for word in text_of(mail).split() if "/set-password?token=" in word]
    token = link.split("token=", 1)[1]

    # When they choose a new password from it
    response = await api.post(
        SET_PASSWORD, {"input": {"token": token, "password": "seven silver spoons"}}
    )

    # Then the password is set, but no session opens until a code follows
    assert response.json()["data"]["setPassword"] == {
        "viewer": None,
        "mfaRequired": True,
        "errors": [],
    }
    assert "set-cookie" not in response.headers
    assert await UserSession.filter(user_id=admin.user.id).count() == 0
    payload, browser = await sign_in(
        api, admin.email, "seven silver spoons", totpCode=await next_code(admin)
    )
    assert payload["errors"] == []
    assert browser is not None
