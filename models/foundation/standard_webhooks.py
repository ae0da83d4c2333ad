"""Signing and verifying webhooks as the Standard Webhooks specification describes them.

A message has an id, a timestamp (seconds since the epoch) and a body. Its signature is
`v1,` followed by the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under the secret's
key. Secrets are shown to people as `whsec_` and the base64 of the key. The headers are
`webhook-id`, `webhook-timestamp` and `webhook-signature`; the last may hold several
space-separated signatures (while a secret is being rotated), and one match is enough.

Outbound deliveries sign with `sign`; the inbound endpoint checks with `verify`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, not a secret)
SECRET_BYTES = 32
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 5 * 60

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class InvalidWebhook(Exception):
    """A request that does not carry a valid signature; the message says which part failed."""


def new_secret() -> str:
    """A fresh secret in `whsec_` form, from the operating system's secure generator."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError as exc:
        raise ValueError("A webhook secret is `whsec_` followed by base64.") from exc


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,` signature of one message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers that carry a message's id, time and signature."""
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, message_id, timestamp, body),
    }


@dataclass(frozen=True)
class VerifiedWebhook:
    message_id: str
    timestamp: int


def verify(
    secrets_: list[str], headers: Mapping[str, str], body: bytes, now: datetime
) -> VerifiedWebhook:
    """Check a request's signature against any of `secrets_`, and its timestamp against `now`.

    Raises `InvalidWebhook` when a header is missing, the timestamp is more than five minutes
    away from `now`, or no signature matches. Signatures are compared in constant time.
    """
    message_id = headers.get(ID_HEADER)
    raw_timestamp = headers.get(TIMESTAMP_HEADER)
    raw_signatures = headers.get(SIGNATURE_HEADER)
    if not message_id or not raw_timestamp or not raw_signatures:
        raise InvalidWebhook(
            "The webhook-id, webhook-timestamp and webhook-signature are required."
        )
    try:
        timestamp = int(raw_timestamp)
    except ValueError as exc:
        raise InvalidWebhook("The webhook-timestamp is not a number of seconds.") from exc
    # Compared, never subtracted: a timestamp hundreds of digits long overflows a float.
    moment = now.timestamp()
    if not moment - TOLERANCE_SECONDS <= timestamp <= moment + TOLERANCE_SECONDS:
        raise InvalidWebhook("The webhook-timestamp is more than five minutes away.")
    offered = [
        value.encode()
        for version, _, value in (part.partition(",") for part in raw_signatures.split())
        if version == SIGNATURE_VERSION
    ]
    for secret in secrets_:
        expected = signature(secret, message_id, timestamp, body).partition(",")[2].encode()
        # Compare against every offered signature, so the time taken says nothing either way.
        matches = [hmac.compare_digest(expected, candidate) for candidate in offered]
        if any(matches):
            return VerifiedWebhook(message_id=message_id, timestamp=timestamp)
    raise InvalidWebhook("No signature matches.")
