"""Polar checkouts for a store's cart, through the official ``polar-sdk`` (1.x, API 2026-10).

The design choice: Polar sells products, and a checkout session buys ONE product (the
``products`` list is a menu the shopper picks from, not a cart). So each store configures
ONE Polar product (``POLAR_PRODUCT_ID``, or ``payments.polar_product_id`` in the
organization's settings) that stands for "your order", and every checkout gives it an
ad-hoc FIXED price equal to the quote's subtotal (``prices={product_id: [{"amount_type":
"fixed", "price_amount": subtotal, "price_currency": currency}]}``). The cart's lines travel
in the checkout's metadata (``line_1`` .. ``line_n``, compact JSON, within Polar's limits of
50 pairs and 500 characters a value), with organization_id, conversation_id, quote_id and
the amounts; Polar copies checkout metadata onto the order, so webhooks can reconcile.

Why a fixed ad-hoc price and not the product's pay-what-you-want price with a preset
``amount``: a custom price lets the shopper edit the amount on Polar's page (the public
checkout update accepts ``amount``) down to the product's minimum; a fixed price cannot be
changed by the shopper.

The negotiated discount is created server-side just before the checkout
(``POST /v1/discounts/``): type ``fixed``, ``amount`` = discount_minor, ``currency``,
``duration="once"``, ``max_redemptions=1``, ``ends_at`` = the quote's expiry, NO code (so
it can only be applied through the API) and restricted to the store's product; the
checkout gets its ``discount_id`` with ``allow_discount_codes=False``.

Polar has no idempotency keys. A failed call is retried here (bounded, with backoff, the
``Retry-After`` of a 429 honoured up to ``MAX_RETRY_AFTER_SECONDS``); a retry after a lost
answer may leave an unused checkout or discount behind, which is harmless: each is
single-use, expires, and nothing is charged until the shopper pays. The idempotency key is
recorded in the checkout's metadata for reconciliation. After creation the checkout's
``net_amount`` (after discount, before tax; Polar adds tax as merchant of record) must equal
the quote's total. ``polar`` is imported on first use: its import takes seconds.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from agentpay.payments.base import (
    PaymentError,
    ProviderCheckout,
    Quote,
    QuoteLine,
    quote_metadata,
    utcnow,
    validate_quote,
)

logger = logging.getLogger(__name__)

SERVERS = ("sandbox", "production")
DISCOUNT_NAME = "Negotiated discount"  # shown to the shopper on Polar's checkout page
MAX_METADATA_PAIRS = 50
MAX_METADATA_VALUE = 500
MAX_RETRY_AFTER_SECONDS = 10.0


def _line_value(line: QuoteLine) -> str:
    """One cart line as compact JSON within Polar's 500-character metadata value limit."""
    item = {"external_id": line.external_id[:120], "quantity": line.quantity,
            "unit_price_minor": line.unit_price_minor, "name": line.name}
    text = json.dumps(item, separators=(",", ":"), ensure_ascii=False)
    while len(text) > MAX_METADATA_VALUE and item["name"]:
        item["name"] = item["name"][:-(len(text) - MAX_METADATA_VALUE)]
        text = json.dumps(item, separators=(",", ":"), ensure_ascii=False)
    return text


def checkout_metadata(quote: Quote, metadata: dict[str, str] | None,
                      idempotency_key: str) -> dict[str, str | int]:
    """Ids, amounts and as many cart lines as fit in 50 pairs (the rest are counted)."""
    meta: dict[str, str | int] = dict(quote_metadata(quote, metadata))
    meta.update({"currency": quote.currency.lower(), "subtotal_minor": quote.subtotal_minor,
                 "discount_minor": quote.discount_minor, "total_minor": quote.total_minor,
                 "line_count": len(quote.lines),
                 "idempotency_key": idempotency_key[:MAX_METADATA_VALUE]})
    room = MAX_METADATA_PAIRS - len(meta)
    fits = len(quote.lines) if len(quote.lines) <= room else max(0, room - 1)
    for index, line in enumerate(quote.lines[:fits], start=1):
        meta[f"line_{index}"] = _line_value(line)
    if fits < len(quote.lines):
        meta["lines_omitted"] = len(quote.lines) - fits
    return meta


def _is_timeout(exc: BaseException) -> bool:
    import httpx

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, httpx.TimeoutException | TimeoutError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _validation_summary(error: Any) -> str:
    """'body.products.0: Product does not exist.; ...' from an HTTPValidationError model."""
    details = getattr(error, "detail", None) or []
    parts = []
    for item in details[:5]:
        loc = ".".join(str(p) for p in (getattr(item, "loc", None) or []))
        parts.append(f"{loc}: {getattr(item, 'msg', '')}".strip(": "))
    return "; ".join(parts) or "validation error"


def map_polar_error(exc: Exception) -> PaymentError:
    """A ``polar`` SDK exception as a PaymentError; never includes the access token."""
    from polar.base import (
        PolarClientError,
        PolarDeserializationError,
        PolarNetworkError,
        PolarRateLimitError,
        PolarServerError,
    )
    from polar.v2026_10.errors import HTTPValidationError

    status = getattr(exc, "status_code", None)

    def error(code: str, message: str) -> PaymentError:
        return PaymentError(code, message, provider="polar", status=status)

    if isinstance(exc, PolarNetworkError):
        if _is_timeout(exc):
            return error("provider_timeout", "Polar did not answer in time")
        return error("provider_unavailable", "could not reach Polar")
    if isinstance(exc, PolarServerError):
        return error("provider_unavailable", f"Polar failed (HTTP {status})")
    if isinstance(exc, PolarRateLimitError):
        return error("provider_rate_limited", "Polar rate limit")
    if isinstance(exc, HTTPValidationError):
        return error("provider_rejected",
                     f"Polar rejected the request: {_validation_summary(exc.error)}")
    if isinstance(exc, PolarClientError):
        if status in (401, 403):
            return error("provider_auth", f"Polar refused the access token (HTTP {status})")
        detail = getattr(exc.error, "detail", None) or str(exc.error)[:300]
        return error("provider_rejected", f"Polar rejected the request (HTTP {status}): "
                                          f"{detail}")
    if isinstance(exc, PolarDeserializationError):
        return error("provider_bad_response", f"Polar's answer did not match the SDK's "
                                              f"models: {exc.error}")
    return error("provider_bad_response", f"unexpected error from the Polar client: {exc!r}")


class PolarProvider:
    """Hosted Polar checkout for one quote: the store's product at an ad-hoc fixed price."""

    name = "polar"

    def __init__(self, access_token: str, *, server: str = "sandbox",
                 server_url: str | None = None, product_id: str, timeout: float = 10.0,
                 max_retries: int = 1, backoff_base: float = 0.5, backoff_max: float = 4.0,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random,
                 clock: Callable[[], datetime] = utcnow) -> None:
        if not access_token:
            raise PaymentError("provider_not_configured", "Polar needs an access token "
                               "(POLAR_ACCESS_TOKEN)", provider="polar")
        if not product_id:
            raise PaymentError("provider_not_configured", "Polar needs the store's product id "
                               "(POLAR_PRODUCT_ID)", provider="polar")
        if server not in SERVERS:
            raise PaymentError("provider_not_configured", f"POLAR_SERVER must be one of "
                               f"{', '.join(SERVERS)}, not {server!r}", provider="polar")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.server = server
        self.server_url = server_url
        self.product_id = product_id
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._access_token = access_token
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the token
        return (f"<PolarProvider server={self.server!r} server_url={self.server_url!r} "
                f"product_id={self.product_id!r}>")

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    from polar.v2026_10 import Polar

                    self._client = Polar(self._access_token, environment=self.server,
                                         base_url=self.server_url, timeout=self.timeout)
        return self._client

    def warm(self) -> None:
        """Import the SDK and build the client now (seconds on a cold start)."""
        _ = self.client
        import polar.v2026_10.errors  # noqa: F401

    def create_checkout(self, quote: Quote, *, success_url: str, cancel_url: str,
                        metadata: dict[str, str], idempotency_key: str) -> ProviderCheckout:
        validate_quote(quote, self._clock(), provider=self.name)
        currency = quote.currency.lower()
        discount_id = None
        if quote.discount_minor > 0:
            discount = self._call(lambda: self.client.discounts.create(
                name=DISCOUNT_NAME, type="fixed", duration="once",
                amount=quote.discount_minor, currency=currency, max_redemptions=1,
                ends_at=quote.expires_at.astimezone(UTC).isoformat(),
                products=[self.product_id], metadata=quote_metadata(quote, metadata)))
            discount_id = discount.id
        request: dict[str, Any] = {
            "products": [self.product_id],
            "prices": {self.product_id: [{"amount_type": "fixed",
                                          "price_amount": quote.subtotal_minor,
                                          "price_currency": currency}]},
            "currency": currency,
            "allow_discount_codes": False,
            "success_url": success_url,
            "return_url": cancel_url,
            "metadata": checkout_metadata(quote, metadata, idempotency_key),
        }
        if discount_id:
            request["discount_id"] = discount_id
        checkout = self._call(lambda: self.client.checkouts.create(**request))
        if checkout.net_amount != quote.total_minor:
            logger.error("Polar checkout %s nets %s, quote %s says %s", checkout.id,
                         checkout.net_amount, quote.id, quote.total_minor)
            raise PaymentError("provider_bad_response",
                               f"Polar would charge {checkout.net_amount} before tax, the "
                               f"quote says {quote.total_minor}", provider=self.name)
        expires = datetime.fromisoformat(checkout.expires_at) if checkout.expires_at else None
        return ProviderCheckout(provider=self.name, id=checkout.id, url=checkout.url,
                                expires_at=expires, raw_status=checkout.status)

    def _backoff(self, attempt: int) -> float:
        """Exponential with 'equal jitter': half fixed, half random, capped."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + self._jitter() * ceiling / 2

    def _call(self, request: Callable[[], Any]) -> Any:
        from polar.base import PolarError, PolarRateLimitError

        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return request()
            except PolarError as exc:
                error = map_polar_error(exc)
                retry_after = (exc.retry_after if isinstance(exc, PolarRateLimitError)
                               else None)
                if (not error.retryable or attempt == attempts
                        or (retry_after or 0) > MAX_RETRY_AFTER_SECONDS):
                    raise error from exc
                delay = self._backoff(attempt) if retry_after is None else float(retry_after)
                logger.warning("Polar call failed (%s); retry %d/%d in %.2fs", error.code,
                               attempt, self.max_retries, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
