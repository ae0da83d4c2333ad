"""Line-of-business apps a LOB partner submits for a customer, and updates: its own only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit
from uuid import UUID

from tortoise.queryset import QuerySet

from models.foundation.errors import DomainError, ErrorCode, PermissionDenied, ValidationErrors
from models.identity.actors import Actor
from models.operation import Operation
from models.policy import require_lob_partner
from models.policy.roles import is_partner_agent
from models.rules.concerns import pair_sides
from models.tables.tenant import LobApp

NAME_MAX_LENGTH = 200
VERSION_MAX_LENGTH = 50
PACKAGE_URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 4000
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]*")


@dataclass(frozen=True, slots=True)
class LobAppChange:
    """The fields of an app to set; None leaves one as it is (an update's partial input)."""

    name: str | None = None
    version: str | None = None
    package_url: str | None = None
    description: str | None = None

    def trimmed(self) -> LobAppChange:
        def strip(value: str | None) -> str | None:
            return None if value is None else value.strip()

        return LobAppChange(
            strip(self.name), strip(self.version), strip(self.package_url), strip(self.description)
        )


def _is_https_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and port_ok
        and not parts.username
        and not parts.password
        and value.isprintable()
        and " " not in value
    )


def _errors(change: LobAppChange) -> list[DomainError]:
    errors: list[DomainError] = []

    def refuse(field: str, message: str) -> None:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, message, field))

    if change.name is not None and not (0 < len(change.name) <= NAME_MAX_LENGTH):
        refuse("name", f"The name must be 1 to {NAME_MAX_LENGTH} characters.")
    if change.version is not None and not (
        len(change.version) <= VERSION_MAX_LENGTH and _VERSION.fullmatch(change.version)
    ):
        refuse(
            "version",
            f"The version must be 1 to {VERSION_MAX_LENGTH} letters, digits, dots, dashes, "
            "underscores or pluses, starting with a letter or digit.",
        )
    if change.package_url is not None and not (
        len(change.package_url) <= PACKAGE_URL_MAX_LENGTH and _is_https_url(change.package_url)
    ):
        refuse("packageUrl", "The package URL must be an https:// address of a host.")
    if change.description is not None and len(change.description) > DESCRIPTION_MAX_LENGTH:
        refuse("description", f"The description holds at most {DESCRIPTION_MAX_LENGTH} characters.")
    return errors


def check_app(change: LobAppChange, *, complete: bool) -> LobAppChange:
    """Every refusal at once, or the change trimmed. `complete`: a new app needs name,
    version and package URL."""
    clean = change.trimmed()
    errors = _errors(clean)
    if complete:
        given = {"name": clean.name, "version": clean.version, "packageUrl": clean.package_url}
        errors += [
            DomainError(ErrorCode.INVALID_INPUT, "This field is required.", field)
            for field, value in given.items()
            if value is None
        ]
    elif clean == LobAppChange():
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "Give at least one field to change."))
    if errors:
        raise ValidationErrors(errors)
    return clean


async def submit_lob_app(op: Operation, customer_id: UUID, change: LobAppChange) -> LobApp:
    """A LOB partner's agent submits a new app for the customer."""
    actor = op.require_actor()
    await require_lob_partner(actor, customer_id)
    clean = check_app(change, complete=True)
    concerns = await pair_sides(customer_id, actor.organization_id)
    async with op.atomic() as tx:
        app = await LobApp.create(
            customer_id=customer_id,
            name=clean.name,
            version=clean.version,
            package_url=clean.package_url,
            description=clean.description or "",
            submitted_by_partner_id=actor.organization_id,
            submitted_by_id=actor.user_id,
        )
        await tx.record(
            "lob_app.submitted",
            "LobApp",
            app.id,
            **concerns,
            changes={"name": app.name, "version": app.version, "packageUrl": app.package_url},
        )
    return app


async def update_lob_app(op: Operation, app_id: UUID, change: LobAppChange) -> LobApp:
    """A LOB partner's agent updates one of the apps its partner submitted, while it is one."""
    actor = op.require_actor()
    if not is_partner_agent(actor):
        raise PermissionDenied("Only a partner's agents may manage line-of-business apps.")
    found = await LobApp.get_or_none(id=app_id, submitted_by_partner_id=actor.organization_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such app.", "appId")
    customer_id: UUID = found.customer_id
    await require_lob_partner(actor, customer_id)
    clean = check_app(change, complete=False)
    concerns = await pair_sides(customer_id, actor.organization_id)
    async with op.atomic() as tx:
        app = await LobApp.select_for_update().get(id=app_id)
        changed: dict[str, object] = {}
        for name, key in _CHANGE_KEYS.items():
            value = getattr(clean, name)
            if value is not None and value != getattr(app, name):
                setattr(app, name, value)
                changed[key] = value
        await app.save(
            update_fields=["name", "version", "package_url", "description", "updated_at"]
        )
        if changed:
            await tx.record("lob_app.updated", "LobApp", app.id, **concerns, changes=changed)
    return app


# An app's fields, and their names in an activity entry's summary.
_CHANGE_KEYS = {
    "name": "name",
    "version": "version",
    "package_url": "packageUrl",
    "description": "description",
}


async def partner_lob_apps(actor: Actor, customer_id: UUID) -> QuerySet[LobApp]:
    """The apps the actor's LOB partner submitted for the customer."""
    await require_lob_partner(actor, customer_id)
    return LobApp.filter(customer_id=customer_id, submitted_by_partner_id=actor.organization_id)
