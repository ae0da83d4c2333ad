"""Devices an OEM partner registers for a customer in the device registry, by hardware hash.

The OEM type alone allows it: no admin role is granted with it, and none is needed. A serial
number is registered once per customer, and a hardware hash once in the whole registry (it
identifies one machine, which belongs to one tenant).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from models.foundation.errors import DomainError, ErrorCode, ValidationErrors
from models.identity.actors import Actor
from models.operation import Operation
from models.policy import require_oem
from models.rules.concerns import pair_sides
from models.tables.claims import DeviceHash
from models.tables.tenant import Device

SERIAL_NUMBER_MAX_LENGTH = 100
MODEL_MAX_LENGTH = 200
HARDWARE_HASH_MAX_LENGTH = 16_000
# A hardware hash is base64, as the device's own tooling exports it.
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


@dataclass(frozen=True, slots=True)
class DeviceRequest:
    customer_id: UUID
    serial_number: str
    hardware_hash: str
    model: str


def hash_digest(hardware_hash: str) -> str:
    """The SHA-256 (hex) of a hardware hash: what the registry's uniqueness is checked on."""
    return hashlib.sha256(hardware_hash.encode()).hexdigest()


def _text_error(value: str, field: str, label: str, most: int) -> DomainError | None:
    if not value or len(value) > most or not value.isprintable():
        return DomainError(
            ErrorCode.INVALID_INPUT, f"{label} must be 1 to {most} printable characters.", field
        )
    return None


def check_device(request: DeviceRequest) -> DeviceRequest:
    """Every refusal of the input at once, or the request with its text trimmed."""
    clean = replace(
        request,
        serial_number=request.serial_number.strip(),
        hardware_hash="".join(request.hardware_hash.split()),
        model=request.model.strip(),
    )
    errors = [
        error
        for error in (
            _text_error(
                clean.serial_number, "serialNumber", "The serial number", SERIAL_NUMBER_MAX_LENGTH
            ),
            _text_error(clean.model, "model", "The model", MODEL_MAX_LENGTH),
        )
        if error is not None
    ]
    if not (
        len(clean.hardware_hash) <= HARDWARE_HASH_MAX_LENGTH
        and _BASE64.fullmatch(clean.hardware_hash)
    ):
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"The hardware hash must be base64, at most {HARDWARE_HASH_MAX_LENGTH} characters.",
                "hardwareHash",
            )
        )
    if errors:
        raise ValidationErrors(errors)
    return clean


async def _refuse_duplicates(request: DeviceRequest) -> None:
    errors: list[DomainError] = []
    if await Device.exists(customer_id=request.customer_id, serial_number=request.serial_number):
        errors.append(
            DomainError(
                ErrorCode.DUPLICATE,
                "A device with this serial number is already registered for the customer.",
                "serialNumber",
            )
        )
    if await DeviceHash.exists(digest=hash_digest(request.hardware_hash)):
        errors.append(
            DomainError(
                ErrorCode.DUPLICATE,
                "A device with this hardware hash is already registered.",
                "hardwareHash",
            )
        )
    if errors:
        raise ValidationErrors(errors)


async def register_device(op: Operation, request: DeviceRequest) -> Device:
    """An OEM partner's agent registers one device for the customer."""
    actor = op.require_actor()
    await require_oem(actor, request.customer_id)
    clean = check_device(request)
    await _refuse_duplicates(clean)
    concerns = await pair_sides(clean.customer_id, actor.organization_id)
    try:
        async with op.atomic() as tx:
            device = await Device.create(
                customer_id=clean.customer_id,
                serial_number=clean.serial_number,
                hardware_hash=clean.hardware_hash,
                model=clean.model,
                registered_by_partner_id=actor.organization_id,
                registered_by_id=actor.user_id,
            )
            await DeviceHash.create(digest=hash_digest(clean.hardware_hash), device=device)
            await tx.record(
                "device.registered",
                "Device",
                device.id,
                **concerns,
                # The hash itself is long; its digest identifies it.
                changes={
                    "serialNumber": clean.serial_number,
                    "model": clean.model,
                    "hardwareHashSha256": hash_digest(clean.hardware_hash),
                },
            )
    except IntegrityError:
        # Registered at the same moment by another request: say which field collided.
        await _refuse_duplicates(clean)
        raise
    return device


async def partner_devices(actor: Actor, customer_id: UUID) -> QuerySet[Device]:
    """The devices the actor's OEM partner registered for the customer."""
    await require_oem(actor, customer_id)
    return Device.filter(customer_id=customer_id, registered_by_partner_id=actor.organization_id)
