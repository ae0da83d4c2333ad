"""Actions on a customer's data, by its own admins or by partner agents on its behalf.

Each is allowed by the capability table through `policy.require_capability`, and records
who acted and, under AOBO, for which partner; its activity entry (and event) names the
customer acted for (`concerns.acting_for`). A temporary password never appears in one.

A customer's people are its `User`s: a password reset here sets a temporary password on the
person's real account, which they change at their next sign-in.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.identity.passwords import PASSWORDS
from models.operation import Operation
from models.policy import require_capability, require_domain_purchaser
from models.policy.people import holds_admin_roles
from models.reference.capabilities import Capability
from models.reference.enums import UserStatus
from models.reference.tenant_enums import IncidentSeverity, SubscriptionStatus
from models.rules.concerns import acting_for
from models.tables.organizations import User
from models.tables.sign_in import PasswordLink, UserSession
from models.tables.tenant import (
    Domain,
    DomainSubscription,
    LicenseAssignment,
    Subscription,
    SupportIncident,
)

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
DOMAIN_YEARS = range(1, 11)
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


# Bytes of randomness in a temporary password: 16 URL-safe characters.
TEMPORARY_PASSWORD_BYTES = 12


@dataclass(frozen=True, slots=True)
class PasswordReset:
    user: User
    temporary_password: str  # shown once to the one who reset it, never stored


async def reset_user_password(op: Operation, customer_id: UUID, user_id: UUID) -> PasswordReset:
    """Give a person of the customer's directory a temporary password, to be changed at their
    next sign-in; their sessions end. Someone holding admin roles needs RESET_ADMIN_PASSWORD
    as well. One's own password is changed, not reset.

    An API client acts for its organization: the reset then names the partner (if one acted)
    and no person; the activity entry names the client."""
    actor = op.require_actor()
    now = op.now()
    access = await require_capability(actor, customer_id, Capability.RESET_PASSWORD, now)
    user = await directory_person(customer_id, user_id)
    if holds_admin_roles(user):
        await require_capability(actor, customer_id, Capability.RESET_ADMIN_PASSWORD, now)
    if user.id == actor.person_id:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Change your own password with changePassword instead.",
            "userId",
        )
    temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    password_hash = await PASSWORDS.hash(temporary)
    concerns = await acting_for(op, access)
    async with op.atomic() as tx:
        # Someone invited can sign in now: the temporary password is theirs to change.
        status = UserStatus.ACTIVE if user.status is UserStatus.INVITED else user.status
        await User.filter(id=user.id).update(
            password_hash=password_hash,
            password_changed_at=now,
            must_change_password=True,
            status=status,
            password_reset_at=now,
            password_reset_by_id=actor.person_id,
            password_reset_by_partner_id=access.partner_id,
        )
        links = await PasswordLink.filter(user_id=user.id, used_at=None).update(used_at=now)
        sessions = await UserSession.filter(user_id=user.id).delete()
        await tx.record(
            "user.password_reset",
            "User",
            user.id,
            **concerns,
            changes={"email": user.email, "sessionsEnded": sessions, "linksEnded": links},
        )
    await user.refresh_from_db()
    return PasswordReset(user=user, temporary_password=temporary)


async def directory_person(customer_id: UUID, user_id: UUID) -> User:
    """A person of the customer's directory; anyone else is not found, as if absent."""
    user = await User.get_or_none(id=user_id, organization_id=customer_id)
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such user in this organization.", "userId")
    return user


async def create_support_incident(
    op: Operation, customer_id: UUID, title: str, description: str, severity: IncidentSeverity
) -> SupportIncident:
    actor = op.require_actor()
    access = await require_capability(
        actor, customer_id, Capability.OPEN_SUPPORT_INCIDENT, op.now()
    )
    title, description = title.strip(), description.strip()
    errors = []
    if not 1 <= len(title) <= TITLE_MAX:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT, f"A title has 1 to {TITLE_MAX} characters.", "title"
            )
        )
    if not 1 <= len(description) <= DESCRIPTION_MAX:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"A description has 1 to {DESCRIPTION_MAX} characters.",
                "description",
            )
        )
    if errors:
        raise ValidationErrors(errors)
    concerns = await acting_for(op, access)
    async with op.atomic() as tx:
        incident = await SupportIncident.create(
            customer_id=customer_id,
            title=title,
            description=description,
            severity=severity,
            opened_by_id=actor.person_id,
            opened_by_partner_id=access.partner_id,
        )
        await tx.record(
            "support_incident.created",
            "SupportIncident",
            incident.id,
            **concerns,
            changes={"title": title, "severity": severity},
        )
    return incident


async def _subscription_and_user(
    customer_id: UUID, subscription_id: UUID, user_id: UUID
) -> tuple[Subscription, User]:
    subscription = await Subscription.get_or_none(id=subscription_id, customer_id=customer_id)
    user = await User.get_or_none(id=user_id, organization_id=customer_id)
    errors = []
    if subscription is None:
        errors.append(
            DomainError(
                ErrorCode.NOT_FOUND, "No such subscription in this organization.", "subscriptionId"
            )
        )
    if user is None:
        errors.append(
            DomainError(ErrorCode.NOT_FOUND, "No such user in this organization.", "userId")
        )
    if errors:
        raise ValidationErrors(errors)
    assert subscription is not None
    assert user is not None
    return subscription, user


async def assign_license(
    op: Operation, customer_id: UUID, subscription_id: UUID, user_id: UUID
) -> tuple[Subscription, User]:
    """Assign one of the subscription's licenses to the user; assigning it again changes
    nothing. The subscription's row is locked, so two assignments never share a license."""
    actor = op.require_actor()
    access = await require_capability(actor, customer_id, Capability.ASSIGN_LICENSE, op.now())
    subscription, user = await _subscription_and_user(customer_id, subscription_id, user_id)
    if subscription.status is not SubscriptionStatus.ACTIVE:
        raise DomainError(
            ErrorCode.NO_LICENSE_AVAILABLE, "The subscription is not active.", "subscriptionId"
        )
    concerns = await acting_for(op, access)
    async with op.atomic() as tx:
        locked = await Subscription.filter(id=subscription.id).select_for_update().get()
        if await LicenseAssignment.exists(subscription_id=locked.id, user_id=user.id):
            return locked, user
        if await LicenseAssignment.filter(subscription_id=locked.id).count() >= locked.quantity:
            raise DomainError(
                ErrorCode.NO_LICENSE_AVAILABLE,
                "Every license of the subscription is assigned.",
                "subscriptionId",
            )
        await LicenseAssignment.create(
            customer_id=customer_id,
            subscription_id=locked.id,
            user_id=user.id,
            assigned_by_id=actor.person_id,
            assigned_by_partner_id=access.partner_id,
        )
        await tx.record(
            "license.assigned",
            "Subscription",
            locked.id,
            **concerns,
            changes=_license(locked, user),
        )
    return locked, user


def _license(subscription: Subscription, user: User) -> dict[str, object]:
    return {
        "sku": subscription.sku,
        "offerName": subscription.offer_name,
        "email": user.email,
    }


async def unassign_license(
    op: Operation, customer_id: UUID, subscription_id: UUID, user_id: UUID
) -> tuple[Subscription, User]:
    """Take the subscription's license away from the user; a repeat changes nothing."""
    actor = op.require_actor()
    access = await require_capability(actor, customer_id, Capability.ASSIGN_LICENSE, op.now())
    subscription, user = await _subscription_and_user(customer_id, subscription_id, user_id)
    concerns = await acting_for(op, access)
    async with op.atomic() as tx:
        removed = await LicenseAssignment.filter(
            subscription_id=subscription.id, user_id=user.id
        ).delete()
        if removed:
            await tx.record(
                "license.unassigned",
                "Subscription",
                subscription.id,
                **concerns,
                changes=_license(subscription, user),
            )
    return subscription, user


async def purchase_domain_subscription(
    op: Operation, customer_id: UUID, domain_name: str, years: int
) -> DomainSubscription:
    """The customer's own admin, Domain Name and Billing Administrator both, buys a domain."""
    actor = op.require_actor()
    require_domain_purchaser(actor, customer_id)
    name = domain_name.strip().lower()
    errors = []
    if not _DOMAIN.match(name):
        errors.append(
            DomainError(ErrorCode.INVALID_INPUT, "This is not a domain name.", "domainName")
        )
    if years not in DOMAIN_YEARS:
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"A domain is bought for {DOMAIN_YEARS.start} to {DOMAIN_YEARS.stop - 1} years.",
                "years",
            )
        )
    if errors:
        raise ValidationErrors(errors)
    now = op.now()
    try:
        return await _buy_domain(op, actor.user_id, customer_id, name, years, now)
    except IntegrityError as exc:  # the same domain bought twice at once: one wins
        raise DomainError(ErrorCode.DOMAIN_TAKEN, "This domain is taken.", "domainName") from exc


async def _buy_domain(
    op: Operation, user_id: UUID, customer_id: UUID, name: str, years: int, now: datetime
) -> DomainSubscription:
    async with op.atomic() as tx:
        verified_elsewhere = (
            await Domain.filter(name=name, verified=True).exclude(customer_id=customer_id).exists()
        )
        if verified_elsewhere or await DomainSubscription.exists(
            domain__name=name, customer_id=customer_id
        ):
            raise DomainError(ErrorCode.DOMAIN_TAKEN, "This domain is taken.", "domainName")
        domain, _ = await Domain.get_or_create(customer_id=customer_id, name=name)
        domain.verified = True
        await domain.save(update_fields=["verified"])
        subscription = await DomainSubscription.create(
            customer_id=customer_id,
            domain_id=domain.id,
            years=years,
            purchased_by_id=user_id,
            expires_at=now + timedelta(days=365 * years),
        )
        await tx.record(
            "domain_subscription.purchased",
            "DomainSubscription",
            subscription.id,
            customer_id=customer_id,
            changes={
                "domainName": name,
                "years": years,
                "expiresAt": subscription.expires_at.isoformat(),
            },
        )
    return subscription
