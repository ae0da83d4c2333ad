"""Reference data, kept as code: the role catalog and relationship types, the capability
table, the directory's vocabularies, the offers, and the enums the domain names.

Read by GraphQL, the workers, the CLI and the console alike; never restated elsewhere.
Imports only `models.foundation`.
"""
