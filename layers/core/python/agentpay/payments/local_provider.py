"""The local provider: a signed, expiring link to AgentPay's own checkout page.

No money moves: this is the development (and demo) provider. The link carries the whole
quote, signed with the same scheme as :mod:`agentpay.checkout.links` (``signer`` is
normally ``lambda payload: sign(payload, signing_secret(settings))``), so the page at
``GET /checkout/{token}`` shows exactly what was quoted and refuses any edit. The payload
has the fields :func:`agentpay.checkout.page.render` reads.

The checkout id is derived from the idempotency key, so a repeated call names the same
checkout (the token differs only by ``issued_at``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from agentpay.payments.base import (
    ProviderCheckout,
    Quote,
    quote_metadata,
    utcnow,
    validate_quote,
)


def checkout_id(idempotency_key: str) -> str:
    return f"chk_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]}"


class LocalProvider:
    name = "local"

    def __init__(self, base_url: str, signer: Callable[[dict[str, Any]], str], *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.base_url = base_url.rstrip("/")
        self._signer = signer
        self._clock = clock

    def payload(self, quote: Quote, *, success_url: str, cancel_url: str,
                metadata: dict[str, str], idempotency_key: str) -> dict[str, Any]:
        now = self._clock()
        percent = round(quote.discount_minor * 100 / quote.subtotal_minor, 2) \
            if quote.subtotal_minor else 0
        return {
            "v": 1, "id": checkout_id(idempotency_key), "quote_id": quote.id,
            "organization_id": quote.organization_id,
            "conversation_id": quote.conversation_id,
            "lines": [{"external_id": line.external_id, "name": line.name,
                       "quantity": line.quantity, "unit_price_minor": line.unit_price_minor}
                      for line in quote.lines],
            "subtotal_minor": quote.subtotal_minor, "discount_minor": quote.discount_minor,
            "discount_percent": percent, "total_minor": quote.total_minor,
            "currency": quote.currency, "issued_at": now.isoformat(),
            "expires_at": quote.expires_at.isoformat(),
            "success_url": success_url, "cancel_url": cancel_url,
            "metadata": quote_metadata(quote, metadata),
        }

    def create_checkout(self, quote: Quote, *, success_url: str, cancel_url: str,
                        metadata: dict[str, str], idempotency_key: str) -> ProviderCheckout:
        validate_quote(quote, self._clock(), provider=self.name, require_payment=False)
        payload = self.payload(quote, success_url=success_url, cancel_url=cancel_url,
                               metadata=metadata, idempotency_key=idempotency_key)
        token = self._signer(payload)
        return ProviderCheckout(provider=self.name, id=payload["id"],
                                url=f"{self.base_url}/checkout/{token}",
                                expires_at=quote.expires_at, raw_status="open")
