"""Server-rendered pages: the page the invitation email links to, and the agreement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from api.auth import viewer_for_token
from models.catalog import CURRENT_AGREEMENT_VERSION, RELATIONSHIP_TYPES, role_name
from models.clock import utcnow
from models.errors import PermissionDenied, Refused
from models.invitations import Invitation
from models.operation import Operation
from models.organizations import Organization
from models.rules import invitations as rules
from workers.dispatch import dispatch
from workers.emails import date_words, duration_words

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


async def _describe(invitation: Invitation | None) -> dict[str, Any]:
    if invitation is None:
        return {"invitation": None}
    partner = await Organization.get(id=invitation.partner_id)  # type: ignore[attr-defined]
    rule = RELATIONSHIP_TYPES[invitation.type]
    return {
        "invitation": invitation,
        "partner_name": partner.name,
        "type_name": rule.name,
        "type_description": rule.description,
        "roles": [role_name(role) for role in invitation.roles],
        "duration": duration_words(
            invitation.type, invitation.duration_days, invitation.auto_extend
        ),
        "status": rules.effective_status(invitation, utcnow()),
        "expires_on": date_words(invitation.expires_at),
    }


async def _answer(request: Request, token: str) -> tuple[str | None, list[str]]:
    """Accept or decline as the admin whose API token the form carries."""
    form = await request.form()
    viewer = await viewer_for_token(str(form.get("api_token", "")).strip())
    if viewer is None:
        return None, ["That access token is not valid."]
    op = Operation(actor=viewer.actor, sealer=request.app.state.sealer)
    try:
        if form.get("action") == "decline":
            await rules.decline_invitation(op, token)
            return "You declined the invitation.", []
        await rules.accept_invitation(op, token, form.get("accept_agreement") == "yes")
        return "You accepted the invitation. The partner has been told.", []
    except Refused as refused:
        return None, [error.message for error in refused.refusals]
    except PermissionDenied as denied:
        return None, [str(denied)]
    finally:
        await dispatch(op.committed, request.app.state.redis)


async def accept_invitation(request: Request) -> Response:
    """GET shows what the invitation offers; POST accepts or declines it."""
    token = request.query_params.get("token", "")
    outcome: str | None = None
    errors: list[str] = []
    if request.method == "POST":
        form = await request.form()
        token = str(form.get("token", token))
        outcome, errors = await _answer(request, token)
    invitation = await rules.find_by_token(token)
    context = await _describe(invitation)
    context |= {
        "title": "Invitation",
        "token": token,
        "outcome": outcome,
        "errors": errors,
        "agreement_version": CURRENT_AGREEMENT_VERSION,
    }
    status = 404 if invitation is None else 400 if errors else 200
    return templates.TemplateResponse(request, "accept.html", context, status_code=status)


async def agreement(request: Request) -> Response:
    return templates.TemplateResponse(
        request,
        "agreement.html",
        {"title": "Customer Agreement", "version": CURRENT_AGREEMENT_VERSION},
    )
