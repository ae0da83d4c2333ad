"""Submitting and updating line-of-business apps."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.operation import Operation
from models.rules import lob_apps as rules
from models.tables.tenant import LobApp as LobAppRow
from schema.context import Info
from schema.customers.devices_and_apps import LobApp
from schema.errors import UserError
from schema.lob_apps.types import LobAppPayload, SubmitLobAppInput, UpdateLobAppInput
from schema.mutations import perform


def _payload(found: LobAppRow | None, errors: list[UserError]) -> LobAppPayload:
    return LobAppPayload(app=LobApp.of(found) if found else None, errors=errors)


@strawberry.type
class LobAppMutations:
    @strawberry.mutation(
        description="A LOB partner's agent submits a line-of-business app for the customer."
    )
    async def submit_lob_app(
        self,
        info: Info,
        input: Annotated[
            SubmitLobAppInput,
            strawberry.argument(
                description="The customer, and the app's name, version and package."
            ),
        ],
    ) -> LobAppPayload:
        async def action(op: Operation) -> LobAppRow:
            change = rules.LobAppChange(
                name=input.name,
                version=input.version,
                package_url=input.package_url,
                description=input.description,
            )
            return await rules.submit_lob_app(op, input.customer, change)

        return _payload(*await perform(info, action))

    @strawberry.mutation(
        description="A LOB partner's agent updates an app its partner submitted; omitted "
        "fields stay as they are."
    )
    async def update_lob_app(
        self,
        info: Info,
        input: Annotated[
            UpdateLobAppInput, strawberry.argument(description="The app, and the fields to change.")
        ],
    ) -> LobAppPayload:
        async def action(op: Operation) -> LobAppRow:
            change = rules.LobAppChange(
                name=input.name,
                version=input.version,
                package_url=input.package_url,
                description=input.description,
            )
            return await rules.update_lob_app(op, input.app, change)

        return _payload(*await perform(info, action))
