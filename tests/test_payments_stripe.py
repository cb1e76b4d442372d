"""Stripe Checkout: the real ``stripe`` client against ``fakes.stripe_server``.

No test reaches Stripe. The fake decodes the client's form encoding, validates requests
roughly as Stripe does and answers in Stripe's shapes, so these tests check the exact
amounts on the wire, the idempotency keys, the SDK's retries and the error mapping.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from agentpay.payments import PaymentError, ProviderCheckout, Quote, QuoteLine
from agentpay.payments.stripe_provider import StripeProvider, session_expires_at
from fakes.stripe_server import FakeStripeServer

API_KEY = "sk_test_payments_fake"
SESSIONS = "/v1/checkout/sessions"
COUPONS = "/v1/coupons"
SUCCESS_URL = "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://shop.example/cart"


def make_quote(*, discount: int = 598, expires_in: timedelta = timedelta(hours=1),
               lines: tuple[QuoteLine, ...] | None = None) -> Quote:
    lines = lines or (QuoteLine("SHOE-9", "Trail shoe · 9", 2, 1299),
                      QuoteLine("SOCK-1", "Wool socks", 1, 2500))
    subtotal = sum(line.quantity * line.unit_price_minor for line in lines)
    return Quote(id="q_7f3a", organization_id="org_1", conversation_id="conv_1",
                 currency="USD", lines=lines, subtotal_minor=subtotal,
                 discount_minor=discount, total_minor=subtotal - discount,
                 expires_at=datetime.now(UTC).replace(microsecond=0) + expires_in)


@pytest.fixture(scope="module", autouse=True)
def warm_sdk() -> None:
    """Import the SDK once up front: a cold import takes seconds on this machine."""
    StripeProvider(API_KEY, api_base="http://127.0.0.1:9").warm()


@pytest.fixture(scope="module")
def fake_stripe():
    with FakeStripeServer(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def server(fake_stripe):
    fake_stripe.reset()
    return fake_stripe


def stripe(server: FakeStripeServer, **kwargs) -> StripeProvider:
    options = {"timeout": 5.0, "max_retries": 0, **kwargs}
    return StripeProvider(options.pop("api_key", API_KEY), api_base=server.base_url, **options)


def checkout(provider: StripeProvider, quote: Quote, key: str = "chk-key-1",
             metadata: dict[str, str] | None = None) -> ProviderCheckout:
    return provider.create_checkout(quote, success_url=SUCCESS_URL, cancel_url=CANCEL_URL,
                                    metadata=metadata or {}, idempotency_key=key)


def test_a_quote_becomes_one_session_with_a_line_per_quote_line_and_a_one_time_coupon(server):
    # GIVEN a quote for 2 x 12.99 + 1 x 25.00 with a negotiated 5.98 off
    quote = make_quote()

    # WHEN a checkout is created
    result = checkout(stripe(server), quote, metadata={"channel": "widget"})

    # THEN a one-time coupon for exactly the discount came first, expiring with the quote
    (coupon,) = server.forms(COUPONS)
    assert coupon["amount_off"] == "598" and coupon["currency"] == "usd"
    assert coupon["duration"] == "once" and coupon["max_redemptions"] == "1"
    assert coupon["redeem_by"] == str(int(quote.expires_at.timestamp()))
    coupon_id = next(iter(server.coupons))

    # AND the session has one line item per quote line, with exact unit amounts
    (form,) = server.forms(SESSIONS)
    assert form["mode"] == "payment"
    assert form["line_items"] == [
        {"price_data": {"currency": "usd", "unit_amount": "1299",
                        "product_data": {"name": "Trail shoe · 9"}}, "quantity": "2"},
        {"price_data": {"currency": "usd", "unit_amount": "2500",
                        "product_data": {"name": "Wool socks"}}, "quantity": "1"},
    ]
    assert form["discounts"] == [{"coupon": coupon_id}]
    assert form["client_reference_id"] == "q_7f3a"
    ids = {"organization_id": "org_1", "conversation_id": "conv_1", "quote_id": "q_7f3a"}
    assert form["metadata"] == {"channel": "widget", **ids}
    assert form["payment_intent_data"]["metadata"] == {"channel": "widget", **ids}
    assert form["expires_at"] == str(int(quote.expires_at.timestamp()))
    assert form["success_url"] == SUCCESS_URL and form["cancel_url"] == CANCEL_URL

    # AND each POST carried its own idempotency key derived from the caller's
    assert [r.idempotency_key for r in server.requests] == ["chk-key-1:coupon",
                                                            "chk-key-1:session"]
    assert all(r.authorization == f"Bearer {API_KEY}" for r in server.requests)

    # AND Stripe charges exactly the quoted total; the result points at the session
    session = server.sessions[result.id]
    assert session["amount_subtotal"] == 5098 and session["amount_total"] == 4500
    assert result == ProviderCheckout(provider="stripe", id=session["id"], url=session["url"],
                                      expires_at=quote.expires_at, raw_status="open")


def test_without_a_discount_no_coupon_is_created(server):
    # GIVEN a quote without a discount
    quote = make_quote(discount=0)

    # WHEN a checkout is created
    result = checkout(stripe(server), quote)

    # THEN only the session was posted, without discounts, for the full subtotal
    assert server.forms(COUPONS) == []
    (form,) = server.forms(SESSIONS)
    assert "discounts" not in form
    assert server.sessions[result.id]["amount_total"] == quote.subtotal_minor == 5098


@pytest.mark.parametrize(("expires_in", "expected"), [
    (timedelta(hours=1), timedelta(hours=1)),  # inside the window: exactly the quote's
    (timedelta(minutes=10), timedelta(minutes=35)),  # 30 min + 2 min margin, 5-min step
    (timedelta(days=3), timedelta(hours=23, minutes=55)),  # 24 h - 2 min, 5-min step
])
def test_the_session_expiry_is_the_quotes_clamped_into_stripes_window(expires_in, expected):
    # GIVEN a moment on a 5-minute boundary and a quote expiring some time after it
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    # WHEN the session's expiry is computed, THEN it is clamped into 30 min .. 24 h
    assert session_expires_at(now + expires_in, now) == int((now + expected).timestamp())


def test_a_quote_expiring_soon_still_gets_a_session_stripe_accepts(server):
    # GIVEN a quote that expires in 10 minutes (Stripe refuses sessions under 30 minutes)
    quote = make_quote(expires_in=timedelta(minutes=10))

    # WHEN a checkout is created
    result = checkout(stripe(server), quote)

    # THEN the session lives at least 30 minutes, while the coupon dies with the quote
    assert result.expires_at - datetime.now(UTC) >= timedelta(minutes=30)
    (coupon,) = server.forms(COUPONS)
    assert coupon["redeem_by"] == str(int(quote.expires_at.timestamp()))


def test_the_same_idempotency_key_replays_the_same_session(server):
    # GIVEN a checkout already created for a quote
    provider = stripe(server)
    quote = make_quote()  # one quote: a second one made later would carry another expiry
    first = checkout(provider, quote, key="same-key")

    # WHEN the caller repeats the call with the same key (a retried Lambda, a double click)
    second = checkout(provider, quote, key="same-key")

    # THEN Stripe replays both answers: one coupon and one session exist
    assert second.id == first.id and second.url == first.url
    assert len(server.coupons) == 1 and len(server.sessions) == 1
    assert len(server.requests) == 4


def test_a_request_stripe_rejects_is_provider_rejected_and_not_retried(server):
    # GIVEN a quote below Stripe's minimum charge (0.30 USD), and retries allowed
    quote = make_quote(discount=0, lines=(QuoteLine("PIN", "Pin", 1, 30),))

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(stripe(server, max_retries=2), quote)

    # THEN Stripe's 400 is a non-retryable rejection, sent once
    assert caught.value.code == "provider_rejected" and caught.value.retryable is False
    assert caught.value.status == 400 and "at least 0.50 usd" in caught.value.message
    assert len(server.requests_to(SESSIONS)) == 1


def test_a_coupon_stripe_rejects_stops_before_the_session(server):
    # GIVEN Stripe refuses the coupon
    server.fail_next(1, status=400, paths=[COUPONS])

    # WHEN a discounted checkout is created, THEN it fails and no session is attempted
    with pytest.raises(PaymentError) as caught:
        checkout(stripe(server), make_quote())
    assert caught.value.code == "provider_rejected"
    assert server.requests_to(SESSIONS) == []


def test_a_5xx_is_retried_by_the_sdk_with_the_same_idempotency_key(server):
    # GIVEN one retry allowed and a session endpoint that fails once
    server.fail_next(1, status=500, paths=[SESSIONS])

    # WHEN a checkout is created
    result = checkout(stripe(server, max_retries=1), make_quote(discount=0), key="k-retry")

    # THEN the retry succeeded, with the same key on both attempts
    attempts = server.requests_to(SESSIONS)
    assert [r.idempotency_key for r in attempts] == ["k-retry:session"] * 2
    assert attempts[0].body == attempts[1].body
    assert result.id in server.sessions


def test_a_persistent_5xx_is_provider_unavailable_after_bounded_retries(server):
    # GIVEN one retry allowed and a Stripe that keeps failing
    server.fail_next(5, status=503)

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(stripe(server, max_retries=1), make_quote(discount=0))

    # THEN exactly 1 + 1 attempts, and a retryable "unavailable"
    assert caught.value.code == "provider_unavailable" and caught.value.retryable is True
    assert caught.value.provider == "stripe" and caught.value.status == 503
    assert len(server.requests_to(SESSIONS)) == 2


def test_a_hanging_stripe_is_provider_timeout(server):
    # GIVEN a server that holds the request for 8 s and a 1 s client timeout
    server.hang_next(1, seconds=8)
    started = time.monotonic()

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(stripe(server, timeout=1.0), make_quote(discount=0))

    # THEN a retryable timeout, well before the server would have answered
    assert caught.value.code == "provider_timeout" and caught.value.retryable is True
    assert time.monotonic() - started < 6


def test_a_wrong_key_is_provider_auth_and_the_key_is_not_in_the_error(server):
    # GIVEN a key Stripe does not know
    secret_key = "sk_test_wrong_key_123456"

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(stripe(server, api_key=secret_key), make_quote())

    # THEN an auth error that does not repeat the key
    assert caught.value.code == "provider_auth" and caught.value.retryable is False
    assert secret_key not in str(caught.value) and secret_key not in repr(caught.value)
    assert secret_key not in repr(stripe(server, api_key=secret_key))


@pytest.mark.parametrize(("status", "code", "retryable"), [
    (400, "provider_rejected", False),
    (402, "provider_rejected", False),
    (403, "provider_auth", False),
    (429, "provider_rate_limited", True),
])
def test_stripe_error_statuses_map_to_payment_codes(server, status, code, retryable):
    # GIVEN Stripe answers the session request with this status (Stripe's error body)
    server.fail_next(1, status=status, paths=[SESSIONS])

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(stripe(server), make_quote(discount=0))

    # THEN the error has the matching code and retryability
    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert caught.value.status == status


def test_a_session_whose_total_differs_from_the_quote_is_refused(server):
    # GIVEN Stripe answers with a session charging another amount than the quote's total
    provider = stripe(server)
    real = server.sessions[checkout(provider, make_quote(discount=0), key="a").id]
    server.fail_next(1, status=200, body={**real, "amount_total": 1}, paths=[SESSIONS])

    # WHEN a checkout is created, THEN it is refused rather than handed to a shopper
    with pytest.raises(PaymentError) as caught:
        checkout(provider, make_quote(discount=0), key="b")
    assert caught.value.code == "provider_bad_response"


@pytest.mark.parametrize("broken", [
    lambda q: replace(q, subtotal_minor=q.subtotal_minor + 1),
    lambda q: replace(q, total_minor=q.total_minor - 100),
    lambda q: replace(q, discount_minor=q.subtotal_minor, total_minor=0),
    lambda q: replace(q, expires_at=datetime.now(UTC) - timedelta(seconds=1)),
    lambda q: replace(q, lines=()),
    lambda q: replace(q, currency="dollars"),
], ids=["subtotal", "total", "nothing-to-pay", "expired", "no-lines", "currency"])
def test_a_quote_that_does_not_add_up_is_refused_before_any_request(server, broken):
    # GIVEN a quote whose numbers are inconsistent (or that has expired)
    quote = broken(make_quote())

    # WHEN a checkout is created, THEN it is refused locally and Stripe never hears of it
    with pytest.raises(PaymentError) as caught:
        checkout(stripe(server), quote)
    assert caught.value.code == "invalid_quote" and caught.value.retryable is False
    assert server.requests == []


def test_a_missing_key_is_provider_not_configured():
    with pytest.raises(PaymentError) as caught:
        StripeProvider("")
    assert caught.value.code == "provider_not_configured"
