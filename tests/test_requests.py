"""Several requests in one message (understanding/requests.py): where a message is split and
where it stays whole, phrased many ways. No database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentpay.understanding.requests import MAX_PARTS, split_requests


@pytest.mark.parametrize("text, parts", [
    ("add 2 bags. also looking for a cat tree around 60 inches, under 100",
     ["add 2 bags.", "also looking for a cat tree around 60 inches, under 100"]),
    ("add it. do u also have a 10 inch nonstick frying pan?",
     ["add it.", "do u also have a 10 inch nonstick frying pan?"]),
    ("how fast does it ship? and whats the total", ["how fast does it ship?", "and whats the total"]),
    ("cool add it. also need a wireless mouse, something cheapish",
     ["cool add it.", "also need a wireless mouse, something cheapish"]),
    ("hmm actually remove that and add the first one instead",
     ["hmm actually remove that", "add the first one instead"]),
    ("put the red one in my basket; also i need a leash", ["put the red one in my basket",
                                                           "also i need a leash"]),
])
def test_a_new_request_after_a_stop_is_played_on_its_own(text, parts):
    assert split_requests(text) == parts


@pytest.mark.parametrize("text", [
    "the blue one, size M", "touchscreen gloves size m, nothing over 60",
    "hmm ok, I'll still take them, burgundy, size 7", "hmm bit pricey. what's your cheapest one?",
    "the mossgrove swivel chairs - how much are the boucle one and the velvet one?",
    "the brickwick car or the wonderloop truck, whats the price on each?",
    "sounds good, put it in my basket", "great, add it to the cart and check me out",
    "I'll take the lowest priced of those, add it", "a tent and a sleeping bag", "ok, add it"])
def test_one_request_said_with_commas_stays_whole(text):
    assert split_requests(text) == [text]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_splits_into_at_most_three_parts_that_keep_its_words(text):
    parts = split_requests(text)
    assert 1 <= len(parts) <= MAX_PARTS
    assert "".join("".join(p.split()) for p in parts) in "".join(text.split()) or len(parts) == 1


@pytest.mark.parametrize("text, parts", [
    ("add it, and how quickly does it ship?", ["add it", "and how quickly does it ship?"]),
    ("put 2 in the cart, and can i pay with paypal", ["put 2 in the cart",
                                                      "and can i pay with paypal"]),
])
def test_a_question_joined_to_a_cart_move_by_a_comma_and_and(text, parts):
    assert split_requests(text) == parts


@pytest.mark.parametrize("text", ["the blue one, and how much is it?",
                                  "a warm coat, and is it waterproof?"])
def test_a_pick_and_its_question_stay_whole(text):
    assert split_requests(text) == [text]


@pytest.mark.parametrize("text", [
    "what would you suggest for someone new to climbing? I need shoes, size 9",
    "can you recommend something for my dad? he likes camping. i want to spend under 50"])
def test_a_request_for_advice_and_what_it_is_about_stay_whole(text):
    assert split_requests(text) == [text]


def test_the_next_thing_wanted_after_a_stop_is_its_own_request():
    assert split_requests("add it. and a 32 oz water bottle in black?") == [
        "add it.", "and a 32 oz water bottle in black?"]
    assert split_requests("the blue one, and a mug") == ["the blue one, and a mug"]


@pytest.mark.parametrize("text", ["go with the cheapest you have and put 12 in the cart",
                                  "cheapest ones are fine, any colour. add 6",
                                  "the navy one. put 2 in my basket",
                                  "go with the cheapest and put 3 in the cart, size L"])
def test_a_count_put_in_the_cart_after_a_pick_is_the_same_request(text):
    assert split_requests(text) == [text]


def test_what_comes_instead_after_a_comma_is_its_own_request():
    assert split_requests("wait actually scrap the speaker, I'd rather have noise cancelling "
                          "earbuds") == ["wait actually scrap the speaker",
                                         "I'd rather have noise cancelling earbuds"]


def test_now_a_thing_after_a_stop_is_a_new_request_and_also_under_a_price_is_not():
    assert split_requests("add it. now a wireless keyboard with backlit keys, under 50") == [
        "add it.", "now a wireless keyboard with backlit keys, under 50"]
    assert split_requests("add that too. and a dimmable desk lamp, also under 50") == [
        "add that too.", "and a dimmable desk lamp, also under 50"]


@pytest.mark.parametrize("text, wish", [
    ("Hello. My cat is very big and likes to climb high. I want a cat tree, minimum 60 inch",
     "I want a cat tree, minimum 60 inch"),
    ("We're a big family and we camp every summer. I need a tent for at least 4 people",
     "I need a tent for at least 4 people"),
    ("my dog loves fetch. do you have tennis balls?", "do you have tennis balls?")])
def test_a_story_told_first_is_context_and_the_wish_after_it_the_request(text, wish):
    assert split_requests(text) == [wish]


def test_looking_for_something_is_a_request_not_context():
    assert split_requests("I'm looking for boots. I also want socks") == [
        "I'm looking for boots.", "I also want socks"]


def test_a_story_joined_by_commas_stays_with_its_wish():
    text = ("my daughter turns 7 soon and she wants a remote control car, it has to be a "
            "monster truck, and I'd like to keep it under 50")
    assert split_requests(text) == [text]


def test_now_and_the_next_thing_wanted_is_a_new_request():
    assert split_requests("put that in the basket. Now mugs, four matching ones") == [
        "put that in the basket.", "Now mugs, four matching ones"]


def test_two_superlative_picks_joined_by_and_are_two_requests():
    assert split_requests("what's the cheapest carbon pair you have and the cheapest "
                          "aluminium pair?") == ["what's the cheapest carbon pair you have",
                                                  "the cheapest aluminium pair?"]
    # a pick and its count stay one request
    text = "go with the cheapest you have and put 12 in the cart"
    assert split_requests(text) == [text]
