"""The Tortoise models: one module per area, each table with its fields and indexes.

Tables hold data and the invariants a single row keeps; who may change them lives in
`models.policy`, and how they change lives in `models.rules`.
"""
