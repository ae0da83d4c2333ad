"""The trusted systems that may call `POST /webhooks/{source}`, and their signing secrets.

`INBOUND_WEBHOOK_SECRETS` names each source and its secrets in `whsec_` form, sources
separated by `;`, a source's secrets by `,` (several while a secret is being rotated):
`billing=whsec_...;mailer=whsec_...,whsec_...`. Secrets stay wrapped in `Secret`, so a
settings object printed or logged shows none of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.datastructures import Secret

from models.foundation.standard_webhooks import SECRET_PREFIX, secret_key

VARIABLE = "INBOUND_WEBHOOK_SECRETS"
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# The Standard Webhooks specification asks for keys of 24 to 64 bytes.
MIN_KEY_BYTES, MAX_KEY_BYTES = 24, 64

WebhookSources = Mapping[str, tuple[Secret, ...]]


class InvalidSources(ValueError):
    """The variable cannot be used; the message names the source, never a secret."""


def parse_sources(value: str | None) -> dict[str, tuple[Secret, ...]]:
    """Each source's secrets, checked: a bad name or secret is refused at start-up."""
    sources: dict[str, tuple[Secret, ...]] = {}
    for entry in filter(None, (part.strip() for part in (value or "").split(";"))):
        name, equals, raw_secrets = (piece.strip() for piece in entry.partition("="))
        if not equals or not SOURCE_NAME.fullmatch(name):
            raise InvalidSources(
                f"{VARIABLE}: each entry is `source=whsec_...`, the source in lower-case "
                "letters, digits, `_` and `-`"
            )
        if name in sources:
            raise InvalidSources(f"{VARIABLE}: the source {name!r} is named twice")
        secrets = [s.strip() for s in raw_secrets.split(",") if s.strip()]
        if not secrets:
            raise InvalidSources(f"{VARIABLE}: the source {name!r} has no secret")
        for secret in secrets:
            _check_secret(name, secret)
        sources[name] = tuple(Secret(secret) for secret in secrets)
    return sources


def _check_secret(source: str, secret: str) -> None:
    try:
        if not secret.startswith(SECRET_PREFIX):
            raise ValueError
        length = len(secret_key(secret))
    except ValueError:
        raise InvalidSources(
            f"{VARIABLE}: a secret of {source!r} is not `whsec_` followed by base64"
        ) from None
    if not MIN_KEY_BYTES <= length <= MAX_KEY_BYTES:
        raise InvalidSources(
            f"{VARIABLE}: a secret of {source!r} must hold {MIN_KEY_BYTES} to "
            f"{MAX_KEY_BYTES} bytes, not {length}"
        )
