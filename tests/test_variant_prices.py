"""Variant prices: a line is sold at the price of the variant its size and colour choose.

A store that prices its XL (or its 512 GB) above the base must be paid that price in the
cart, the quote, the offer and every provider's checkout, and the agent must say it.
"""

from __future__ import annotations

import json

import pytest

from agentpay.catalog import variants
from agentpay.orchestrator import cart
from agentpay.tools.products import details, summary
from conftest import bearer

JACKET = {"external_id": "VAR-JACKET", "name": "Stormline Rain Jacket", "price": 12900,
          "currency": "USD", "category": "Outerwear",
          "description": "Waterproof shell with taped seams.",
          "attributes": {"sizes": ["M", "XL"]},
          "variants": [{"sku": "jk-m", "size": "M", "stock": 20},
                       {"sku": "jk-xl", "size": "XL", "stock": 20, "price": 15900}]}
XL, BASE = 15900, 12900


def _product(**over) -> dict:
    """A stored product row as the catalog repository returns it."""
    row = {"id": "00000000-0000-0000-0000-000000000001", "external_id": "PHONE",
           "name": "Nimbus Phone", "price_minor": 99900, "currency": "USD", "in_stock": True,
           "variants": [{"sku": "p128-b", "size": "128 GB", "color": "Black", "stock": 5},
                        {"sku": "p512-b", "size": "512 GB", "color": "Black", "stock": 5,
                         "price": 129900},
                        {"sku": "p512-s", "size": "512 GB", "color": "Silver", "stock": 5,
                         "price": 134900}]}
    return row | over


# ---- the rule, without a database ------------------------------------------------------

def test_a_line_costs_its_variants_price_or_the_products_when_the_variant_has_none():
    phone = _product()
    assert variants.unit_price_minor(phone, "512 GB", "Black") == 129900
    assert variants.unit_price_minor(phone, "512 gb", "silver") == 134900  # any case
    assert variants.unit_price_minor(phone, "128 GB", "Black") == 99900  # no own price
    assert variants.unit_price_minor(_product(variants=[]), None, None) == 99900


def test_a_line_that_leaves_an_option_open_is_never_sold_at_the_cheaper_variants_price():
    # GIVEN a line for the 512 GB in no particular colour: Black 1,299 or Silver 1,349
    # THEN it costs the dearer one, never the base 999
    assert variants.unit_price_minor(_product(), "512 GB", None) == 134900


def test_the_variant_naming_both_options_wins_over_one_naming_only_one():
    jacket = _product(price_minor=10000, variants=[
        {"sku": "navy", "color": "Navy", "stock": 5, "price": 11000},
        {"sku": "navy-xl", "size": "XL", "color": "Navy", "stock": 5, "price": 13000}])
    assert variants.unit_price_minor(jacket, "XL", "Navy") == 13000


def test_cart_add_prices_the_line_and_the_total_from_the_variant():
    state: dict = {}
    line = cart.add(state, _product(), 2, size="512 GB", color="Black", max_quantity=10)
    assert line["unit_price_minor"] == 129900
    cart.add(state, _product(), 1, size="128 GB", color="Black", max_quantity=10)
    assert cart.summary(state)["subtotal_minor"] == 2 * 129900 + 99900


def test_the_product_summary_and_details_show_the_variant_prices():
    phone = _product()
    shown = summary(phone)
    assert shown["price"] == "$999.00"
    assert [(v["size"], v["color"], v["price"]) for v in shown["variant_prices"]] == [
        ("512 GB", "Black", "$1,299.00"), ("512 GB", "Silver", "$1,349.00")]
    rows = details(phone)["variants"]
    assert "price" not in rows[0] and rows[1]["price_minor"] == 129900
    assert "variant_prices" not in summary(_product(variants=[]))


# ---- through the conversation, the quote and the providers ---------------------------

@pytest.fixture
def shop(make_store):
    return make_store("Variant Store", [JACKET],
                      rules={"max_discount_percent": 10, "discount_step_percent": 10})


def _conversation(client, make_conversation, agent):
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])

    def say(text: str) -> dict:
        response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                               json={"content": text})
        assert response.status_code == 201, response.text
        return response.json()

    return conv_id, auth, say


def _add_the_xl(say) -> dict:
    say("rain jacket")
    out = say("add it in size XL")
    [line] = out["cart"]["lines"]
    assert line["size"] == "XL", out["reply"]["content"]
    return out


def _set_provider(db, org_id: str, provider: str) -> None:
    with db.transaction() as conn:
        conn.execute("UPDATE organizations SET settings = %s::jsonb WHERE id = %s",
                     (json.dumps({"payments": {"provider": provider}}), org_id))


def test_the_xl_is_added_offered_and_checked_out_at_its_own_price(client, db, shop,
                                                                   make_conversation):
    _tenant, agent = shop
    _conv_id, _auth, say = _conversation(client, make_conversation, agent)

    # WHEN the shopper adds the XL
    added = _add_the_xl(say)

    # THEN the cart line, the total and the reply carry the XL's price, not the base
    assert added["cart"]["lines"][0]["unit_price_minor"] == XL
    assert added["cart"]["subtotal_minor"] == XL
    assert "$159.00" in added["reply"]["content"] and "$129.00" not in added["reply"]["content"]

    # AND an offer is worked out on the XL's price
    offered = say("that's a bit expensive")
    [offer] = [o for o in offered["conversation"]["negotiation_history"] if o["kind"] == "offer"]
    assert (offer["base_total_minor"], offer["total_minor"]) == (XL, XL - XL // 10)
    assert "$143.10" in offered["reply"]["content"]

    # AND the local checkout charges it
    out = say("ok, checkout")
    checkout = out["conversation"]["context"]["checkout"]
    assert checkout["provider"] == "local" and checkout["total_minor"] == XL - XL // 10
    with db.connection() as conn:
        quote = conn.execute("SELECT lines, subtotal_minor FROM quotes WHERE id = %s",
                             (checkout["quote_id"],)).fetchone()
    assert quote["subtotal_minor"] == XL and quote["lines"][0]["unit_price_minor"] == XL
    page = client.get("/checkout/" + checkout["url"].split("/checkout/")[1])
    assert f'data-total="{XL - XL // 10}"' in page.text and "$159.00" in page.text


def test_a_line_stored_at_the_base_price_is_charged_the_variants_price(client, db, shop,
                                                                      make_conversation):
    # GIVEN an XL line whose stored price says the base (an older cart, or a tampered one)
    _tenant, agent = shop
    conv_id, auth, say = _conversation(client, make_conversation, agent)
    _add_the_xl(say)
    with db.transaction() as conn:
        conn.execute("UPDATE conversations SET context = jsonb_set(context, "
                     "'{cart,lines,0,unit_price_minor}', %s::jsonb) WHERE id = %s",
                     (str(BASE), conv_id))

    # WHEN a checkout is made without a quote
    response = client.post(f"/v1/agent/conversations/{conv_id}/checkout", headers=auth, json={})

    # THEN the server re-prices the line from the catalog's variant
    assert response.status_code == 201, response.text
    assert response.json()["total_minor"] == XL


def test_stripe_line_items_carry_the_variants_price(client, db, shop, make_conversation,
                                                     monkeypatch):
    from agentpay.payments.factory import reset_providers
    from fakes.stripe_server import FakeStripeServer

    tenant, agent = shop
    with FakeStripeServer() as stripe_fake:
        monkeypatch.setenv("STRIPE_API_KEY", stripe_fake.api_key)
        monkeypatch.setenv("STRIPE_API_BASE", stripe_fake.base_url)
        reset_providers()
        _set_provider(db, tenant.organization_id, "stripe")
        _conv_id, _auth, say = _conversation(client, make_conversation, agent)
        _add_the_xl(say)
        out = say("checkout please")
        assert out["conversation"]["context"]["checkout"]["provider"] == "stripe", \
            out["reply"]["content"]
        (form,) = stripe_fake.forms("/v1/checkout/sessions")
    reset_providers()
    [item] = form["line_items"]
    assert item["price_data"]["unit_amount"] == str(XL) and item["quantity"] == "1"


def test_polar_is_asked_for_the_variants_price(client, db, shop, make_conversation,
                                               monkeypatch):
    from agentpay.payments.factory import reset_providers
    from fakes.polar_server import FakePolarServer

    tenant, agent = shop
    with FakePolarServer() as polar:
        monkeypatch.setenv("POLAR_ACCESS_TOKEN", polar.access_token)
        monkeypatch.setenv("POLAR_SERVER_URL", polar.base_url)
        monkeypatch.setenv("POLAR_PRODUCT_ID", polar.product_id)
        reset_providers()
        _set_provider(db, tenant.organization_id, "polar")
        _conv_id, _auth, say = _conversation(client, make_conversation, agent)
        _add_the_xl(say)
        out = say("checkout please")
        assert out["conversation"]["context"]["checkout"]["provider"] == "polar", \
            out["reply"]["content"]
        (body,) = polar.bodies("/v1/checkouts/")
    reset_providers()
    assert body["prices"][polar.product_id][0]["price_amount"] == XL
    assert json.loads(body["metadata"]["line_1"])["unit_price_minor"] == XL


def test_the_agent_quotes_the_variant_prices(client, shop, make_conversation):
    _tenant, agent = shop
    _conv_id, _auth, say = _conversation(client, make_conversation, agent)
    found = say("rain jacket")["reply"]["content"]
    assert "Stormline Rain Jacket — $129.00" in found and "XL $159.00" in found
    asked = say("is it in stock in XL?")["reply"]["content"]
    assert "$159.00" in asked, asked
