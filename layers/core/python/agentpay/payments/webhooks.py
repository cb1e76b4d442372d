"""Webhook signature verification for Polar (Standard Webhooks) and Stripe. Stdlib only.

Standard Webhooks (Polar): headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``, a space-separated list of ``v1,<base64 HMAC-SHA256>`` over
``"{id}.{timestamp}.{body}"``. The HMAC key depends on how the secret is read, and Polar's
own SDKs disagree: the Standard Webhooks convention base64-decodes what follows ``whsec_``,
while Polar's original convention uses the UTF-8 bytes of the whole secret string
(``polar-sdk`` 0.x base64-encoded the secret before handing it to ``standardwebhooks``;
``polar-sdk`` 1.x tries both). Both keys are tried here, as ``polar-sdk`` 1.x does.

Stripe: ``Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "{t}.{body}">[,v1=...]``, the key
being the UTF-8 bytes of the endpoint secret (``whsec_...``) as given; ``v0`` entries (test
mode's legacy scheme) are ignored.

Both check every candidate signature with a constant-time compare, then the timestamp: a
message signed more than ``tolerance_s`` seconds before or after ``now`` is refused
(replays, and clocks gone wrong). Errors carry a code: ``missing_headers``,
``bad_signature``, ``stale_timestamp``, ``invalid_payload``. The body is parsed only once
its signature checks out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agentpay.kit.errors import AppError

DEFAULT_TOLERANCE_SECONDS = 300

_MESSAGES = {
    "missing_headers": "the webhook's signature headers are missing",
    "bad_signature": "the webhook's signature does not match",
    "stale_timestamp": "the webhook's timestamp is outside the accepted window",
    "invalid_payload": "the webhook's body is not a JSON object",
}


class WebhookSignatureError(AppError):
    status_code = 400

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or _MESSAGES.get(code, code), code=code)


def _now_seconds(now: datetime | float | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        return now.timestamp()
    return float(now)


def _check_timestamp(timestamp: int, tolerance_s: float, now: datetime | float | None) -> None:
    if abs(_now_seconds(now) - timestamp) > tolerance_s:
        raise WebhookSignatureError("stale_timestamp")


def _parse(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookSignatureError("invalid_payload") from exc
    if not isinstance(event, dict):
        raise WebhookSignatureError("invalid_payload")
    return event


def standard_webhook_keys(secret: str) -> tuple[bytes, ...]:
    """HMAC keys a Standard Webhooks secret may stand for: its UTF-8 bytes (Polar's
    original reading) and the base64 decoding of what follows ``whsec_``, when valid."""
    keys = [secret.encode()]
    remainder = secret.removeprefix("whsec_")
    try:
        decoded = base64.b64decode(remainder + "=" * (-len(remainder) % 4), validate=True)
    except (binascii.Error, ValueError):
        return tuple(keys)
    if decoded and decoded != keys[0]:
        keys.insert(0 if secret.startswith("whsec_") else 1, decoded)
    return tuple(keys)


def verify_standard_webhook(body: bytes, headers: Mapping[str, str], secret: str, *,
                            tolerance_s: float = DEFAULT_TOLERANCE_SECONDS,
                            now: datetime | float | None = None) -> dict[str, Any]:
    """The event of an authentic, timely Standard Webhooks message (Polar)."""
    if not secret:
        raise ValueError("a webhook secret is required")
    lowered = {str(k).lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not raw_timestamp or not signatures:
        raise WebhookSignatureError("missing_headers")
    raw_timestamp = raw_timestamp.strip()
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
        raise WebhookSignatureError("bad_signature", "the webhook's timestamp is not a number")
    timestamp = int(raw_timestamp)
    if isinstance(body, str):
        body = body.encode()
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = [hmac.new(key, signed, hashlib.sha256).digest()
                for key in standard_webhook_keys(secret)]
    matched = False
    for entry in signatures.split():
        version, _, encoded = entry.partition(",")
        if version != "v1" or not encoded:
            continue
        try:
            candidate = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        for digest in expected:  # no early exit: every comparison runs
            matched |= hmac.compare_digest(digest, candidate)
    if not matched:
        raise WebhookSignatureError("bad_signature")
    _check_timestamp(timestamp, tolerance_s, now)
    return _parse(body)


def verify_stripe_signature(body: bytes, header: str | None, secret: str, *,
                            tolerance_s: float = DEFAULT_TOLERANCE_SECONDS,
                            now: datetime | float | None = None) -> dict[str, Any]:
    """The event of an authentic, timely Stripe webhook (``Stripe-Signature`` header)."""
    if not secret:
        raise ValueError("a webhook secret is required")
    if not header or not header.strip():
        raise WebhookSignatureError("missing_headers")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookSignatureError("bad_signature", "the Stripe-Signature header has no "
                                                     "timestamp or no v1 signature")
    if isinstance(body, str):
        body = body.encode()
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest().encode()
    matched = False
    for candidate in signatures:
        given = candidate.strip().lower().encode("utf-8", "replace")
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise WebhookSignatureError("bad_signature")
    _check_timestamp(timestamp, tolerance_s, now)
    return _parse(body)
