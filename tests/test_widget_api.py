"""What the chat widget asks of the API, over HTTP (the WebSocket runs the same turn): the
reply's text for a client with cards, a compare-at price on cards, cart lines set by the
widget's controls (`cart_edit`), and the offer a cart panel shows."""

from __future__ import annotations

import pytest

from agentpay.orchestrator.cards import text_with_cards
from conftest import bearer

CATALOG = [
    {"external_id": "W-SHOE-1", "name": "Ridgeline Trail Running Shoe", "price": 9900,
     "compare_at_price": 12900, "currency": "USD", "category": "Footwear",
     "attributes": {"product_type": "Running Shoe", "colors": ["Navy"],
                    "sizes": ["9", "10"]},
     "variants": [{"sku": "w1-9", "size": "9", "color": "Navy", "stock": 10},
                  {"sku": "w1-10", "size": "10", "color": "Navy", "stock": 10}]},
    {"external_id": "W-SHOE-2", "name": "Harbor Road Running Shoe", "price": 8400,
     "currency": "USD", "category": "Footwear",
     "attributes": {"product_type": "Running Shoe", "colors": ["Red"], "sizes": ["9"]},
     "variants": [{"sku": "w2-9", "size": "9", "color": "Red", "stock": 10}]},
    {"external_id": "W-SHOE-3", "name": "Summit Lightweight Running Shoe", "price": 11900,
     "currency": "USD", "category": "Footwear",
     "attributes": {"product_type": "Running Shoe", "colors": ["Black"], "sizes": ["10"]},
     "variants": [{"sku": "w3-10", "size": "10", "color": "Black", "stock": 10}]},
]


@pytest.fixture
def chat(client, make_store, make_conversation):
    _tenant, agent = make_store("Widget Store", CATALOG,
                                rules={"max_discount_percent": 10,
                                       "discount_step_percent": 10})
    created = make_conversation(agent)
    path = f"/v1/agent/conversations/{created['conversation']['id']}/messages"
    auth = bearer(created["token"])

    def send(content: str, status: int = 201, **extra):
        response = client.post(path, headers=auth, json={"content": content, **extra})
        assert response.status_code == status, response.text
        return response.json()

    return send


def _lines(exchange: dict) -> list[tuple]:
    return [(li["external_id"], li["size"], li["quantity"]) for li in exchange["cart"]["lines"]]


def test_a_client_with_cards_gets_the_reply_without_the_list_the_cards_repeat(chat):
    # GIVEN a store with running shoes WHEN the shopper asks for them
    found = chat("running shoes")
    names = [p["name"] for p in found["products"]]
    assert len(names) == 3
    # THEN reply.content lists every product, for a client without cards
    assert all(name in found["reply"]["content"] for name in names)
    # AND the text for cards says what was searched and how many, and names none of them
    brief = found["reply_with_cards"]
    assert "3 shown" in brief and "running shoe" in brief.lower()
    assert not any(name in brief for name in names)
    # AND a card knows the price the product was before its sale
    [on_sale] = [p for p in found["products"] if p["external_id"] == "W-SHOE-1"]
    assert (on_sale["price"], on_sale["compare_at"]) == ("$99.00", "$129.00")


def test_cart_lines_follow_the_widgets_controls(chat):
    chat("running shoes")
    edit = {"external_id": "W-SHOE-1", "size": "10", "color": "Navy"}
    # WHEN the shopper presses Add on a card with size 10 chosen THEN that line is added
    added = chat("Add Ridgeline Trail Running Shoe, size 10", cart_edit={**edit, "quantity": 1})
    assert _lines(added) == [("W-SHOE-1", "10", 1)]
    assert "added" in added["reply"]["content"]
    # WHEN a stepper sets it to 3, then back to 2 THEN the line has that many, at catalog
    # prices
    up = chat("Ridgeline Trail Running Shoe, size 10: 3", cart_edit={**edit, "quantity": 3})
    assert _lines(up) == [("W-SHOE-1", "10", 3)] and up["cart"]["subtotal_minor"] == 29700
    down = chat("Ridgeline Trail Running Shoe, size 10: 2", cart_edit={**edit, "quantity": 2})
    assert _lines(down) == [("W-SHOE-1", "10", 2)]
    assert "2 × Ridgeline Trail Running Shoe" in down["reply"]["content"]
    # WHEN another product goes in and the first is removed THEN only the second is left
    chat("Add Harbor Road Running Shoe", cart_edit={"external_id": "W-SHOE-2", "quantity": 1})
    gone = chat("Remove Ridgeline Trail Running Shoe, size 10", cart_edit={**edit, "quantity": 0})
    assert _lines(gone) == [("W-SHOE-2", "9", 1)]
    assert "taken Ridgeline Trail Running Shoe out" in gone["reply"]["content"]
    # AND each change is in the history in the shopper's words
    assert gone["message"]["content"] == "Remove Ridgeline Trail Running Shoe, size 10"


def test_an_add_without_a_size_asks_for_one_and_the_answer_adds_it(chat):
    chat("running shoes")
    asked = chat("Add Ridgeline Trail Running Shoe",
                 cart_edit={"external_id": "W-SHOE-1", "quantity": 1})
    assert asked["cart"]["lines"] == [] and "9" in asked["reply"]["content"]
    answered = chat("9")
    assert _lines(answered) == [("W-SHOE-1", "9", 1)]


def test_a_cart_edit_cannot_add_what_the_store_does_not_sell(chat):
    refused = chat("Add it", cart_edit={"external_id": "NOPE", "quantity": 1})
    assert refused["cart"]["lines"] == []
    no_size = chat("Add it in 13", cart_edit={"external_id": "W-SHOE-1", "size": "13",
                                              "quantity": 1})
    assert no_size["cart"]["lines"] == []
    for bad in ({"external_id": "W-SHOE-1", "quantity": -1},
                {"external_id": "W-SHOE-1", "quantity": 1000},
                {"external_id": "W-SHOE-1", "quantity": 1, "price_minor": 1},
                {"quantity": 1}):
        assert chat("Add it", 422, cart_edit=bad)["error"]["code"] == "validation_error"


def test_the_offer_is_shown_as_checkout_would_apply_it_to_this_cart(chat):
    chat("running shoes")
    added = chat("Add Harbor Road Running Shoe",
                 cart_edit={"external_id": "W-SHOE-2", "quantity": 1})
    assert added["offer"] is None
    offered = chat("that's a bit expensive")
    assert offered["offer"]["percent"] == 10
    assert (offered["offer"]["discount_minor"], offered["offer"]["total_minor"]) == (840, 7560)
    # WHEN the cart changes THEN the figures follow it
    more = chat("Harbor Road Running Shoe: 2",
                cart_edit={"external_id": "W-SHOE-2", "size": "9", "color": "Red",
                           "quantity": 2})
    assert (more["offer"]["discount_minor"], more["offer"]["total_minor"]) == (1680, 15120)


OFFLINE_LISTING = ("Here's what I found: running shoe (2 shown):\n"
                   "1. Alpha Shoe — $10.00 · sizes 9\n2. Beta Shoe — $12.00\n"
                   "Would you like more details on any of these?")
MODEL_LISTING = "I found two:\n- **Alpha Shoe** ($10.00), light\n* Beta ($12.00)\n\nWant one?"


@pytest.mark.parametrize(("text", "kept"), [
    # the offline responder's listing
    (OFFLINE_LISTING, ("Here's what I found: running shoe (2 shown).\n"
                      "Would you like more details on any of these?")),
    # a model's markdown bullets, a name shortened but its price quoted
    (MODEL_LISTING, "I found two.\n\nWant one?"),
])
def test_text_with_cards_drops_only_the_listing_lines(text, kept):
    products = [{"name": "Alpha Shoe", "price": "$10.00"}, {"name": "Beta Shoe", "price": "$12.00"}]
    assert text_with_cards(text, products) == kept
    # a cart summary or a list of other things stays as it is
    other = "Here's your cart:\n• 1 × Gamma Mug — $5.00\nSubtotal: $5.00"
    assert text_with_cards(other, products) == other
    assert text_with_cards(text, []) == text
