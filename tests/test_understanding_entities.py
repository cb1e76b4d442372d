"""Entity extraction: values, currencies and spans that point back into the message."""

from __future__ import annotations

from typing import Any

import pytest

from agentpay.understanding.entities import AROUND_TOLERANCE, extract_entities


def ents(text: str, context: dict[str, Any] | None = None, intent: str | None = None,
         kind: str | None = None) -> list[dict[str, Any]]:
    out = extract_entities(text, context, intent)
    for e in out:  # every span points at its own text
        assert text[e["start"]:e["end"]] == e["text"], e
    return [e for e in out if kind is None or e["type"] == kind]


def one(text: str, kind: str, **kw: Any) -> dict[str, Any]:
    found = ents(text, kind=kind, **kw)
    assert len(found) == 1, (text, found)
    return found[0]


# ---- prices ----------------------------------------------------------------------------

def test_under_a_dollar_price_is_a_maximum_in_usd() -> None:
    e = one("I need running shoes under $150", "price_max")
    assert (e["value"], e["currency"], e["text"]) == (150.0, "USD", "150")
    assert not ents("I need running shoes under $150", kind="price_min")


def test_between_two_numbers_and_a_currency_word() -> None:
    found = ents("something between 50 and 80 euros", kind=None)
    lo = [e for e in found if e["type"] == "price_min"]
    hi = [e for e in found if e["type"] == "price_max"]
    assert [(e["value"], e["currency"], e["text"]) for e in lo] == [(50.0, "EUR", "50")]
    assert [(e["value"], e["currency"], e["text"]) for e in hi] == [(80.0, "EUR", "80")]


def test_around_widens_by_a_fifth_each_way() -> None:
    text = "a sofa for around 200"
    lo, hi = one(text, "price_min"), one(text, "price_max")
    assert AROUND_TOLERANCE == 0.20
    assert (lo["value"], hi["value"]) == (160.0, 240.0)
    assert lo["text"] == hi["text"] == "200" and lo["start"] == text.index("200")


@pytest.mark.parametrize(("text", "lo", "hi", "currency"), [
    ("lamps $20-$40", 20.0, 40.0, "USD"),
    ("less than 30 bucks", None, 30.0, "USD"),
    ("over £100 please", 100.0, None, "GBP"),
    ("budget of 1,200", None, 1200.0, "USD"),
])
def test_price_forms(text: str, lo: float | None, hi: float | None, currency: str) -> None:
    got_lo = ents(text, kind="price_min")
    got_hi = ents(text, kind="price_max")
    assert [e["value"] for e in got_lo] == ([lo] if lo is not None else [])
    assert [e["value"] for e in got_hi] == ([hi] if hi is not None else [])
    assert all(e["currency"] == currency for e in got_lo + got_hi)


def test_currency_defaults_from_context() -> None:
    e = one("anything under 60", "price_max", context={"currency": "eur"})
    assert e["currency"] == "EUR"


def test_an_offer_is_an_amount_not_a_bound() -> None:
    text = "can you do $90?"
    e = one(text, "amount")
    assert (e["value"], e["currency"], e["text"]) == (90.0, "USD", "90")
    assert not ents(text, kind="price_max")


def test_refund_amount_spans_the_number_only() -> None:
    text = "I expect a reimbursement of 160 dollars"
    e = one(text, "amount")
    assert (e["value"], text[e["start"]:e["end"]]) == (160.0, "160")


def test_units_are_not_prices() -> None:
    assert not ents("it takes under 5 minutes", kind="price_max")
    assert not ents("size 10 boots", kind="amount")


# ---- order ids -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("where is order 1135426?", "1135426"),
    ("status of #A1234 please", "A1234"),
    ("cancel purchase 00123842", "00123842"),
    ("it's 7732201349959", "7732201349959"),
])
def test_order_ids(text: str, value: str) -> None:
    e = one(text, "order_id")
    assert e["value"] == value


def test_invoice_numbers_are_not_order_ids() -> None:
    assert not ents("I need the invoice #37777", kind="order_id")


# ---- quantities, sizes, colours --------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "span"), [
    ("add two of those to my cart", 2, "two"),
    ("I want 3 pairs", 3, "3"),
    ("a dozen please", 12, "a dozen"),
    ("give me 4 lamps", 4, "4"),
])
def test_quantities(text: str, value: int, span: str) -> None:
    e = one(text, "quantity")
    assert (e["value"], e["text"]) == (value, span)


@pytest.mark.parametrize(("text", "value"), [
    ("do you have it in size 10?", "10"),
    ("a hoodie in XL", "xl"),
    ("medium please", "medium"),
    ("men's 10.5", "10.5"),
    ("queen size sheets", "queen"),
    ("1/2 in. pipe fitting", "1/2 in."),
    ("an 8x10 rug", "8x10"),
])
def test_sizes(text: str, value: str) -> None:
    assert one(text, "size")["value"] == value


@pytest.mark.parametrize(("text", "value"), [
    ("navy blue curtains", "navy blue"),
    ("an off white rug", "off white"),
    ("turquoise pillows", "turquoise"),
    ("a gold mirror", "gold"),
])
def test_colors_longest_first(text: str, value: str) -> None:
    assert one(text, "color")["value"] == value


def test_a_colour_word_used_otherwise_is_not_a_colour() -> None:
    assert not ents("can I use my gold card", kind="color")


# ---- references ------------------------------------------------------------------------

SHOWN = [{"id": "p1", "title": "Blue lamp"}, {"id": "p2", "title": "Red lamp"},
         {"id": "p3", "title": "Green lamp"}]


def test_ordinal_reference_resolves_against_last_shown() -> None:
    e = one("is the second one waterproof?", "reference", context={"last_shown": SHOWN})
    assert e["value"] == {"ordinal": 2}
    assert e["text"] == "the second one"
    assert e["resolved"] == SHOWN[1]


def test_last_one_is_minus_one() -> None:
    e = one("I'll take the last one", "reference", context={"last_shown": ["a", "b", "c"]})
    assert e["value"] == {"ordinal": -1} and e["resolved"] == "c"


def test_ordinal_out_of_range_stays_unresolved() -> None:
    e = one("the fifth one", "reference", context={"last_shown": ["a", "b"]})
    assert e["value"] == {"ordinal": 5} and "resolved" not in e


@pytest.mark.parametrize("text", ["I like that one", "how much is it?", "add this to my cart"])
def test_deictic_references(text: str) -> None:
    e = one(text, "reference")
    assert e["value"] == {"deictic": "that"}


def test_deictic_resolves_only_when_unambiguous() -> None:
    single = one("how much is it?", "reference", context={"last_shown": ["sku-9"]})
    assert single["resolved"] == "sku-9"
    many = one("how much is it?", "reference", context={"last_shown": ["a", "b"]})
    assert "resolved" not in many
    focused = one("how much is it?", "reference",
                  context={"last_shown": ["a", "b"], "focus": "b"})
    assert focused["resolved"] == "b"


def test_described_reference_matches_a_shown_product() -> None:
    e = one("how much is the red one?", "reference", context={"last_shown": SHOWN})
    assert e["value"]["descriptor"] == "red" and e["resolved"] == SHOWN[1]


# ---- product type ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("I need running shoes under $150", "running shoes"),
    ("turquoise pillows", "pillows"),
    ("salon chair", "salon chair"),
    ("looking for a navy blue sofa in size large", "sofa"),
    ("dinosaur", "dinosaur"),
])
def test_product_type(text: str, value: str) -> None:
    assert one(text, "product_type", intent="product_search")["value"] == value


def test_no_product_type_outside_shopping_intents() -> None:
    assert not ents("where is order 1135426?", intent="order_status", kind="product_type")
