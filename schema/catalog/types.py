"""The role catalog and the relationship types, as clients read them."""

from __future__ import annotations

import strawberry

from models.reference.capabilities import Capability, capabilities_of_role
from models.reference.catalog import ROLE_RULE_MEANINGS, AdminRole, GrantTerms, RelationshipTypeRule
from models.reference.catalog import RoleDefinition as RoleDefinitionData
from models.reference.catalog import RoleRule as _RoleRule
from models.reference.enums import RelationshipType
from schema.customers import enums as _enums  # noqa: F401  (registers Capability)
from schema.enum_values import describe_values

RoleRule = strawberry.enum(_RoleRule, description="What a relationship type does with admin roles.")
describe_values(RoleRule, ROLE_RULE_MEANINGS)


@strawberry.type(description="A built-in admin role of the directory.")
class RoleDefinition:
    key: AdminRole = strawberry.field(description="The role's stable key.")
    name: str = strawberry.field(description="The role's display name.")
    template_id: str = strawberry.field(description="The directory's well-known role template ID.")
    description: str = strawberry.field(description="What the role lets its holder do.")
    privileged: bool = strawberry.field(
        description="Whether the role is privileged (it can take over the organization)."
    )
    capabilities: list[Capability] = strawberry.field(
        description="What the role permits on its holder's own organization's data, by the "
        "capability table. A partner acting on a customer's behalf never gets "
        "PURCHASE_SERVICES, READ_INVOICES or READ_PURCHASES."
    )

    @classmethod
    def of(cls, role: RoleDefinitionData) -> RoleDefinition:
        return cls(
            key=role.key,
            name=role.name,
            template_id=role.template_id,
            description=role.description,
            privileged=role.privileged,
            capabilities=capabilities_of_role(role.key),
        )


@strawberry.type(
    name="GrantTerms",
    description="How long a time-bound type's grants last and how they extend; what the "
    "invitation checks, the lifecycle sweep and the emails apply.",
)
class GrantTermsInfo:
    min_duration_days: int = strawberry.field(description="The shortest duration, in days.")
    max_duration_days: int = strawberry.field(description="The longest duration, in days.")
    default_duration_days: int = strawberry.field(
        description="The duration when an invitation names none."
    )
    auto_extension_days: int = strawberry.field(
        description="How many days an auto-extending grant gains at each end date."
    )
    roles_never_auto_extended: list[AdminRole] = strawberry.field(
        description="Roles whose grants never extend automatically: an invitation asking "
        "auto-extend with one of them is refused."
    )

    @classmethod
    def of(cls, terms: GrantTerms) -> GrantTermsInfo:
        return cls(
            min_duration_days=terms.min_days,
            max_duration_days=terms.max_days,
            default_duration_days=terms.default_days,
            auto_extension_days=terms.extension_days,
            roles_never_auto_extended=list(terms.never_auto_extend),
        )


@strawberry.type(description="A relationship type, what it lets the partner do, and its role rule.")
class RelationshipTypeInfo:
    type: RelationshipType = strawberry.field(description="The type's key.")
    name: str = strawberry.field(description="The type's display name.")
    indefinite_article: str = strawberry.field(
        description='"a" or "an": the article said before `name` ("an Advisor", "an MPSA '
        'partner", "a Reseller"), for sentences that name the type.'
    )
    description: str = strawberry.field(description="What the partner does in this relationship.")
    role_rule: _RoleRule = strawberry.field(
        description="NONE: no admin roles, and a request naming roles is refused. FIXED: exactly "
        "`fixedRoles`, and a request naming roles is refused. REQUESTED: the one or more roles "
        "the invitation asks for."
    )
    fixed_roles: list[AdminRole] = strawberry.field(description="The roles a FIXED type grants.")
    time_bound: bool = strawberry.field(
        description="Whether grants last a bounded time and may extend automatically, on "
        "`grantTerms`."
    )
    grant_terms: GrantTermsInfo | None = strawberry.field(
        description="The duration and extension terms of a time-bound type; null for the others."
    )

    @classmethod
    def of(cls, rule: RelationshipTypeRule) -> RelationshipTypeInfo:
        return cls(
            type=rule.type,
            name=rule.name,
            indefinite_article=rule.indefinite_article,
            description=rule.description,
            role_rule=rule.role_rule,
            fixed_roles=list(rule.fixed_roles),
            time_bound=rule.time_bound,
            grant_terms=GrantTermsInfo.of(rule.terms) if rule.terms else None,
        )
