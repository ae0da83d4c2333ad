"""Email addresses: the one test of what Partnerhub accepts as an address.

The API (invitations, the directory's contacts, Contact me) and the command line's
`create-user` ask the same question here, so an address one of them takes the other takes too.
"""

from __future__ import annotations

from email_validator import validate_email


def normalized_email(value: str) -> str:
    """The address as Partnerhub keeps it (its domain lower-cased and IDNA-normalized).

    Raises `email_validator.EmailNotValidError`, a ValueError whose message says what is
    wrong: no @-sign, a reserved or special-use domain (`.test`, `.invalid`, `localhost`...),
    a part too long. Nothing is looked up in DNS: an address is checked as it is written.
    """
    return validate_email(value.strip(), check_deliverability=False).normalized
