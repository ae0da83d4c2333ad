"""The catalog queries: public reference data."""

from __future__ import annotations

import strawberry

from models.reference.api_scopes import ApiScope
from models.reference.catalog import RELATIONSHIP_TYPES, ROLE_CATALOG
from schema.api_clients.types import ApiScopeInfo
from schema.catalog.types import RelationshipTypeInfo, RoleDefinition


@strawberry.type
class CatalogQueries:
    @strawberry.field(description="The admin role catalog: key, name, template ID, privileged.")
    def role_definitions(self) -> list[RoleDefinition]:
        return [RoleDefinition.of(role) for role in ROLE_CATALOG.values()]

    @strawberry.field(description="Each relationship type, its description and its role rule.")
    def relationship_types(self) -> list[RelationshipTypeInfo]:
        return [RelationshipTypeInfo.of(rule) for rule in RELATIONSHIP_TYPES.values()]

    @strawberry.field(
        description="The scopes an API client may be given, in their order, with what each "
        "opens: what a form registering a client offers."
    )
    def api_scopes(self) -> list[ApiScopeInfo]:
        return [ApiScopeInfo.of(scope) for scope in ApiScope]
