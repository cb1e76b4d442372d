"""Two kinds of product asked for in one message are looked for one by one, each with what
was said of both (understanding/kinds.py), and both lists stay on screen for "add the
shampoo" or "the cheapest of each" next."""

from __future__ import annotations

import pytest

from agentpay.catalog.vocabulary import Vocabulary
from agentpay.understanding.kinds import split_kinds

TYPES = ["Shampoo", "Conditioner", "Headlamp", "Backpacking Tent", "Sleeping Bag",
         "Rain Jacket", "Hiking Boot", "Running Shoe", "Running Sock", "Salt and Pepper Grinder",
         "Sneaker"]
VOCAB = Vocabulary.from_terms([{"kind": "type", "term": t} for t in TYPES]
                              + [{"kind": "color", "term": c} for c in ("black", "white")],
                              version=1, words_=["sulfate", "free", "curly", "hair"])


@pytest.mark.parametrize("text,parts", [
    ("i need a shampoo and a conditioner, both sulfate free",
     ["i need a shampoo, sulfate free", "i need a conditioner, sulfate free"]),
    ("a shampoo and a conditioner for curly hair both sulfate free please",
     ["a shampoo, for curly hair, sulfate free please",
      "a conditioner, for curly hair, sulfate free please"]),
    ("need a volumizing shampoo and a hydrating conditioner, both 12 oz",
     ["need a volumizing shampoo, 12 oz", "need a hydrating conditioner, 12 oz"]),
    ("sulfate free shampoo and conditioner", ["sulfate free shampoo", "sulfate free conditioner"]),
    ("running shoes and socks", ["running shoes", "socks"]),
    ("a headlamp and a tent", ["a headlamp", "a tent"]),
    ("I want the Trailbeam 300 headlamp and the Ridgeline 2 tent",
     ["I want the Trailbeam 300 headlamp", "I want the Ridgeline 2 tent"]),
    ("a rain jacket and hiking boots, both waterproof",
     ["a rain jacket, waterproof", "hiking boots, waterproof"]),
])
def test_two_kinds_become_one_request_each(text, parts):
    assert split_kinds(text, VOCAB, on_screen=False) == parts


@pytest.mark.parametrize("text", [
    "add the shampoo and the conditioner",     # both on screen: a pick, not a search
    "salt and pepper grinder",                 # one product's name
    "black and white sneakers",                # one kind in two colours
    "a headlamp and some batteries for it",    # batteries are no kind of this store
    "shampoo",
])
def test_one_kind_stays_one_request(text):
    assert split_kinds(text, VOCAB, on_screen=True) is None


def _item(eid: str, name: str, price: int, ptype: str, benefit: str) -> dict:
    return {"external_id": eid, "name": name, "price": price, "currency": "USD",
            "category": "Hair Care", "attributes": {"product_type": ptype, "benefit": benefit},
            "variants": [{"sku": f"{eid}-12", "size": "12 fl oz", "stock": 5}]}


HAIR = [_item("sh-1", "Brookfield Sulfate-Free Shampoo", 1400, "Shampoo", "Sulfate-Free"),
        _item("sh-2", "Brookfield Sulfate-Free Repair Shampoo", 1100, "Shampoo", "Sulfate-Free"),
        _item("sh-3", "Brookfield Volumizing Shampoo", 900, "Shampoo", "Volumizing"),
        _item("co-1", "Brookfield Sulfate-Free Conditioner", 1500, "Conditioner", "Sulfate-Free"),
        _item("co-2", "Brookfield Sulfate-Free Silk Conditioner", 1250, "Conditioner",
              "Sulfate-Free"),
        _item("co-3", "Brookfield Hydrating Conditioner", 800, "Conditioner", "Hydrating")]


def test_both_kinds_are_shown_and_the_cheapest_of_each_bought(shop_chat):
    say = shop_chat("Hair Shop", HAIR)
    out = say("i need a shampoo and a conditioner, both sulfate free")
    shown = [p["external_id"] for p in out["products"]]
    assert {"sh-1", "sh-2"} <= set(shown) and {"co-1", "co-2"} <= set(shown), \
        out["reply"]["content"]
    assert not {"sh-3", "co-3"} & set(shown)
    out = say("add the cheapest of each")
    assert sorted(li["external_id"] for li in out["cart"]["lines"]) == ["co-2", "sh-2"], \
        out["reply"]["content"]


def test_the_shampoo_of_the_two_lists_is_added(shop_chat):
    say = shop_chat("Hair Shop Two", HAIR)
    say("sulfate free shampoo and conditioner")
    out = say("add the first shampoo")
    assert [li["external_id"] for li in out["cart"]["lines"]][:1] in (["sh-1"], ["sh-2"]), \
        out["reply"]["content"]


def test_the_cheapest_of_each_that_you_have_is_of_the_two_lists(shop_chat):
    say = shop_chat("Hair Shop Three", HAIR)
    say("need a volumizing shampoo and a hydrating conditioner")
    out = say("add the cheapest of each that you have")
    assert sorted(li["external_id"] for li in out["cart"]["lines"]) == ["co-3", "sh-3"], \
        out["reply"]["content"]


COLOURED = Vocabulary.from_terms(
    [{"kind": "type", "term": t} for t in ("Nail Polish", "Coffee Mug")]
    + [{"kind": "color", "term": c} for c in ("nude beige", "crimson", "navy", "sage", "cream",
                                              "black")], version=1, words_=["gloss"])


@pytest.mark.parametrize("text,parts", [
    (("grab me a few nail polishes: a nude one, a red one and a navy one. cheapest of each "
     "is fine"), ["grab me a nude nail polish, cheapest is fine",
                 "grab me a red nail polish, cheapest is fine",
                 "grab me a navy nail polish, cheapest is fine"]),
    ("i need 2 mugs, one in sage and one in cream", ["i need a sage mug", "i need a cream mug"]),
])
def test_one_kind_in_colours_said_as_items_is_one_request_each(text, parts):
    from agentpay.understanding.kinds import split_colours
    assert split_colours(text, COLOURED) == parts


@pytest.mark.parametrize("text", ["a black one and a cream one",  # no kind: those on screen
                                  "a sage mug", "do you have a navy one?",
                                  "a cream and black mug"])    # one two-tone mug
def test_no_colour_list_no_split(text):
    from agentpay.understanding.kinds import split_colours
    assert split_colours(text, COLOURED) is None


def _polish(eid: str, name: str, price: int, colour: str) -> dict:
    return {"external_id": eid, "name": name, "price": price, "currency": "USD",
            "category": "Beauty", "attributes": {"product_type": "Nail Polish"},
            "variants": [{"sku": f"{eid}-v", "color": colour, "stock": 4}]}


POLISH = [_polish("np-n1", "Gloss Nail Polish, Nude Beige", 1500, "Nude Beige"),
          _polish("np-n2", "Salon Nail Polish, Nude Beige", 1100, "Nude Beige"),
          _polish("np-r1", "Gloss Nail Polish, Crimson", 1300, "Crimson"),
          _polish("np-r2", "Salon Nail Polish, Crimson", 1900, "Crimson"),
          _polish("np-v1", "Gloss Nail Polish, Navy", 1250, "Navy"),
          {**_polish("np-2c", "Quick-Dry Nail Polish", 1800, "Nude Beige"),
           "variants": [{"sku": "np-2c-n", "color": "Nude Beige", "stock": 3},
                        {"sku": "np-2c-r", "color": "Crimson", "stock": 3}]}]


def test_the_cheapest_of_each_colour_goes_in(shop_chat):
    say = shop_chat("Polish Bar", POLISH)
    out = say("grab me a few nail polishes: a nude one, a red one and a navy one. cheapest "
              "of each is fine")
    assert sorted(li["external_id"] for li in out["cart"]["lines"]) == \
        ["np-n2", "np-r1", "np-v1"], out["reply"]["content"]
