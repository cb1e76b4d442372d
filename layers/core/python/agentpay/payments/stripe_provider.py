"""Stripe Checkout: one Checkout Session per quote, one line item per quote line.

Wire format (``POST /v1/checkout/sessions``, form-encoded): ``mode=payment``; per line
``line_items[i][price_data][currency|unit_amount|product_data][name]`` and
``line_items[i][quantity]``, so the shopper sees the cart as quoted; ``client_reference_id``
is the quote id; ``metadata`` (and ``payment_intent_data[metadata]``, for refunds and
disputes) carries organization_id, conversation_id and quote_id.

The negotiated discount is a one-time coupon created just before the session
(``POST /v1/coupons``: ``amount_off``, ``currency``, ``duration=once``,
``max_redemptions=1``, ``redeem_by`` = the quote's expiry) and applied with
``discounts[0][coupon]``; no promotion code exists, so nobody can type it elsewhere.

Expiry: Stripe accepts ``expires_at`` only 30 minutes to 24 hours after creation, so the
quote's expiry is clamped into that window (with a 2-minute margin for clock skew). A
clamped bound is rounded to 5-minute steps: Stripe replays an idempotency key only with
identical parameters, and a repeated call seconds later must send the same ones. A quote
that expires sooner than 30 minutes gets a session that outlives it; the coupon still dies
at the quote's expiry.

Retries: the SDK's own (``max_network_retries``), which resend with the same
``Idempotency-Key`` (``{key}:coupon`` and ``{key}:session``), on connection errors,
timeouts, 409 and 5xx. After creation the session's ``amount_total`` must equal the
quote's total, or the checkout is refused (``provider_bad_response``) rather than handed
to a shopper. ``stripe`` is imported on first use (cold start).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from agentpay.payments.base import (
    PaymentError,
    ProviderCheckout,
    Quote,
    derived_key,
    quote_metadata,
    utcnow,
    validate_quote,
)

logger = logging.getLogger(__name__)

MIN_SESSION_LIFETIME = timedelta(minutes=30)
MAX_SESSION_LIFETIME = timedelta(hours=24)
CLOCK_MARGIN = timedelta(minutes=2)
EXPIRY_STEP_SECONDS = 300
COUPON_NAME = "Negotiated discount"  # shown to the shopper; Stripe allows 40 characters


def session_expires_at(quote_expires_at: datetime, now: datetime) -> int:
    """The quote's expiry as a Unix time, clamped into Stripe's 30 min - 24 h window."""
    low = now + MIN_SESSION_LIFETIME + CLOCK_MARGIN
    high = now + MAX_SESSION_LIFETIME - CLOCK_MARGIN
    low_ts = math.ceil(low.timestamp() / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS
    high_ts = math.floor(high.timestamp() / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS
    return min(max(int(quote_expires_at.timestamp()), low_ts), high_ts)


def _is_timeout(exc: BaseException) -> bool:
    """Whether the SDK's connection error was caused by a timeout (the stripe client
    raises APIConnectionError ``from`` the HTTP library's Timeout / ReadTimeout)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, TimeoutError) or "Timeout" in type(cause).__name__:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def map_stripe_error(exc: Exception) -> PaymentError:
    """A ``stripe`` exception as a PaymentError; never includes the API key."""
    import stripe

    status = getattr(exc, "http_status", None)
    detail = getattr(exc, "user_message", None) or str(exc)

    def error(code: str, message: str) -> PaymentError:
        return PaymentError(code, message, provider="stripe", status=status)

    if isinstance(exc, stripe.APIConnectionError):
        if _is_timeout(exc):
            return error("provider_timeout", "Stripe did not answer in time")
        return error("provider_unavailable", "could not reach Stripe")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return error("provider_auth", f"Stripe refused the API key (HTTP {status})")
    if isinstance(exc, stripe.RateLimitError):
        return error("provider_rate_limited", f"Stripe rate limit: {detail}")
    if isinstance(exc, stripe.InvalidRequestError | stripe.CardError | stripe.IdempotencyError):
        param = getattr(exc, "param", None)
        where = f" (param {param})" if param else ""
        return error("provider_rejected", f"Stripe rejected the request{where}: {detail}")
    if isinstance(exc, stripe.StripeError):
        if status is not None and status < 500:
            return error("provider_rejected", f"Stripe rejected the request: {detail}")
        return error("provider_unavailable", f"Stripe failed (HTTP {status}): {detail}")
    return error("provider_bad_response", f"unexpected error from the Stripe client: {exc!r}")


class StripeProvider:
    """Hosted Stripe Checkout through the official ``stripe`` package (``StripeClient``)."""

    name = "stripe"

    def __init__(self, api_key: str, *, api_base: str | None = None, timeout: float = 10.0,
                 max_retries: int = 1, clock: Callable[[], datetime] = utcnow) -> None:
        if not api_key:
            raise PaymentError("provider_not_configured", "Stripe needs an API key "
                               "(STRIPE_API_KEY)", provider="stripe")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.api_base = api_base
        self.timeout = timeout
        self.max_retries = max_retries
        self._api_key = api_key
        self._clock = clock
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the key
        return f"<StripeProvider api_base={self.api_base!r}>"

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import stripe

                    options: dict[str, Any] = {}
                    if self.api_base:
                        options["base_addresses"] = {"api": self.api_base}
                    self._client = stripe.StripeClient(
                        self._api_key,
                        max_network_retries=self.max_retries,
                        http_client=stripe.RequestsClient(timeout=self.timeout),
                        **options,
                    )
        return self._client

    def warm(self) -> None:
        """Import the SDK and build the client now (seconds on a cold start)."""
        _ = self.client

    def create_checkout(self, quote: Quote, *, success_url: str, cancel_url: str,
                        metadata: dict[str, str], idempotency_key: str) -> ProviderCheckout:
        now = self._clock()
        validate_quote(quote, now, provider=self.name)
        currency = quote.currency.lower()
        meta = quote_metadata(quote, metadata)
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {"price_data": {"currency": currency, "unit_amount": line.unit_price_minor,
                                "product_data": {"name": line.name}},
                 "quantity": line.quantity}
                for line in quote.lines
            ],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": quote.id,
            "metadata": meta,
            "payment_intent_data": {"metadata": meta},
            "expires_at": session_expires_at(quote.expires_at, now),
        }
        if quote.discount_minor > 0:
            coupon = self._call(
                lambda: self.client.v1.coupons.create(
                    params={"amount_off": quote.discount_minor, "currency": currency,
                            "duration": "once", "max_redemptions": 1,
                            "redeem_by": int(quote.expires_at.timestamp()),
                            "name": COUPON_NAME, "metadata": meta},
                    options={"idempotency_key": derived_key(idempotency_key, "coupon")}))
            params["discounts"] = [{"coupon": coupon.id}]
        session = self._call(
            lambda: self.client.v1.checkout.sessions.create(
                params=params,
                options={"idempotency_key": derived_key(idempotency_key, "session")}))
        amount_total = getattr(session, "amount_total", None)
        if amount_total is not None and amount_total != quote.total_minor:
            logger.error("Stripe session %s totals %s, quote %s says %s", session.id,
                         amount_total, quote.id, quote.total_minor)
            raise PaymentError("provider_bad_response",
                               f"Stripe would charge {amount_total}, the quote says "
                               f"{quote.total_minor}", provider=self.name)
        if not getattr(session, "url", None):
            raise PaymentError("provider_bad_response", "Stripe returned a session without a "
                               "url", provider=self.name)
        expires = getattr(session, "expires_at", None)
        return ProviderCheckout(
            provider=self.name, id=session.id, url=session.url,
            expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
            raw_status=getattr(session, "status", None))

    def _call(self, request: Callable[[], Any]) -> Any:
        import stripe

        try:
            return request()
        except stripe.StripeError as exc:
            raise map_stripe_error(exc) from exc
