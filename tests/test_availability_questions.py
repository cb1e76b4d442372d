""""Do you have the first one in medium?" asks; it does not buy. The answer is about that
product in that size, in the store's spelling, with the colours it has in it; "add it"
next takes the size asked about."""

from __future__ import annotations


def _jacket(eid: str, name: str, price: int, stock: dict) -> dict:
    return {"external_id": eid, "name": name, "price": price, "currency": "USD",
            "category": "Outerwear", "attributes": {"product_type": "Rain Jacket"},
            "variants": [{"sku": f"{eid}-{size}-{colour}", "size": size, "color": colour,
                          "stock": n} for (size, colour), n in stock.items()]}


JACKETS = [
    _jacket("rj-1", "Cloudburst Waterproof Rain Jacket", 8899,
            {("M", "Plum"): 3, ("M", "Forest Green"): 2, ("L", "Plum"): 0}),
    _jacket("rj-2", "Stormline Packable Rain Jacket", 7550,
            {("M", "Navy"): 0, ("L", "Navy"): 4}),
]


def test_asking_for_a_size_of_a_product_shown_answers_and_then_buys_it(shop_chat):
    say = shop_chat("Availability", JACKETS)
    shown = [p["external_id"] for p in say("show me rain jackets")["products"]]
    ordinal = {1: "first", 2: "second"}
    cloudburst, stormline = (ordinal[shown.index(e) + 1] for e in ("rj-1", "rj-2"))
    asked = say(f"do you have the {cloudburst} one in medium?")
    reply = asked["reply"]["content"]
    assert asked["cart"]["item_count"] == 0, reply  # asked, not bought
    assert "Cloudburst Waterproof Rain Jacket is in stock in size M, in Forest Green or " \
           "Plum" in reply, reply
    sold_out = say(f"do you have the {stormline} one in medium?")["reply"]["content"]
    assert "Stormline Packable Rain Jacket is sold out in size M" in sold_out, sold_out
    say(f"does the {cloudburst} one come in medium?")
    added = say("ok add it in plum")
    assert [(li["external_id"], li.get("size"), li.get("color"))
            for li in added["cart"]["lines"]] == [("rj-1", "M", "Plum")], \
        added["reply"]["content"]


def test_the_size_asked_about_it_is_kept_through_the_colour_question(shop_chat):
    say = shop_chat("Availability Focus", JACKETS)
    shown = [p["external_id"] for p in say("show me rain jackets")["products"]]
    which = {1: "first", 2: "second"}[shown.index("rj-1") + 1]
    say(f"tell me about the {which} one")
    assert "in stock in size M" in say("do you have it in medium?")["reply"]["content"]
    asked = say("cool add 2")
    assert asked["cart"]["item_count"] == 0 and "colour" in asked["reply"]["content"]
    added = say("plum")
    assert [(li["external_id"], li.get("size"), li.get("color"), li["quantity"])
            for li in added["cart"]["lines"]] == [("rj-1", "M", "Plum", 2)], \
        added["reply"]["content"]
