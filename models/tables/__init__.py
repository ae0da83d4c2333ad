"""The Tortoise models: one module per area, each table with its fields and indexes.

Tables hold data and the invariants a single row keeps; who may change them lives in
`models.policy`, and how they change lives in `models.rules`.

Each foreign key is followed by a bare annotation of its column (`partner_id: UUID`):
Tortoise sets that attribute on every row but does not declare it, so without the
annotation the type checker would not know it. A bare annotation assigns nothing, so
Tortoise creates no field from it and the migrations stay as they are.
"""
