"""Partner profiles in the public directory, and the facet index their filters look up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.reference.directory_vocabularies import Facet

if TYPE_CHECKING:
    from uuid import UUID

    from tortoise.fields.relational import ForeignKeyRelation, OneToOneRelation

    from models.tables.organizations import Organization


class PartnerProfile(Model):
    """A partner organization listing in the directory, shown once the partner publishes it.

    The facet lists are kept here for display and, for filtering, as rows of PartnerFacetValue.
    Text search runs on name and description through an index the migration creates in SQL.
    """

    # An integer key: on SQLite it is the rowid, which the full-text index refers to. The API
    # names a profile by its organization instead.
    id = fields.BigIntField(primary_key=True)
    organization: OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="partner_profile", on_delete=fields.CASCADE
    )
    organization_id: UUID
    # The organization name, copied on every save: the directory sorts and searches on it.
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    locations: list[str] = fields.JSONField(default=list)
    industries: list[str] = fields.JSONField(default=list)
    products: list[str] = fields.JSONField(default=list)
    organization_sizes: list[str] = fields.JSONField(default=list)
    languages: list[str] = fields.JSONField(default=list)
    contact_email = fields.CharField(max_length=254, null=True)
    contact_phone = fields.CharField(max_length=40, null=True)
    website = fields.CharField(max_length=300, null=True)
    published = fields.BooleanField(default=False)
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "partner_profile"
        # The directory walks published profiles in (name, id) order; and it checks the
        # candidates that filters find, and sorts them, without reading whole rows.
        indexes = (("published", "name", "id"), ("id", "published", "name"))


class PartnerFacetValue(Model):
    """One value a profile lists for a facet: a filter is an index lookup on (facet, value)."""

    id = fields.BigIntField(primary_key=True)
    profile: ForeignKeyRelation[PartnerProfile] = fields.ForeignKeyField(
        "models.PartnerProfile", related_name="facet_values", on_delete=fields.CASCADE
    )
    profile_id: int
    facet = fields.CharEnumField(Facet, max_length=24)
    value = fields.CharField(max_length=32)

    class Meta:
        table = "partner_facet_value"
        unique_together = (("facet", "value", "profile"),)
