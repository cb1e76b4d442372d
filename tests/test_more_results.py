""""Any others?", "show me more": the same search, past what it has shown; when there is
no more, said so, and the list on screen stays for "the first two" next."""

from __future__ import annotations

import pytest

from understanding_store import reading_of

BOTTLES = [{"external_id": f"wb-{i:02d}", "name": f"Rillwater Insulated Water Bottle No. {i}",
            "price": 1500 + 100 * i, "currency": "USD", "category": "Outdoor",
            "attributes": {"product_type": "Water Bottle"}} for i in range(1, 9)]


@pytest.mark.parametrize("text", ["any others?", "show me more", "what else have you got",
                                  "more options please", "got any more?", "show me others",
                                  "give me some other options"])
def test_asking_for_more_is_read(text):
    reading = reading_of(text)
    assert reading.more and not reading.words, reading.words


@pytest.mark.parametrize("text", ["any other colours?", "any more info on it?",
                                  "i want more than 2", "is there anything else i need to know"])
def test_other_things_are_not_more_results(text):
    assert not reading_of(text).more


def test_more_results_then_none_then_the_list_stays(shop_chat):
    say = shop_chat("Bottle Shop", BOTTLES)
    first = [p["external_id"] for p in say("show me water bottles")["products"]]
    assert len(first) == 5
    out = say("any others?")
    more = [p["external_id"] for p in out["products"]]
    assert len(more) == 3 and not set(more) & set(first), out["reply"]["content"]
    out = say("show me more")
    assert "all I have for water bottle" in out["reply"]["content"], out["reply"]["content"]
    out = say("what's the difference between the first two")
    assert [p["external_id"] for p in out["products"]][:2] == more[:2], out["reply"]["content"]


def test_more_of_what_the_store_does_not_sell_says_so(shop_chat):
    say = shop_chat("Bottle Shop Two", BOTTLES)
    say("do you sell yoga mats")
    out = say("any others?")
    assert "don't have any yoga mats" in out["reply"]["content"], out["reply"]["content"]


@pytest.mark.parametrize("text", ["can I get it by friday?", "could i have them before christmas",
                                  "can i get it delivered to canada", "can i get it today?"])
def test_when_it_would_arrive_is_no_order(text):
    assert not reading_of(text).add_words


def test_can_i_get_it_by_friday_answers_and_adds_nothing(shop_chat):
    say = shop_chat("Bottle Shop Three", BOTTLES)
    say("show me water bottles")
    say("tell me about the second one")
    out = say("can I get it by friday?")
    assert out["cart"]["lines"] == [], out["reply"]["content"]


@pytest.mark.parametrize("text,adds", [("whats in my cart", False), ("is it in my cart?", False),
                                       ("anything in my basket yet", False),
                                       ("2 of those in my cart please", True),
                                       ("also throw in a beanie", True),
                                       ("chuck in 2 mugs", True),
                                       ("a throw blanket please", False)])
def test_the_cart_asked_about_is_no_add(text, adds):
    assert reading_of(text).add_words is adds
    if adds and "throw" in text:
        assert "throw" not in reading_of(text).words
