"""Secrets handed to people once: invitation tokens and API tokens. Only hashes are stored."""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken

TOKEN_BYTES = 32  # 256 bits from the operating system's secure generator


def new_token(prefix: str = "") -> tuple[str, str]:
    """A fresh token and the hash to store for it."""
    token = prefix + secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sealer:
    """Encrypts a token for the short time it waits in the outbox for its email.

    The key is derived from SECRET_KEY, so the database alone never reveals a live token.
    """

    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"partnerhub-outbox-seal:" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def unseal(self, sealed: str) -> str | None:
        """The sealed value, or None when it was sealed under another key or tampered with."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
