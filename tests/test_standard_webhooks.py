"""Signatures as the Standard Webhooks specification defines them, checked both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.foundation.standard_webhooks import (
    InvalidWebhook,
    new_secret,
    secret_key,
    sign,
    signature,
    verify,
)

# The example the specification publishes: secret, id, timestamp, body and its signature.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
SPEC_TIME = datetime.fromtimestamp(SPEC_TIMESTAMP, UTC)


def test_the_specifications_example_signs_as_published() -> None:
    assert signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_signed_message_verifies() -> None:
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)

    verified = verify([SPEC_SECRET], headers, SPEC_BODY, SPEC_TIME + timedelta(seconds=299))

    assert (verified.message_id, verified.timestamp) == (SPEC_ID, SPEC_TIMESTAMP)


def test_one_matching_signature_among_several_is_enough() -> None:
    other = new_secret()
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    headers["webhook-signature"] = f"v1,bm90LWl0 v2,ignored {headers['webhook-signature']}"

    assert verify([other, SPEC_SECRET], headers, SPEC_BODY, SPEC_TIME).message_id == SPEC_ID


@pytest.mark.parametrize(
    ("secret", "body", "when", "message"),
    [
        (SPEC_SECRET, b'{"test": 2432232315}', SPEC_TIME, "No signature matches"),
        (new_secret(), SPEC_BODY, SPEC_TIME, "No signature matches"),
        (SPEC_SECRET, SPEC_BODY, SPEC_TIME + timedelta(seconds=301), "five minutes"),
        (SPEC_SECRET, SPEC_BODY, SPEC_TIME - timedelta(seconds=301), "five minutes"),
    ],
    ids=["tampered body", "wrong secret", "stale", "from the future"],
)
def test_refused(secret: str, body: bytes, when: datetime, message: str) -> None:
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)

    with pytest.raises(InvalidWebhook, match=message):
        verify([secret], headers, body, when)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    del headers[missing]

    with pytest.raises(InvalidWebhook, match="required"):
        verify([SPEC_SECRET], headers, SPEC_BODY, SPEC_TIME)


def test_new_secrets_are_whsec_and_32_random_bytes() -> None:
    first, second = new_secret(), new_secret()

    assert first.startswith("whsec_")
    assert first != second
    assert len(secret_key(first)) == 32
