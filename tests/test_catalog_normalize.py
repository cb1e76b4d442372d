"""A product's stored row (catalog/normalize.py): the colour a listing names only in its
name counts as its colour, for the filters and the store's vocabulary."""

from __future__ import annotations

import pytest

from agentpay.catalog.normalize import name_colour, product_row
from agentpay.catalog.schemas import ProductIn


@pytest.mark.parametrize("name, colour", [
    ("Emberlight Hooded Down Puffer Jacket – Men's, Charcoal", "Charcoal"),
    ("Cordless Drill/Driver, Tool Only, Black (TQD860B)", "Black"),
    ("Cloudrest Sheet Set, Heather Gray", "Heather Gray"),
    ("Elevated Pet Bowl, Blush Pink", "Blush Pink"),
    ("Stoneware Coffee Mug, 16 oz", None),
    ("Cordless Drill, Kit with 2 Batteries", None),
    ("Chew Toy, Red Rope", None),
    ("Trail Running Shoe", None)])
def test_the_colour_named_last_in_a_listing(name, colour):
    assert name_colour(name) == colour


def _product(**kw) -> ProductIn:
    return ProductIn.model_validate({"external_id": "p-1", "name": "Ribbed Beanie, Charcoal",
                                     "price": 2800, "currency": "USD", **kw})


def test_a_name_colour_fills_a_product_without_colours():
    assert product_row(_product())["colors"] == ["charcoal"]


def test_listed_colours_win_over_the_name():
    row = product_row(_product(attributes={"colors": ["Navy", "Black"]}))
    assert row["colors"] == ["navy", "black"]


def test_the_sizes_and_colours_of_its_variants_are_words_of_the_product():
    # a shopper asks for the option ("1/4 inch cobalt drill bit"); the name does not say it
    row = product_row(_product(name="Cobalt Twist Drill Bit", variants=[
        {"sku": "b-18", "size": "1/8 in.", "stock": 3},
        {"sku": "b-14", "size": "1/4 in.", "color": "Bronze", "stock": 0}]))
    words = row["attribute_text"].split(" ")
    assert "1/4 in." in row["attribute_text"] and "1/8 in." in row["attribute_text"]
    assert "bronze" in words
