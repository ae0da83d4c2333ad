"""`/scim/v2/Users`: the customer's people as SCIM Users (RFC 7643 section 4.1).

A User shows the person's `userName`, `externalId`, `displayName`, their address as the one
primary work email, `active` (not DISABLED), and the directory groups they belong to
(`groups`, read-only). What a resource sends beyond these is not kept; `name` gives the
display name when `displayName` is missing. The rules are `models/rules/scim_users.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from scim2_models import (
    Context,
    Email,
    GroupMembership,
    Meta,
    PatchOp,
    Reference,
)
from scim2_models import User as _ScimUser
from starlette.requests import Request
from starlette.responses import Response

from api.scim.filters import USERS
from api.scim.listing import Source, list_page, search_of
from api.scim.protocol import ScimError, answer, body_of, etag, wanted_version
from api.scim.sorting import USER_SORTS
from api.scim.writes import parsed, performed
from models.identity.scim_tokens import Provisioner
from models.policy.scim import provisioned_people
from models.reference.enums import UserStatus
from models.rules import scim_users as rules
from models.rules.scim_users import (
    PersonRecord,
    StaleVersion,
    email_type_of,
    person_version,
    user_name_of,
)
from models.tables.access import SecurityGroupMember
from models.tables.organizations import User

ScimUser = _ScimUser[Any]

# A PATCH applies to the person as read; when someone changed them meanwhile, it is applied
# again to what they are now, this many times at most (unless `If-Match` named a version).
PATCH_ATTEMPTS = 3


def scim_base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


async def shown(request: Request, people: Sequence[User]) -> list[ScimUser]:
    """The people as SCIM Users, with their groups (one query for the whole page)."""
    memberships = (
        await SecurityGroupMember.filter(user_id__in=[person.id for person in people])
        .order_by("created_at", "id")
        .values_list("user_id", "group_id", "group__name")
    )
    groups: dict[UUID, list[GroupMembership]] = {}
    base = scim_base(request)
    for user_id, group_id, name in memberships:
        groups.setdefault(user_id, []).append(
            GroupMembership(
                value=str(group_id),
                display=name,
                type="direct",
                ref=Reference(f"{base}/Groups/{group_id}"),
            )
        )
    return [_resource(base, person, groups.get(person.id, [])) for person in people]


def _resource(base: str, person: User, groups: list[GroupMembership]) -> ScimUser:
    return ScimUser(
        id=str(person.id),
        external_id=person.external_id,
        user_name=user_name_of(person),
        display_name=person.display_name,
        active=person.status is not UserStatus.DISABLED,
        # Not checked again: the address was checked when it was kept, and an operator's
        # account may hold one that scim2-models' stricter check would refuse.
        emails=[
            Email.model_construct(
                value=person.email,
                type=Email.Type(email_type_of(person)),
                primary=person.email_primary is not False,
            )
        ],
        groups=groups or None,
        meta=Meta(
            resource_type="User",
            created=person.created_at,
            last_modified=person.provisioned_at or person.created_at,
            location=f"{base}/Users/{person.id}",
            version=etag(person_version(person)),
        ),
    )


def record_of(resource: ScimUser) -> PersonRecord:
    """The person a User resource describes."""
    emails = resource.emails or []
    primary = next((email for email in emails if email.primary), emails[0] if emails else None)
    display_name = resource.display_name
    if not display_name and resource.name is not None:
        parts = [resource.name.given_name, resource.name.family_name]
        display_name = resource.name.formatted or " ".join(part for part in parts if part)
    return PersonRecord(
        user_name=resource.user_name or "",
        external_id=resource.external_id,
        email=primary.value if primary is not None and primary.value else None,
        display_name=display_name or None,
        active=True if resource.active is None else resource.active,
        email_type=str(primary.type) if primary is not None and primary.type else None,
        email_primary=primary.primary if primary is not None else None,
    )


async def _person(provisioner: Provisioner, user_id: str) -> User:
    try:
        found = await provisioned_people(provisioner).get_or_none(id=UUID(user_id))
    except ValueError:
        found = None
    if found is None:
        raise ScimError(404, f"No user {user_id} in this directory.")
    return found


async def _one(request: Request, person: User) -> ScimUser:
    return (await shown(request, [person]))[0]


async def list_users(request: Request, provisioner: Provisioner) -> Response:
    search = search_of(_ScimUser, dict(request.query_params))
    return await _list(request, provisioner, search)


async def search_users(request: Request, provisioner: Provisioner) -> Response:
    search = search_of(_ScimUser, await body_of(request))
    return await _list(request, provisioner, search)


def source(request: Request, provisioner: Provisioner) -> Source[Any]:
    return Source(
        provisioned_people(provisioner), USERS, USER_SORTS, lambda page: shown(request, page)
    )


async def _list(request: Request, provisioner: Provisioner, search: Any) -> Response:
    return await list_page(search, _ScimUser, [source(request, provisioner)])


async def get_user(request: Request, provisioner: Provisioner) -> Response:
    person = await _person(provisioner, request.path_params["id"])
    return answer(request, await _one(request, person))


async def create_user(request: Request, provisioner: Provisioner) -> Response:
    resource = parsed(ScimUser, await body_of(request), Context.RESOURCE_CREATION_REQUEST)
    record = record_of(resource)
    person = await performed(
        request, provisioner, lambda op: rules.provision_person(op, provisioner, record)
    )
    return answer(request, await _one(request, person), 201, Context.RESOURCE_CREATION_RESPONSE)


async def replace_user(request: Request, provisioner: Provisioner) -> Response:
    person = await _person(provisioner, request.path_params["id"])
    resource = parsed(ScimUser, await body_of(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    record = record_of(resource)
    version = wanted_version(request)
    person = await performed(
        request,
        provisioner,
        lambda op: rules.replace_person(
            op, provisioner, person.id, record, expected_version=version
        ),
    )
    return answer(request, await _one(request, person), 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


async def patch_user(request: Request, provisioner: Provisioner) -> Response:
    person = await _person(provisioner, request.path_params["id"])
    patch = parsed(PatchOp[ScimUser], await body_of(request), Context.RESOURCE_PATCH_REQUEST)
    wanted = wanted_version(request)
    for attempt in range(PATCH_ATTEMPTS):
        try:
            person = await _patched(request, provisioner, person, patch, wanted)
            break
        except StaleVersion:
            if wanted is not None or attempt == PATCH_ATTEMPTS - 1:
                raise
            person = await _person(provisioner, str(person.id))
    return answer(request, await _one(request, person), 200, Context.RESOURCE_PATCH_RESPONSE)


async def _patched(
    request: Request,
    provisioner: Provisioner,
    person: User,
    patch: PatchOp[ScimUser],
    wanted: str | None,
) -> User:
    """Apply the patch to the person as read, and keep the result unless they changed since."""
    version = person_version(person)
    if wanted is not None and wanted != version:
        raise StaleVersion(str(person.id))
    resource = await _one(request, person)
    patch.patch(resource)
    record = record_of(resource)
    return await performed(
        request,
        provisioner,
        lambda op: rules.replace_person(
            op, provisioner, person.id, record, expected_version=version
        ),
    )


async def delete_user(request: Request, provisioner: Provisioner) -> Response:
    person = await _person(provisioner, request.path_params["id"])
    version = wanted_version(request)
    await performed(
        request,
        provisioner,
        lambda op: rules.remove_provisioned_person(
            op, provisioner, person.id, expected_version=version
        ),
    )
    return Response(status_code=204)
