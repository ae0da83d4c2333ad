"""Managing security groups and their access assignments: the partner's admin agents."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.reference.catalog import AdminRole
from models.rules import access_groups
from models.tables import access as m
from schema.access.loaders import AccessLoaders
from schema.access.types import (
    CreateSecurityGroupInput,
    GroupRoleInput,
    RenameSecurityGroupInput,
    SecurityGroup,
    SecurityGroupIdInput,
    SecurityGroupMemberInput,
    SecurityGroupPayload,
)
from schema.context import Info
from schema.errors import UserError
from schema.mutations import perform


def _payload(found: m.SecurityGroup | None, errors: list[UserError]) -> SecurityGroupPayload:
    return SecurityGroupPayload(
        security_group=SecurityGroup.of(found, AccessLoaders()) if found else None, errors=errors
    )


@strawberry.type
class AccessMutations:
    @strawberry.mutation(description="An admin agent creates a security group of its agents.")
    async def create_security_group(
        self,
        info: Info,
        input: Annotated[
            CreateSecurityGroupInput, strawberry.argument(description="The new group's name.")
        ],
    ) -> SecurityGroupPayload:
        return _payload(*await perform(info, lambda op: access_groups.create_group(op, input.name)))

    @strawberry.mutation(description="An admin agent renames a security group.")
    async def rename_security_group(
        self,
        info: Info,
        input: Annotated[
            RenameSecurityGroupInput, strawberry.argument(description="The group and its new name.")
        ],
    ) -> SecurityGroupPayload:
        return _payload(
            *await perform(
                info,
                lambda op: access_groups.rename_group(op, input.group, input.name),
            )
        )

    @strawberry.mutation(
        description="An admin agent deletes a security group: its agents lose its roles now."
    )
    async def delete_security_group(
        self,
        info: Info,
        input: Annotated[
            SecurityGroupIdInput, strawberry.argument(description="The group to delete.")
        ],
    ) -> SecurityGroupPayload:
        return _payload(
            *await perform(
                info,
                lambda op: access_groups.delete_group(op, input.group),
            )
        )

    @strawberry.mutation(description="An admin agent adds one of its agents to a security group.")
    async def add_security_group_member(
        self,
        info: Info,
        input: Annotated[
            SecurityGroupMemberInput,
            strawberry.argument(description="The group, and the agent to add to it."),
        ],
    ) -> SecurityGroupPayload:
        return _payload(
            *await perform(
                info,
                lambda op: access_groups.add_member(
                    op,
                    input.group,
                    input.user,
                ),
            )
        )

    @strawberry.mutation(
        description="An admin agent takes an agent out of a security group: it loses the "
        "group's roles now."
    )
    async def remove_security_group_member(
        self,
        info: Info,
        input: Annotated[
            SecurityGroupMemberInput,
            strawberry.argument(description="The group, and the agent to take out of it."),
        ],
    ) -> SecurityGroupPayload:
        return _payload(
            *await perform(
                info,
                lambda op: access_groups.remove_member(
                    op,
                    input.group,
                    input.user,
                ),
            )
        )

    @strawberry.mutation(
        description="An admin agent assigns a role that a customer granted to a security group, "
        "in one delegated admin relationship (named, or the newest in force that grants the "
        "role): the group's agents hold it for that customer while that one grants it."
    )
    async def assign_role_to_group(
        self,
        info: Info,
        input: Annotated[
            GroupRoleInput,
            strawberry.argument(
                description="The group, the relationship and the granted role to assign."
            ),
        ],
    ) -> SecurityGroupPayload:
        return _payload(
            *await perform(
                info,
                lambda op: access_groups.assign_role(
                    op,
                    input.group,
                    input.relationship,
                    AdminRole(input.role),
                    input.delegated_admin_relationship,
                ),
            )
        )

    @strawberry.mutation(
        description="An admin agent takes a role away from a security group for a relationship: "
        "in the delegated admin relationship named, or in every one."
    )
    async def remove_role_from_group(
        self,
        info: Info,
        input: Annotated[
            GroupRoleInput,
            strawberry.argument(
                description="The group, the relationship and the role to take away."
            ),
        ],
    ) -> SecurityGroupPayload:
        return _payload(
            *await perform(
                info,
                lambda op: access_groups.unassign_role(
                    op,
                    input.group,
                    input.relationship,
                    AdminRole(input.role),
                    input.delegated_admin_relationship,
                ),
            )
        )
