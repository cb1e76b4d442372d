"""Signed checkout tokens: base64url(JSON) + "." + base64url(HMAC-SHA256).

Why signed and not stored-and-looked-up: the local checkout page must show exactly what
was quoted, and any edit to the link (a price, a quantity, the expiry) must be refused.
The signature covers every byte of the payload, and verification is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from agentpay.kit.errors import AppError


class InvalidCheckout(AppError):
    status_code = 400
    code = "invalid_checkout"


class ExpiredCheckout(AppError):
    status_code = 410
    code = "checkout_expired"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: dict[str, Any], secret: bytes) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(token: str, secret: bytes, now: datetime | None = None) -> dict[str, Any]:
    """The payload of an untampered, unexpired token; InvalidCheckout / ExpiredCheckout."""
    try:
        body, mac = token.split(".")
        expected = hmac.new(secret, body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidCheckout("this checkout link is not valid")
        payload = json.loads(_unb64(body))
        expires = datetime.fromisoformat(payload["expires_at"])
    except InvalidCheckout:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidCheckout("this checkout link is not valid") from exc
    if expires <= (now or datetime.now(UTC)):
        raise ExpiredCheckout("this checkout link has expired; ask the assistant for a new one")
    return payload
