"""Signing in: sessions, passwords and a person's own bearer tokens."""
