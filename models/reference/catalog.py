"""The admin role catalog and the relationship types' rules: the domain's reference data.

Everything else refers to roles through `AdminRole` and looks their facts up here; clients
read the same data through the `roleDefinitions` and `relationshipTypes` queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from models.reference.enums import OrganizationKind, PartnerRole, RelationshipType


class AdminRole(StrEnum):
    """The directory's built-in admin roles, by stable key."""

    GLOBAL_ADMINISTRATOR = "GLOBAL_ADMINISTRATOR"
    GLOBAL_READER = "GLOBAL_READER"
    HELPDESK_ADMINISTRATOR = "HELPDESK_ADMINISTRATOR"
    USER_ADMINISTRATOR = "USER_ADMINISTRATOR"
    LICENSE_ADMINISTRATOR = "LICENSE_ADMINISTRATOR"
    SERVICE_SUPPORT_ADMINISTRATOR = "SERVICE_SUPPORT_ADMINISTRATOR"
    DIRECTORY_READERS = "DIRECTORY_READERS"
    DIRECTORY_WRITERS = "DIRECTORY_WRITERS"
    PRIVILEGED_ROLE_ADMINISTRATOR = "PRIVILEGED_ROLE_ADMINISTRATOR"
    PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = "PRIVILEGED_AUTHENTICATION_ADMINISTRATOR"
    AUTHENTICATION_ADMINISTRATOR = "AUTHENTICATION_ADMINISTRATOR"
    PASSWORD_ADMINISTRATOR = "PASSWORD_ADMINISTRATOR"  # noqa: S105
    APPLICATION_ADMINISTRATOR = "APPLICATION_ADMINISTRATOR"
    CLOUD_APPLICATION_ADMINISTRATOR = "CLOUD_APPLICATION_ADMINISTRATOR"
    BILLING_ADMINISTRATOR = "BILLING_ADMINISTRATOR"
    EXCHANGE_ADMINISTRATOR = "EXCHANGE_ADMINISTRATOR"
    SHAREPOINT_ADMINISTRATOR = "SHAREPOINT_ADMINISTRATOR"
    TEAMS_ADMINISTRATOR = "TEAMS_ADMINISTRATOR"
    INTUNE_ADMINISTRATOR = "INTUNE_ADMINISTRATOR"
    SECURITY_ADMINISTRATOR = "SECURITY_ADMINISTRATOR"
    SECURITY_READER = "SECURITY_READER"
    COMPLIANCE_ADMINISTRATOR = "COMPLIANCE_ADMINISTRATOR"
    DOMAIN_NAME_ADMINISTRATOR = "DOMAIN_NAME_ADMINISTRATOR"
    GROUPS_ADMINISTRATOR = "GROUPS_ADMINISTRATOR"
    REPORTS_READER = "REPORTS_READER"
    CLOUD_DEVICE_ADMINISTRATOR = "CLOUD_DEVICE_ADMINISTRATOR"


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    key: AdminRole
    name: str
    template_id: str
    description: str
    privileged: bool = False


def _role(
    key: AdminRole, name: str, template_id: str, description: str, *, privileged: bool = False
) -> tuple[AdminRole, RoleDefinition]:
    return key, RoleDefinition(key, name, template_id, description, privileged)


R = AdminRole
ROLE_CATALOG: dict[AdminRole, RoleDefinition] = dict(
    [
        _role(
            R.GLOBAL_ADMINISTRATOR,
            "Global Administrator",
            "62e90394-69f5-4237-9190-012177145e10",
            "Manages every aspect of the organization and its services.",
            privileged=True,
        ),
        _role(
            R.GLOBAL_READER,
            "Global Reader",
            "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
            "Reads everything a Global Administrator can see, changes nothing.",
        ),
        _role(
            R.HELPDESK_ADMINISTRATOR,
            "Helpdesk Administrator",
            "729827e3-9c14-49f7-bb1b-9608f156bbb8",
            "Resets passwords of non-administrators and manages service requests.",
        ),
        _role(
            R.USER_ADMINISTRATOR,
            "User Administrator",
            "fe930be7-5e62-47db-91af-98c3a49a38b1",
            "Creates and manages users and groups.",
        ),
        _role(
            R.LICENSE_ADMINISTRATOR,
            "License Administrator",
            "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
            "Assigns and removes licenses of users.",
        ),
        _role(
            R.SERVICE_SUPPORT_ADMINISTRATOR,
            "Service Support Administrator",
            "f023fd81-a637-4b56-95fd-791ac0226033",
            "Opens and manages support incidents and reads service health.",
        ),
        _role(
            R.DIRECTORY_READERS,
            "Directory Readers",
            "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
            "Reads basic directory information.",
        ),
        _role(
            R.DIRECTORY_WRITERS,
            "Directory Writers",
            "9360feb5-f418-4baa-8175-e2a00bac4301",
            "Reads and writes basic directory information.",
        ),
        _role(
            R.PRIVILEGED_ROLE_ADMINISTRATOR,
            "Privileged Role Administrator",
            "e8611ab8-c189-46e8-94e1-60213ab1f814",
            "Manages role assignments, including the privileged ones.",
            privileged=True,
        ),
        _role(
            R.PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
            "Privileged Authentication Administrator",
            "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
            "Sets and resets authentication methods of any user, administrators included.",
            privileged=True,
        ),
        _role(
            R.AUTHENTICATION_ADMINISTRATOR,
            "Authentication Administrator",
            "c4e39bd9-1100-46d3-8c65-fb160da0071f",
            "Sets and resets authentication methods of non-administrators.",
        ),
        _role(
            R.PASSWORD_ADMINISTRATOR,
            "Password Administrator",
            "966707d0-3269-4727-9be2-8c3a10f19b9d",
            "Resets passwords of non-administrators and password administrators.",
        ),
        _role(
            R.APPLICATION_ADMINISTRATOR,
            "Application Administrator",
            "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
            "Creates and manages every aspect of app registrations and enterprise apps.",
        ),
        _role(
            R.CLOUD_APPLICATION_ADMINISTRATOR,
            "Cloud Application Administrator",
            "158c047a-c907-4556-b7ef-446551a6b5f7",
            "Manages app registrations and enterprise apps, except application proxy.",
        ),
        _role(
            R.BILLING_ADMINISTRATOR,
            "Billing Administrator",
            "b0f54661-2d74-4c50-afa3-1ec803f12efe",
            "Makes purchases, manages subscriptions and support tickets, monitors service health.",
        ),
        _role(
            R.EXCHANGE_ADMINISTRATOR,
            "Exchange Administrator",
            "29232cdf-9323-42fd-ade2-1d097af3e4de",
            "Manages every aspect of the mail service.",
        ),
        _role(
            R.SHAREPOINT_ADMINISTRATOR,
            "SharePoint Administrator",
            "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
            "Manages every aspect of the sites and files service.",
        ),
        _role(
            R.TEAMS_ADMINISTRATOR,
            "Teams Administrator",
            "69091246-20e8-4a56-aa4d-066075b2a7a8",
            "Manages the meetings, chat and calling service.",
        ),
        _role(
            R.INTUNE_ADMINISTRATOR,
            "Intune Administrator",
            "3a2c62db-5318-420d-8d74-23affee5d9d5",
            "Manages every aspect of device management.",
        ),
        _role(
            R.SECURITY_ADMINISTRATOR,
            "Security Administrator",
            "194ae4cb-b126-40b2-bd5b-6091b380977d",
            "Reads security information and reports, and manages security configuration.",
        ),
        _role(
            R.SECURITY_READER,
            "Security Reader",
            "5d6b6bb7-de71-4623-b4af-96380a352509",
            "Reads security information and reports.",
        ),
        _role(
            R.COMPLIANCE_ADMINISTRATOR,
            "Compliance Administrator",
            "17315797-102d-40b4-93e0-432062caca18",
            "Manages compliance configuration and reports.",
        ),
        _role(
            R.DOMAIN_NAME_ADMINISTRATOR,
            "Domain Name Administrator",
            "8329153b-31d0-4727-b945-745eb3bc5f31",
            "Manages domain names in cloud and on-premises.",
        ),
        _role(
            R.GROUPS_ADMINISTRATOR,
            "Groups Administrator",
            "fdd7a751-b60b-444a-984c-02652fe8fa1c",
            "Manages every aspect of groups and group settings.",
        ),
        _role(
            R.REPORTS_READER,
            "Reports Reader",
            "4a5d8f65-41da-4de4-8968-e035b65339cf",
            "Reads usage reporting data and the reports dashboard.",
        ),
        _role(
            R.CLOUD_DEVICE_ADMINISTRATOR,
            "Cloud Device Administrator",
            "7698a772-787b-4ac8-901f-60d6b08affd2",
            "Enables, disables and deletes devices and reads their recovery keys.",
        ),
    ]
)
del R

PRIVILEGED_ROLES: frozenset[AdminRole] = frozenset(
    r.key for r in ROLE_CATALOG.values() if r.privileged
)


def role_name(role: AdminRole | str) -> str:
    """The display name of a catalog role ("Global Administrator")."""
    return ROLE_CATALOG[AdminRole(role)].name


@dataclass(frozen=True, slots=True)
class PersonRole:
    """A role a person of an organization may hold, whatever the organization's kind: a
    catalog role for a customer's people, an agent role for a partner's."""

    key: str
    name: str
    description: str
    privileged: bool = False


PARTNER_ROLE_CATALOG: dict[PartnerRole, PersonRole] = {
    PartnerRole(role.key): role
    for role in (
        PersonRole(
            PartnerRole.ADMIN_AGENT,
            "Admin agent",
            "Manages the partner's agents, security groups, directory profile and "
            "relationships, and acts for customers within the roles they granted.",
        ),
        PersonRole(
            PartnerRole.SALES_AGENT,
            "Sales agent",
            "Sends invitations, works leads, and places orders for the partner's customers.",
        ),
        PersonRole(
            PartnerRole.HELPDESK_AGENT,
            "Helpdesk agent",
            "Acts for customers within the roles granted to its security groups.",
        ),
    )
}


def person_roles(kind: OrganizationKind) -> dict[str, PersonRole]:
    """The roles the people of an organization of `kind` may hold, by key, in catalog order:
    the admin role catalog for a customer, the agent roles for a partner. What inviting a
    person and changing their roles accept (`models/rules/people.py`), and what the console
    names them by."""
    if kind is OrganizationKind.CUSTOMER:
        return {
            str(key): PersonRole(str(key), role.name, role.description, role.privileged)
            for key, role in ROLE_CATALOG.items()
        }
    return {str(key): role for key, role in PARTNER_ROLE_CATALOG.items()}


class RoleRule(StrEnum):
    """What a relationship type does with roles on acceptance."""

    NONE = "NONE"
    FIXED = "FIXED"
    REQUESTED = "REQUESTED"


ROLE_RULE_MEANINGS: dict[RoleRule, str] = {
    RoleRule.NONE: "Grants no admin roles; an invitation naming roles is refused.",
    RoleRule.FIXED: "Grants exactly the type's fixed roles; an invitation naming roles is refused.",
    RoleRule.REQUESTED: "Grants the one or more roles that the invitation asks for.",
}


@dataclass(frozen=True, slots=True)
class GrantTerms:
    """How long a time-bound type's grants last and how they extend: the one home of these
    numbers and of their wording. The rules, the lifecycle sweep, the emails, the GraphQL
    descriptions and the console (through `relationshipTypes`) all read them from here."""

    min_days: int
    max_days: int
    default_days: int
    extension_days: int  # added at the end date when the grant extends automatically
    never_auto_extend: tuple[AdminRole, ...]  # roles whose grants never extend by themselves
    # A delegated admin relationship is EXPIRING with this many days or fewer left (the first
    # expiry warning goes out then too).
    expiring_days: int = 30

    def allows_duration(self, days: int) -> bool:
        return self.min_days <= days <= self.max_days

    def may_auto_extend(self, roles: Iterable[str]) -> bool:
        """Whether grants of all of `roles` may extend automatically."""
        return not any(role in self.never_auto_extend for role in roles)

    @property
    def range_words(self) -> str:
        """ "1 to 730 days" """
        return f"{self.min_days} to {self.max_days} days"

    @property
    def extension_words(self) -> str:
        """ "extended automatically by 180 days at a time" """
        return f"extended automatically by {self.extension_days} days at a time"

    @property
    def never_words(self) -> str:
        """ "Global Administrator": the roles that never extend, by name."""
        return " or ".join(role_name(role) for role in self.never_auto_extend)

    @property
    def duration_field_words(self) -> str:
        """What a duration field takes: "1 to 730 days; 730 when omitted"."""
        return f"{self.range_words}; {self.default_days} when omitted"

    @property
    def auto_extend_field_words(self) -> str:
        """What auto-extend does: "extend by 180 days at the end date. Not with Global
        Administrator." """
        return f"extend by {self.extension_days} days at the end date. Not with {self.never_words}."

    def duration_words(self, days: int, auto_extend: bool) -> str:
        """ "730 days, then extended automatically by 180 days at a time" """
        words = "1 day" if days == 1 else f"{days} days"
        return f"{words}, then {self.extension_words}" if auto_extend else words


# Granular delegated admin privileges: least-privilege roles for a bounded time.
GDAP_TERMS = GrantTerms(
    min_days=1,
    max_days=730,
    default_days=730,
    extension_days=180,
    never_auto_extend=(AdminRole.GLOBAL_ADMINISTRATOR,),
)


@dataclass(frozen=True, slots=True)
class RelationshipTypeRule:
    type: RelationshipType
    name: str
    description: str
    role_rule: RoleRule
    # "a" or "an" before the name, as it is said ("an MPSA partner", "a Reseller"): spelling
    # alone cannot tell, so it is data, kept beside the name.
    indefinite_article: str
    fixed_roles: tuple[AdminRole, ...] = ()
    # A duration (and optional auto-extend) applies to its grants, on these terms.
    terms: GrantTerms | None = None
    tenant_account: bool = False  # the partner works through an account in the customer's tenant

    @property
    def grants_roles(self) -> bool:
        return self.role_rule is not RoleRule.NONE

    @property
    def time_bound(self) -> bool:
        return self.terms is not None

    @property
    def with_article(self) -> str:
        """The name after its indefinite article: "an Advisor", "a Reseller"."""
        return f"{self.indefinite_article} {self.name}"


T = RelationshipType
RELATIONSHIP_TYPES: dict[RelationshipType, RelationshipTypeRule] = {
    rule.type: rule
    for rule in (
        RelationshipTypeRule(
            T.ADVISOR,
            "Advisor",
            "Resets passwords and handles support incidents.",
            RoleRule.FIXED,
            indefinite_article="an",
            fixed_roles=(AdminRole.GLOBAL_ADMINISTRATOR, AdminRole.HELPDESK_ADMINISTRATOR),
        ),
        RelationshipTypeRule(
            T.ISV,
            "Independent software vendor",
            "Develops and sells software.",
            RoleRule.NONE,
            indefinite_article="an",
        ),
        RelationshipTypeRule(
            T.INDIRECT_RESELLER,
            "Indirect reseller",
            "Manages products and services through an indirect provider.",
            RoleRule.NONE,
            indefinite_article="an",
        ),
        RelationshipTypeRule(
            T.LOB_PARTNER,
            "Line-of-business partner",
            "Develops, submits and manages line-of-business apps.",
            RoleRule.NONE,
            indefinite_article="a",
        ),
        RelationshipTypeRule(
            T.MPSA_PARTNER,
            "MPSA partner",
            "Sees, if allowed, purchases made by the customer's other MPSA partners.",
            RoleRule.NONE,
            indefinite_article="an",
        ),
        RelationshipTypeRule(
            T.OEM,
            "OEM",
            "Registers devices in the device registry, without access to the tenant.",
            RoleRule.NONE,
            indefinite_article="an",
        ),
        RelationshipTypeRule(
            T.PARTNER,
            "Partner",
            "Works through a user account in the customer's tenant, holding the requested roles.",
            RoleRule.REQUESTED,
            indefinite_article="a",
            tenant_account=True,
        ),
        RelationshipTypeRule(
            T.GDAP_PARTNER,
            "Granular delegated admin (GDAP)",
            f"Least-privilege, time-bound admin roles, from {GDAP_TERMS.range_words}, "
            "optionally extended automatically.",
            RoleRule.REQUESTED,
            indefinite_article="a",
            terms=GDAP_TERMS,
        ),
        RelationshipTypeRule(
            T.RESELLER,
            "Reseller",
            "Sells products; places orders and manages subscriptions once the "
            "Customer Agreement is accepted.",
            RoleRule.NONE,
            indefinite_article="a",
        ),
    )
}
del T


def duration_words(type_: RelationshipType | str, days: int | None, auto_extend: bool) -> str:
    """How long an invitation's or a grant's roles last, in the words every email and page
    uses: "730 days, then extended automatically by 180 days at a time" / "No end date"."""
    terms = RELATIONSHIP_TYPES[RelationshipType(type_)].terms
    if terms is None or days is None:
        return "No end date"
    return terms.duration_words(days, auto_extend)


INVITATION_MIN_DAYS = 1
INVITATION_MAX_DAYS = 90
INVITATION_DEFAULT_DAYS = 90

# The Customer Agreement version that customers accept today.
CURRENT_AGREEMENT_VERSION = "2026-01"
