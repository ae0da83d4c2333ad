"""A customer's directory groups as its identity provider provisions them (SCIM Groups).

A SCIM Group is a security group of the customer's organization (`SecurityGroup`, whose
owner is the customer), holding people of its directory. Its name (`displayName`) is unique
in the organization; members are the directory's people, named by their ids. Every change is
an activity entry of the customer, naming the SCIM token, and a webhook event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.identity.scim_tokens import Provisioner
from models.operation import Operation, Transaction
from models.policy.scim import provisioned_groups, provisioned_people
from models.rules.scim_users import NAME_MAX, StaleVersion
from models.tables.access import SecurityGroup, SecurityGroupMember
from models.tables.organizations import Organization

GROUP_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """A group as the identity provider describes it."""

    display_name: str
    external_id: str | None
    member_ids: tuple[UUID, ...]


def group_version(group: SecurityGroup, member_ids: Iterable[UUID]) -> str:
    """The version of the group as SCIM shows it (`meta.version`, the `ETag`)."""
    shown = [group.name, group.external_id, sorted(str(member) for member in member_ids)]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32]


async def member_ids_of(group_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    """Each group's members' ids, oldest member first, in one query."""
    found: dict[UUID, list[UUID]] = {group_id: [] for group_id in group_ids}
    rows = (
        await SecurityGroupMember.filter(group_id__in=group_ids)
        .order_by("created_at", "id")
        .values_list("group_id", "user_id")
    )
    for group_id, user_id in rows:
        found[group_id].append(user_id)
    return found


async def provision_group(
    op: Operation, provisioner: Provisioner, record: GroupRecord
) -> SecurityGroup:
    """Add a group to the customer's directory, with its members."""
    name, external_id = _checked(record)
    now = op.now()
    async with op.atomic() as tx:
        await _lock(provisioner)
        members = await _members(provisioner, record.member_ids)
        await _require_free(provisioner, name, None)
        try:
            group = await SecurityGroup.create(
                partner_id=provisioner.organization_id,
                name=name,
                external_id=external_id,
                provisioned_at=now,
            )
        except IntegrityError as exc:
            raise _name_taken() from exc
        await SecurityGroupMember.bulk_create(
            [SecurityGroupMember(group_id=group.id, user_id=member) for member in members]
        )
        await _record(
            tx,
            provisioner,
            "directory_group.provisioned",
            group,
            {"displayName": name, "externalId": external_id, "membersAdded": _ids(members)},
        )
    return group


async def replace_group(
    op: Operation,
    provisioner: Provisioner,
    group_id: UUID,
    record: GroupRecord,
    *,
    expected_version: str | None,
) -> SecurityGroup:
    """Make the group what the identity provider describes: its name, and exactly the
    members named (a PUT, or a PATCH applied to the group as it was at `expected_version`)."""
    name, external_id = _checked(record)
    now = op.now()
    async with op.atomic() as tx:
        await _lock(provisioner)
        group, current = await _group(provisioner, group_id, expected_version)
        members = await _members(provisioner, record.member_ids)
        await _require_free(provisioner, name, group.id)
        added = [member for member in members if member not in set(current)]
        removed = [member for member in current if member not in set(members)]
        changes: dict[str, Any] = {}
        if name != group.name:
            changes["displayName"] = name
        if external_id != group.external_id:
            changes["externalId"] = external_id
        if added:
            changes["membersAdded"] = _ids(added)
        if removed:
            changes["membersRemoved"] = _ids(removed)
        if not changes:
            return group
        try:
            await SecurityGroup.filter(id=group.id).update(
                name=name, external_id=external_id, provisioned_at=now
            )
        except IntegrityError as exc:
            raise _name_taken() from exc
        if removed:
            await SecurityGroupMember.filter(group_id=group.id, user_id__in=removed).delete()
        if added:
            await SecurityGroupMember.bulk_create(
                [SecurityGroupMember(group_id=group.id, user_id=member) for member in added]
            )
        group.name, group.external_id, group.provisioned_at = name, external_id, now
        await _record(tx, provisioner, "directory_group.updated", group, changes)
    return group


async def remove_group(
    op: Operation, provisioner: Provisioner, group_id: UUID, *, expected_version: str | None
) -> SecurityGroup:
    """Remove the group from the customer's directory; its people stay."""
    async with op.atomic() as tx:
        await _lock(provisioner)
        group, current = await _group(provisioner, group_id, expected_version)
        await SecurityGroup.filter(id=group.id).delete()
        await _record(
            tx,
            provisioner,
            "directory_group.removed",
            group,
            {"displayName": group.name, "membersRemoved": _ids(current)},
        )
    return group


def _checked(record: GroupRecord) -> tuple[str, str | None]:
    refusals: list[DomainError] = []
    name = record.display_name.strip()
    if not name or len(name) > GROUP_NAME_MAX:
        refusals.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"Give a displayName of 1 to {GROUP_NAME_MAX} characters.",
                "displayName",
            )
        )
    external_id = (record.external_id or "").strip() or None
    if external_id is not None and len(external_id) > NAME_MAX:
        refusals.append(
            DomainError(
                ErrorCode.INVALID_INPUT, f"Use at most {NAME_MAX} characters.", "externalId"
            )
        )
    if refusals:
        raise ValidationErrors(refusals)
    return name, external_id


def _ids(members: Iterable[UUID]) -> list[str]:
    return [str(member) for member in members]


def _name_taken() -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE, "Another group of this directory has this displayName.", "displayName"
    )


async def _lock(provisioner: Provisioner) -> None:
    await Organization.filter(id=provisioner.organization_id).select_for_update().only("id").first()


async def _group(
    provisioner: Provisioner, group_id: UUID, expected_version: str | None
) -> tuple[SecurityGroup, list[UUID]]:
    group = await provisioned_groups(provisioner).get_or_none(id=group_id)
    if group is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such group in this directory.", "id")
    current = (await member_ids_of([group.id]))[group.id]
    if expected_version is not None and group_version(group, current) != expected_version:
        raise StaleVersion(str(group_id))
    return group, current


async def _members(provisioner: Provisioner, member_ids: Iterable[UUID]) -> list[UUID]:
    """The members named, each once, in the order given: people of the directory only."""
    wanted = list(dict.fromkeys(member_ids))
    found = set(
        await provisioned_people(provisioner).filter(id__in=wanted).values_list("id", flat=True)
    )
    unknown = [member for member in wanted if member not in found]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Not users of this directory: {', '.join(_ids(unknown))}.",
            "members",
        )
    return wanted


async def _require_free(provisioner: Provisioner, name: str, group_id: UUID | None) -> None:
    others = provisioned_groups(provisioner).filter(name__iexact=name)
    if group_id is not None:
        others = others.exclude(id=group_id)
    if await others.exists():
        raise _name_taken()


async def _record(
    tx: Transaction,
    provisioner: Provisioner,
    action: str,
    group: SecurityGroup,
    changes: dict[str, Any],
) -> None:
    await tx.record(
        action,
        "SecurityGroup",
        group.id,
        customer_id=provisioner.organization_id,
        changes={
            **changes,
            "scimToken": {"id": str(provisioner.token_id), "name": provisioner.token_name},
        },
    )
