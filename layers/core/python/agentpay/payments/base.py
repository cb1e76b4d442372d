"""One shape for every payment provider: a signed quote in, a hosted checkout out.

Why a quote and not a cart: the caller builds the quote server-side from the catalog and
the conversation's recorded offer, and signs it; a provider only turns those numbers into
a checkout and never re-prices. Every provider re-checks that the numbers add up
(:func:`validate_quote`) so a bug upstream fails loudly instead of charging a wrong amount.

Errors: providers raise :class:`PaymentError` with a machine-readable ``code`` (see
``CODES``) and ``retryable``; raw SDK messages stay in the message for the logs, and no
error ever carries an API key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

# code -> retryable by default
CODES: dict[str, bool] = {
    "provider_unavailable": True,  # 5xx, connection refused/reset
    "provider_timeout": True,  # no answer within the timeout
    "provider_rate_limited": True,  # 429
    "provider_rejected": False,  # 4xx validation / declined: the request itself is wrong
    "provider_auth": False,  # bad, revoked or under-scoped key
    "provider_bad_response": False,  # an answer we cannot use (or amounts that disagree)
    "provider_not_configured": False,  # no key / product for the chosen provider
    "payments_not_configured": False,  # the store chose no provider that can take money here
    "invalid_quote": False,  # the quote's numbers do not add up, or it has expired
}


@dataclass(frozen=True)
class QuoteLine:
    external_id: str
    name: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True)
class Quote:
    """Built and signed server-side by the caller; never from a model."""

    id: str
    organization_id: str
    conversation_id: str
    currency: str
    lines: tuple[QuoteLine, ...]
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    expires_at: datetime


@dataclass(frozen=True)
class ProviderCheckout:
    provider: str
    id: str
    url: str
    expires_at: datetime | None
    raw_status: str | None = None


class PaymentError(Exception):
    """A provider call failed. ``code`` is one of ``CODES``; ``retryable`` says whether the
    same call may succeed later; ``status`` is the provider's HTTP status when there was one."""

    def __init__(self, code: str, message: str | None = None, *, retryable: bool | None = None,
                 provider: str | None = None, status: int | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.retryable = CODES.get(code, False) if retryable is None else retryable
        self.provider = provider
        self.status = status

    def __repr__(self) -> str:
        return (f"PaymentError(code={self.code!r}, retryable={self.retryable}, "
                f"provider={self.provider!r}, status={self.status!r}, message={self.message!r})")


@runtime_checkable
class CheckoutProvider(Protocol):
    name: str

    def create_checkout(self, quote: Quote, *, success_url: str, cancel_url: str,
                        metadata: dict[str, str], idempotency_key: str) -> ProviderCheckout: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


def validate_quote(quote: Quote, now: datetime, *, provider: str | None = None,
                   require_payment: bool = True) -> None:
    """Refuse a quote whose numbers do not add up, or that has expired."""

    def refuse(reason: str) -> PaymentError:
        return PaymentError("invalid_quote", f"quote {quote.id}: {reason}", provider=provider)

    if not quote.lines:
        raise refuse("no lines")
    if not (isinstance(quote.currency, str) and len(quote.currency) == 3
            and quote.currency.isalpha()):
        raise refuse(f"currency {quote.currency!r} is not an ISO 4217 code")
    for line in quote.lines:
        if not isinstance(line.quantity, int) or line.quantity < 1:
            raise refuse(f"line {line.external_id}: quantity must be a positive integer")
        if not isinstance(line.unit_price_minor, int) or line.unit_price_minor < 0:
            raise refuse(f"line {line.external_id}: unit price must be a non-negative integer")
        if not line.name.strip():
            raise refuse(f"line {line.external_id}: no name")
    subtotal = sum(line.quantity * line.unit_price_minor for line in quote.lines)
    if quote.subtotal_minor != subtotal:
        raise refuse(f"subtotal {quote.subtotal_minor} != sum of lines {subtotal}")
    if not isinstance(quote.discount_minor, int) or not 0 <= quote.discount_minor <= subtotal:
        raise refuse(f"discount {quote.discount_minor} outside 0..{subtotal}")
    if quote.total_minor != subtotal - quote.discount_minor:
        raise refuse(f"total {quote.total_minor} != subtotal - discount")
    if require_payment and quote.total_minor <= 0:
        raise refuse("nothing to pay")
    if quote.expires_at.tzinfo is None:
        raise refuse("expires_at has no time zone")
    if quote.expires_at <= now:
        raise refuse("expired")


def quote_metadata(quote: Quote, metadata: Mapping[str, str] | None) -> dict[str, str]:
    """The caller's metadata plus the quote's identifiers (which always win)."""
    merged = {str(k): str(v) for k, v in (metadata or {}).items()}
    merged.update({"organization_id": quote.organization_id,
                   "conversation_id": quote.conversation_id, "quote_id": quote.id})
    return merged


def derived_key(idempotency_key: str, suffix: str, limit: int = 255) -> str:
    """``{key}:{suffix}``, hashed when it would exceed the provider's length limit."""
    if not idempotency_key:
        raise ValueError("an idempotency key is required")
    key = f"{idempotency_key}:{suffix}"
    if len(key) <= limit:
        return key
    return f"{hashlib.sha256(idempotency_key.encode()).hexdigest()}:{suffix}"
