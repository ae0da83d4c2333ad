"""Single sign-on through an organization's own OpenID Connect provider: its configuration,
the sign-in's two legs (to the provider, and back), and what it changes for passwords.

- **Configuration** (`configure`): the organization's Global Administrator (a partner's admin
  agent) names the issuer, the client ID and secret registered there, a display name, and
  the email domains whose people it signs in. The issuer's discovery document must be read
  (and name the issuer) before it is saved while single sign-on is on. A domain belongs to
  one organization only, and not to one whose people another organization already has. The
  secret is stored sealed and never shown again.
- **Signing in** (`start`, then `finish` when the provider sends the browser back): the code
  flow with PKCE, state and nonce. The return must come to the browser that left, once,
  within 10 minutes; the ID token must verify (`models/infrastructure/oidc.py`), its email
  address be verified by the provider and at one of the organization's domains, and belong
  to a person the organization already has: nobody is created by signing in. The session is
  the one a password opens (`open_session`), recorded as `user.signed_in` with the method.
  The provider's sign-in stands in for Partnerhub's own second factor.
- **SSO only** (`required`): the organization's people sign in through the provider only;
  passwords are refused (`models/rules/sso_required.py`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

from email_validator import EmailNotValidError
from tortoise.exceptions import IntegrityError

from models.foundation.email_addresses import normalized_email
from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.foundation.ids import encode_id
from models.identity.actors import Actor
from models.identity.sessions import Device, SessionTimeouts, open_session
from models.infrastructure import oidc
from models.infrastructure.tokens import hash_token, new_token
from models.infrastructure.webhook_addresses import AddressRefused, parse
from models.operation import Operation
from models.policy.single_sign_on import require_single_sign_on_manager
from models.reference.enums import UserStatus
from models.rules.concerns import own_organization
from models.rules.sign_in import SignedIn
from models.tables.organizations import User
from models.tables.single_sign_on import SingleSignOn, SingleSignOnDomain, SingleSignOnRequest

# The browser has this long to come back from the provider.
REQUEST_LIFETIME = timedelta(minutes=10)
START_PATH = "/auth/oidc/start"
CALLBACK_PATH = "/auth/oidc/callback"
MAX_DOMAINS = 50
MAX_DISPLAY_NAME = 100
MAX_CLIENT_ID = 255
MAX_CLIENT_SECRET = 2000
MAX_NEXT = 500


@dataclass(frozen=True, slots=True)
class SingleSignOnSettings:
    """What an administrator sets; `client_secret` None keeps the one saved."""

    display_name: str
    issuer: str
    client_id: str
    client_secret: str | None
    domains: list[str]
    required: bool
    enabled: bool


@dataclass(frozen=True, slots=True)
class Started:
    """Where to send the browser, and the token of the cookie that ties the return to it."""

    url: str
    browser_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Finished:
    signed_in: SignedIn
    next_path: str


def callback_url(public_url: str) -> str:
    """The redirect URI to register at the provider."""
    return public_url.rstrip("/") + CALLBACK_PATH


def start_url(organization_id: UUID) -> str:
    """The address that begins a sign-in through the organization's provider."""
    return f"{START_PATH}?org={quote(str(encode_id('Organization', organization_id)))}"


def start_url_for(email: str) -> str:
    """The address that begins a sign-in through the provider of the address's domain."""
    return f"{START_PATH}?email={quote(email.strip())}"


def safe_next(value: str | None) -> str:
    """A path of this site to open after signing in; "/" for anything else (another site's
    address, a scheme-relative `//host`, control characters)."""
    if (
        not value
        or len(value) > MAX_NEXT
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)
    ):
        return "/"
    return value


def _domain(value: str) -> str | None:
    """An email domain as addresses are kept (lower-case, IDNA-normalized), or None."""
    try:
        return normalized_email(f"someone@{value.strip().lstrip('@')}").rsplit("@", 1)[1].lower()
    except EmailNotValidError:
        return None


def domain_of(email: str) -> str | None:
    address = email.strip()
    if "@" not in address:
        return None
    return _domain(address.rsplit("@", 1)[1])


# ----------------------------------------------------------------------- configuration


def _checked_text(value: str, field: str, what: str, limit: int) -> tuple[str, DomainError | None]:
    text = value.strip()
    if not text:
        return text, DomainError(ErrorCode.INVALID_INPUT, f"Enter the {what}.", field)
    if len(text) > limit:
        return text, DomainError(
            ErrorCode.INVALID_INPUT, f"The {what} is longer than {limit} characters.", field
        )
    return text, None


async def _checked_domains(
    values: list[str], organization_id: UUID
) -> tuple[list[str], DomainError | None]:
    domains: list[str] = []
    for value in values:
        domain = _domain(value)
        if domain is None:
            return [], DomainError(
                ErrorCode.INVALID_INPUT, f"{value.strip()!r} is not an email domain.", "domains"
            )
        if domain not in domains:
            domains.append(domain)
    if not domains:
        return [], DomainError(
            ErrorCode.INVALID_INPUT,
            "Name at least one email domain whose people sign in this way.",
            "domains",
        )
    if len(domains) > MAX_DOMAINS:
        return [], DomainError(
            ErrorCode.INVALID_INPUT, f"Name at most {MAX_DOMAINS} domains.", "domains"
        )
    for domain in domains:
        claimed = SingleSignOnDomain.filter(domain=domain).exclude(
            single_sign_on__organization_id=organization_id
        )
        others = User.filter(email__endswith=f"@{domain}").exclude(organization_id=organization_id)
        if await claimed.exists() or await others.exists():
            return [], DomainError(
                ErrorCode.DOMAIN_TAKEN,
                f"{domain} is another organization's: it signs in elsewhere, or another "
                "organization has people with addresses there.",
                "domains",
            )
    return domains, None


async def configure(
    op: Operation, settings: SingleSignOnSettings, policy: oidc.AddressPolicy
) -> SingleSignOn:
    """Save the organization's single sign-on, checked; recorded without its secret."""
    actor = op.require_actor()
    require_single_sign_on_manager(actor)
    organization_id = actor.organization_id
    existing = await SingleSignOn.get_or_none(organization_id=organization_id)
    refusals: list[DomainError] = []
    display_name, problem = _checked_text(
        settings.display_name, "displayName", "name people will see", MAX_DISPLAY_NAME
    )
    refusals += [problem] if problem else []
    client_id, problem = _checked_text(settings.client_id, "clientId", "client ID", MAX_CLIENT_ID)
    refusals += [problem] if problem else []
    secret = settings.client_secret
    if secret is not None and secret.strip():
        secret, problem = _checked_text(secret, "clientSecret", "client secret", MAX_CLIENT_SECRET)
        refusals += [problem] if problem else []
    elif existing is None:
        refusals.append(
            DomainError(ErrorCode.INVALID_INPUT, "Enter the client secret.", "clientSecret")
        )
        secret = None
    else:
        secret = None  # kept
    issuer = settings.issuer.strip()
    try:
        parse(issuer)
        await policy.check(issuer)
    except AddressRefused as refused:
        refusals.append(DomainError(ErrorCode.ISSUER_NOT_VALID, str(refused), "issuer"))
    domains, problem = await _checked_domains(settings.domains, organization_id)
    refusals += [problem] if problem else []
    if settings.required and not settings.enabled:
        refusals.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                "Single sign-on can be the only way in only while it is on.",
                "required",
            )
        )
    elif settings.required and domains and domain_of(actor.email) not in domains:
        refusals.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                "Include your own address's domain before making single sign-on the only way "
                "in, or you could not sign in yourself.",
                "required",
            )
        )
    if refusals:
        raise ValidationErrors(refusals)
    if settings.enabled:
        try:
            await oidc.discover(issuer, policy)
        except oidc.ProviderError as failed:
            raise DomainError(
                ErrorCode.ISSUER_NOT_VALID,
                f"The provider's discovery document could not be used: {failed}",
                "issuer",
            ) from failed
    try:
        return await _save(
            op, actor, existing, settings, display_name, client_id, issuer, secret, domains
        )
    except IntegrityError as taken:  # claimed by another organization at the same moment
        raise DomainError(
            ErrorCode.DOMAIN_TAKEN, "A domain was just claimed by another organization.", "domains"
        ) from taken


async def _save(
    op: Operation,
    actor: Actor,
    existing: SingleSignOn | None,
    settings: SingleSignOnSettings,
    display_name: str,
    client_id: str,
    issuer: str,
    secret: str | None,
    domains: list[str],
) -> SingleSignOn:
    now = op.now()
    fields: dict[str, Any] = {
        "display_name": display_name,
        "issuer": issuer,
        "client_id": client_id,
        "required": settings.required,
        "enabled": settings.enabled,
        "updated_at": now,
    }
    if secret is not None:
        fields["sealed_client_secret"] = op.sealer.seal(secret)
    async with op.atomic() as tx:
        if existing is None:
            config = await SingleSignOn.create(
                organization_id=actor.organization_id, created_at=now, **fields
            )
        else:
            await SingleSignOn.filter(id=existing.id).update(**fields)
            config = await SingleSignOn.get(id=existing.id)
        await SingleSignOnDomain.filter(single_sign_on_id=config.id).delete()
        for domain in domains:
            await SingleSignOnDomain.create(single_sign_on_id=config.id, domain=domain)
        await tx.record(
            "single_sign_on.configured",
            "SingleSignOn",
            config.id,
            **own_organization(actor.organization_kind, actor.organization_id),
            changes={
                "displayName": display_name,
                "issuer": issuer,
                "clientId": client_id,
                "clientSecretChanged": secret is not None,
                "domains": domains,
                "required": settings.required,
                "enabled": settings.enabled,
            },
        )
    return config


async def configuration(op: Operation) -> SingleSignOn | None:
    """The viewer's organization's single sign-on, for those who manage it."""
    actor = op.require_actor()
    require_single_sign_on_manager(actor)
    return await SingleSignOn.get_or_none(organization_id=actor.organization_id)


async def domains_of(config: SingleSignOn) -> list[str]:
    rows = await SingleSignOnDomain.filter(single_sign_on_id=config.id).order_by("domain")
    return [row.domain for row in rows]


async def option_for(email: str) -> SingleSignOn | None:
    """The single sign-on that signs in people at the address's domain, when it is on: what
    anyone may ask before signing in (it says nothing of whether the address has an account)."""
    domain = domain_of(email)
    if domain is None:
        return None
    found = await SingleSignOnDomain.get_or_none(domain=domain).select_related("single_sign_on")
    if found is None or not found.single_sign_on.enabled:
        return None
    return found.single_sign_on


# ----------------------------------------------------------------------- signing in


def _not_available() -> DomainError:
    return DomainError(
        ErrorCode.SINGLE_SIGN_ON_NOT_AVAILABLE,
        "Single sign-on is not available for this organization or address.",
    )


def _state_not_valid(why: str) -> DomainError:
    return DomainError(
        ErrorCode.SINGLE_SIGN_ON_STATE_NOT_VALID,
        f"This sign-in cannot be completed ({why}): start again.",
    )


async def start(
    op: Operation,
    *,
    organization_id: UUID | None,
    email: str | None,
    next_path: str | None,
    public_url: str,
    policy: oidc.AddressPolicy,
) -> Started:
    """Begin a sign-in through the provider of an organization (or of an address's domain):
    the authorization request to send the browser to, and the cookie tying it to this
    browser. Its values wait, sealed, for the return."""
    config: SingleSignOn | None = None
    if organization_id is not None:
        config = await SingleSignOn.get_or_none(organization_id=organization_id, enabled=True)
    elif email:
        config = await option_for(email)
    if config is None:
        raise _not_available()
    try:
        provider = await oidc.discover(config.issuer, policy)
    except oidc.ProviderError as failed:
        raise DomainError(
            ErrorCode.SINGLE_SIGN_ON_FAILED, f"The identity provider cannot be used: {failed}"
        ) from failed
    state, state_hash = new_token()
    browser_token, browser_hash = new_token()
    nonce, code_verifier = oidc.new_secrets()
    now = op.now()
    expires_at = now + REQUEST_LIFETIME
    async with op.atomic():
        await SingleSignOnRequest.create(
            organization_id=config.organization_id,
            state_hash=state_hash,
            browser_hash=browser_hash,
            sealed_nonce=op.sealer.seal(nonce),
            sealed_code_verifier=op.sealer.seal(code_verifier),
            next_path=safe_next(next_path),
            created_at=now,
            expires_at=expires_at,
        )
    request = oidc.AuthorizationRequest(
        client_id=config.client_id,
        redirect_uri=callback_url(public_url),
        state=state,
        nonce=nonce,
        code_verifier=code_verifier,
        login_hint=email.strip() if email else None,
    )
    return Started(
        url=provider.authorization_url(request), browser_token=browser_token, expires_at=expires_at
    )


async def _taken(state: str, browser_token: str, now: datetime) -> SingleSignOnRequest:
    """The sign-in under way that `state` names, taken for this one return: or a refusal
    when there is none, it began in another browser, or it was used or expired."""
    if not state or not browser_token:
        raise _state_not_valid("it did not begin in this browser")
    request = await SingleSignOnRequest.get_or_none(state_hash=hash_token(state))
    if request is None:
        raise _state_not_valid("it is not one this service began")
    if not hmac.compare_digest(request.browser_hash, hash_token(browser_token)):
        raise _state_not_valid("it began in another browser")
    taken = await SingleSignOnRequest.filter(
        id=request.id, used_at=None, expires_at__gt=now
    ).update(used_at=now)
    if not taken:
        raise _state_not_valid("it was completed already, or took too long")
    return request


def _failed(why: str) -> DomainError:
    return DomainError(
        ErrorCode.SINGLE_SIGN_ON_FAILED,
        f"Your organization's identity provider did not sign you in: {why}",
    )


async def _claims(
    op: Operation,
    config: SingleSignOn,
    request: SingleSignOnRequest,
    code: str,
    public_url: str,
    policy: oidc.AddressPolicy,
) -> dict[str, Any]:
    secret = op.sealer.unseal(config.sealed_client_secret)
    nonce = op.sealer.unseal(request.sealed_nonce)
    verifier = op.sealer.unseal(request.sealed_code_verifier)
    if secret is None or nonce is None or verifier is None:
        raise _failed("its settings were sealed under another SECRET_KEY; save them again.")
    authorization = oidc.AuthorizationRequest(
        client_id=config.client_id,
        redirect_uri=callback_url(public_url),
        state="",
        nonce=nonce,
        code_verifier=verifier,
    )
    try:
        provider = await oidc.discover(config.issuer, policy)
        tokens = await oidc.exchange_code(provider, authorization, secret, code, policy)
        return await oidc.validated_claims(
            provider, authorization, tokens, policy, now=op.now().timestamp()
        )
    except oidc.ProviderError as failed:
        raise _failed(str(failed)) from failed


async def _person(config: SingleSignOn, claims: dict[str, Any]) -> User:
    """The organization's person the claims name: by a verified address at one of its
    domains."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise DomainError(
            ErrorCode.EMAIL_NOT_ALLOWED, "The identity provider gave no email address."
        )
    address = email.strip().lower()
    if claims.get("email_verified") not in (True, "true"):
        raise DomainError(
            ErrorCode.EMAIL_NOT_ALLOWED,
            f"The identity provider has not verified {address}.",
        )
    domain = domain_of(address)
    allowed = await SingleSignOnDomain.filter(single_sign_on_id=config.id, domain=domain).exists()
    if domain is None or not allowed:
        raise DomainError(
            ErrorCode.EMAIL_NOT_ALLOWED,
            f"{address} is not at a domain that {config.display_name} signs in.",
        )
    user = await User.get_or_none(email=address).select_related("organization")
    if user is None or user.organization_id != config.organization_id:
        raise DomainError(
            ErrorCode.ACCOUNT_NOT_FOUND,
            f"{address} has no account here: ask an administrator of your organization to add you.",
        )
    if user.status is UserStatus.DISABLED:
        raise DomainError(
            ErrorCode.ACCOUNT_DISABLED,
            "This account is disabled. Ask an administrator of your organization.",
        )
    return user


async def finish(
    op: Operation,
    *,
    state: str,
    code: str | None,
    error: str | None,
    browser_token: str,
    public_url: str,
    policy: oidc.AddressPolicy,
    timeouts: SessionTimeouts,
    device: Device,
) -> Finished:
    """Complete a sign-in when the provider sends the browser back: the state, once, from the
    browser that left; the code exchanged and the ID token checked; the person found; and a
    session opened as a password's would be. An invited person who had no password yet
    becomes ACTIVE: the provider vouched for them."""
    now = op.now()
    request = await _taken(state, browser_token, now)
    if error:
        raise _failed(f"it answered {error[:100]!r}.")
    if not code:
        raise _failed("it sent no authorization code.")
    config = await SingleSignOn.get_or_none(organization_id=request.organization_id, enabled=True)
    if config is None:
        raise _not_available()
    claims = await _claims(op, config, request, code, public_url, policy)
    user = await _person(config, claims)
    status = UserStatus.ACTIVE if user.status is UserStatus.INVITED else user.status
    kind = user.organization.kind
    async with op.atomic(actor=Actor.of(user, kind)) as tx:
        if status is not user.status:
            await User.filter(id=user.id).update(status=status)
        opened = await open_session(user.id, timeouts, now, device, by_identity_provider=True)
        await tx.record(
            "user.signed_in",
            "User",
            user.id,
            **own_organization(kind, user.organization_id),
            changes={
                "method": "oidc",
                "issuer": config.issuer,
                "activated": status is not user.status,
            },
        )
    user.status = status
    return Finished(signed_in=SignedIn(user=user, session=opened), next_path=request.next_path)


async def purge_requests_before(moment: datetime) -> int:
    """Delete sign-ins under way that expired before `moment` (the daily job's)."""
    return await SingleSignOnRequest.filter(expires_at__lt=moment).delete()
