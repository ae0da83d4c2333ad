"""SCIM 2.0 provisioning of a customer's directory (RFC 7643, RFC 7644), at `/scim/v2/...`.

A customer's identity provider signs in with a SCIM token its Global Administrator created
(`createScimToken`) and reaches that customer's people (`Users`) and groups (`Groups`) only.
scim2-models reads and writes the messages and parses the filters; the rules are
`models/rules/scim_users.py` and `models/rules/scim_groups.py`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from api.scim import discovery, groups, search, users
from api.scim.protocol import Handler, ScimError, scim_endpoint
from models.identity.scim_tokens import Provisioner

PREFIX = "/scim/v2"


async def _no_such_endpoint(request: Request, provisioner: Provisioner) -> Response:
    """An address no endpoint answers (404), or a method its endpoint does not take (405)."""
    path = request.url.path.removeprefix(PREFIX)
    if any(route.path_regex.match(path) for route in ENDPOINTS):
        raise ScimError(405, f"{request.method} is not supported on {request.url.path}.")
    raise ScimError(404, f"No SCIM endpoint {request.url.path}.")


def _route(path: str, handler: Handler, methods: list[str]) -> Route:
    return Route(path, scim_endpoint(handler), methods=methods)


ENDPOINTS = [
    _route("/ServiceProviderConfig", discovery.service_provider_config, ["GET"]),
    _route("/Schemas", discovery.list_schemas, ["GET"]),
    _route("/Schemas/{id}", discovery.get_schema, ["GET"]),
    _route("/ResourceTypes", discovery.list_resource_types, ["GET"]),
    _route("/ResourceTypes/{id}", discovery.get_resource_type, ["GET"]),
    _route("/.search", search.search_all, ["POST"]),
    _route("/Users", users.list_users, ["GET"]),
    _route("/Users", users.create_user, ["POST"]),
    _route("/Users/.search", users.search_users, ["POST"]),
    _route("/Users/{id}", users.get_user, ["GET"]),
    _route("/Users/{id}", users.replace_user, ["PUT"]),
    _route("/Users/{id}", users.patch_user, ["PATCH"]),
    _route("/Users/{id}", users.delete_user, ["DELETE"]),
    _route("/Groups", groups.list_groups, ["GET"]),
    _route("/Groups", groups.create_group, ["POST"]),
    _route("/Groups/.search", groups.search_groups, ["POST"]),
    _route("/Groups/{id}", groups.get_group, ["GET"]),
    _route("/Groups/{id}", groups.replace_group, ["PUT"]),
    _route("/Groups/{id}", groups.patch_group, ["PATCH"]),
    _route("/Groups/{id}", groups.delete_group, ["DELETE"]),
]
ROUTES = [
    Mount(
        PREFIX,
        routes=[
            *ENDPOINTS,
            _route("/{rest:path}", _no_such_endpoint, ["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ],
    )
]
