"""Opaque global IDs: base64 of "Type:uuid". Clients must not build or parse them."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

import strawberry

from models.foundation.errors import DomainError, ErrorCode


def encode_id(type_name: str, id_: UUID) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{id_}".encode()).decode())


def decode_id(type_name: str, value: str) -> UUID | None:
    """The UUID inside a global ID of `type_name`, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4)).decode()
        kind, _, uuid = raw.partition(":")
        return UUID(uuid) if kind == type_name else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def require_id(type_name: str, value: str, field: str) -> UUID:
    """The UUID inside a global ID given as input; a NOT_FOUND refusal naming `field` if not."""
    found = decode_id(type_name, value)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"No such {type_name.lower()}.", field)
    return found
