from tortoise import migrations
from tortoise.migrations import operations as ops
from models.reference.enums import BulkOperationKind
from tortoise.fields.base import OnDelete
from tortoise import fields


class AlterComment(ops.AlterField):
    """An AlterField that changes only the column's comment (the enum's new values).

    SQLite keeps no comments, and Tortoise rebuilds an SQLite table for any AlterField,
    dropping the table's indexes: so on SQLite this does nothing (as in 0003 and 0010).
    Existing operations keep their kind, SEND_INVITATIONS: the new item columns are empty
    for them, as for every send.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            return
        await super().database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            return
        await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [("models", "0022_access_assignments_per_delegated_admin_relationship")]

    initial = False

    operations = [
        AlterComment(
            model_name="BulkOperation",
            name="kind",
            field=fields.CharEnumField(
                description="SEND_INVITATIONS: SEND_INVITATIONS\nASSIGN_ACCESS: ASSIGN_ACCESS\nEND_DELEGATED_ADMIN: END_DELEGATED_ADMIN",
                enum_type=BulkOperationKind,
                max_length=32,
            ),
        ),
        ops.AddField(
            model_name="BulkOperationItem",
            name="customer",
            field=fields.ForeignKeyField(
                "models.Organization",
                source_field="customer_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="bulk_items",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="BulkOperationItem",
            name="delegated_admin_relationship",
            field=fields.ForeignKeyField(
                "models.DelegatedAdminRelationship",
                source_field="delegated_admin_relationship_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="bulk_items",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
