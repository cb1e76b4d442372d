"""Webhook signatures: Standard Webhooks (Polar) and Stripe-Signature, built with the real
algorithms (and cross-checked against the providers' own SDK helpers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest

from agentpay.kit.errors import AppError
from agentpay.payments import (
    WebhookSignatureError,
    verify_standard_webhook,
    verify_stripe_signature,
)
from fakes.polar_server import FakePolarServer
from fakes.stripe_server import FakeStripeServer

POLAR_SECRET = "polar_whs_" + secrets.token_urlsafe(32)  # Polar: key = its UTF-8 bytes
STANDARD_KEY = secrets.token_bytes(32)
STANDARD_SECRET = "whsec_" + base64.b64encode(STANDARD_KEY).decode()  # key = base64 part
STRIPE_SECRET = "whsec_" + secrets.token_hex(16)
BODY = json.dumps({"type": "order.paid", "data": {"id": "ord_1", "metadata": {
    "quote_id": "q_7f3a"}}}).encode()


def standard_headers(body: bytes, key: bytes, *, msg_id: str = "msg_2Lk9",
                     timestamp: int | None = None) -> dict[str, str]:
    """Headers signed the Standard Webhooks way with the HMAC key ``key``."""
    sent = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(key, f"{msg_id}.{sent}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": msg_id, "webhook-timestamp": str(sent),
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def stripe_header(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    sent = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{sent}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={sent},v1={mac}"


# --------------------------------------------------------------------------- Standard


def test_a_polar_webhook_signed_with_the_secrets_utf8_bytes_verifies():
    # GIVEN a webhook signed as Polar signs it (the fake uses the secret's UTF-8 bytes)
    polar = FakePolarServer()
    body, headers = polar.signed_event("order.paid", {"id": "ord_1"}, POLAR_SECRET)

    # WHEN verified with the same secret, THEN the parsed event comes back
    event = verify_standard_webhook(body, headers, POLAR_SECRET)
    assert event["type"] == "order.paid" and event["data"] == {"id": "ord_1"}


def test_a_whsec_secret_verifies_with_its_base64_decoded_key():
    # GIVEN a Standard Webhooks secret "whsec_<base64>" and a message signed with its key
    headers = standard_headers(BODY, STANDARD_KEY)

    # WHEN verified, THEN it passes
    assert verify_standard_webhook(BODY, headers, STANDARD_SECRET)["data"]["id"] == "ord_1"


def test_a_whsec_secret_also_verifies_with_its_utf8_bytes_as_older_polar_sdks_used():
    # GIVEN a message signed with the whole "whsec_..." string as key (polar-sdk 0.x)
    headers = standard_headers(BODY, STANDARD_SECRET.encode())

    # WHEN verified, THEN it passes too
    assert verify_standard_webhook(BODY, headers, STANDARD_SECRET)["type"] == "order.paid"


def test_we_agree_with_polar_sdk_on_both_key_readings():
    # GIVEN messages the official polar-sdk accepts, one per key reading
    from polar.webhooks import validate_event

    cases = [(POLAR_SECRET, standard_headers(BODY, POLAR_SECRET.encode())),
             (STANDARD_SECRET, standard_headers(BODY, STANDARD_KEY))]
    for secret, headers in cases:
        sdk_event = validate_event(BODY, headers, secret, frozenset({"order.paid"}),
                                   lambda data: data)

        # WHEN we verify the same message, THEN we agree with the SDK
        assert verify_standard_webhook(BODY, headers, secret) == sdk_event


def test_one_valid_signature_among_several_and_any_header_case_is_enough():
    # GIVEN a signature list with junk, another version and (last) the valid one,
    # under headers spelt as a proxy might
    valid = standard_headers(BODY, POLAR_SECRET.encode())
    headers = {"Webhook-Id": valid["webhook-id"],
               "WEBHOOK-TIMESTAMP": valid["webhook-timestamp"],
               "Webhook-Signature": f"v1,AAAA v2,xyz v1,not-base64!! "
                                    f"{valid['webhook-signature']}"}

    # WHEN verified, THEN it passes
    assert verify_standard_webhook(BODY, headers, POLAR_SECRET)["type"] == "order.paid"


@pytest.mark.parametrize(("case", "code"), [
    (lambda h: (BODY.replace(b"ord_1", b"ord_2"), h, POLAR_SECRET), "bad_signature"),
    (lambda h: (BODY, h, "polar_whs_" + "x" * 43), "bad_signature"),
    (lambda h: (BODY, {**h, "webhook-id": "msg_other"}, POLAR_SECRET), "bad_signature"),
    (lambda h: (BODY, {**h, "webhook-signature": "v1,"}, POLAR_SECRET), "bad_signature"),
    (lambda h: (BODY, {**h, "webhook-timestamp": "12e3"}, POLAR_SECRET), "bad_signature"),
    (lambda h: (BODY, {k: v for k, v in h.items() if k != "webhook-id"}, POLAR_SECRET),
     "missing_headers"),
    (lambda h: (BODY, {k: v for k, v in h.items() if k != "webhook-timestamp"},
                POLAR_SECRET), "missing_headers"),
    (lambda h: (BODY, {k: v for k, v in h.items() if k != "webhook-signature"},
                POLAR_SECRET), "missing_headers"),
    (lambda h: (BODY, {}, POLAR_SECRET), "missing_headers"),
], ids=["tampered-body", "wrong-secret", "other-id", "empty-signature", "odd-timestamp",
        "no-id", "no-timestamp", "no-signature", "no-headers"])
def test_a_forged_or_incomplete_standard_webhook_is_refused(case, code):
    # GIVEN a validly signed message, then altered
    body, headers, secret = case(standard_headers(BODY, POLAR_SECRET.encode()))

    # WHEN verified, THEN refused with the matching code
    with pytest.raises(WebhookSignatureError) as caught:
        verify_standard_webhook(body, headers, secret)
    assert caught.value.code == code


@pytest.mark.parametrize("offset", [-301, 301], ids=["stale", "future"])
def test_a_standard_webhook_outside_the_tolerance_is_refused(offset):
    # GIVEN a message validly signed 301 s before (or after) now
    now = 1_790_000_000
    headers = standard_headers(BODY, POLAR_SECRET.encode(), timestamp=now + offset)

    # WHEN verified at ``now``, THEN refused as stale; inside the window it passes
    with pytest.raises(WebhookSignatureError) as caught:
        verify_standard_webhook(BODY, headers, POLAR_SECRET, now=now)
    assert caught.value.code == "stale_timestamp"
    assert verify_standard_webhook(BODY, headers, POLAR_SECRET, now=now + offset - 1)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_json_object_is_invalid_payload(body):
    headers = standard_headers(body, POLAR_SECRET.encode())
    with pytest.raises(WebhookSignatureError) as caught:
        verify_standard_webhook(body, headers, POLAR_SECRET)
    assert caught.value.code == "invalid_payload"


# --------------------------------------------------------------------------- Stripe


def test_a_stripe_event_signed_by_the_stripe_sdk_verifies():
    # GIVEN a header generated by the official stripe package's own helper
    import stripe

    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), STRIPE_SECRET)

    # WHEN verified, THEN the parsed event comes back
    assert verify_stripe_signature(BODY, header, STRIPE_SECRET)["type"] == "order.paid"


def test_a_completed_session_event_from_the_fake_verifies():
    # GIVEN the fake's "checkout.session.completed" event for a paid session
    stripe_fake = FakeStripeServer()
    stripe_fake.sessions["cs_test_1"] = {"id": "cs_test_1", "object": "checkout.session",
                                         "status": "open", "payment_status": "unpaid",
                                         "metadata": {"quote_id": "q_7f3a"}}
    session = stripe_fake.complete_session("cs_test_1")
    body, header = stripe_fake.signed_event("checkout.session.completed", session,
                                            STRIPE_SECRET)

    # WHEN verified, THEN the event carries the paid session and its quote id
    event = verify_stripe_signature(body, header, STRIPE_SECRET)
    assert event["type"] == "checkout.session.completed"
    assert event["data"]["object"]["payment_status"] == "paid"
    assert event["data"]["object"]["metadata"]["quote_id"] == "q_7f3a"


def test_a_stripe_header_with_several_v1_signatures_verifies_if_one_matches():
    # GIVEN a header during a secret roll: one signature per active secret, plus v0
    good = stripe_header(BODY, STRIPE_SECRET)
    timestamp, signature = good.split(",")
    header = f"{timestamp},v1={'0' * 64},{signature},v0=deadbeef"

    # WHEN verified, THEN it passes
    assert verify_stripe_signature(BODY, header, STRIPE_SECRET)["data"]["id"] == "ord_1"


@pytest.mark.parametrize(("case", "code"), [
    (lambda h: (BODY + b" ", h, STRIPE_SECRET), "bad_signature"),
    (lambda h: (BODY, h, "whsec_" + "0" * 32), "bad_signature"),
    (lambda h: (BODY, h.replace("v1=", "v0="), STRIPE_SECRET), "bad_signature"),
    (lambda h: (BODY, h.split(",")[1], STRIPE_SECRET), "bad_signature"),
    (lambda h: (BODY, "t=abc," + h.split(",")[1], STRIPE_SECRET), "bad_signature"),
    (lambda h: (BODY, "", STRIPE_SECRET), "missing_headers"),
    (lambda h: (BODY, None, STRIPE_SECRET), "missing_headers"),
], ids=["tampered-body", "wrong-secret", "only-v0", "no-timestamp", "odd-timestamp",
        "empty-header", "no-header"])
def test_a_forged_or_incomplete_stripe_webhook_is_refused(case, code):
    # GIVEN a validly signed event, then altered
    body, header, secret = case(stripe_header(BODY, STRIPE_SECRET))

    # WHEN verified, THEN refused with the matching code
    with pytest.raises(WebhookSignatureError) as caught:
        verify_stripe_signature(body, header, secret)
    assert caught.value.code == code


@pytest.mark.parametrize("offset", [-301, 301], ids=["stale", "future"])
def test_a_stripe_webhook_outside_the_tolerance_is_refused(offset):
    # GIVEN an event validly signed 301 s before (or after) now
    now = 1_790_000_000
    header = stripe_header(BODY, STRIPE_SECRET, timestamp=now + offset)

    # WHEN verified at ``now``, THEN refused as stale (a replay); a wider tolerance passes
    with pytest.raises(WebhookSignatureError) as caught:
        verify_stripe_signature(BODY, header, STRIPE_SECRET, now=now)
    assert caught.value.code == "stale_timestamp"
    assert verify_stripe_signature(BODY, header, STRIPE_SECRET, now=now, tolerance_s=600)


def test_a_signed_stripe_body_that_is_not_json_is_invalid_payload():
    body = b"<html>proxy error</html>"
    with pytest.raises(WebhookSignatureError) as caught:
        verify_stripe_signature(body, stripe_header(body, STRIPE_SECRET), STRIPE_SECRET)
    assert caught.value.code == "invalid_payload"


def test_signature_errors_are_400_app_errors_and_a_missing_secret_is_a_bug():
    # GIVEN a refused webhook, THEN the API's error handler can answer it as a 400
    with pytest.raises(WebhookSignatureError) as caught:
        verify_stripe_signature(BODY, "", STRIPE_SECRET)
    assert isinstance(caught.value, AppError) and caught.value.status_code == 400

    # AND an unconfigured secret is a programming error, never "any signature passes"
    with pytest.raises(ValueError):
        verify_stripe_signature(BODY, stripe_header(BODY, ""), "")
    with pytest.raises(ValueError):
        verify_standard_webhook(BODY, standard_headers(BODY, b""), "")
