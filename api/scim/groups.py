"""`/scim/v2/Groups`: the customer's directory groups as SCIM Groups (RFC 7643 section 4.2).

A Group shows its `displayName`, `externalId` and `members`: people of the directory, named
by their ids (a member that is a group is refused). The rules are `models/rules/scim_groups.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from scim2_models import Context, GroupMember, Meta, PatchOp, Reference
from scim2_models import Group as ScimGroup
from starlette.requests import Request
from starlette.responses import Response

from api.scim.filters import GROUPS
from api.scim.listing import Source, list_page, search_of
from api.scim.protocol import ScimError, answer, body_of, etag, wanted_version
from api.scim.sorting import GROUP_SORTS
from api.scim.users import PATCH_ATTEMPTS, scim_base
from api.scim.writes import parsed, performed
from models.identity.scim_tokens import Provisioner
from models.policy.scim import provisioned_groups
from models.rules import scim_groups as rules
from models.rules.scim_groups import GroupRecord, group_version, member_ids_of
from models.rules.scim_users import StaleVersion
from models.tables.access import SecurityGroup


async def shown(request: Request, groups: Sequence[SecurityGroup]) -> list[ScimGroup]:
    """The groups as SCIM Groups, with their members (one query for the whole page)."""
    members = await member_ids_of([group.id for group in groups])
    base = scim_base(request)
    return [_resource(base, group, members[group.id]) for group in groups]


def _resource(base: str, group: SecurityGroup, member_ids: list[UUID]) -> ScimGroup:
    return ScimGroup(
        id=str(group.id),
        external_id=group.external_id,
        display_name=group.name,
        members=[
            GroupMember(value=str(member), type="User", ref=Reference(f"{base}/Users/{member}"))
            for member in member_ids
        ]
        or None,
        meta=Meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=group.provisioned_at or group.created_at,
            location=f"{base}/Groups/{group.id}",
            version=etag(group_version(group, member_ids)),
        ),
    )


def record_of(resource: ScimGroup) -> GroupRecord:
    """The group a Group resource describes; its members must be users, by id."""
    member_ids: list[UUID] = []
    for member in resource.members or []:
        if member.type is not None and str(member.type).lower() != "user":
            raise ScimError(400, "Only users may be members of a group.", "invalidValue")
        value = member.value or _id_in(str(member.ref or ""))
        try:
            member_ids.append(UUID(str(value)))
        except ValueError as exc:
            raise ScimError(400, f"No user {value} in this directory.", "invalidValue") from exc
    return GroupRecord(
        display_name=resource.display_name or "",
        external_id=resource.external_id,
        member_ids=tuple(member_ids),
    )


def _id_in(ref: str) -> str:
    return ref.rstrip("/").rpartition("/")[2]


async def _group(provisioner: Provisioner, group_id: str) -> SecurityGroup:
    try:
        found = await provisioned_groups(provisioner).get_or_none(id=UUID(group_id))
    except ValueError:
        found = None
    if found is None:
        raise ScimError(404, f"No group {group_id} in this directory.")
    return found


async def _one(request: Request, group: SecurityGroup) -> ScimGroup:
    return (await shown(request, [group]))[0]


async def list_groups(request: Request, provisioner: Provisioner) -> Response:
    return await _list(request, provisioner, search_of(ScimGroup, dict(request.query_params)))


async def search_groups(request: Request, provisioner: Provisioner) -> Response:
    return await _list(request, provisioner, search_of(ScimGroup, await body_of(request)))


def source(request: Request, provisioner: Provisioner) -> Source[Any]:
    return Source(
        provisioned_groups(provisioner), GROUPS, GROUP_SORTS, lambda page: shown(request, page)
    )


async def _list(request: Request, provisioner: Provisioner, search: Any) -> Response:
    return await list_page(search, ScimGroup, [source(request, provisioner)])


async def get_group(request: Request, provisioner: Provisioner) -> Response:
    group = await _group(provisioner, request.path_params["id"])
    return answer(request, await _one(request, group))


async def create_group(request: Request, provisioner: Provisioner) -> Response:
    resource = parsed(ScimGroup, await body_of(request), Context.RESOURCE_CREATION_REQUEST)
    record = record_of(resource)
    group = await performed(
        request, provisioner, lambda op: rules.provision_group(op, provisioner, record)
    )
    return answer(request, await _one(request, group), 201, Context.RESOURCE_CREATION_RESPONSE)


async def replace_group(request: Request, provisioner: Provisioner) -> Response:
    group = await _group(provisioner, request.path_params["id"])
    resource = parsed(ScimGroup, await body_of(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    record = record_of(resource)
    version = wanted_version(request)
    group = await performed(
        request,
        provisioner,
        lambda op: rules.replace_group(op, provisioner, group.id, record, expected_version=version),
    )
    return answer(request, await _one(request, group), 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


async def patch_group(request: Request, provisioner: Provisioner) -> Response:
    group = await _group(provisioner, request.path_params["id"])
    patch = parsed(PatchOp[ScimGroup], await body_of(request), Context.RESOURCE_PATCH_REQUEST)
    wanted = wanted_version(request)
    for attempt in range(PATCH_ATTEMPTS):
        try:
            group = await _patched(request, provisioner, group, patch, wanted)
            break
        except StaleVersion:
            if wanted is not None or attempt == PATCH_ATTEMPTS - 1:
                raise
            group = await _group(provisioner, str(group.id))
    return answer(request, await _one(request, group), 200, Context.RESOURCE_PATCH_RESPONSE)


async def _patched(
    request: Request,
    provisioner: Provisioner,
    group: SecurityGroup,
    patch: PatchOp[ScimGroup],
    wanted: str | None,
) -> SecurityGroup:
    """Apply the patch to the group as read, and keep the result unless it changed since."""
    resource = await _one(request, group)
    version = (resource.meta.version or "") if resource.meta else ""
    version = version.removeprefix("W/").strip('"')
    if wanted is not None and wanted != version:
        raise StaleVersion(str(group.id))
    patch.patch(resource)
    record = record_of(resource)
    return await performed(
        request,
        provisioner,
        lambda op: rules.replace_group(op, provisioner, group.id, record, expected_version=version),
    )


async def delete_group(request: Request, provisioner: Provisioner) -> Response:
    group = await _group(provisioner, request.path_params["id"])
    version = wanted_version(request)
    await performed(
        request,
        provisioner,
        lambda op: rules.remove_group(op, provisioner, group.id, expected_version=version),
    )
    return Response(status_code=204)
