"""What the SCIM service says of itself (RFC 7644 section 4): `ServiceProviderConfig`,
`ResourceTypes` and `Schemas`. The schemas are scim2-models' User and Group schemas, cut to
the attributes Partnerhub keeps, so that a client knows what it may rely on."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Filter,
    Group,
    ListResponse,
    Patch,
    Required,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models import Meta as ScimMeta
from starlette.requests import Request
from starlette.responses import Response

from api.scim.listing import MAX_COUNT
from api.scim.protocol import ScimError, scim_json
from models.identity.scim_tokens import Provisioner

# The attributes of each resource that Partnerhub keeps (and, for emails, their parts).
# A person needs an address (the primary email) and is always active or not: Partnerhub
# requires both, where RFC 7643 leaves them optional.
REQUIRED = {"emails", "value", "active"}
KEPT: dict[type[Any], dict[str, tuple[str, ...] | None]] = {
    User: {
        "userName": None,
        "displayName": None,
        "active": None,
        "emails": ("value", "type", "primary"),
        "groups": None,
    },
    Group: {"displayName": None, "members": ("value", "$ref", "type")},
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


def schema_of(model: type[Any], base: str) -> Schema:
    schema: Schema = model.to_schema()
    kept = KEPT[model]
    attributes = []
    for attribute in schema.attributes or []:
        if attribute.name not in kept:
            continue
        parts = kept[attribute.name]
        if parts is not None and attribute.sub_attributes:
            attribute.sub_attributes = [
                sub for sub in attribute.sub_attributes if sub.name in parts
            ]
        if model is User and attribute.name in REQUIRED:
            attribute.required = Required.true
            for sub in attribute.sub_attributes or []:
                if sub.name in REQUIRED:
                    sub.required = Required.true
        attributes.append(attribute)
    schema.attributes = attributes
    schema.meta = ScimMeta(resource_type="Schema", location=f"{base}/Schemas/{schema.id}")
    return schema


def resource_types(base: str) -> list[ResourceType]:
    found = []
    for model in (User, Group):
        resource_type = ResourceType.from_resource(model)
        resource_type.meta = ScimMeta(
            resource_type="ResourceType", location=f"{base}/ResourceTypes/{resource_type.id}"
        )
        found.append(resource_type)
    return found


def config(base: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="SCIM token",
                description="A customer's SCIM token (createScimToken), as "
                "`Authorization: Bearer <token>`.",
                primary=True,
            )
        ],
        meta=ScimMeta(
            resource_type="ServiceProviderConfig", location=f"{base}/ServiceProviderConfig"
        ),
    )


def _listed(model: type[Any], resources: list[Any]) -> dict[str, Any]:
    answer = ListResponse[model](  # type: ignore[valid-type]
        total_results=len(resources),
        start_index=1,
        items_per_page=len(resources),
        resources=resources,
    )
    dumped: dict[str, Any] = answer.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped


async def service_provider_config(request: Request, provisioner: Provisioner) -> Response:
    return scim_json(config(_base(request)).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


async def list_schemas(request: Request, provisioner: Provisioner) -> Response:
    base = _base(request)
    return scim_json(_listed(Schema, [schema_of(model, base) for model in KEPT]))


async def get_schema(request: Request, provisioner: Provisioner) -> Response:
    base = _base(request)
    for model in KEPT:
        schema = schema_of(model, base)
        if str(schema.id).lower() == request.path_params["id"].lower():
            return scim_json(schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise ScimError(404, f"No schema {request.path_params['id']}.")


async def list_resource_types(request: Request, provisioner: Provisioner) -> Response:
    return scim_json(_listed(ResourceType, resource_types(_base(request))))


async def get_resource_type(request: Request, provisioner: Provisioner) -> Response:
    for resource_type in resource_types(_base(request)):
        if str(resource_type.id).lower() == request.path_params["id"].lower():
            return scim_json(resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise ScimError(404, f"No resource type {request.path_params['id']}.")
