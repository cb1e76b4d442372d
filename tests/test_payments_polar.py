"""Polar checkouts: the real ``polar-sdk`` (1.x) client against ``fakes.polar_server``.

No test reaches Polar. The fake answers with complete objects (the SDK deserializes every
answer into strict models), validates bodies roughly as Polar does and answers errors in
Polar's shapes, so these tests check the exact amounts on the wire, the single-use
discount, the metadata limits, our retries and the error mapping.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from agentpay.payments import PaymentError, ProviderCheckout, Quote, QuoteLine
from agentpay.payments.polar_provider import PolarProvider
from fakes.polar_server import FakePolarServer

TOKEN = "polar_oat_payments_fake"
CHECKOUTS = "/v1/checkouts/"
DISCOUNTS = "/v1/discounts/"
SUCCESS_URL = "https://shop.example/thanks?checkout_id={CHECKOUT_ID}"
CANCEL_URL = "https://shop.example/cart"


def make_quote(*, discount: int = 598, lines: tuple[QuoteLine, ...] | None = None) -> Quote:
    lines = lines or (QuoteLine("SHOE-9", "Trail shoe · 9", 2, 1299),
                      QuoteLine("SOCK-1", "Wool socks", 1, 2500))
    subtotal = sum(line.quantity * line.unit_price_minor for line in lines)
    return Quote(id="q_7f3a", organization_id="org_1", conversation_id="conv_1",
                 currency="USD", lines=lines, subtotal_minor=subtotal,
                 discount_minor=discount, total_minor=subtotal - discount,
                 expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1))


@pytest.fixture(scope="module", autouse=True)
def warm_sdk() -> None:
    """Import the SDK once up front: a cold import takes several seconds on this machine."""
    PolarProvider(TOKEN, server_url="http://127.0.0.1:9", product_id="p").warm()


@pytest.fixture(scope="module")
def fake_polar():
    with FakePolarServer(access_token=TOKEN) as server:
        yield server


@pytest.fixture
def server(fake_polar):
    fake_polar.reset()
    return fake_polar


class Sleeps(list):
    """An injected ``sleep`` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def polar(server: FakePolarServer, **kwargs) -> PolarProvider:
    options = {"timeout": 5.0, "max_retries": 0, "product_id": server.product_id,
               "sleep": Sleeps(), "jitter": lambda: 0.0, **kwargs}
    return PolarProvider(options.pop("access_token", TOKEN), server_url=server.base_url,
                         **options)


def checkout(provider: PolarProvider, quote: Quote, key: str = "chk-key-1",
             metadata: dict[str, str] | None = None) -> ProviderCheckout:
    return provider.create_checkout(quote, success_url=SUCCESS_URL, cancel_url=CANCEL_URL,
                                    metadata=metadata or {}, idempotency_key=key)


def test_a_quote_becomes_the_stores_product_at_a_fixed_price_with_a_single_use_discount(
        server):
    # GIVEN a quote for 2 x 12.99 + 1 x 25.00 with a negotiated 5.98 off
    quote = make_quote()

    # WHEN a checkout is created
    result = checkout(polar(server), quote, metadata={"channel": "widget"})

    # THEN a fixed, code-less, single-use discount for exactly 5.98 was created first,
    # ending with the quote and restricted to the store's product
    ids = {"organization_id": "org_1", "conversation_id": "conv_1", "quote_id": "q_7f3a"}
    (discount_body,) = server.bodies(DISCOUNTS)
    assert discount_body == {
        "name": "Negotiated discount", "type": "fixed", "duration": "once", "amount": 598,
        "currency": "usd", "max_redemptions": 1,
        "ends_at": quote.expires_at.isoformat(), "products": [server.product_id],
        "metadata": {"channel": "widget", **ids},
    }
    (discount_id,) = server.discounts

    # AND the checkout sells the store's product at an ad-hoc FIXED price = the subtotal,
    # with that discount locked in
    (body,) = server.bodies(CHECKOUTS)
    assert body["products"] == [server.product_id]
    assert body["prices"] == {server.product_id: [
        {"amount_type": "fixed", "price_amount": 5098, "price_currency": "usd"}]}
    assert body["currency"] == "usd"
    assert body["discount_id"] == discount_id and body["allow_discount_codes"] is False
    assert body["success_url"] == SUCCESS_URL and body["return_url"] == CANCEL_URL
    assert "amount" not in body  # no pay-what-you-want amount the shopper could edit

    # AND the metadata carries the ids, the amounts and the cart's lines
    meta = body["metadata"]
    assert {k: meta[k] for k in (*ids, "channel")} == {"channel": "widget", **ids}
    assert (meta["subtotal_minor"], meta["discount_minor"], meta["total_minor"]) == (
        5098, 598, 4500)
    assert meta["line_count"] == 2 and meta["idempotency_key"] == "chk-key-1"
    assert json.loads(meta["line_1"]) == {"external_id": "SHOE-9", "quantity": 2,
                                          "unit_price_minor": 1299, "name": "Trail shoe · 9"}
    assert json.loads(meta["line_2"])["unit_price_minor"] == 2500

    # AND the SDK spoke API version 2026-10 with the token
    for request in server.requests:
        assert request.headers["polar-version"] == "2026-10"
        assert request.authorization == f"Bearer {TOKEN}"

    # AND Polar nets exactly the quoted total; the result points at the checkout
    created = server.checkouts[result.id]
    assert (created["amount"], created["discount_amount"], created["net_amount"]) == (
        5098, 598, 4500)
    assert result.provider == "polar" and result.url == created["url"]
    assert result.raw_status == "open"
    assert result.expires_at is not None and result.expires_at.tzinfo is not None
    assert result.expires_at - datetime.now(UTC) > timedelta(minutes=50)


def test_without_a_discount_no_discount_is_created(server):
    # GIVEN a quote without a discount
    result = checkout(polar(server), make_quote(discount=0))

    # THEN only the checkout was posted, without discount, for the full subtotal
    assert server.bodies(DISCOUNTS) == []
    (body,) = server.bodies(CHECKOUTS)
    assert "discount_id" not in body
    assert server.checkouts[result.id]["net_amount"] == 5098


def test_a_large_cart_keeps_the_metadata_within_polars_limits(server):
    # GIVEN a 60-line cart whose names are very long
    lines = tuple(QuoteLine(f"SKU-{i}", "Handmade ceramic mug " * 40, 1, 1000)
                  for i in range(60))

    # WHEN a checkout is created (the fake refuses more than 50 pairs or 500-char values)
    checkout(polar(server), make_quote(discount=0, lines=lines))

    # THEN as many lines as fit are listed, truncated, and the rest are counted
    meta = server.bodies(CHECKOUTS)[0]["metadata"]
    assert len(meta) == 50
    listed = [k for k in meta if k.startswith("line_") and k != "line_count"]
    assert meta["line_count"] == 60 and meta["lines_omitted"] == 60 - len(listed)
    assert all(len(meta[k]) <= 500 for k in listed)
    assert json.loads(meta["line_1"])["external_id"] == "SKU-0"


def test_a_validation_error_is_provider_rejected_and_not_retried(server):
    # GIVEN a product id the organization does not have, and retries allowed
    provider = polar(server, product_id="00000000-0000-4000-8000-000000000000", max_retries=2)

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(provider, make_quote(discount=0))

    # THEN Polar's 422 is a non-retryable rejection naming the field, sent once
    assert caught.value.code == "provider_rejected" and caught.value.retryable is False
    assert caught.value.status == 422
    assert "body.products.0: Product does not exist." in caught.value.message
    assert len(server.requests) == 1


def test_a_persistent_5xx_is_retried_with_backoff_then_provider_unavailable(server):
    # GIVEN two retries allowed and a Polar that keeps failing
    server.fail_next(5, status=500)
    provider = polar(server, max_retries=2)

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(provider, make_quote(discount=0))

    # THEN exactly 1 + 2 attempts with growing backoff, and a retryable "unavailable"
    assert caught.value.code == "provider_unavailable" and caught.value.retryable is True
    assert caught.value.provider == "polar" and caught.value.status == 500
    assert len(server.requests_to(CHECKOUTS)) == 3
    assert provider._sleep == [0.25, 0.5]


def test_a_checkout_retried_after_a_5xx_reuses_the_discount(server):
    # GIVEN one retry allowed and a checkout endpoint that fails once
    server.fail_next(1, status=502, paths=[CHECKOUTS])

    # WHEN a discounted checkout is created
    result = checkout(polar(server, max_retries=1), make_quote())

    # THEN one discount was created and both checkout attempts carried it
    assert len(server.bodies(DISCOUNTS)) == 1
    attempts = server.bodies(CHECKOUTS)
    assert len(attempts) == 2 and attempts[0] == attempts[1]
    assert server.checkouts[result.id]["discount_id"] == next(iter(server.discounts))


def test_a_429_honours_retry_after_within_bounds(server):
    # GIVEN a rate limit asking for 2 s once, and one retry allowed
    server.fail_next(1, status=429, headers={"Retry-After": "2"})
    provider = polar(server, max_retries=1)

    # WHEN a checkout is created, THEN it waited as asked and succeeded
    checkout(provider, make_quote(discount=0))
    assert provider._sleep == [2.0]

    # AND GIVEN a rate limit asking for a minute, WHEN asked, THEN no waiting: an error
    server.fail_next(1, status=429, headers={"Retry-After": "60"})
    provider = polar(server, max_retries=1)
    with pytest.raises(PaymentError) as caught:
        checkout(provider, make_quote(discount=0))
    assert caught.value.code == "provider_rate_limited" and caught.value.retryable is True
    assert provider._sleep == []


def test_a_hanging_polar_is_provider_timeout(server):
    # GIVEN a server that holds the request for 8 s and a 1 s client timeout
    server.hang_next(1, seconds=8)
    started = time.monotonic()

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(polar(server, timeout=1.0), make_quote(discount=0))

    # THEN a retryable timeout, well before the server would have answered
    assert caught.value.code == "provider_timeout" and caught.value.retryable is True
    assert time.monotonic() - started < 6


def test_a_wrong_token_is_provider_auth_and_the_token_is_not_in_the_error(server):
    # GIVEN a token Polar does not know
    token = "polar_oat_wrong_0123456789"

    # WHEN a checkout is created
    with pytest.raises(PaymentError) as caught:
        checkout(polar(server, access_token=token), make_quote())

    # THEN an auth error that does not repeat the token
    assert caught.value.code == "provider_auth" and caught.value.retryable is False
    assert caught.value.status == 401
    assert token not in str(caught.value) and token not in repr(caught.value)
    assert token not in repr(polar(server, access_token=token))


def test_a_checkout_whose_net_amount_differs_from_the_quote_is_refused(server):
    # GIVEN Polar answers with a checkout netting another amount than the quote's total
    provider = polar(server)
    real = server.checkouts[checkout(provider, make_quote(discount=0), key="a").id]
    server.fail_next(1, status=201, body={**real, "net_amount": 1}, paths=[CHECKOUTS])

    # WHEN a checkout is created, THEN it is refused rather than handed to a shopper
    with pytest.raises(PaymentError) as caught:
        checkout(provider, make_quote(discount=0), key="b")
    assert caught.value.code == "provider_bad_response"


def test_an_answer_the_sdk_cannot_read_is_provider_bad_response(server):
    # GIVEN Polar answers 201 with an object missing required fields
    server.fail_next(1, status=201, body={"id": "x", "url": "https://polar.sh"},
                     paths=[CHECKOUTS])

    # WHEN a checkout is created, THEN a non-retryable bad response
    with pytest.raises(PaymentError) as caught:
        checkout(polar(server, max_retries=2), make_quote(discount=0))
    assert caught.value.code == "provider_bad_response" and caught.value.retryable is False
    assert len(server.requests) == 1


@pytest.mark.parametrize("options", [
    {"access_token": ""}, {"product_id": ""}, {"server": "staging"},
], ids=["no-token", "no-product", "unknown-server"])
def test_a_provider_without_its_configuration_is_refused(options):
    settings = {"access_token": TOKEN, "product_id": "prod_1", **options}
    with pytest.raises(PaymentError) as caught:
        PolarProvider(settings.pop("access_token"), **settings)
    assert caught.value.code == "provider_not_configured"
