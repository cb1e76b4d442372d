"""Two kinds of one product asked about together or in turn: "the cheapest carbon pair and
the cheapest aluminium pair", then "go with the carbon ones"; "any aluminium ones?" after
carbon ones asks for aluminium instead of both."""

from __future__ import annotations


def _pole(eid: str, name: str, price: int, material: str) -> dict:
    return {"external_id": eid, "name": name, "price": price, "currency": "USD",
            "category": "Hiking", "attributes": {"product_type": "Trekking Poles",
                                                 "material": material}}


POLES = [_pole("cf-1", "Skyridge Collapsible Carbon Trekking Poles", 6850, "carbon fiber"),
         _pole("cf-2", "Skyridge Pro Carbon Trekking Poles", 11900, "carbon fiber"),
         _pole("al-1", "Trailstick Aluminum Trekking Poles", 3499, "7075 aluminum"),
         _pole("al-2", "Trailstick Folding Aluminum Trekking Poles", 7395, "7075 aluminum"),
         {"external_id": "sock-1", "name": "Merino Hiking Socks", "price": 2200,
          "currency": "USD", "category": "Hiking",
          "attributes": {"product_type": "Hiking Socks", "material": "merino wool"}}]


def test_the_cheapest_of_two_materials_then_one_of_them_bought(shop_chat):
    say = shop_chat("Two Picks", POLES)
    out = say("trekking poles - what's the cheapest carbon pair you have and the cheapest "
              "aluminium pair?")
    reply = out["reply"]["content"]
    assert "Skyridge Collapsible Carbon Trekking Poles" in reply, reply
    assert "Trailstick Aluminum Trekking Poles at $34.99" in reply, reply
    assert "carbon aluminum" not in reply  # the second pick is aluminium, not both
    # both picks stay on screen: the one named next is one of them, and "go with" buys it
    out = say("go with the carbon ones")
    assert [li["external_id"] for li in out["cart"]["lines"]] == ["cf-1"], \
        out["reply"]["content"]


def test_another_material_asked_for_replaces_the_first(shop_chat):
    say = shop_chat("Material Swap", POLES)
    first = say("show me carbon trekking poles")
    assert {p["external_id"] for p in first["products"]} == {"cf-1", "cf-2"}
    out = say("any aluminium ones?")
    assert {p["external_id"] for p in out["products"]} == {"al-1", "al-2"}, \
        out["reply"]["content"]
    assert "carbon" not in out["reply"]["content"].lower()


SOCKS = [{"external_id": f"sock-{i}", "name": name, "price": price, "currency": "USD",
          "category": "Hiking", "attributes": {"product_type": "Hiking Socks",
                                               "material": "merino wool"}}
         for i, (name, price) in enumerate([("Merino Hiking Socks", 2200),
                                            ("Cushioned Merino Crew Socks", 1650),
                                            ("Lightweight Merino Ankle Socks", 1900)], 2)]


def test_the_cheapest_of_another_kind_than_on_screen_is_the_store_s(shop_chat):
    say = shop_chat("Other Kind", POLES[:4] + SOCKS)
    assert len(say("show me trekking poles")["products"]) == 4
    out = say("and the cheapest hiking socks?")
    assert "Cushioned Merino Crew Socks at $16.50" in out["reply"]["content"], \
        out["reply"]["content"]
    assert [p["external_id"] for p in out["products"]] == ["sock-3"]


def test_a_wish_with_a_budget_said_in_passing_is_searched_cheapest_first(shop_chat):
    say = shop_chat("Budget Hint", POLES)
    out = say("hi! im after trekking poles for hiking, nothing too pricey")
    assert out["reply"]["tool_calls"][0]["action"]["type"] == "search_products", \
        out["reply"]["content"]
    prices = [p["price_minor"] for p in out["products"]]
    assert prices == sorted(prices) and prices[0] == 3499, out["reply"]["content"]
