"""Superlatives over what products measure: "the warmest sleeping bag you have", "which one
is the lightest?", "the most powerful one please", "which holds the most?". Answered from
the listings' figures (numeric attributes, else the number and unit in a name), never
by searching for the word "warmest"."""

from __future__ import annotations

import pytest

from agentpay.understanding import measures
from agentpay.understanding.measures import WishName
from understanding_store import reading_of


def _p(eid: str, name: str, price: int, ptype: str, **attrs) -> dict:
    return {"external_id": eid, "name": name, "price": price, "currency": "USD",
            "category": "Outdoor", "attributes": {"product_type": ptype, **attrs}}


BAGS = [_p("bag-40", "Ridgeway Summer Sleeping Bag", 6900, "Sleeping Bag", temp_rating_f=40),
        _p("bag-5", "Ridgeway Alpine Sleeping Bag", 18900, "Sleeping Bag", temp_rating_f=5),
        _p("bag-20", "Ridgeway Three Season Sleeping Bag", 9900, "Sleeping Bag",
           temp_rating_f=20),
        _p("bag-m7", "Fjellby Expedition Sleeping Bag", 25900, "Sleeping Bag",
           temp_rating_c=-7)]
SHOES = [_p("shoe-a", "Gritline Trail Runner", 11000, "Trail Running Shoe", weight="10.2 oz"),
         _p("shoe-b", "Gritline Trail Runner Lite", 12500, "Trail Running Shoe",
            weight="8.9 oz"),
         _p("shoe-c", "Mossback Trail Runner", 9000, "Trail Running Shoe", weight="11.5 oz")]
LAMPS = [_p("lamp-3", "Beamwise 300 Lumen Headlamp", 2500, "Headlamp"),
         _p("lamp-9", "Beamwise 900 Lumen Headlamp", 5500, "Headlamp"),
         _p("lamp-5", "Beamwise 500 Lumen Headlamp", 3900, "Headlamp")]
BLENDERS = [_p("bl-1", "Whirlo Personal Blender", 3900, "Blender"),
            _p("bl-2", "Whirlo Countertop Blender", 8900, "Blender", wattage=1000),
            _p("bl-3", "Whirlo Pro Blender", 14900, "Blender", wattage=1500),
            _p("bl-4", "Whirlo Mini Blender", 2900, "Blender")]


def test_every_wish_is_a_name_the_state_and_the_tool_accept():
    from typing import get_args
    assert set(get_args(WishName)) == set(measures.WISHES)


@pytest.mark.parametrize("text,wish", [
    ("whats the warmest sleeping bag you've got", "warmest"),
    ("which one weighs the least?", "lightest"),
    ("the lightest one pls", "lightest"),
    ("which is heaviest", "heaviest"),
    ("brightest headlamp you sell?", "brightest"),
    ("the most powerful one please", "most_powerful"),
    ("which power bank holds the most", "highest_capacity"),
    ("one with the biggest battery", "longest_battery"),
    ("highest spf you have", "highest_spf"),
    ("which is the quietest", "quietest"),
    ("the longest leash you have", "largest"),
    ("i need a lightweight rain jacket", None),
    ("something in a lighter colour", None),
    ("a warm hat for winter", None),
])
def test_a_wish_is_read_from_how_shoppers_say_it(text, wish):
    assert reading_of(text).size_wish == wish


def test_a_wish_word_is_no_search_word():
    reading = reading_of("what's the warmest sleeping bag you have")
    assert "warmest" not in " ".join(reading.words + reading.modifiers)


def test_warmth_is_the_lowest_temperature_rating_in_either_scale():
    # -7 °C is 19.4 °F: warmer than the 20 °F bag, not as warm as the 5 °F one
    order = measures.order_key(BAGS, "warmest")
    ranked = [p["external_id"] for _, p in sorted(zip(order, BAGS, strict=True),
                                                  key=lambda kp: kp[0])]
    assert ranked == ["bag-5", "bag-m7", "bag-20", "bag-40"]
    assert [p["external_id"] for p in measures.best(BAGS, "warmest")] == ["bag-5"]


def test_a_figure_with_its_unit_in_the_value_or_the_name_measures_too():
    assert [p["external_id"] for p in measures.best(SHOES, "lightest")] == ["shoe-b"]
    assert [p["external_id"] for p in measures.best(SHOES, "heaviest")] == ["shoe-c"]
    assert [p["external_id"] for p in measures.best(LAMPS, "brightest")] == ["lamp-9"]


def test_units_are_brought_to_one_before_comparing():
    bags = [_p("a", "Dry Bag A", 100, "Dry Bag", weight_lb=1),
            _p("b", "Dry Bag B", 100, "Dry Bag", weight_lb=2)]
    assert [p["external_id"] for p in measures.best(bags, "lightest")] == ["a"]
    cans = [_p("qt", "Cooler 25 qt", 100, "Cooler"), _p("l", "Cooler 30 L", 100, "Cooler")]
    assert [p["external_id"] for p in measures.best(cans, "highest_capacity")] == ["l"]


def test_one_figure_among_several_decides_nothing():
    two_unmeasured = [BLENDERS[0], BLENDERS[1], BLENDERS[3]]
    assert measures.values(two_unmeasured, "most_powerful") == {}
    assert measures.best(two_unmeasured, "most_powerful") == two_unmeasured


def test_without_figures_the_listing_that_says_the_quality_comes_first():
    jackets = [_p("j1", "Stormline Rain Jacket", 100, "Rain Jacket"),
               _p("j2", "Stormline Lightweight Rain Jacket", 100, "Rain Jacket"),
               _p("j3", "Stormline Storm Jacket", 100, "Rain Jacket")]
    assert [p["external_id"] for p in measures.best(jackets, "lightest")] == ["j2"]
    assert measures.best(jackets, "brightest") == jackets


def test_the_figure_a_reply_may_quote():
    assert measures.figure(BAGS[1], "warmest") == "temp rating 5°F"
    assert measures.figure({"specs": {"lumens": 600.0}}, "brightest") == "lumens 600"
    assert measures.figure(BAGS[1], "lightest") == ""


def test_the_warmest_sleeping_bag_the_store_has(shop_chat):
    say = shop_chat("Warm Bags", BAGS + SHOES)
    out = say("what's the warmest sleeping bag you have?")
    assert [p["external_id"] for p in out["products"]] == ["bag-5"], out["reply"]["content"]
    assert "warmest" in out["reply"]["content"].lower()
    assert "5°F" in out["reply"]["content"]


def test_which_one_is_the_lightest_of_those_shown(shop_chat):
    say = shop_chat("Light Shoes", SHOES + BAGS)
    assert len(say("show me trail running shoes")["products"]) == 3
    out = say("which one is the lightest?")
    assert out["products"][0]["external_id"] == "shoe-b", out["reply"]["content"]
    out = say("add it in one size")
    assert [li["external_id"] for li in out["cart"]["lines"]] == ["shoe-b"], \
        out["reply"]["content"]


def test_the_most_powerful_one_is_found_when_the_list_cannot_say(shop_chat):
    say = shop_chat("Blenders", BLENDERS)
    say("i need a blender")
    out = say("the most powerful one please")
    assert [li["external_id"] for li in out["cart"]["lines"]] == ["bl-3"], \
        out["reply"]["content"]


@pytest.mark.parametrize("text,figures", [
    ("sleeping bag rated to 0 F?", ["0 f"]),
    ("a bag rated 20°F or warmer", ["20 f"]),
    ("comfort rating of -5 c", ["-5 c"]),
    ("a 1200 watt blender", ["1200 w"]),
    ("a 22 litre day pack", ["22 l"]),
    ("size 10 f", []),
    ("under 20 bucks", []),
])
def test_a_spec_figure_is_read_as_one(text, figures):
    assert measures.read_figures(text.lower()) == figures


@pytest.mark.parametrize("product,figure,fits", [
    ({"attributes": {"temp_rating_f": 0}}, "0 f", True),
    ({"attributes": {"temp_rating_f": 20}}, "0 f", False),
    ({"attributes": {"temp_rating_c": -7}}, "19.4 f", True),
    ({"attributes": {"capacity_l": 22}}, "22 l", True),
    ({"attributes": {"capacity_qt": 25}}, "25 qt", True),
    ({"name": "Hard Cooler, 25 qt"}, "25 qt", True),
    ({"name": "Cocoon 0°F Sleeping Bag"}, "0 f", True),
    ({"attributes": {"wattage": 1200}}, "1200 w", True),
    ({"attributes": {"voltage": 20}}, "20 w", None),
    ({"name": "Plain Blender"}, "1200 w", None),
])
def test_a_figure_fits_the_listing_that_has_it(product, figure, fits):
    assert measures.fits_figure(product, figure) is fits


def test_a_figure_asked_for_brings_the_products_that_have_it(shop_chat):
    say = shop_chat("Rated Bags", BAGS + BLENDERS)
    out = say("sleeping bag rated to 20 F?")
    assert [p["external_id"] for p in out["products"]][:1] == ["bag-20"], \
        out["reply"]["content"]
    out = say("do you have a 1500 watt blender")
    assert out["products"][0]["external_id"] == "bl-3", out["reply"]["content"]
    assert "couldn't find" not in out["reply"]["content"]  # the figure is in its listing


def test_a_figure_the_store_sells_as_a_size_stays_a_size():
    reading = reading_of("got anything tinted with spf 50?")
    assert reading.figures == [] and reading.sizes, (reading.figures, reading.sizes)


def test_how_bright_or_warm_it_is_is_its_figure(shop_chat):
    say = shop_chat("Spec Answers", BAGS + [_p("lamp-x", "Beamwise Trail Headlamp", 3000,
                                                 "Headlamp", lumens=450)])
    say("show me headlamps")
    out = say("how bright is it")
    assert "lumens 450" in out["reply"]["content"], out["reply"]["content"]
    say("show me sleeping bags")
    out = say("how warm is the Ridgeway Alpine one")
    assert "5°F" in out["reply"]["content"], out["reply"]["content"]


def test_how_big_it_is_without_measures_says_the_size_is_not_given(shop_chat):
    say = shop_chat("Big Question", [_p("sofa-1", "Calloway Sectional Sofa", 99900, "Sofa"),
                                     _p("sofa-2", "Harlow Sofa", 89900, "Sofa")])
    say("show me sofas")
    out = say("how big is the first one")
    assert "doesn't give its size" in out["reply"]["content"], out["reply"]["content"]
