"""What the store does not sell is said to be so, and a search for it is not narrowed by
what the shopper asks next."""

from __future__ import annotations

KITCHEN = [
    {"external_id": f"k-{i}", "name": name, "price": price, "currency": "USD",
     "category": "Kitchen", "attributes": {"product_type": kind}}
    for i, (name, kind, price) in enumerate([
        ("Stoneware Coffee Mug, 16 oz", "Coffee Mug", 1800),
        ("Enamel Camp Coffee Mug", "Coffee Mug", 1400),
        ("Gooseneck Pour-Over Kettle", "Kettle", 8900),
        ("Brushed Steel Electric Kettle", "Kettle", 6900)])]


def test_what_the_store_does_not_sell_is_said_and_a_new_wish_starts_afresh(shop_chat):
    say = shop_chat("Kitchen Only", KITCHEN)
    reply = say("do you have yoga mats?")["reply"]["content"]
    assert reply.startswith("I couldn't find any yoga mats in this store"), reply
    reply = say("a gift for my dad, he loves fishing")["reply"]["content"]
    assert reply.startswith("I couldn't find anything for fishing in this store"), reply
    # the next wish is not "fishing coffee mugs"
    out = say("what about coffee mugs?")
    assert "fishing" not in out["reply"]["content"], out["reply"]["content"]
    assert {p["external_id"] for p in out["products"]} == {"k-0", "k-1"}
