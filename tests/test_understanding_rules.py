"""The compiled rules: every intent of the contract on the project's own phrasings,
out-of-scope messages kept out, typo tolerance and the per-message cost."""

from __future__ import annotations

import time

import pytest

from agentpay.understanding.intents import INTENTS, SHOP_INTENTS, UNKNOWN
from agentpay.understanding.rules import RULES, classify_rules, correct, normalize

# Phrasings written for these tests (not the exemplars, not the datasets).
CASES: dict[str, list[str]] = {
    "greeting": ["hello!", "hey there", "good morning", "hi, how are you?"],
    "goodbye": ["ok bye, thanks", "bye for now", "see you later", "goodbye"],
    "thanks": ["thank you so much", "thanks a lot", "cheers, appreciate it"],
    "affirm": ["yes please", "sounds good", "yep, go ahead", "sure thing"],
    "deny": ["no thanks", "not that one", "nope", "no, that's not right"],
    "product_search": ["I need running shoes under $150", "turquoise pillows",
                       "salon chair", "looking for a blue velvet sofa",
                       "do you have wireless earbuds?"],
    "product_details": ["is the second one waterproof?", "what are the dimensions of it?",
                        "does this one come with a warranty?"],
    "recommendation": ["what would you recommend for a small balcony?",
                       "can you suggest a gift for my sister?", "which one should I get?"],
    "compare_products": ["what's the difference between these two?",
                         "compare the first and the third one", "oak vs walnut, which is better?"],
    "price_inquiry": ["how much is the blue one?", "what does it cost?",
                      "what's the price of the second one?"],
    "availability": ["do you have it in size 10?", "is the grey one in stock?",
                     "does it come in other colours?"],
    "add_to_cart": ["add two of those to my cart", "put the lamp in my basket",
                    "add the second one please"],
    "remove_from_cart": ["remove the lamp", "take the rug out of my cart",
                         "delete the socks from my basket"],
    "view_cart": ["what's in my basket?", "show me my cart", "what's my cart total?"],
    "checkout": ["I'll take it, how do I pay?", "I'm ready to check out",
                 "how do I place an order?"],
    "discount_request": ["any promo code?", "can you do $90?", "is there a discount?",
                         "come on, can you do 10%?", "could you go down to 10 percent please"],
    "price_objection": ["hmm, that's a bit expensive", "too pricey for me",
                        "that's out of my budget"],
    "payment_help": ["do you take PayPal?", "my card was declined",
                     "what payment methods do you accept?"],
    "shipping_info": ["how long does shipping take?", "do you ship to Canada?",
                      "what delivery options are there?"],
    "returns_refunds": ["can I return it if it doesn't fit?", "what is your refund policy?",
                        "I want my money back"],
    "order_status": ["where is order 1135426?", "has my package shipped yet?",
                     "I need a copy of my invoice"],
    "order_change": ["cancel my order", "change the delivery address on my order",
                     "I want to add an item to order 5522113"],
    "account_help": ["I forgot my password", "how do I create an account?",
                     "I can't log in to my profile"],
    "human_handoff": ["can I talk to a human?", "connect me with customer service",
                      "I want to speak to a real person"],
    "complaint": ["this is the worst service ever", "I want to file a complaint",
                  "I'm really unhappy with your company"],
    UNKNOWN: ["what's the weather tomorrow?", "book a flight to Lisbon",
              "what's my credit score?", "set an alarm for 6am", "tell me a joke"],
}


def test_every_intent_of_the_contract_has_cases() -> None:
    assert set(CASES) == set(INTENTS)
    assert len(SHOP_INTENTS) == 25


@pytest.mark.parametrize(("intent", "text"),
                         [(i, t) for i, texts in CASES.items() for t in texts])
def test_rules_decide_clear_messages(intent: str, text: str) -> None:
    # GIVEN a clear message WHEN the rules read it THEN they name its intent confidently
    result = classify_rules(text)
    assert result.intent == intent, (text, result)
    assert result.confidence >= 0.9, (text, result)


@pytest.mark.parametrize("text", [
    "book me a hotel in Rome", "transfer $200 to my savings", "what is my account balance",
    "how do I say hello in German", "when is my electricity bill due",
    "do I need a visa for Japan",
])
def test_out_of_scope_is_never_taken_for_shopping(text: str) -> None:
    # GIVEN a request no store handles WHEN classified THEN it is not a shop intent
    assert classify_rules(text).intent == UNKNOWN


def test_store_words_beat_generic_out_of_scope_words() -> None:
    # a bank word in a payment problem at a shop is still a payment problem
    assert classify_rules("my card keeps getting declined at your checkout").intent == (
        "payment_help")
    # an order word makes "cancel" about the order, not a reservation
    assert classify_rules("please cancel purchase 00123842").intent == "order_change"


def test_typos_of_cue_words_are_mended() -> None:
    assert correct("cancfel") == "cancel"
    assert correct("paymnet") == "payment"
    assert correct("shippment") == "shipment"
    # real words next to cue words are left alone
    assert correct("never") == "never"
    assert correct("ever") == "ever"
    assert classify_rules("I need to cancfel my ordr 00123842").intent == "order_change"


def test_normalize_expands_contractions_and_drops_noise() -> None:
    assert normalize("Where's my damn order?").tokens == ("where", "is", "my", "order", "?")
    assert normalize("I can't login").tokens[:3] == ("i", "can", "not")


def test_rules_are_compiled_once_and_name_real_intents() -> None:
    assert RULES and all(rule[0] in INTENTS for rule in RULES)


def test_rule_path_costs_microseconds() -> None:
    # GIVEN a warm rule table WHEN classifying a batch THEN the median stays far below
    # a millisecond (the target is 200 us p99 on an idle core; this guards regressions
    # with room for a busy CI machine)
    texts = [t for texts in CASES.values() for t in texts] * 5
    classify_rules("warm up")
    costs = []
    for text in texts:
        start = time.perf_counter_ns()
        classify_rules(text)
        costs.append(time.perf_counter_ns() - start)
    costs.sort()
    assert costs[len(costs) // 2] < 1_000_000


@pytest.mark.parametrize("text", [
    "hi! im after a waterproof jacket for hiking, mens, size L, nothing too pricey",
    "a desk lamp please, not too expensive",
    "need running shoes for my son, nothing crazy expensive",
])
def test_a_budget_said_with_the_wish_is_no_price_objection(text: str) -> None:
    # "nothing too pricey" holds "too pricey", but objects to no price shown
    assert classify_rules(text).intent != "price_objection"


def test_a_price_still_objected_to_is_an_objection() -> None:
    assert classify_rules("that's too pricey").intent == "price_objection"
    assert classify_rules("the jacket is way too expensive").intent == "price_objection"


@pytest.mark.parametrize("text", ["what about the 15% vitamin c serum", "how about a 100% cotton tee"])
def test_a_percentage_in_a_product_is_no_discount(text: str) -> None:
    assert classify_rules(text).intent != "discount_request", text
