"""Single sign-on through an organization's own OpenID Connect provider: its configuration,
the sign-in from the start address to the provider and back, and every refusal, against a
real provider (`oidc-provider-mock`, served in its own process by `tests/oidc_provider.py`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from httpx import AsyncClient, Response
from playwright.async_api import Browser as PlaywrightBrowser
from playwright.async_api import expect

from models.foundation.settings import Settings
from models.identity.actors import Actor
from models.infrastructure.oidc import AddressPolicy
from models.infrastructure.tokens import Sealer
from models.operation import Operation
from models.reference.enums import OrganizationKind, UserStatus
from models.rules.single_sign_on import SingleSignOnSettings, configure
from models.tables.activity import ActivityEntry
from models.tables.organizations import Organization, User
from models.tables.outbox import OutboxMessage
from models.tables.sign_in import UserSession
from models.tables.single_sign_on import SingleSignOn, SingleSignOnRequest
from tests import factories as f
from tests.browser import Tab, live_app, open_tab
from tests.browser import sign_in as sign_in_with_password
from tests.graphql import GraphQLClient
from tests.oidc_provider import Provider, running_provider
from tests.sessions import Browser as SignedIn
from tests.sessions import set_cookies, sign_in

SSO_COOKIE = "partnerhub_sso"
CLIENT_ID = "partnerhub-contoso"
CLIENT_SECRET = "contoso client secret"
VIEWER = "{ viewer { email status } }"
CONFIGURE = """
mutation Configure($input: ConfigureSingleSignOnInput!) {
  configureSingleSignOn(input: $input) {
    singleSignOn {
      displayName issuer clientId clientSecretSet domains required enabled redirectUri startUrl
    }
    errors { field message code }
  }
}
"""
CONFIGURATION = """
{ singleSignOn { displayName issuer clientId clientSecretSet domains required enabled } }
"""
PROVIDER_FOR = """
query Provider($email: String!) { singleSignOnProvider(email: $email) { displayName startUrl } }
"""


@pytest.fixture(scope="session")
def provider() -> Iterator[Provider]:
    """The provider whose tokens live an hour."""
    with running_provider() as running:
        yield running


@pytest.fixture(scope="session")
def expiring_provider() -> Iterator[Provider]:
    """A provider whose ID tokens have expired ten minutes before they are issued."""
    with running_provider(token_max_age=-600) as running:
        yield running


async def contoso(
    settings: Settings,
    provider: Provider,
    *,
    required: bool = False,
    domains: tuple[str, ...] = ("contoso.com",),
) -> tuple[f.Person, SingleSignOn]:
    """Contoso, its Global Administrator (who has a password), and its single sign-on through
    `provider` for its domains."""
    org = await f.customer("Contoso")
    admin = await f.with_password(
        await f.person(org, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")
    )
    op = Operation(
        actor=Actor.of(admin.user, OrganizationKind.CUSTOMER),
        sealer=Sealer(str(settings.secret_key)),
    )
    wanted = SingleSignOnSettings(
        display_name="Contoso ID",
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        domains=list(domains),
        required=required,
        enabled=True,
    )
    return admin, await configure(op, wanted, AddressPolicy.of(settings))


@dataclass
class Browser:
    """A browser on the app: it keeps the cookies the app sets, and sends them back."""

    http: AsyncClient
    cookies: dict[str, str] = field(default_factory=dict)

    async def get(self, url: str) -> Response:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = await self.http.get(path, headers={"Cookie": sent} if sent else {})
        for name, cookie in set_cookies(response).items():
            if cookie.get("max-age") == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie["value"]
        return response

    @property
    def signed_in(self) -> SignedIn:
        return SignedIn(
            session=self.cookies["partnerhub_session"], csrf=self.cookies["partnerhub_csrf"]
        )


@pytest.fixture
def browser(api: GraphQLClient) -> Browser:
    return Browser(api.http)


async def through(
    browser: Browser,
    provider: Provider,
    subject: str,
    start: str = "/auth/oidc/start?email=admin@contoso.com",
) -> Response:
    """Start a sign-in, sign `subject` in at the provider, and come back: the app's answer."""
    started = await browser.get(start)
    assert started.status_code == 303, started.text
    back = provider.authorize(started.headers["location"], subject)
    return await browser.get(back)


def refused_with(response: Response) -> str:
    """The code of a refused sign-in, from the sign-in page it sends the browser to."""
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/signin"
    return dict(parse_qsl(location.query))["ssoError"]


def reason(caplog: pytest.LogCaptureFixture) -> str:
    [logged] = [r.getMessage() for r in caplog.records if r.name == "api.single_sign_on"]
    return logged


# --------------------------------------------------------------------------- configuration


async def test_a_global_admin_configures_single_sign_on_and_its_secret_is_sealed(
    api: GraphQLClient, db: Settings, provider: Provider
) -> None:
    # Given Contoso's Global Administrator
    org = await f.customer("Contoso")
    admin = await f.person(org, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")

    # When they configure single sign-on through their provider
    body = await api.query(
        CONFIGURE,
        {
            "input": {
                "displayName": "Contoso ID",
                "issuer": provider.issuer,
                "clientId": CLIENT_ID,
                "clientSecret": CLIENT_SECRET,
                "domains": ["Contoso.com", "@contoso.co.uk", "contoso.com"],
            }
        },
        token=admin.token,
    )

    # Then it is saved, its domains normalized, and the secret is not in the answer
    saved = body["configureSingleSignOn"]
    assert saved["errors"] == []
    assert saved["singleSignOn"] == {
        "displayName": "Contoso ID",
        "issuer": provider.issuer,
        "clientId": CLIENT_ID,
        "clientSecretSet": True,
        "domains": ["contoso.co.uk", "contoso.com"],
        "required": False,
        "enabled": True,
        "redirectUri": "http://partnerhub.test/auth/oidc/callback",
        "startUrl": saved["singleSignOn"]["startUrl"],
    }
    assert saved["singleSignOn"]["startUrl"].startswith(
        "http://partnerhub.test/auth/oidc/start?org="
    )
    assert CLIENT_SECRET not in json.dumps(body)
    # And the secret is stored sealed only
    [row] = await SingleSignOn.all()
    assert CLIENT_SECRET not in row.sealed_client_secret
    assert Sealer(str(db.secret_key)).unseal(row.sealed_client_secret) == CLIENT_SECRET
    # And the change is in Contoso's activity log, and an event, without the secret
    [entry] = await ActivityEntry.filter(action="single_sign_on.configured")
    assert entry.customer_id == org.id
    assert entry.actor_user_id == admin.user.id
    assert entry.changes["domains"] == ["contoso.com", "contoso.co.uk"]
    assert entry.changes["clientSecretChanged"] is True
    assert CLIENT_SECRET not in json.dumps(entry.changes)
    # And reading it back shows no secret either
    read = await api.query(CONFIGURATION, token=admin.token)
    assert read["singleSignOn"]["clientSecretSet"] is True
    assert CLIENT_SECRET not in json.dumps(read)

    # When they save it again without a secret, turning it off
    again = await api.query(
        CONFIGURE,
        {
            "input": {
                "displayName": "Contoso ID",
                "issuer": provider.issuer,
                "clientId": CLIENT_ID,
                "domains": ["contoso.com"],
                "enabled": False,
            }
        },
        token=admin.token,
    )

    # Then the saved secret stays
    assert again["configureSingleSignOn"]["errors"] == []
    assert again["configureSingleSignOn"]["singleSignOn"]["enabled"] is False
    row = await SingleSignOn.get(id=row.id)
    assert Sealer(str(db.secret_key)).unseal(row.sealed_client_secret) == CLIENT_SECRET


async def test_a_configuration_is_refused_next_to_each_field(
    api: GraphQLClient, db: Settings, provider: Provider
) -> None:
    # Given Contoso's Global Administrator, and another organization with people at fabrikam.com
    org = await f.customer("Contoso")
    admin = await f.person(org, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")
    await f.person(await f.partner("Fabrikam"), "ADMIN_AGENT", email="agent@fabrikam.com")

    async def refusals(**fields: object) -> list[tuple[str, str]]:
        given = {
            "displayName": "Contoso ID",
            "issuer": provider.issuer,
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "domains": ["contoso.com"],
        } | fields
        body = await api.query(CONFIGURE, {"input": given}, token=admin.token)
        errors = body["configureSingleSignOn"]["errors"]
        return [(e["field"][-1], e["code"]) for e in errors]

    # When fields are missing or wrong, Then each is refused next to its field
    assert await refusals(displayName=" ", clientId="", clientSecret=None, domains=[]) == [
        ("displayName", "INVALID_INPUT"),
        ("clientId", "INVALID_INPUT"),
        ("clientSecret", "INVALID_INPUT"),
        ("domains", "INVALID_INPUT"),
    ]
    assert await refusals(domains=["not a domain"]) == [("domains", "INVALID_INPUT")]
    # And plain http to an address other than loopback, or no URL at all
    assert await refusals(issuer="http://8.8.8.8/contoso") == [("issuer", "ISSUER_NOT_VALID")]
    assert await refusals(issuer="idp.contoso.com") == [("issuer", "ISSUER_NOT_VALID")]
    # And an issuer whose discovery document names another issuer, or that does not answer
    assert await refusals(issuer=provider.issuer + "/") == [("issuer", "ISSUER_NOT_VALID")]
    assert await refusals(issuer="http://127.0.0.1:9/nothing") == [("issuer", "ISSUER_NOT_VALID")]
    # And a domain where another organization has people
    assert await refusals(domains=["fabrikam.com"]) == [("domains", "DOMAIN_TAKEN")]
    # And SSO as the only way in while it is off, or without the admin's own domain
    assert await refusals(required=True, enabled=False) == [("required", "INVALID_INPUT")]
    assert await refusals(required=True, domains=["contoso.co.uk"]) == [
        ("required", "INVALID_INPUT")
    ]
    # And nothing was saved or recorded
    assert await SingleSignOn.all().count() == 0
    assert await ActivityEntry.filter(action="single_sign_on.configured").count() == 0


async def test_a_domain_belongs_to_one_organization_only(
    api: GraphQLClient, db: Settings, provider: Provider
) -> None:
    # Given Contoso's single sign-on for contoso.com
    await contoso(db, provider)
    # And Northwind's Global Administrator
    northwind = await f.customer("Northwind")
    admin = await f.person(northwind, "GLOBAL_ADMINISTRATOR", email="admin@northwind.com")

    # When Northwind claims contoso.com too
    body = await api.query(
        CONFIGURE,
        {
            "input": {
                "displayName": "Northwind ID",
                "issuer": provider.issuer,
                "clientId": "northwind",
                "clientSecret": "northwind secret",
                "domains": ["northwind.com", "contoso.com"],
            }
        },
        token=admin.token,
    )

    # Then it is refused, and Northwind has nothing saved
    errors = body["configureSingleSignOn"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["input", "domains"], "DOMAIN_TAKEN")]
    assert await SingleSignOn.filter(organization_id=northwind.id).count() == 0


async def test_only_a_global_admin_or_a_partner_admin_agent_manages_single_sign_on(
    api: GraphQLClient, db: Settings, provider: Provider
) -> None:
    # Given Contoso's single sign-on, its billing administrator, and Fabrikam's agents
    admin, _ = await contoso(db, provider)
    billing = await f.person(admin.user.organization, "BILLING_ADMINISTRATOR")
    fabrikam = await f.partner("Fabrikam")
    sales = await f.person(fabrikam, "SALES_AGENT")
    agent = await f.person(fabrikam, "ADMIN_AGENT")
    given = {
        "displayName": "Contoso ID",
        "issuer": provider.issuer,
        "clientId": "x",
        "clientSecret": "y",
        "domains": ["contoso.com"],
    }

    # When others read or write it, Then they are refused
    for person in (billing, sales):
        assert await api.error_code(CONFIGURATION, token=person.token) == "FORBIDDEN"
        assert await api.error_code(CONFIGURE, {"input": given}, token=person.token) == "FORBIDDEN"
    # And a visitor must sign in
    assert await api.error_code(CONFIGURATION) == "UNAUTHENTICATED"
    # And Contoso's admin reads Contoso's, and Fabrikam's admin agent Fabrikam's (none)
    assert (await api.query(CONFIGURATION, token=admin.token))["singleSignOn"]["domains"] == [
        "contoso.com"
    ]
    assert (await api.query(CONFIGURATION, token=agent.token))["singleSignOn"] is None
    [row] = await SingleSignOn.all()
    assert row.client_id == CLIENT_ID


async def test_anyone_learns_whether_an_address_signs_in_through_its_organization(
    api: GraphQLClient, db: Settings, provider: Provider
) -> None:
    # Given Contoso's single sign-on for contoso.com
    await contoso(db, provider)

    # When a visitor asks for an address at contoso.com, account or not
    found = await api.query(PROVIDER_FOR, {"email": "Someone@Contoso.com"})

    # Then they learn its name and where to start, and nothing else
    assert found["singleSignOnProvider"] == {
        "displayName": "Contoso ID",
        "startUrl": "http://partnerhub.test/auth/oidc/start?email=Someone%40Contoso.com",
    }
    # And another domain, or no address at all, has none
    for email in ("admin@fabrikam.com", "not an address", ""):
        assert (await api.query(PROVIDER_FOR, {"email": email}))["singleSignOnProvider"] is None
    # And once turned off, neither has contoso.com
    await SingleSignOn.all().update(enabled=False)
    answer = await api.query(PROVIDER_FOR, {"email": "admin@contoso.com"})
    assert answer["singleSignOnProvider"] is None


async def test_an_sso_only_organization_refuses_its_peoples_passwords(
    api: GraphQLClient, db: Settings, provider: Provider
) -> None:
    # Given Contoso, whose provider is its only way in, and its admin who has a password
    admin, _ = await contoso(db, provider, required=True)

    # When the admin signs in with the right password
    payload, signed_in = await sign_in(api, admin.email, f.PASSWORD)

    # Then it is refused with its own code, and no session opens
    assert signed_in is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["input", "password"], "SINGLE_SIGN_ON_REQUIRED")
    ]
    assert "Contoso ID" in payload["errors"][0]["message"]
    # And a wrong password still says only that it is wrong
    payload, _ = await sign_in(api, admin.email, "not the password at all")
    assert [e["code"] for e in payload["errors"]] == ["INVALID_CREDENTIALS"]
    assert await UserSession.all().count() == 0
    # And a reset link is not sent (the answer is the same as ever)
    body = await api.query(
        "mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) "
        "{ errors { code } } }",
        {"input": {"email": admin.email}},
    )
    assert body["requestPasswordReset"]["errors"] == []
    assert await OutboxMessage.all().count() == 0


# --------------------------------------------------------------------------- signing in


async def test_a_person_signs_in_through_their_organizations_provider_end_to_end(
    db: Settings, provider: Provider
) -> None:
    # Given Contoso's single sign-on, and an invited colleague who has no password yet
    admin, _ = await contoso(db, provider)
    colleague = await f.person(admin.user.organization, email="megan@contoso.com")
    assert colleague.user.status is UserStatus.INVITED
    provider.add_person("megan@contoso.com", name="Megan Bowen")

    async with live_app(db) as base, AsyncClient(base_url=base) as http:
        browser = Browser(http)
        # When she starts at the address the console links to, for her address
        started = await browser.get("/auth/oidc/start?email=megan@contoso.com&next=/security")
        # Then the browser goes to the provider with the code flow, PKCE, state and nonce
        assert started.status_code == 303
        authorization = urlsplit(started.headers["location"])
        assert f"{authorization.scheme}://{authorization.netloc}" == provider.issuer
        sent = dict(parse_qsl(authorization.query))
        assert sent["response_type"] == "code"
        assert sent["client_id"] == CLIENT_ID
        assert sent["redirect_uri"] == f"{base}/auth/oidc/callback"
        assert sent["code_challenge_method"] == "S256"
        assert sent["scope"] == "openid email profile"
        assert sent["login_hint"] == "megan@contoso.com"
        assert len(sent["state"]) >= 43
        assert len(sent["nonce"]) >= 43
        assert SSO_COOKIE in browser.cookies

        # When she signs in at the provider and it sends her back
        back = provider.authorize(started.headers["location"], "megan@contoso.com")
        finished = await browser.get(back)

        # Then she is signed in, as a password would have, and sent to her page
        assert finished.status_code == 303
        assert finished.headers["location"] == f"{base}/security"
        assert SSO_COOKIE not in browser.cookies
        client = GraphQLClient(http)
        viewer = await client.query(VIEWER, headers=browser.signed_in.headers(origin=base))
        assert viewer["viewer"] == {"email": "megan@contoso.com", "status": "ACTIVE"}

    # And the code was exchanged with the verifier of the challenge, the client authenticated
    [token_request] = provider.requests()["token"][-1:]
    verifier = token_request["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert challenge.rstrip(b"=").decode() == sent["code_challenge"]
    assert token_request["basic_auth"] == "True"
    # And the sign-in is recorded with its method, and nothing secret
    [entry] = await ActivityEntry.filter(action="user.signed_in")
    assert entry.actor_user_id == colleague.user.id
    assert entry.changes == {"method": "oidc", "issuer": provider.issuer, "activated": True}
    [session] = await UserSession.all()
    assert session.user_id == colleague.user.id
    # And the sign-in under way was used once, and keeps no secret in the clear
    [request] = await SingleSignOnRequest.all()
    assert request.used_at is not None
    assert sent["nonce"] not in request.sealed_nonce
    assert verifier not in request.sealed_code_verifier


async def test_a_sign_in_through_the_provider_stands_in_for_the_second_factor(
    db: Settings, provider: Provider
) -> None:
    # Given Contoso's single sign-on, and a Global Administrator (who must use a second
    # factor) with no authenticator app
    admin, _ = await contoso(db, provider)
    provider.add_person(admin.email, name="Contoso Admin")

    async with live_app(db) as base, AsyncClient(base_url=base) as http:
        # When they sign in through Contoso's provider
        browser = Browser(http)
        started = await browser.get(f"/auth/oidc/start?email={admin.email}&next=/partners")
        finished = await browser.get(provider.authorize(started.headers["location"], admin.email))
        assert finished.status_code == 303

        # Then their session is not limited to enrolling an app: the provider's sign-in
        # stands in for it, and their lists open
        client = GraphQLClient(http)
        body = await client.raw(
            "{ viewer { mfaEnrollmentRequired } relationships(first: 1) { totalCount } }",
            headers=browser.signed_in.headers(origin=base),
        )
        assert body.get("errors") is None, body
        assert body["data"]["viewer"] == {"mfaEnrollmentRequired": False}
    [session] = await UserSession.all()
    assert session.by_identity_provider


async def test_a_tampered_id_token_is_refused(
    db: Settings, browser: Browser, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    # Given Contoso's single sign-on, and a person of Contoso's that the provider knows
    await contoso(db, provider)
    await f.person(await Organization.get(name="Contoso"), email="megan@contoso.com")
    provider.add_person("megan@contoso.com")
    # And someone between the provider and the app who makes Megan's token say the admin's
    provider.next_token(claims={"email": "admin@contoso.com", "sub": "admin@contoso.com"})

    # When the tampered token comes back
    with caplog.at_level(logging.INFO, logger="api.single_sign_on"):
        answer = await through(browser, provider, "megan@contoso.com")

    # Then its signature does not verify: refused, and nobody is signed in
    assert refused_with(answer) == "SINGLE_SIGN_ON_FAILED"
    assert "signature does not verify" in reason(caplog)
    assert "partnerhub_session" not in browser.cookies
    assert await UserSession.all().count() == 0


async def test_an_id_token_issued_to_another_client_is_refused(
    db: Settings, browser: Browser, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    # Given Contoso's single sign-on, and its admin known to the provider
    await contoso(db, provider)
    provider.add_person("admin@contoso.com")
    # And a sign-in under way
    started = await browser.get("/auth/oidc/start?email=admin@contoso.com")
    nonce = dict(parse_qsl(urlsplit(started.headers["location"]).query))["nonce"]
    # And a token the provider really signed, with its nonce, but for another application
    provider.next_token(id_token=provider.token_for("another-app", nonce, "admin@contoso.com"))

    # When it comes back in place of the app's own
    with caplog.at_level(logging.INFO, logger="api.single_sign_on"):
        back = provider.authorize(started.headers["location"], "admin@contoso.com")
        answer = await browser.get(back)

    # Then its audience is refused
    assert refused_with(answer) == "SINGLE_SIGN_ON_FAILED"
    assert "aud" in reason(caplog)
    assert await UserSession.all().count() == 0


async def test_an_expired_id_token_is_refused(
    db: Settings,
    browser: Browser,
    expiring_provider: Provider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given Contoso's single sign-on through a provider whose tokens have expired already
    await contoso(db, expiring_provider)
    expiring_provider.add_person("admin@contoso.com")

    # When its admin signs in through it
    with caplog.at_level(logging.INFO, logger="api.single_sign_on"):
        answer = await through(browser, expiring_provider, "admin@contoso.com")

    # Then the token is refused as expired
    assert refused_with(answer) == "SINGLE_SIGN_ON_FAILED"
    assert "expired" in reason(caplog)
    assert await UserSession.all().count() == 0


async def test_a_replayed_state_is_refused(
    db: Settings, browser: Browser, provider: Provider
) -> None:
    # Given Contoso's admin, signed in through the provider once
    await contoso(db, provider)
    provider.add_person("admin@contoso.com")
    started = await browser.get("/auth/oidc/start?email=admin@contoso.com")
    back = provider.authorize(started.headers["location"], "admin@contoso.com")
    browser.cookies["kept"] = browser.cookies[SSO_COOKIE]  # (what a replay would send)
    assert (await browser.get(back)).headers["location"] == "http://partnerhub.test/"

    # When the same return comes again, with the same cookie
    replay = Browser(browser.http, {SSO_COOKIE: browser.cookies["kept"]})
    answer = await replay.get(back)

    # Then it is refused: a state works once
    assert refused_with(answer) == "SINGLE_SIGN_ON_STATE_NOT_VALID"
    assert "partnerhub_session" not in replay.cookies
    assert await UserSession.all().count() == 1


async def test_a_return_to_another_browser_or_with_an_unknown_state_is_refused(
    db: Settings, browser: Browser, provider: Provider
) -> None:
    # Given a sign-in under way in one browser
    await contoso(db, provider)
    provider.add_person("admin@contoso.com")
    started = await browser.get("/auth/oidc/start?email=admin@contoso.com")
    back = provider.authorize(started.headers["location"], "admin@contoso.com")

    # When its return is opened in another browser (a link someone was sent)
    elsewhere = await Browser(browser.http).get(back)
    # Or a state that the app never issued comes back
    made_up = await browser.get(back.replace("state=", "state=x"))

    # Then both are refused, and the first browser may still finish
    assert refused_with(elsewhere) == "SINGLE_SIGN_ON_STATE_NOT_VALID"
    assert refused_with(made_up) == "SINGLE_SIGN_ON_STATE_NOT_VALID"
    started = await browser.get("/auth/oidc/start?email=admin@contoso.com")
    answer = await browser.get(provider.authorize(started.headers["location"], "admin@contoso.com"))
    assert answer.headers["location"] == "http://partnerhub.test/"


@pytest.mark.parametrize(
    ("subject", "verified", "code"),
    [
        ("admin@fabrikam.com", True, "EMAIL_NOT_ALLOWED"),  # outside Contoso's domains
        ("admin@contoso.com", False, "EMAIL_NOT_ALLOWED"),  # not verified by the provider
        ("nobody@contoso.com", True, "ACCOUNT_NOT_FOUND"),  # no such person of Contoso's
        ("gone@contoso.com", True, "ACCOUNT_DISABLED"),  # a disabled person
    ],
)
async def test_a_person_the_organization_does_not_let_in_is_refused(
    db: Settings, browser: Browser, provider: Provider, subject: str, verified: bool, code: str
) -> None:
    # Given Contoso's single sign-on, its admin, a disabled colleague, and Fabrikam's admin
    admin, _ = await contoso(db, provider)
    gone = await f.person(admin.user.organization, email="gone@contoso.com")
    await User.filter(id=gone.user.id).update(status=UserStatus.DISABLED)
    await f.person(await f.partner("Fabrikam"), "ADMIN_AGENT", email="admin@fabrikam.com")
    provider.add_person(subject, verified=verified)

    # When the provider signs the person in and sends them back
    answer = await through(browser, provider, subject)

    # Then the app refuses them, and creates no one
    assert refused_with(answer) == code
    assert await UserSession.all().count() == 0
    assert not await User.filter(email="nobody@contoso.com").exists()


async def test_a_provider_that_answers_with_an_error_signs_nobody_in(
    db: Settings, browser: Browser, provider: Provider
) -> None:
    # Given a sign-in under way
    await contoso(db, provider)
    started = await browser.get("/auth/oidc/start?email=admin@contoso.com")
    state = dict(parse_qsl(urlsplit(started.headers["location"]).query))["state"]

    # When the provider sends the browser back with an error (the person said no)
    answer = await browser.get(f"/auth/oidc/callback?error=access_denied&state={state}")

    # Then nobody is signed in
    assert refused_with(answer) == "SINGLE_SIGN_ON_FAILED"
    assert await UserSession.all().count() == 0


async def test_starting_without_single_sign_on_opens_the_sign_in_page(
    db: Settings, browser: Browser, provider: Provider
) -> None:
    # Given Contoso's single sign-on, turned off, and Fabrikam without any
    admin, _ = await contoso(db, provider)
    await SingleSignOn.all().update(enabled=False)
    fabrikam = await f.partner("Fabrikam")

    # When someone starts a sign-in for either, or for nothing
    for start in (
        "/auth/oidc/start?email=admin@contoso.com",
        f"/auth/oidc/start?org={admin.user.organization_id}",
        f"/auth/oidc/start?org={fabrikam.id}",
        "/auth/oidc/start",
    ):
        answer = await browser.get(start)
        # Then the sign-in page says that single sign-on is not available
        assert refused_with(answer) == "SINGLE_SIGN_ON_NOT_AVAILABLE"
    assert await SingleSignOnRequest.all().count() == 0


# --------------------------------------------------------------------------- in the browser


def console_errors(tab: Tab, base: str) -> list[str]:
    """The console's own errors: not those of the provider's page (its stylesheet from a CDN,
    which this machine cannot reach)."""
    return [e for e in tab.errors if e.startswith("uncaught") or f"({base}" in e]


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sign_in_with_the_organizations_provider_from_the_console(
    db: Settings, provider: Provider, chromium: PlaywrightBrowser
) -> None:
    # Given Contoso's single sign-on, and its admin known to the provider
    admin, _ = await contoso(db, provider)
    provider.add_person("admin@contoso.com", name="Contoso Admin")

    async with live_app(db) as base, open_tab(chromium, base) as tab:
        page = tab.page
        # When the admin types their address on the sign-in page
        await page.goto("/signin")
        await page.get_by_label("Email address").fill("admin@contoso.com")
        await page.get_by_label("Email address").press("Tab")
        # Then the page offers their organization's provider
        button = page.get_by_role("link", name="Sign in with Contoso ID")
        await expect(button).to_be_visible()
        assert await tab.accessibility_problems() == []
        await tab.shot("sign-in-single-sign-on")

        # When they choose it and sign in at the provider's page
        await button.click()
        await page.get_by_placeholder("sub").fill("admin@contoso.com")
        await page.get_by_role("button", name="Authorize").click()

        # Then the console opens, signed in as them
        await expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
        await expect(page.locator(".who-name")).to_have_text(admin.user.display_name or "")
        await expect(page).to_have_url(f"{base}/partners")
        assert console_errors(tab, base) == []
    [entry] = await ActivityEntry.filter(action="user.signed_in")
    assert entry.changes["method"] == "oidc"


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_refused_single_sign_on_says_why_on_the_sign_in_page(
    db: Settings, provider: Provider, chromium: PlaywrightBrowser
) -> None:
    # Given Contoso's single sign-on, and someone the provider knows but Contoso does not
    await contoso(db, provider)
    provider.add_person("stranger@contoso.com")

    async with live_app(db) as base, open_tab(chromium, base) as tab:
        page = tab.page
        # When they sign in through it from the console
        await page.goto("/signin")
        await page.get_by_label("Email address").fill("stranger@contoso.com")
        await page.get_by_role("link", name="Sign in with your organization").click()
        await page.get_by_role("link", name="Sign in with Contoso ID").click()
        await page.get_by_placeholder("sub").fill("stranger@contoso.com")
        await page.get_by_role("button", name="Authorize").click()

        # Then they are back on the sign-in page, told why, and not signed in
        await expect(page.get_by_role("alert")).to_contain_text("You have no account here yet")
        await expect(page).to_have_url(f"{base}/signin?ssoError=ACCOUNT_NOT_FOUND")
        await expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
        assert console_errors(tab, base) == []


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_global_admin_sets_up_single_sign_on_in_the_console(
    db: Settings, provider: Provider, chromium: PlaywrightBrowser
) -> None:
    # Given Contoso's Global Administrator, signed in with a password
    org = await f.customer("Contoso")
    admin = await f.person(org, "GLOBAL_ADMINISTRATOR", email="admin@contoso.com")

    async with live_app(db) as base, open_tab(chromium, base) as tab:
        page = tab.page
        await sign_in_with_password(tab, admin)
        # When they open Single sign-on and fill in their provider
        await page.get_by_role("link", name="Single sign-on").click()
        await expect(page.get_by_role("heading", name="Single sign-on", level=1)).to_be_visible()
        await page.get_by_label("Name people see").fill("Contoso ID")
        await page.get_by_label("Issuer URL").fill("ftp://idp.contoso.com")
        await page.get_by_label("Client ID").fill(CLIENT_ID)
        await page.get_by_label("Client secret").fill(CLIENT_SECRET)
        await page.get_by_label("Email domains").fill("contoso.com")
        await page.get_by_role("button", name="Save single sign-on").click()
        # Then a wrong issuer is refused next to its field
        await expect(page.locator("[data-field=issuer] .field-error")).to_contain_text("https://")
        # When they correct it and save
        await page.get_by_label("Issuer URL").fill(provider.issuer)
        await page.get_by_role("button", name="Save single sign-on").click()

        # Then it is saved, with what to register at the provider
        await expect(page.locator("#sso-saved")).to_have_text("Saved.")
        await expect(page.locator(".settings-facts")).to_contain_text(f"{base}/auth/oidc/callback")
        await expect(page.get_by_label("Client secret")).to_have_value("")
        assert await tab.accessibility_problems() == []
        await tab.shot("single-sign-on")
        assert tab.errors == []
    [row] = await SingleSignOn.all()
    assert row.display_name == "Contoso ID"
