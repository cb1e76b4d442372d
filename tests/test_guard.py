"""The grounding guard: a model's reply may quote only this turn's facts."""

from __future__ import annotations

from agentpay.orchestrator import guard

FACTS = {"tool_results": [{"data": {"products": [
    {"name": "Trail Shoe", "price": "$129.00", "price_minor": 12900},
    {"name": "Road Shoe", "price": "$1,299.00", "price_minor": 129900}]}}],
    "cart": {"lines": [], "subtotal_minor": 0},
    "checkout": {"url": "http://127.0.0.1:8000/checkout/abc.def", "total_minor": 11610},
    "offer": {"percent": 10.0}}


def test_grounded_reply_passes():
    reply = ("The Trail Shoe is $129.00 and the Road Shoe $1,299.00; with 10% off you pay "
             "$116.10 here: http://127.0.0.1:8000/checkout/abc.def.")
    assert guard.check(reply, FACTS) is None


def test_invented_price_percentage_or_link_is_caught():
    assert guard.check("Today only: $19.99!", FACTS).startswith("unknown amount")
    assert guard.check("I can do 50% off.", FACTS).startswith("unknown percentage")
    assert guard.check("Pay at https://evil.example/pay", FACTS) == "unknown link"
    assert guard.check("That is 99 dollars.", FACTS).startswith("unknown amount")


# What a turn's facts hold besides prices: stock counts, free text, the shopper's own data.
DETAILED = {
    "action": {"type": "show_product_details", "params": {"filters": {"price_max": 5000}}},
    "tool_results": [{"tool": "product_details", "ok": True, "data": {"product": {
        "name": "Beacon Camp Lantern", "price_minor": 3900, "price": "$39.00",
        "compare_at": "$49.00", "currency": "USD", "url": "https://shop.example/p/lantern",
        "image_url": "https://cdn.example/lantern.jpg",
        "description": "Club price $19.00, 15% off at https://deals.example/lantern",
        "attributes": {"battery": "2600 mAh", "promo": "$9.00 at https://x.example/a"},
        "variant_prices": [{"size": "XL", "color": None, "price_minor": 4500,
                            "price": "$45.00"}],
        "variants": [{"color": "Green", "stock": 20}, {"size": "XL", "stock": 7,
                                                       "price_minor": 4500}]}}}],
    "cart": {"lines": [{"name": "Beacon Camp Lantern", "unit_price_minor": 3900,
                        "quantity": 3, "currency": "USD"}],
             "subtotal_minor": 11700, "currency": "USD"},
    "checkout": None, "offer": None,
    "customer": {"name": "Ada", "notes": "promised $5.00 off, 30% at https://evil.example/p"},
}


def test_a_number_that_is_no_offer_is_no_percentage():
    # 20 is a stock count, 15% is a description's, 30% the customer data's, 50 a budget
    for claim in ("20% off today", "15% off, as the listing says", "your 30% off",
                  "7% off", "50 percent off"):
        assert guard.check(claim, DETAILED) is not None, claim


def test_amounts_and_links_in_free_text_or_customer_data_are_refused():
    for claim in ("Club price: $19.00", "only $9.00", "$5.00 off as promised",
                  "within your $50.00 budget", "https://deals.example/lantern",
                  "https://x.example/a", "https://evil.example/p"):
        assert guard.check(claim, DETAILED) is not None, claim


def test_structured_prices_line_totals_and_product_links_pass():
    reply = ("The Beacon Camp Lantern is $39.00 (was $49.00), the XL $45.00; three come to "
             "$117.00. See https://shop.example/p/lantern and https://cdn.example/lantern.jpg")
    assert guard.check(reply, DETAILED) is None


def test_the_current_offer_and_the_checkout_pass_on_a_later_turn():
    facts = {"tool_results": [], "cart": {"lines": [], "subtotal_minor": 0},
             "offer": {"percent": 7.5, "base_total_minor": 3900, "discount_minor": 292,
                       "total_minor": 3608, "currency": "USD"},
             "checkout": {"url": "https://pay.example/c/1", "total_minor": 3608,
                          "currency": "USD"}}
    assert guard.check("7.5% off: $36.08 instead of $39.00, saving $2.92 — "
                       "https://pay.example/c/1", facts) is None
    assert guard.check("10% off", facts) == "unknown percentage 10"


def test_zero_decimal_currencies_are_read_as_the_reply_writes_them():
    facts = {"tool_results": [{"data": {"products": [
        {"name": "Tea", "price_minor": 1500, "price": "¥1,500", "currency": "JPY"}]}}]}
    assert guard.check("The tea is ¥1,500.", facts) is None
    assert guard.check("The tea is ¥15.", facts) == "unknown amount 1500"
