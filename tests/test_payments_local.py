"""The local provider (signed links to our own checkout page) and the provider factory."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentpay.checkout.links import InvalidCheckout, sign, verify
from agentpay.checkout.page import render
from agentpay.config import Settings
from agentpay.payments import PaymentError, Quote, QuoteLine, provider_for, reset_providers
from agentpay.payments.local_provider import LocalProvider
from agentpay.payments.polar_provider import PolarProvider
from agentpay.payments.stripe_provider import StripeProvider

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"s" * 32
BASE_URL = "https://api.shop.example/prod"
PAYMENT_ENV = ("STRIPE_API_KEY", "STRIPE_API_BASE", "POLAR_ACCESS_TOKEN", "POLAR_SERVER",
               "POLAR_SERVER_URL", "POLAR_PRODUCT_ID")


def make_quote(*, discount: int = 598, expires_in: timedelta = timedelta(hours=1)) -> Quote:
    lines = (QuoteLine("SHOE-9", "Trail <b>shoe</b>", 2, 1299),
             QuoteLine("SOCK-1", "Wool socks", 1, 2500))
    return Quote(id="q_7f3a", organization_id="org_1", conversation_id="conv_1",
                 currency="USD", lines=lines, subtotal_minor=5098, discount_minor=discount,
                 total_minor=5098 - discount,
                 expires_at=datetime.now(UTC).replace(microsecond=0) + expires_in)


def local() -> LocalProvider:
    return LocalProvider(BASE_URL + "/", lambda payload: sign(payload, SECRET))


def create(provider, quote: Quote, key: str = "chk-key-1"):
    return provider.create_checkout(quote, success_url="https://shop.example/thanks",
                                    cancel_url="https://shop.example/cart",
                                    metadata={"channel": "widget"}, idempotency_key=key)


@pytest.fixture
def clean_env(monkeypatch):
    for name in PAYMENT_ENV:
        monkeypatch.delenv(name, raising=False)
    reset_providers()
    yield monkeypatch
    reset_providers()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(checkout_secret="k" * 40, public_base_url=BASE_URL, data_dir=tmp_path)


# --------------------------------------------------------------------------- local


def test_the_local_link_verifies_with_the_checkout_links_scheme_and_carries_the_quote():
    # GIVEN a quote with a discount
    quote = make_quote()

    # WHEN the local provider creates a checkout
    result = create(local(), quote)

    # THEN the url is {base}/checkout/{token} and the token verifies as a checkout link
    assert result.provider == "local" and result.id.startswith("chk_")
    assert result.url.startswith(f"{BASE_URL}/checkout/")
    payload = verify(result.url.rsplit("/", 1)[1], SECRET)

    # AND it carries exactly the quote
    assert payload["id"] == result.id and payload["quote_id"] == "q_7f3a"
    assert (payload["organization_id"], payload["conversation_id"]) == ("org_1", "conv_1")
    assert payload["lines"] == [
        {"external_id": "SHOE-9", "name": "Trail <b>shoe</b>", "quantity": 2,
         "unit_price_minor": 1299},
        {"external_id": "SOCK-1", "name": "Wool socks", "quantity": 1,
         "unit_price_minor": 2500}]
    assert (payload["subtotal_minor"], payload["discount_minor"], payload["total_minor"]) == (
        5098, 598, 4500)
    assert payload["currency"] == "USD"
    assert datetime.fromisoformat(payload["expires_at"]) == quote.expires_at == result.expires_at
    assert payload["metadata"] == {"channel": "widget", "organization_id": "org_1",
                                   "conversation_id": "conv_1", "quote_id": "q_7f3a"}


def test_the_local_page_renders_the_signed_quote_safely():
    # GIVEN a local checkout link
    token = create(local(), make_quote()).url.rsplit("/", 1)[1]

    # WHEN the checkout page renders it
    html = render(verify(token, SECRET))

    # THEN it shows the quoted total and discount, and escapes names
    assert 'data-total="4500"' in html and "$45.00" in html and "-$5.98" in html
    assert "<b>shoe</b>" not in html


def test_an_edited_local_link_is_refused():
    # GIVEN a local checkout link whose payload is swapped for another quote's
    good = create(local(), make_quote()).url.rsplit("/", 1)[1]
    other = create(local(), make_quote(discount=5000)).url.rsplit("/", 1)[1]
    forged = f"{other.split('.')[0]}.{good.split('.')[1]}"

    # WHEN verified, THEN refused
    with pytest.raises(InvalidCheckout):
        verify(forged, SECRET)


def test_the_same_idempotency_key_names_the_same_local_checkout():
    provider = local()
    assert create(provider, make_quote(), "k").id == create(provider, make_quote(), "k").id
    assert create(provider, make_quote(), "k").id != create(provider, make_quote(), "k2").id


def test_an_expired_quote_gets_no_local_link():
    with pytest.raises(PaymentError) as caught:
        create(local(), make_quote(expires_in=timedelta(seconds=-1)))
    assert caught.value.code == "invalid_quote"


# --------------------------------------------------------------------------- factory


def test_the_default_provider_is_local_with_the_deployments_signing_secret(clean_env,
                                                                           settings):
    # GIVEN an organization without payment settings
    from agentpay.checkout.secret import signing_secret

    # WHEN its provider is chosen
    provider = provider_for({}, settings)

    # THEN it is the local provider, linking to the public base URL with verifiable links
    assert provider.name == "local"
    result = create(provider, make_quote())
    assert result.url.startswith(f"{BASE_URL}/checkout/")
    assert verify(result.url.rsplit("/", 1)[1], signing_secret(settings))["id"] == result.id


def test_stripe_is_configured_from_the_environment_and_cached(clean_env, settings):
    # GIVEN an organization that chose Stripe, without a key in the environment
    chosen = {"payments": {"provider": "stripe"}}

    # WHEN its provider is chosen, THEN a clear "not configured" error
    with pytest.raises(PaymentError) as caught:
        provider_for(chosen, settings)
    assert caught.value.code == "provider_not_configured"
    assert "STRIPE_API_KEY" in caught.value.message

    # AND GIVEN a key and a test server, THEN a Stripe provider, reused across calls
    clean_env.setenv("STRIPE_API_KEY", "sk_test_factory")
    clean_env.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    provider = provider_for(chosen, settings)
    assert isinstance(provider, StripeProvider)
    assert provider.api_base == "http://127.0.0.1:9"
    assert provider_for(chosen, settings) is provider


def test_polar_is_configured_from_the_environment_and_the_stores_product(clean_env,
                                                                          settings):
    # GIVEN an organization that chose Polar, and no token
    chosen = {"payments": {"provider": "polar"}}
    with pytest.raises(PaymentError) as caught:
        provider_for(chosen, settings)
    assert caught.value.code == "provider_not_configured"

    # AND GIVEN a token but no product anywhere, THEN still not configured
    clean_env.setenv("POLAR_ACCESS_TOKEN", "polar_oat_factory")
    with pytest.raises(PaymentError) as caught:
        provider_for(chosen, settings)
    assert caught.value.code == "provider_not_configured"
    assert "POLAR_PRODUCT_ID" in caught.value.message

    # AND GIVEN a default product and the store's own, THEN the store's wins; sandbox by default
    clean_env.setenv("POLAR_PRODUCT_ID", "prod_default")
    clean_env.setenv("POLAR_SERVER_URL", "http://127.0.0.1:9")
    own = provider_for({"payments": {"provider": "polar", "polar_product_id": "prod_own"}},
                       settings)
    assert isinstance(own, PolarProvider)
    assert (own.product_id, own.server, own.server_url) == (
        "prod_own", "sandbox", "http://127.0.0.1:9")
    assert provider_for(chosen, settings).product_id == "prod_default"

    # AND GIVEN an unknown server name, THEN not configured
    clean_env.setenv("POLAR_SERVER", "staging")
    with pytest.raises(PaymentError) as caught:
        provider_for(chosen, settings)
    assert caught.value.code == "provider_not_configured"


def test_an_unknown_provider_is_not_configured(clean_env, settings):
    with pytest.raises(PaymentError) as caught:
        provider_for({"payments": {"provider": "paypal"}}, settings)
    assert caught.value.code == "provider_not_configured"
    assert "paypal" in caught.value.message


def test_importing_payments_and_choosing_a_provider_imports_no_sdk():
    # GIVEN a fresh interpreter with Stripe and Polar configured
    code = (
        "import sys\n"
        "from agentpay.config import Settings\n"
        "from agentpay.payments import provider_for\n"
        "for name in ('stripe', 'polar'):\n"
        "    provider_for({'payments': {'provider': name}}, Settings())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'stripe', 'polar'}))\n"
    )
    env = {**os.environ, "STRIPE_API_KEY": "sk_test_x", "POLAR_ACCESS_TOKEN": "polar_oat_x",
           "POLAR_PRODUCT_ID": "prod_x"}

    # WHEN it imports the package and builds both providers
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)

    # THEN no SDK was imported: they load on the first checkout
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
