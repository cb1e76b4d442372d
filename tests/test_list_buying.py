"""A shopping list said item by item, or two products named in one go, ends in the cart:
"also a 4 foot nylon leash, cheapest you have" right after an add; "I want the Zentrik
Slim 10 power bank and the Zentrik Durabraid 240W cable". Named loosely ("the zentrik slim
power bank" with two of them), it is shown, not bought."""

from __future__ import annotations


def _p(eid: str, name: str, price: int, ptype: str, brand: str, size: str | None = None,
       color: str = "Black") -> dict:
    return {"external_id": eid, "name": name, "price": price, "currency": "USD",
            "brand": brand, "category": "Pets & Tech",
            "attributes": {"product_type": ptype},
            "variants": [{"sku": f"{eid}-v", "size": size, "color": color, "stock": 9}]}


PETS = [_p("col-1", "Pawline Nylon Dog Collar", 1350, "Dog Collar", "Pawline", "S"),
        _p("col-2", "Pawline Leather Dog Collar", 2200, "Dog Collar", "Pawline", "S"),
        _p("lea-1", "Pawline Nylon Dog Leash, 4 ft.", 1450, "Dog Leash", "Pawline", "4 ft."),
        _p("lea-2", "Trekhound Nylon Dog Leash, 4 ft.", 2400, "Dog Leash", "Trekhound", "4 ft."),
        _p("lea-3", "Pawline Leather Dog Leash, 6 ft.", 3100, "Dog Leash", "Pawline", "6 ft."),
        _p("bow-1", "Pawline Stainless Steel Pet Bowl", 1899, "Pet Bowl", "Pawline"),
        _p("bow-2", "Trekhound Stainless Steel Pet Bowl", 2195, "Pet Bowl", "Trekhound")]
TECH = [_p("pb-10", "Voltwise Slim 10 Power Bank, Silver", 1799, "Power Bank", "Voltwise"),
        _p("pb-20", "Voltwise Slim 20000mAh Power Bank", 8599, "Power Bank", "Voltwise"),
        _p("cb-240", "Voltwise Braidline 240W USB-C Cable, 10 ft.", 1150, "Charging Cable",
           "Voltwise", "10 ft."),
        _p("cb-60", "Voltwise Braidline USB-C Cable, 10 ft.", 1599, "Charging Cable", "Voltwise",
           "10 ft.")]


def test_the_next_item_of_a_list_with_which_one_said_goes_in(shop_chat):
    say = shop_chat("Puppy Shop", PETS)
    say("just got a puppy! need a collar, size small")
    out = say("the cheapest one of those is fine")
    assert [li["external_id"] for li in out["cart"]["lines"]] == ["col-1"]
    out = say("also a 4 foot nylon leash, cheapest you have")
    assert [li["external_id"] for li in out["cart"]["lines"]] == ["col-1", "lea-1"], \
        out["reply"]["content"]
    out = say("and a stainless steel bowl, whichever's cheapest")
    assert [li["external_id"] for li in out["cart"]["lines"]][-1] == "bow-1", \
        out["reply"]["content"]


def test_the_next_item_without_which_one_is_shown_first(shop_chat):
    say = shop_chat("Puppy Shop Two", PETS)
    say("need a collar, size small")
    say("the cheapest one of those is fine")
    out = say("also a nylon leash")
    assert [li["external_id"] for li in out["cart"]["lines"]] == ["col-1"]
    assert len(out["products"]) >= 2


def test_two_products_named_in_full_are_both_bought(shop_chat):
    say = shop_chat("Named Tech", TECH)
    out = say("I want the Voltwise Slim 10 power bank and the Voltwise Braidline 240W 10 ft "
              "cable")
    assert sorted(li["external_id"] for li in out["cart"]["lines"]) == ["cb-240", "pb-10"], \
        out["reply"]["content"]


def test_a_product_named_loosely_is_shown_not_bought(shop_chat):
    say = shop_chat("Named Tech Two", TECH)
    out = say("i want the voltwise slim power bank")
    assert out["cart"]["lines"] == [], out["reply"]["content"]
    assert {p["external_id"] for p in out["products"]} >= {"pb-10", "pb-20"}


def test_a_price_leaning_is_no_pick(shop_chat):
    say = shop_chat("Puppy Shop Three", PETS)
    say("need a collar, size small")
    say("the cheapest one of those is fine")
    out = say("also need a leash, something cheapish")
    assert [li["external_id"] for li in out["cart"]["lines"]] == ["col-1"], \
        out["reply"]["content"]


def test_a_product_named_in_full_but_sold_out_is_said_so(shop_chat):
    sold_out = {**TECH[0], "variants": [{"sku": "pb-10-v", "color": "Silver", "stock": 0}]}
    say = shop_chat("Named Tech Three", [sold_out, *TECH[1:]])
    out = say("i want the voltwise slim 10 power bank")
    assert out["cart"]["lines"] == [], out["reply"]["content"]
    assert "out of stock" in out["reply"]["content"].lower(), out["reply"]["content"]


def test_swapping_to_a_colour_names_the_product_found(shop_chat):
    navy_sold_out = {**_p("lea-9", "Trekhound Nylon Dog Leash, 4 ft., Navy", 1650, "Dog Leash",
                          "Trekhound", "4 ft.", "Navy"),
                     "variants": [{"sku": "lea-9-v", "size": "4 ft.", "color": "Navy",
                                   "stock": 0},
                                  {"sku": "lea-9-w", "size": "6 ft.", "color": "Navy",
                                   "stock": 2}]}
    say = shop_chat("Swap Shop", PETS + [navy_sold_out])
    say("show me nylon dog leashes, 4 ft")
    say("add the first one")
    out = say("swap it for navy")
    reply = out["reply"]["content"]
    assert "Trekhound Nylon Dog Leash, 4 ft., Navy" in reply and "out of stock" in reply, reply


def test_an_offer_taken_in_passing_goes_to_checkout(shop_chat):
    say = shop_chat("Haggle Shop", PETS, rules={"max_discount_percent": 10})
    say("show me dog collars")
    say("add the first one")
    offer = say("can you do 20% off?")
    assert "5% off" in offer["reply"]["content"], offer["reply"]["content"]
    out = say("fine, 10% then")  # a counter to 5%: no yes
    assert not any(c.get("name") == "create_checkout_link"
                   for c in out["reply"]["tool_calls"]), out["reply"]["content"]
    offer = say("come on, can you do 10%?")
    assert "10% off" in offer["reply"]["content"], offer["reply"]["content"]
    out = say("fine, 10% then")
    assert any(c.get("name") == "create_checkout_link" for c in out["reply"]["tool_calls"]), \
        out["reply"]["content"]


def test_not_too_bright_asks_for_no_bright(shop_chat):
    from understanding_store import reading_of

    reading = reading_of("i want a desk lamp thats not too bright for my bedside")
    assert "bright" not in reading.words + reading.modifiers
