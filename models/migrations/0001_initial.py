from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.reference.enums import (
    EmailStatus,
    InvitationStatus,
    OrganizationKind,
    RelationshipStatus,
    RelationshipType,
    RoleGrantStatus,
)
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Organization",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=200)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="CUSTOMER: CUSTOMER\nPARTNER: PARTNER",
                        enum_type=OrganizationKind,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "organization",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A customer organization (a tenant) or a solution-provider partner.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("task", fields.CharField(max_length=64)),
                (
                    "payload",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "enqueued_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "completed_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
            ],
            options={
                "table": "outbox_message",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A job to run once the change that recorded it has committed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "organization",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="organization_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="users",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("display_name", fields.CharField(null=True, max_length=200)),
                (
                    "roles",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "partner_of",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_of_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="tenant_accounts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "user",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A person of an organization, or the account a PARTNER-type partner holds in a tenant.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgreementAcceptance",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agreement_acceptances",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("version", fields.CharField(max_length=32)),
                (
                    "accepted_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="accepted_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="agreement_acceptances",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("accepted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "agreement_acceptance",
                "app": "models",
                "unique_together": (("customer_id", "version"),),
                "pk_attr": "id",
                "table_description": "The acceptance of one Customer Agreement version by a customer organization.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token, shown once. Only its SHA-256 is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invitation",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sent_invitations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invitations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("addressed", fields.BooleanField(default=False)),
                ("customer_email", fields.CharField(max_length=254)),
                (
                    "type",
                    fields.CharEnumField(
                        description="ADVISOR: ADVISOR\nISV: ISV\nINDIRECT_RESELLER: INDIRECT_RESELLER\nLOB_PARTNER: LOB_PARTNER\nMPSA_PARTNER: MPSA_PARTNER\nOEM: OEM\nPARTNER: PARTNER\nGDAP_PARTNER: GDAP_PARTNER\nRESELLER: RESELLER",
                        enum_type=RelationshipType,
                        max_length=32,
                    ),
                ),
                (
                    "roles",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("duration_days", fields.IntField(null=True)),
                ("auto_extend", fields.BooleanField(default=False)),
                ("message", fields.TextField(null=True, unique=False)),
                ("open_days", fields.IntField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=InvitationStatus.PENDING,
                        description="PENDING: PENDING\nACCEPTED: ACCEPTED\nDECLINED: DECLINED\nCANCELED: CANCELED\nEXPIRED: EXPIRED",
                        enum_type=InvitationStatus,
                        max_length=16,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "email_status",
                    fields.CharEnumField(
                        default=EmailStatus.QUEUED,
                        description="QUEUED: QUEUED\nSENT: SENT\nFAILED: FAILED",
                        enum_type=EmailStatus,
                        max_length=16,
                    ),
                ),
                ("email_attempts", fields.IntField(default=0)),
                ("email_error", fields.TextField(null=True, unique=False)),
                ("emailed_token_hash", fields.CharField(null=True, max_length=64)),
                (
                    "sent_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="sent_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="sent_invitations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "responded_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="responded_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="answered_invitations",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "accepted_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "invitation",
                "app": "models",
                "indexes": [
                    Index(fields=["partner_id", "created_at"]),
                    Index(fields=["customer_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "An invitation to a relationship. Its token lives only in the email, the hash here.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Relationship",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "customer",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="customer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="partner_relationships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "partner",
                    fields.ForeignKeyField(
                        "models.Organization",
                        source_field="partner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="customer_relationships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=RelationshipStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nENDED: ENDED",
                        enum_type=RelationshipStatus,
                        max_length=16,
                    ),
                ),
                ("active_key", fields.CharField(null=True, unique=True, max_length=80)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "ended_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="ended_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ended_relationships",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "relationship",
                "app": "models",
                "indexes": [
                    Index(fields=["customer_id", "created_at"]),
                    Index(fields=["partner_id", "created_at"]),
                ],
                "pk_attr": "id",
                "table_description": "The one relationship of a customer and a partner, gathering every accepted type.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RelationshipTypeRecord",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "relationship",
                    fields.ForeignKeyField(
                        "models.Relationship",
                        source_field="relationship_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="type_records",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "type",
                    fields.CharEnumField(
                        description="ADVISOR: ADVISOR\nISV: ISV\nINDIRECT_RESELLER: INDIRECT_RESELLER\nLOB_PARTNER: LOB_PARTNER\nMPSA_PARTNER: MPSA_PARTNER\nOEM: OEM\nPARTNER: PARTNER\nGDAP_PARTNER: GDAP_PARTNER\nRESELLER: RESELLER",
                        enum_type=RelationshipType,
                        max_length=32,
                    ),
                ),
                (
                    "invitation",
                    fields.ForeignKeyField(
                        "models.Invitation",
                        source_field="invitation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="type_records",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("added_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "relationship_type",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One type accepted into a relationship: its history, kept when the relationship ends.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoleGrant",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "relationship",
                    fields.ForeignKeyField(
                        "models.Relationship",
                        source_field="relationship_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("role", fields.CharField(max_length=64)),
                (
                    "type",
                    fields.CharEnumField(
                        description="ADVISOR: ADVISOR\nISV: ISV\nINDIRECT_RESELLER: INDIRECT_RESELLER\nLOB_PARTNER: LOB_PARTNER\nMPSA_PARTNER: MPSA_PARTNER\nOEM: OEM\nPARTNER: PARTNER\nGDAP_PARTNER: GDAP_PARTNER\nRESELLER: RESELLER",
                        enum_type=RelationshipType,
                        max_length=32,
                    ),
                ),
                (
                    "invitation",
                    fields.ForeignKeyField(
                        "models.Invitation",
                        source_field="invitation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="grants",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=RoleGrantStatus.ACTIVE,
                        db_index=True,
                        description="ACTIVE: ACTIVE\nREVOKING: REVOKING\nREVOKED: REVOKED\nEXPIRED: EXPIRED",
                        enum_type=RoleGrantStatus,
                        max_length=16,
                    ),
                ),
                ("granted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
                ("auto_extend", fields.BooleanField(default=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "ended_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="ended_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ended_grants",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("end_reason", fields.CharField(null=True, max_length=200)),
            ],
            options={
                "table": "role_grant",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An admin role a customer granted a partner through one relationship type.",
            },
            bases=["Model"],
        ),
    ]
