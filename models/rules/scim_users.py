"""A customer's people as its identity provider provisions them (SCIM Users).

A SCIM User is a person of the customer's directory, the same `User` that admins manage and
partners see. The identity provider names them by `userName` (any string, unique in the
organization whatever its case), keeps its own `externalId`, gives their address (the primary
email) and their name, and turns them on and off: `active: false` disables the person, whose
sessions and bearer tokens end at once, exactly as `disableUser` does; removing them removes
the person. Their roles stay the admins' business. A person the provider creates can sign in
at once through the organization's single sign-on (ACTIVE, no password); the last active
Global Administrator is never disabled or removed, whoever asks.

Every change is an activity entry of the customer, naming the SCIM token, and the webhook
event of the same change made by an admin.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from models.foundation.email_addresses import normalized_email
from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.identity.scim_tokens import Provisioner
from models.operation import Operation, Transaction
from models.policy.people import require_keeps_a_keeper
from models.policy.scim import provisioned_people
from models.reference.enums import OrganizationKind, UserStatus
from models.rules.people import DISPLAY_NAME_MAX, end_sign_ins
from models.tables.organizations import Organization, User
from models.tables.sign_in import PasswordLink

NAME_MAX = 255  # userName and externalId
EMAIL_TYPE_MAX = 32
DEFAULT_EMAIL_TYPE = "work"


class StaleVersion(Exception):
    """The resource changed since the version the client named (`If-Match`)."""


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person as the identity provider describes them."""

    user_name: str
    external_id: str | None
    email: str | None
    display_name: str | None
    active: bool
    email_type: str | None = None
    email_primary: bool | None = None


def user_name_of(user: User) -> str:
    """The person's `userName`: the provider's, or their address for a person it never named."""
    return user.user_name or user.email


def email_type_of(user: User) -> str:
    """The type of the person's address (`emails[].type`): the provider's, or "work"."""
    return user.email_type or DEFAULT_EMAIL_TYPE


def person_version(user: User) -> str:
    """The version of the person as SCIM shows them (`meta.version`, the `ETag`): it changes
    whenever what SCIM shows does, whoever changed it."""
    shown = [
        user_name_of(user),
        user.external_id,
        user.email,
        email_type_of(user),
        user.email_primary is not False,
        user.display_name,
        user.status is not UserStatus.DISABLED,
    ]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32]


def matching_user_name(user_name: str) -> Q:
    """The people whose `userName` is `user_name`, whatever its case."""
    return Q(user_name__iexact=user_name) | Q(user_name__isnull=True, email__iexact=user_name)


async def provision_person(op: Operation, provisioner: Provisioner, record: PersonRecord) -> User:
    """Add a person to the customer's directory, as the identity provider describes them."""
    user_name, external_id, email, display_name = _checked(record)
    email_type = _email_type(record)
    now = op.now()
    async with op.atomic() as tx:
        await _lock(provisioner)
        await _require_free(provisioner, user_name, email, None)
        try:
            user = await User.create(
                organization_id=provisioner.organization_id,
                email=email,
                display_name=display_name,
                roles=[],
                status=UserStatus.ACTIVE if record.active else UserStatus.DISABLED,
                user_name=user_name,
                external_id=external_id,
                email_type=email_type,
                email_primary=_email_primary(record),
                provisioned_at=now,
            )
        except IntegrityError as exc:  # the same address, added at the same moment elsewhere
            raise _address_taken() from exc
        await _record(
            tx,
            provisioner,
            "user.provisioned",
            user,
            {
                "userName": user_name,
                "externalId": external_id,
                "email": email,
                "displayName": display_name,
                "active": record.active,
            },
        )
    return user


async def replace_person(
    op: Operation,
    provisioner: Provisioner,
    user_id: UUID,
    record: PersonRecord,
    *,
    expected_version: str | None,
) -> User:
    """Make the person what the identity provider describes (a PUT, or a PATCH applied to
    the person as they were at `expected_version`). Turning `active` off disables them and
    ends their sessions and tokens at once; turning it on enables a disabled person."""
    now = op.now()
    async with op.atomic() as tx:
        await _lock(provisioner)
        person = await _person(provisioner, user_id, expected_version)
        user_name, external_id, email, display_name = _checked(record, person.email)
        email_type = _email_type(record)
        await _require_free(provisioner, user_name, email, person.id)
        changes: dict[str, Any] = {}
        for key, before, after in (
            ("userName", user_name_of(person), user_name),
            ("externalId", person.external_id, external_id),
            ("email", person.email, email),
            ("emailType", email_type_of(person), email_type or DEFAULT_EMAIL_TYPE),
            ("emailPrimary", person.email_primary is not False, record.email_primary is not False),
            ("displayName", person.display_name, display_name),
        ):
            if before != after:
                changes[key] = after
        if changes:
            try:
                await User.filter(id=person.id).update(
                    user_name=user_name,
                    external_id=external_id,
                    email=email,
                    email_type=email_type,
                    email_primary=_email_primary(record),
                    display_name=display_name,
                    provisioned_at=now,
                )
            except IntegrityError as exc:
                raise _address_taken() from exc
            person.user_name, person.external_id = user_name, external_id
            person.email, person.display_name = email, display_name
            person.email_type, person.email_primary = email_type, _email_primary(record)
            person.provisioned_at = now
            await _record(tx, provisioner, "user.updated", person, changes)
        await _set_active(tx, op, provisioner, person, record.active)
    return person


async def remove_provisioned_person(
    op: Operation, provisioner: Provisioner, user_id: UUID, *, expected_version: str | None
) -> User:
    """Remove the person from the customer's directory: their account goes, and their
    sessions, tokens and group memberships with it. The person as they were is returned."""
    async with op.atomic() as tx:
        await _lock(provisioner)
        person = await _person(provisioner, user_id, expected_version)
        await require_keeps_a_keeper(OrganizationKind.CUSTOMER, person, (), None, field="id")
        ended = await end_sign_ins(person, op.now())
        await User.filter(id=person.id).delete()
        await _record(
            tx,
            provisioner,
            "user.removed",
            person,
            {
                "email": person.email,
                "displayName": person.display_name,
                "roles": list(person.roles),
                **ended,
            },
        )
    return person


async def _set_active(
    tx: Transaction, op: Operation, provisioner: Provisioner, person: User, active: bool
) -> None:
    disabled = person.status is UserStatus.DISABLED
    if active and disabled:
        await User.filter(id=person.id).update(status=UserStatus.ACTIVE, provisioned_at=op.now())
        person.status = UserStatus.ACTIVE
        await _record(tx, provisioner, "user.enabled", person, {"email": person.email})
    elif not active and not disabled:
        await require_keeps_a_keeper(
            OrganizationKind.CUSTOMER, person, person.roles, UserStatus.DISABLED, field="active"
        )
        await User.filter(id=person.id).update(status=UserStatus.DISABLED, provisioned_at=op.now())
        ended = await end_sign_ins(person, op.now())
        # An invited person's set-password link dies too: nobody may start signing in as them.
        await PasswordLink.filter(user_id=person.id, used_at=None).delete()
        person.status = UserStatus.DISABLED
        await _record(tx, provisioner, "user.disabled", person, {"email": person.email, **ended})


def _checked(
    record: PersonRecord, kept_email: str | None = None
) -> tuple[str, str | None, str, str | None]:
    """The person's userName, externalId, address and name as they will be kept, or every
    refusal at once, each naming its SCIM attribute. The address the person has already
    (`kept_email`) is kept as it is, unchecked."""
    refusals: list[DomainError] = []
    user_name = record.user_name.strip()
    if not user_name or len(user_name) > NAME_MAX:
        refusals.append(_invalid(f"Give a userName of 1 to {NAME_MAX} characters.", "userName"))
    external_id = (record.external_id or "").strip() or None
    if external_id is not None and len(external_id) > NAME_MAX:
        refusals.append(_invalid(f"Use at most {NAME_MAX} characters.", "externalId"))
    display_name = (record.display_name or "").strip() or None
    if display_name is not None and len(display_name) > DISPLAY_NAME_MAX:
        refusals.append(_invalid(f"Use at most {DISPLAY_NAME_MAX} characters.", "displayName"))
    email = ""
    given = record.email if record.email is not None else user_name
    try:
        kept = kept_email is not None and given.strip().lower() == kept_email
        email = kept_email if kept and kept_email else normalized_email(given).lower()
    except ValueError as exc:
        field = "emails" if record.email is not None else "userName"
        refusals.append(
            _invalid(f"Give the person's email address (emails, primary): {exc}", field)
        )
    if refusals:
        raise ValidationErrors(refusals)
    return user_name, external_id, email, display_name


def _email_type(record: PersonRecord) -> str | None:
    """The address's type as kept: none for "work", the type most addresses have."""
    kept = (record.email_type or "").strip()[:EMAIL_TYPE_MAX]
    return None if not kept or kept == DEFAULT_EMAIL_TYPE else kept


def _email_primary(record: PersonRecord) -> bool | None:
    """Kept only when the provider says the address is not its primary one."""
    return False if record.email_primary is False else None


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_INPUT, message, field)


def _address_taken() -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE, "This email address already has a Partnerhub account.", "emails"
    )


async def _lock(provisioner: Provisioner) -> None:
    """Changes to one organization's people happen one at a time (`models/rules/people.py`)."""
    await Organization.filter(id=provisioner.organization_id).select_for_update().only("id").first()


async def _person(provisioner: Provisioner, user_id: UUID, expected_version: str | None) -> User:
    person = await provisioned_people(provisioner).get_or_none(id=user_id)
    if person is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such user in this directory.", "id")
    if expected_version is not None and person_version(person) != expected_version:
        raise StaleVersion(str(user_id))
    return person


async def _require_free(
    provisioner: Provisioner, user_name: str, email: str, person_id: UUID | None
) -> None:
    """Refuse a userName another person of the directory answers to, or an address another
    account has."""
    others = provisioned_people(provisioner).filter(matching_user_name(user_name))
    if person_id is not None:
        others = others.exclude(id=person_id)
    if await others.exists():
        raise DomainError(
            ErrorCode.DUPLICATE, "Another user of this directory has this userName.", "userName"
        )
    taken = User.filter(email=email)
    if person_id is not None:
        taken = taken.exclude(id=person_id)
    if await taken.exists():
        raise _address_taken()


async def _record(
    tx: Transaction, provisioner: Provisioner, action: str, person: User, changes: dict[str, Any]
) -> None:
    await tx.record(
        action,
        "User",
        person.id,
        customer_id=provisioner.organization_id,
        changes={
            **changes,
            "scimToken": {"id": str(provisioner.token_id), "name": provisioner.token_name},
        },
    )
