"""Machinery under the domain: the ORM's configuration and SQLite engine, secret tokens and
their sealing, and the address checks for outbound webhooks. No domain rule lives here."""
