"""A partner's directory profile: editing and publishing it.

A save that changes something leaves a `partner_profile.updated` entry and event concerning
the partner, with the new values of what changed (publishing included).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.identity.actors import Actor
from models.operation import Operation, Transaction
from models.policy import require_profile_editor, sees_unpublished_profile
from models.reference.directory_vocabularies import FACET_FIELDS, Facet
from models.rules import directory_fields as check
from models.tables.directory import PartnerFacetValue, PartnerProfile
from models.tables.organizations import Organization

DESCRIPTION_MAX_LENGTH = 2000
WEBSITE_MAX_LENGTH = 300


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """What the partner's admin changes; None leaves a field as it is."""

    description: str | None = None
    locations: list[str] | None = None
    industries: list[str] | None = None
    products: list[str] | None = None
    organization_sizes: list[str] | None = None
    languages: list[str] | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    website: str | None = None
    published: bool | None = None


# The profile's attribute holding each facet's values.
FACET_ATTRIBUTES: dict[Facet, str] = {
    Facet.LOCATION: "locations",
    Facet.INDUSTRY: "industries",
    Facet.PRODUCT: "products",
    Facet.ORGANIZATION_SIZE: "organization_sizes",
    Facet.LANGUAGE: "languages",
}


def _checked(changes: ProfileChanges) -> dict[str, object]:
    """The profile fields to set, checked and normalized; every refusal at once."""
    errors: list[DomainError] = []
    fields: dict[str, object] = {}
    if changes.description is not None:
        fields["description"] = (
            check.text(
                errors,
                changes.description,
                "description",
                DESCRIPTION_MAX_LENGTH,
                multiline=True,
            )
            or ""
        )
    for facet, attribute in FACET_ATTRIBUTES.items():
        values: list[str] | None = getattr(changes, attribute)
        if values is not None:
            fields[attribute] = check.vocabulary(errors, facet, values, FACET_FIELDS[facet])
    # An empty string clears a contact field; None leaves it.
    if changes.contact_email is not None:
        fields["contact_email"] = check.email(
            errors, changes.contact_email, "contactEmail", optional=True
        )
    if changes.contact_phone is not None:
        fields["contact_phone"] = check.phone(errors, changes.contact_phone, "contactPhone")
    if changes.website is not None:
        fields["website"] = check.website(errors, changes.website, "website", WEBSITE_MAX_LENGTH)
    if errors:
        raise ValidationErrors(errors)
    return fields


# What a listed profile must say, by the input field that says it.
PUBLISHED_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("description", "description", "a description"),
    ("locations", "locations", "at least one location"),
    ("contact_email", "contactEmail", "a contact email"),
)


def _require_complete(profile: PartnerProfile) -> None:
    """A listed profile says what the partner does, where, and how to reach it: one refusal
    per missing field, naming it, so that a form shows each next to its control."""
    missing = [
        DomainError(ErrorCode.PROFILE_INCOMPLETE, f"A published profile needs {words}.", field)
        for attribute, field, words in PUBLISHED_NEEDS
        if not getattr(profile, attribute)
    ]
    if missing:
        raise ValidationErrors(missing)


async def own_profile(actor: Actor | None, organization_id: object) -> PartnerProfile | None:
    """The partner's profile, published or not, for its own agents; None for anyone else
    (and for a partner that never saved one)."""
    if not sees_unpublished_profile(actor, organization_id):
        return None
    return await PartnerProfile.get_or_none(organization_id=organization_id)


async def update_partner_profile(op: Operation, changes: ProfileChanges) -> PartnerProfile:
    """The partner's admin edits its own profile (created on first save), and may publish it."""
    actor = op.require_actor()
    require_profile_editor(actor)
    fields = _checked(changes)
    organization = await Organization.get(id=actor.organization_id)
    for attempt in range(2):
        try:
            return await _save(op, organization, changes, fields)
        except IntegrityError:
            # A concurrent first save created the profile meanwhile: update that one.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


async def _save(
    op: Operation, organization: Organization, changes: ProfileChanges, fields: dict[str, object]
) -> PartnerProfile:
    async with op.atomic() as tx:
        profile = await PartnerProfile.filter(organization_id=organization.id).first()
        created = profile is None
        if profile is None:
            profile = PartnerProfile(organization_id=organization.id)
        before = _summary(profile)
        profile.update_from_dict({**fields, "name": organization.name})
        if changes.published is not None:
            if changes.published:
                _require_complete(profile)
                if not profile.published:
                    profile.published_at = op.now()
            profile.published = changes.published
        await profile.save()
        await _index_facets(profile)
        await _record(tx, organization, before, _summary(profile), created)
    return profile


# The profile's fields an entry summarises, and their names there (as the API spells them).
SUMMARY_FIELDS: dict[str, str] = {
    "name": "name",
    "description": "description",
    **{attribute: FACET_FIELDS[facet] for facet, attribute in FACET_ATTRIBUTES.items()},
    "contact_email": "contactEmail",
    "contact_phone": "contactPhone",
    "website": "website",
    "published": "published",
}


def _summary(profile: PartnerProfile) -> dict[str, object]:
    return {key: getattr(profile, attribute) for attribute, key in SUMMARY_FIELDS.items()}


async def _record(
    tx: Transaction,
    organization: Organization,
    before: dict[str, object],
    after: dict[str, object],
    created: bool,
) -> None:
    """The entry of a save that changed something: the new values of what changed."""
    changed = {key: value for key, value in after.items() if created or before[key] != value}
    if changed:
        await tx.record(
            "partner_profile.updated",
            "Partner",
            organization.id,
            partner_id=organization.id,
            changes=changed,
        )


async def _index_facets(profile: PartnerProfile) -> None:
    """Rewrite the profile's rows of the facet index from its lists."""
    await PartnerFacetValue.filter(profile_id=profile.id).delete()
    await PartnerFacetValue.bulk_create(
        [
            PartnerFacetValue(profile_id=profile.id, facet=facet, value=value)
            for facet, attribute in FACET_ATTRIBUTES.items()
            for value in getattr(profile, attribute)
        ]
    )
