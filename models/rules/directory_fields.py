"""Checks shared by the forms: vocabulary values, lengths, email, phone, website.

The directory's forms use them all; an invitation's address goes through `email` too, so an
address is refused (or a blank one reported missing) the same way everywhere."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from email_validator import EmailNotValidError

from models.foundation.email_addresses import normalized_email
from models.foundation.errors import DomainError, ErrorCode
from models.reference.directory_vocabularies import VOCABULARIES, Facet

_PHONE = re.compile(r"\+?[0-9][0-9 ().\-/]*")
PHONE_MIN_DIGITS = 6
PHONE_MAX_LENGTH = 40
EMAIL_MAX_LENGTH = 254

# How messages name a value of each facet: with its article, and in the plural.
VALUE_NOUNS: dict[Facet, tuple[str, str]] = {
    Facet.LOCATION: ("a location", "locations"),
    Facet.INDUSTRY: ("an industry", "industries"),
    Facet.PRODUCT: ("a product or service", "products or services"),
    Facet.ORGANIZATION_SIZE: ("an organization size", "organization sizes"),
    Facet.LANGUAGE: ("a language", "languages"),
}
REQUIRED = "This field is required."


def _has_control_characters(value: str, *, multiline: bool) -> bool:
    allowed = "\n\t" if multiline else ""
    return any(
        unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value.replace("\r\n", "\n")
    )


def text(
    errors: list[DomainError],
    value: str | None,
    field: str,
    max_length: int,
    *,
    multiline: bool = False,
) -> str | None:
    """The trimmed text, None when blank; a refusal when it is too long or holds control
    characters (line breaks only where `multiline`: a name ends up in an email's subject)."""
    trimmed = (value or "").strip() or None
    if trimmed is not None and len(trimmed) > max_length:
        errors.append(
            DomainError(ErrorCode.INVALID_INPUT, f"At most {max_length} characters, please.", field)
        )
    elif trimmed is not None and _has_control_characters(trimmed, multiline=multiline):
        refusal = "Use plain text" + ("." if multiline else " on one line.")
        errors.append(DomainError(ErrorCode.INVALID_INPUT, refusal, field))
    return trimmed


def required(
    errors: list[DomainError], value: str | None, field: str, message: str = REQUIRED
) -> None:
    if value is None:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, message, field))


def email(
    errors: list[DomainError], value: str | None, field: str, *, optional: bool = False
) -> str | None:
    """The normalized address; a refusal naming `field` when it is not one. A blank one is
    refused as missing ("required", never "must have an @-sign"), unless `optional`."""
    trimmed = (value or "").strip()
    if not trimmed:
        if not optional:
            required(errors, None, field, "Enter an email address.")
        return None
    try:
        normalized = normalized_email(trimmed)
    except EmailNotValidError as exc:
        errors.append(
            DomainError(ErrorCode.INVALID_INPUT, f"Enter a valid email address: {exc}", field)
        )
        return None
    if len(normalized) > EMAIL_MAX_LENGTH:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "The address is too long.", field))
        return None
    return normalized


def phone(errors: list[DomainError], value: str | None, field: str) -> str | None:
    """Digits with the usual separators and an optional leading +."""
    trimmed = (value or "").strip()
    if not trimmed:
        return None
    digits = sum(ch.isdigit() for ch in trimmed)
    if (
        len(trimmed) > PHONE_MAX_LENGTH
        or not _PHONE.fullmatch(trimmed)
        or digits < PHONE_MIN_DIGITS
    ):
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                "Enter a phone number: digits, spaces, ( ) - . / and an optional leading +.",
                field,
            )
        )
        return None
    return trimmed


def website(
    errors: list[DomainError], value: str | None, field: str, max_length: int
) -> str | None:
    trimmed = (value or "").strip()
    if not trimmed:
        return None
    if len(trimmed) > max_length or not re.fullmatch(
        r"https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?", trimmed
    ):
        errors.append(
            DomainError(
                ErrorCode.INVALID_INPUT,
                f"Enter a web address starting with https:// (at most {max_length} characters).",
                field,
            )
        )
        return None
    return trimmed


def _unknown(facet: Facet, unknown: Sequence[str]) -> str:
    one, many = VALUE_NOUNS[facet]
    if len(unknown) == 1:
        return f"{unknown[0]} is not {one} of the directory."
    listed = ", ".join(unknown[:-1]) + f" and {unknown[-1]}"
    return f"{listed} are not {many} of the directory."


def vocabulary(
    errors: list[DomainError], facet: Facet, values: Sequence[str], field: str
) -> list[str]:
    """The values without repeats, each from the facet's vocabulary; blank ones (a control
    left unchosen) choose nothing."""
    chosen = [value.strip() for value in values if value.strip()]
    known = VOCABULARIES[facet]
    unknown = [value for value in chosen if value not in known]
    if unknown:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, _unknown(facet, unknown), field))
    return [value for value in dict.fromkeys(chosen) if value in known]


def one_of(errors: list[DomainError], facet: Facet, value: str | None, field: str) -> str | None:
    """One value from the facet's vocabulary. A missing or blank one (a list left unchosen) is
    refused as missing, naming what to choose."""
    chosen = (value or "").strip()
    if not chosen:
        required(errors, None, field, f"Choose {VALUE_NOUNS[facet][0]}.")
        return None
    if chosen not in VOCABULARIES[facet]:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, _unknown(facet, [chosen]), field))
        return None
    return chosen
