"""What every SCIM write does: read the message with scim2-models in its request context,
run the rule as one operation, and hand its committed outbox messages to the workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from scim2_models import BaseModel, Context
from starlette.requests import Request

from api.scim.protocol import from_validation
from models.identity.actors import Actor
from models.identity.scim_tokens import Provisioner
from models.operation import Operation
from workers.dispatch import dispatch

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)


def parsed(model: type[ModelT], body: dict[str, Any], context: Context) -> ModelT:
    """The message `body` holds, checked as `context` requires, or the SCIM error saying why
    not (`invalidSyntax`, `invalidValue`, `mutability`...)."""
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as exc:
        raise from_validation(exc) from exc


async def performed(
    request: Request, provisioner: Provisioner, rule: Callable[[Operation], Awaitable[T]]
) -> T:
    """Run `rule` as the customer's identity provider (no person acts: the activity entries
    and events it records name the customer as the acting organization), then dispatch what
    it committed."""
    actor = Actor.provisioning(provisioner.token_id, provisioner.organization_id)
    op = Operation(actor=actor, sealer=request.app.state.sealer)
    try:
        return await rule(op)
    finally:
        await dispatch(op.committed, request.app.state.redis)
