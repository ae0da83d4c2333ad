"""`POST /scim/v2/.search`: one search over Users and Groups (RFC 7644 section 3.4.3)."""

from __future__ import annotations

from typing import Any

from scim2_models import Group, User
from starlette.requests import Request
from starlette.responses import Response

from api.scim import groups, users
from api.scim.listing import list_page, search_of
from api.scim.protocol import body_of
from models.identity.scim_tokens import Provisioner

EVERY_TYPE = User[Any] | Group


async def search_all(request: Request, provisioner: Provisioner) -> Response:
    """Users first, then groups, each oldest first."""
    search = search_of(EVERY_TYPE, await body_of(request))
    sources = [users.source(request, provisioner), groups.source(request, provisioner)]
    return await list_page(search, EVERY_TYPE, sources)
