"""Checkout end to end: quotes, the local provider's page and pay button, webhooks from
Stripe and Polar (signed), tampered and expired quotes, and analytics that add up."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from conftest import bearer

CATALOG = [
    {"external_id": "PAY-LAMP", "name": "Halden Brass Desk Lamp", "price": 8900,
     "currency": "USD", "category": "Lighting"},
    {"external_id": "PAY-KETTLE", "name": "Copperline Stovetop Kettle 1.7 L", "price": 4500,
     "currency": "USD", "category": "Kitchen"},
]


@pytest.fixture
def shop(make_store):
    return make_store("Payments Store", CATALOG,
                      rules={"max_discount_percent": 10, "discount_step_percent": 10})


def _conversation(client, make_conversation, agent):
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])

    def say(text):
        response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                               json={"content": text})
        assert response.status_code == 201, response.text
        return response.json()

    return conv_id, auth, say


def _set_org_settings(db, org_id, settings):
    with db.transaction() as conn:
        conn.execute("UPDATE organizations SET settings = %s::jsonb WHERE id = %s",
                     (json.dumps(settings), org_id))


def test_local_checkout_from_quote_to_paid_order(client, db, shop, make_conversation):
    _tenant, agent = shop
    conv_id, auth, say = _conversation(client, make_conversation, agent)
    say("brass desk lamp")
    say("add it to my cart")
    offer = say("that's a bit expensive")
    [made] = [o for o in offer["conversation"]["negotiation_history"] if o["kind"] == "offer"]
    assert made["percent"] == 10 and made["quote_id"].startswith("q_")
    out = say("ok, checkout")
    checkout = out["conversation"]["context"]["checkout"]
    assert checkout["provider"] == "local" and checkout["total_minor"] == 8010
    path = "/checkout/" + checkout["url"].split("/checkout/")[1]
    page = client.get(path)
    assert page.status_code == 200 and 'data-total="8010"' in page.text and 'id="pay"' in page.text
    paid = client.post(path + "/pay")
    assert paid.status_code == 200 and "Thank you" in paid.text
    assert client.post(path + "/pay").status_code == 200  # a second click changes nothing
    with db.connection() as conn:
        orders = conn.execute("SELECT total_minor, discount_minor FROM orders "
                              "WHERE conversation_id = %s", (conv_id,)).fetchall()
        conv = conn.execute("SELECT stage, status FROM conversations WHERE id = %s",
                            (conv_id,)).fetchone()
    assert orders == [{"total_minor": 8010, "discount_minor": 890}]
    assert conv == {"stage": "completed", "status": "completed"}
    # a completed conversation takes no more messages
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                           json={"content": "one more thing"})
    assert response.status_code == 409


@pytest.mark.parametrize(("tamper", "code"), [
    (("UPDATE quotes SET subtotal_minor = 100, discount_minor = 0, total_minor = 100"
     " WHERE id = %s"), "quote_tampered"),
    ("UPDATE quotes SET lines = jsonb_set(lines, '{0,unit_price_minor}', '1') WHERE id = %s",
     "quote_tampered"),
    ("UPDATE quotes SET discount_minor = 8000, total_minor = 900 WHERE id = %s",
     "quote_tampered"),
    # the expiry is signed too: moving it is tampering
    ("UPDATE quotes SET expires_at = now() + interval '1 day' WHERE id = %s",
     "quote_tampered"),
])
def test_tampered_or_expired_quotes_are_refused(client, db, shop, make_conversation,
                                                tamper, code):
    _tenant, agent = shop
    conv_id, auth, say = _conversation(client, make_conversation, agent)
    say("brass desk lamp")
    say("add it to my cart")
    offer = say("any discount?")
    quote_id = next(o for o in offer["conversation"]["negotiation_history"]
                if o["kind"] == "offer")["quote_id"]
    with db.transaction() as conn:
        conn.execute(tamper, (quote_id,))
    response = client.post(f"/v1/agent/conversations/{conv_id}/checkout", headers=auth,
                           json={"quote_id": quote_id})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == code
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM checkouts WHERE conversation_id = %s",
                            (conv_id,)).fetchone()["n"] == 0


def test_an_expired_quote_is_refused(client, db, shop, make_conversation, monkeypatch):
    from agentpay.payments import quotes

    _tenant, agent = shop
    conv_id, auth, say = _conversation(client, make_conversation, agent)
    say("brass desk lamp")
    say("add it to my cart")
    monkeypatch.setattr(quotes, "QUOTE_TTL_MINUTES", 0)  # quotes expire as they are made
    offer = say("any discount?")
    quote_id = next(o for o in offer["conversation"]["negotiation_history"]
                    if o["kind"] == "offer")["quote_id"]
    response = client.post(f"/v1/agent/conversations/{conv_id}/checkout", headers=auth,
                           json={"quote_id": quote_id})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "quote_expired"


def test_a_quote_for_another_cart_is_refused(client, db, shop, make_conversation):
    _tenant, agent = shop
    conv_id, auth, say = _conversation(client, make_conversation, agent)
    say("brass desk lamp")
    say("add it to my cart")
    offer = say("any discount?")
    quote_id = next(o for o in offer["conversation"]["negotiation_history"]
                if o["kind"] == "offer")["quote_id"]
    say("stovetop kettle")
    say("add it to my cart")
    response = client.post(f"/v1/agent/conversations/{conv_id}/checkout", headers=auth,
                           json={"quote_id": quote_id})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "quote_cart_mismatch"
    # without a quote id the server quotes the current cart afresh
    fresh = client.post(f"/v1/agent/conversations/{conv_id}/checkout", headers=auth, json={})
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["total_minor"] == int((8900 + 4500) * 0.9)


def test_another_conversation_cannot_use_a_quote(client, db, shop, make_conversation):
    _tenant, agent = shop
    _conv_a, _auth_a, say_a = _conversation(client, make_conversation, agent)
    say_a("brass desk lamp")
    say_a("add it to my cart")
    quote_id = next(o for o in say_a("any discount?")["conversation"]["negotiation_history"]
                if o["kind"] == "offer")["quote_id"]
    conv_b, auth_b, say_b = _conversation(client, make_conversation, agent)
    say_b("brass desk lamp")
    say_b("add it to my cart")
    response = client.post(f"/v1/agent/conversations/{conv_b}/checkout", headers=auth_b,
                           json={"quote_id": quote_id})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "quote_not_found"


def _stripe_signature(body: bytes, secret: str, ts: int | None = None) -> str:
    ts = ts or int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def test_stripe_checkout_and_signed_webhook_complete_the_order(client, db, shop,
                                                               make_conversation, monkeypatch):
    from fakes.stripe_server import FakeStripeServer

    tenant, agent = shop
    with FakeStripeServer() as stripe_fake:
        monkeypatch.setenv("STRIPE_API_KEY", stripe_fake.api_key)
        monkeypatch.setenv("STRIPE_API_BASE", stripe_fake.base_url)
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_test_stripe")
        _set_org_settings(db, tenant.organization_id, {"payments": {"provider": "stripe"}})
        conv_id, _auth, say = _conversation(client, make_conversation, agent)
        say("brass desk lamp")
        say("add it to my cart")
        say("too expensive")
        out = say("checkout please")
        checkout = out["conversation"]["context"]["checkout"]
        assert checkout["provider"] == "stripe"
        with db.connection() as conn:
            row = conn.execute("SELECT provider_checkout_id, total_minor FROM checkouts "
                               "WHERE conversation_id = %s", (conv_id,)).fetchone()
    assert row["total_minor"] == 8010
    event = {"id": "evt_paid_1", "type": "checkout.session.completed",
             "data": {"object": {"id": row["provider_checkout_id"], "object":
                                 "checkout.session", "payment_status": "paid",
                                 "amount_total": 8010, "currency": "usd",
                                 "payment_intent": "pi_1"}}}
    body = json.dumps(event).encode()
    # a bad signature: 400, nothing recorded
    bad = client.post("/v1/agent/webhooks/stripe", content=body,
                      headers={"Stripe-Signature": _stripe_signature(body, "whsec_wrong")})
    assert bad.status_code == 400
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM webhook_events WHERE event_id = %s",
                            ("evt_paid_1",)).fetchone()["n"] == 0
    good = client.post("/v1/agent/webhooks/stripe", content=body,
                       headers={"Stripe-Signature": _stripe_signature(body,
                                                                      "whsec_test_stripe")})
    assert good.status_code == 200 and good.json()["outcome"] == "completed"
    again = client.post("/v1/agent/webhooks/stripe", content=body,
                        headers={"Stripe-Signature": _stripe_signature(body,
                                                                       "whsec_test_stripe")})
    assert again.json()["outcome"] == "duplicate"
    stale = client.post("/v1/agent/webhooks/stripe", content=body, headers={
        "Stripe-Signature": _stripe_signature(body, "whsec_test_stripe",
                                              int(time.time()) - 3600)})
    assert stale.status_code == 400
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM orders WHERE conversation_id = %s",
                            (conv_id,)).fetchone()["n"] == 1
        assert conn.execute("SELECT status FROM conversations WHERE id = %s",
                            (conv_id,)).fetchone()["status"] == "completed"


def test_analytics_add_up(client, db, shop, make_conversation, make_tenant):
    tenant, agent = shop
    totals = []
    for n in range(3):
        _conv_id, _auth, say = _conversation(client, make_conversation, agent)
        say("stovetop kettle")
        say("add it to my cart")
        if n == 0:
            say("any discount?")
        out = say("checkout")
        checkout = out["conversation"]["context"]["checkout"]
        if n < 2:  # two of the three pay
            path = "/checkout/" + checkout["url"].split("/checkout/")[1]
            assert client.post(path + "/pay").status_code == 200
            totals.append(checkout["total_minor"])
    _conversation(client, make_conversation, agent)  # a fourth that never buys
    response = client.get("/v1/agent/analytics", headers=tenant.auth,
                          params={"agent_id": agent["id"]})
    assert response.status_code == 200, response.text
    [figures] = response.json()["agents"]
    assert figures["conversations"] == 4
    assert figures["checkouts_created"] == 3
    assert figures["orders_paid"] == 2
    assert figures["conversion_rate"] == 0.5
    assert figures["revenue"] == {"USD": sum(totals)} == {"USD": 4050 + 4500}
    assert figures["discount_given"] == {"USD": 450}
    assert figures["average_order_value"] == {"USD": (4050 + 4500) // 2}
    assert figures["llm_cost_usd"] == 0.0 and figures["llm_cost_per_order_usd"] == 0.0
    # a period before any of it, and another organization, see none of it
    past = client.get("/v1/agent/analytics", headers=tenant.auth,
                      params={"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"})
    assert all(a["orders_paid"] == 0 and a["conversations"] == 0
               for a in past.json()["agents"])
    stranger = make_tenant("Someone Else")
    assert client.get("/v1/agent/analytics", headers=stranger.auth).json()["agents"] == []
    backwards = client.get("/v1/agent/analytics", headers=tenant.auth,
                           params={"from": "2030-01-01", "to": "2020-01-01"})
    assert backwards.status_code == 422
    assert backwards.json()["error"]["code"] == "invalid_period"


def test_polar_checkout_and_standard_webhook_complete_the_order(client, db, shop,
                                                                make_conversation,
                                                                monkeypatch):
    from agentpay.payments.factory import reset_providers
    from fakes.polar_server import FakePolarServer

    tenant, agent = shop
    with FakePolarServer() as polar:
        monkeypatch.setenv("POLAR_ACCESS_TOKEN", polar.access_token)
        monkeypatch.setenv("POLAR_SERVER_URL", polar.base_url)
        monkeypatch.setenv("POLAR_PRODUCT_ID", polar.product_id)
        monkeypatch.setenv("POLAR_WEBHOOK_SECRET", "polar_whs_test")
        reset_providers()
        _set_org_settings(db, tenant.organization_id, {"payments": {"provider": "polar"}})
        conv_id, _auth, say = _conversation(client, make_conversation, agent)
        say("stovetop kettle")
        say("add it to my cart")
        say("any discount?")
        out = say("checkout please")
        assert out["conversation"]["context"]["checkout"]["provider"] == "polar", out["reply"]
        with db.connection() as conn:
            row = conn.execute("SELECT provider_checkout_id, total_minor FROM checkouts "
                               "WHERE conversation_id = %s", (conv_id,)).fetchone()
        assert row["total_minor"] == 4050
        paid = polar.complete_checkout(row["provider_checkout_id"])
        # Polar's Order object for that checkout: tax comes on top of the net amount
        order = {"id": "ord_test_1", "checkout_id": paid["id"], "status": "paid",
                 "subtotal_amount": paid["amount"], "discount_amount": paid["discount_amount"],
                 "net_amount": paid["net_amount"], "tax_amount": 324,
                 "total_amount": paid["net_amount"] + 324, "currency": paid["currency"],
                 "metadata": paid.get("metadata") or {}}
        body, headers = polar.signed_event("order.paid", order, "polar_whs_test")
        forged = dict(headers, **{"webhook-signature": "v1,AAAA"})
        assert client.post("/v1/agent/webhooks/polar", content=body,
                           headers=forged).status_code == 400
        done = client.post("/v1/agent/webhooks/polar", content=body, headers=headers)
        assert done.status_code == 200 and done.json()["outcome"] == "completed", done.text
        again = client.post("/v1/agent/webhooks/polar", content=body, headers=headers)
        assert again.json()["outcome"] == "duplicate"
    reset_providers()
    with db.connection() as conn:
        order_row = conn.execute("SELECT total_minor, discount_minor FROM orders "
                                 "WHERE conversation_id = %s", (conv_id,)).fetchone()
    assert order_row == {"total_minor": 4050, "discount_minor": 450}
