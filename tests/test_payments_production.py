"""Production takes money or says it cannot: the local provider (an order with no money
taken) is refused and its pay route is not served; a store without a provider gets
`payments_not_configured` at checkout, never a link."""

from __future__ import annotations

import pytest

from conftest import bearer

CATALOG = [{"external_id": "PROD-LAMP", "name": "Halden Brass Desk Lamp", "price": 8900,
            "currency": "USD", "category": "Lighting"}]


@pytest.fixture
def production(settings, monkeypatch):
    from agentpay.payments import reset_providers

    for name in ("STRIPE_API_KEY", "STRIPE_API_BASE", "POLAR_ACCESS_TOKEN", "POLAR_PRODUCT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(settings, "env", "production")
    reset_providers()
    yield settings
    reset_providers()


@pytest.fixture
def shop(make_store):
    return make_store("Production Store", CATALOG)


def _cart(client, make_conversation, agent):
    """A conversation with the lamp in its cart; returns (id, auth, say)."""
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])

    def say(text):
        response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                               json={"content": text})
        assert response.status_code == 201, response.text
        return response.json()

    say("brass desk lamp")
    assert say("add it to my cart")["conversation"]["context"]["cart"]["lines"]
    return conv_id, auth, say


def _count(db, table, conv_id):
    with db.connection() as conn:
        return conn.execute(f"SELECT count(*) AS n FROM {table} WHERE conversation_id = %s",
                            (conv_id,)).fetchone()["n"]


@pytest.mark.parametrize("chosen", [{}, {"payments": {}}, {"payments": {"provider": "local"}},
                                    {"payments": {"provider": " LOCAL "}}])
def test_production_refuses_the_local_provider_and_no_provider(production, chosen):
    from agentpay.payments import PaymentError, provider_for

    # GIVEN production and a store that chose no provider, or the local one
    # WHEN its checkout provider is asked for, THEN payments_not_configured, no provider
    with pytest.raises(PaymentError) as caught:
        provider_for(chosen, production)
    assert caught.value.code == "payments_not_configured"
    assert caught.value.retryable is False


def test_development_keeps_the_local_provider_as_the_default(settings):
    from agentpay.payments import provider_for

    assert settings.is_production is False
    assert provider_for({}, settings).name == "local"
    assert provider_for({"payments": {"provider": "local"}}, settings).name == "local"


def test_production_chooses_a_real_provider_when_the_store_set_one(production, monkeypatch):
    from agentpay.payments import provider_for

    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_production")
    assert provider_for({"payments": {"provider": "stripe"}}, production).name == "stripe"


def test_production_does_not_serve_the_local_pay_route(production, db, shop, client,
                                                       make_conversation):
    from fastapi.testclient import TestClient

    from agentpay.api.app import create_app

    # GIVEN a local checkout link made while developing (the session's app is a dev app)
    _tenant, agent = shop
    conv_id, _auth, say = _cart(client, make_conversation, agent)
    production.env = "development"
    link = say("checkout please")["conversation"]["context"]["checkout"]["url"]
    production.env = "production"
    path = "/checkout/" + link.split("/checkout/", 1)[1]
    # WHEN the app is built for production
    app = create_app()
    # THEN neither the local page nor its pay button is served or documented
    paths = app.openapi()["paths"]
    assert "/checkout/{token}/pay" not in paths and "/checkout/{token}" not in paths
    with TestClient(app, raise_server_exceptions=False) as prod_client:
        assert prod_client.post(path + "/pay").status_code == 404
        assert prod_client.get(path).status_code == 404
    # AND pressing the button records no order and completes nothing
    assert _count(db, "orders", conv_id) == 0
    # (a development app still serves both)
    assert "/checkout/{token}/pay" in client.app.openapi()["paths"]


def test_a_store_without_a_provider_is_told_it_cannot_pay_online_never_given_a_link(
        production, db, shop, client, make_conversation):
    # GIVEN production, a store that chose no provider, and a shopper with a cart
    _tenant, agent = shop
    conv_id, auth, say = _cart(client, make_conversation, agent)
    # WHEN the shopper asks to check out
    out = say("checkout please")
    # THEN the checkout tool answered payments_not_configured
    [call] = [c for c in out["reply"]["tool_calls"] if c.get("name") == "create_checkout_link"]
    assert call["ok"] is False and call["error"]["code"] == "payments_not_configured"
    # AND the reply says payment cannot be taken online, with no link
    reply = out["reply"]["content"]
    assert "can't take payment online" in reply
    assert "/checkout/" not in reply and "http" not in reply
    assert "checkout" not in out["conversation"]["context"]
    # AND nothing was quoted or opened for payment
    assert _count(db, "quotes", conv_id) == 0 and _count(db, "checkouts", conv_id) == 0
    # AND the HTTP checkout says the same, as a conflict with the store's state
    response = client.post(f"/v1/agent/conversations/{conv_id}/checkout", json={},
                           headers=auth)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "payments_not_configured"


def test_a_provider_chosen_through_the_settings_api_takes_the_checkout(
        production, db, shop, client, make_conversation, monkeypatch):
    from fakes.stripe_server import FakeStripeServer

    tenant, agent = shop
    with FakeStripeServer() as stripe_fake:
        monkeypatch.setenv("STRIPE_API_KEY", stripe_fake.api_key)
        monkeypatch.setenv("STRIPE_API_BASE", stripe_fake.base_url)
        # GIVEN production and a store that chose Stripe through its settings
        response = client.patch("/v1/agent/organization", headers=tenant.auth,
                                json={"payments": {"provider": "stripe"}})
        assert response.status_code == 200, response.text
        assert response.json()["payments"]["status"] == "ready"
        conv_id, _auth, say = _cart(client, make_conversation, agent)
        # WHEN the shopper checks out, THEN the link is Stripe's
        checkout = say("checkout please")["conversation"]["context"]["checkout"]
    assert checkout["provider"] == "stripe" and checkout["total_minor"] == 8900
    assert _count(db, "checkouts", conv_id) == 1
