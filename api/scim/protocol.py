"""SCIM's answers: resources and lists as `application/scim+json`, errors in RFC 7644's
format (section 3.12), the provisioner a request's SCIM token signs in, and the `ETag`s."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from scim2_models import Context, Error, Resource, ResponseParameters, SCIMException
from starlette.requests import Request
from starlette.responses import Response

from models.foundation.errors import DomainError, ErrorCode, Refused
from models.identity.scim_tokens import Provisioner, provisioner_for_token
from models.rules.scim_users import StaleVersion

MEDIA_TYPE = "application/scim+json"
# A request body larger than this is refused (413), before it is read whole.
MAX_BODY_BYTES = 1_000_000

# How a refusal of the rules reads in SCIM: its status and `scimType`.
_REFUSALS: dict[ErrorCode, tuple[int, str | None]] = {
    ErrorCode.NOT_FOUND: (404, None),
    ErrorCode.DUPLICATE: (409, "uniqueness"),
    ErrorCode.LAST_ADMIN: (409, "mutability"),
}


class ScimError(Exception):
    """Answer the request with this SCIM error."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def scim_json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(json.dumps(body), status, headers=headers, media_type=MEDIA_TYPE)


def answer(
    request: Request,
    resource: Resource[Any],
    status: int = 200,
    context: Context = Context.RESOURCE_QUERY_RESPONSE,
) -> Response:
    """One resource, with its `ETag` (and `Location` once created), shaped by the request's
    `attributes` and `excludedAttributes`."""
    parameters: ResponseParameters[Any] = ResponseParameters.model_validate(
        dict(request.query_params)
    )
    headers = {"ETag": resource.meta.version or ""} if resource.meta else {}
    if status == 201 and resource.meta and resource.meta.location:
        headers["Location"] = resource.meta.location
    body = resource.model_dump(scim_ctx=context, response_parameters=parameters)
    return scim_json(body, status, headers)


def error_response(status: int, detail: str, scim_type: str | None = None) -> Response:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    headers = {"WWW-Authenticate": 'Bearer realm="SCIM"'} if status == 401 else None
    return scim_json(error.model_dump(), status, headers)


def etag(version: str) -> str:
    """The weak entity tag of a resource version, as `meta.version` and `ETag` carry it."""
    return f'W/"{version}"'


def wanted_version(request: Request) -> str | None:
    """The version `If-Match` names (one; `*` matches any), or None."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


async def body_of(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a SCIM `invalidSyntax` error."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise ScimError(413, "The request body is too large.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise ScimError(413, "The request body is too large.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScimError(400, "The body is not JSON.", "invalidSyntax") from exc
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    return body


def from_validation(exc: ValidationError) -> ScimError:
    """The first problem pydantic found in a SCIM message, as the SCIM error it stands for."""
    errors = Error.from_validation_errors(exc)
    first = errors[0] if errors else Error(status=400, detail="The body is not valid.")
    return ScimError(first.status or 400, first.detail or "Not valid.", first.scim_type)


def from_refusal(refused: Refused) -> ScimError:
    first: DomainError = refused.refusals[0]
    status, scim_type = _REFUSALS.get(first.code, (400, "invalidValue"))
    details = "; ".join(
        f"{error.field}: {error.message}" if error.field else error.message
        for error in refused.refusals
    )
    return ScimError(status, details, scim_type)


Handler = Callable[[Request, Provisioner], Awaitable[Response]]


def scim_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A SCIM endpoint: the SCIM token signs the request in, and every refusal is answered in
    SCIM's error format, never as a bare 500."""

    async def endpoint(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        provisioner = (
            await provisioner_for_token(token.strip()) if scheme.lower() == "bearer" else None
        )
        if provisioner is None:
            return error_response(401, "A live SCIM token is required (Authorization: Bearer).")
        try:
            return await handler(request, provisioner)
        except ScimError as exc:
            return error_response(exc.status, exc.detail, exc.scim_type)
        except SCIMException as exc:
            error = exc.to_error()
            return error_response(error.status or 400, error.detail or str(exc), error.scim_type)
        except ValidationError as exc:
            scim = from_validation(exc)
            return error_response(scim.status, scim.detail, scim.scim_type)
        except Refused as refused:
            scim = from_refusal(refused)
            return error_response(scim.status, scim.detail, scim.scim_type)
        except StaleVersion:
            return error_response(
                412, "The resource changed since the version If-Match names: read it again."
            )

    return endpoint
