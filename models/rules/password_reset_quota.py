"""How many password-reset emails one client address may ask for (`requestPasswordReset`),
beside the per-account cooldown of `models/rules/sign_in.py`.

Every request from the address counts, before anyone is looked up, so that the limit answers
the same whether or not the addresses asked for have accounts: it tells a stranger nothing.
Counted in the database like the invitation quotas (`models/rules/invitation_quotas.py`),
not in Redis: a limit must hold while Redis is down. An IPv6 client counts by its /64, the
block one subscriber usually holds, so that rotating addresses within it does not help.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime

from models.foundation.errors import DomainError, ErrorCode
from models.foundation.settings import Quota
from models.rules.invitation_quotas import count_hit

SCOPE = "reset_address"
IPV6_PREFIX = 64


def client_key(address: str) -> str:
    """The counter's key for a client address: its SHA-256, of the /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        block = address.strip().lower()
    else:
        block = (
            str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
            if ip.version == 6
            else str(ip)
        )
    return hashlib.sha256(block.encode()).hexdigest()


async def count_reset_request(address: str | None, quota: Quota, now: datetime) -> None:
    """Count one reset request from `address`, or refuse it (RATE_LIMITED) once the address
    has asked `quota.limit` times in the window. A request with no address (none outside a
    web request) is not counted."""
    if address is None:
        return
    ends = await count_hit(SCOPE, client_key(address), quota, now)
    if ends is not None:
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            "Too many password reset requests from your network. "
            f"Try again after {ends:%Y-%m-%d %H:%M} UTC.",
        )
