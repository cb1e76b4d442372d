"""Products the shopper calls by name, none on screen: each name finds the product it
names best ("the ridgeway hard cooler" is not the Ridgeway Glacier Chest Hard Cooler,
which has every one of those words too), and two names find two products."""

from __future__ import annotations

from agentpay.tools.ranking import named_first

HARD = {"external_id": "cool-hard", "name": "Ridgeway Hard Cooler, 25 qt", "brand": "Ridgeway",
        "price": 15199, "currency": "USD", "category": "Camping",
        "attributes": {"product_type": "Cooler"},
        "variants": [{"sku": "cool-hard-olive", "color": "Olive", "size": "25 qt", "stock": 4},
                     {"sku": "cool-hard-sand", "color": "Sand", "size": "25 qt", "stock": 4}]}
GLACIER = {"external_id": "cool-glacier", "brand": "Ridgeway",
           "name": "Ridgeway Glacier Chest Hard Cooler, 25 qt, Black", "price": 21499,
           "currency": "USD", "category": "Camping", "attributes": {"product_type": "Cooler"},
           "variants": [{"sku": "cool-glacier-black", "color": "Black", "size": "25 qt",
                         "stock": 4}]}
SOFT = {"external_id": "cool-soft", "name": "Ridgeway Soft Cooler Bag, 20 can", "brand": "Ridgeway",
        "price": 5999, "currency": "USD", "category": "Camping",
        "attributes": {"product_type": "Cooler"}}


def test_the_product_the_words_name_best_comes_first():
    found = [{"name": GLACIER["name"], "brand": "Ridgeway"}, {"name": HARD["name"]},
             {"name": SOFT["name"]}]
    assert named_first(found, "the ridgeway hard cooler 25 qt")[0] is found[1]
    assert named_first(found, "the glacier chest one")[0] is found[0]
    assert named_first(found, "ridgeway soft coolers")[0] is found[2]
    # words that name none of them leave the search's order
    assert named_first(found, "the blue one") == found
    assert named_first(found, "") == found


def test_two_products_named_by_the_shopper_are_both_quoted(shop_chat):
    say = shop_chat("Named Coolers", [GLACIER, HARD, SOFT])
    text = ("whats the difference between the ridgeway hard cooler 25 qt and the ridgeway "
            "glacier chest 25 qt")
    body = say(text, client_message_id="named-1")
    reply = body["reply"]["content"]
    assert "Ridgeway Hard Cooler, 25 qt — $151.99" in reply, reply
    assert "Glacier Chest Hard Cooler, 25 qt, Black — $214.99" in reply, reply
    # both as cards, now and when the message is sent again
    assert [p["external_id"] for p in body["products"]] == ["cool-hard", "cool-glacier"]
    again = say(text, status=200, client_message_id="named-1")
    assert [p["external_id"] for p in again["products"]] == ["cool-hard", "cool-glacier"]
    # WHEN they ask which is cheaper and by how much THEN both prices and the gap
    gap = say("which one is cheaper and by how much")["reply"]["content"]
    assert "Ridgeway Hard Cooler, 25 qt at $151.99" in gap, gap
    assert "$63.00 less than Ridgeway Glacier Chest Hard Cooler, 25 qt, Black ($214.99)" in gap
    # and the cheaper one of the two is the one the shopper gets
    cheaper = say("add the cheaper one in olive")
    assert [(li["external_id"], li.get("color")) for li in cheaper["cart"]["lines"]] == [
        ("cool-hard", "Olive")], cheaper["reply"]["content"]


def test_how_much_more_the_dearest_costs_than_the_next(shop_chat):
    chat = shop_chat("Gap Coolers", [GLACIER, HARD, SOFT])

    def say(text: str) -> str:
        return chat(text)["reply"]["content"]

    assert "Soft Cooler Bag" in say("show me ridgeway coolers")
    reply = say("which is the priciest, and by how much?")
    # the dearest against the next dearest, not against the cheapest
    assert "Glacier Chest Hard Cooler, 25 qt, Black at $214.99: $63.00 more than " \
           "Ridgeway Hard Cooler, 25 qt ($151.99)" in reply, reply
    # without "by how much" the answer names one product, as before
    assert "more than" not in say("which is the cheapest?")


BAGS = [
    {"external_id": "bag-down", "name": "Kestrel 35°F Down Sleeping Bag", "price": 19500,
     "currency": "USD", "category": "Camping", "description": "Light enough for summer hikes.",
     "attributes": {"product_type": "Sleeping Bag", "material": "650-fill down"}},
    {"external_id": "bag-synth", "name": "Kestrel 0°F Winter Sleeping Bag", "price": 12399,
     "currency": "USD", "category": "Camping", "description": "Has a two-way zipper.",
     "attributes": {"product_type": "Sleeping Bag", "material": "synthetic insulation"}},
]


def test_a_question_about_one_product_on_screen_is_answered_from_its_listing(shop_chat):
    # "what's the insulation in the first one" reads to the classifier like a comparison
    # (one message among many): it asks about one product, and its listing answers
    say = shop_chat("Bag Questions", BAGS)

    shown = [p["external_id"] for p in say("show me sleeping bags")["products"]]
    first = next(b for b in BAGS if b["external_id"] == shown[0])
    second = next(b for b in BAGS if b["external_id"] == shown[1])
    out = say("what's the insulation in the first one")
    assert out["reply"]["tool_calls"][0]["action"]["type"] == "answer_question"
    assert first["attributes"]["material"] in out["reply"]["content"]
    assert second["attributes"]["material"] in say(
        "whats the fabric in the second one")["reply"]["content"]
    # comparing two is still a comparison
    both = say("compare the first and the second one")
    assert both["reply"]["tool_calls"][0]["action"]["type"] == "compare_products"
