"""The conversation's shopping state (orchestrator/shopping.py): refine, replace, negate,
relax, over many phrasings; and search as a function of the state. No database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentpay.catalog.vocabulary import Vocabulary
from agentpay.orchestrator.shopping import ShoppingState, search_arguments, update
from agentpay.tools.ranking import rank
from understanding_store import VOCAB, reading_of


def after(*messages: str) -> ShoppingState:
    state = ShoppingState()
    for message in messages:
        state, _ = update(state, reading_of(message))
    return state


def change(state: ShoppingState, message: str) -> str:
    return update(state, reading_of(message))[1]


# --------------------------------------------------------------------------------------
# Refine: a constraint on the same search keeps the rest
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("refinement, field, value", [
    ("in navy", "colors", ["navy"]),
    ("something in navy?", "colors", ["navy"]),
    ("navy please", "colors", ["navy"]),
    ("under $80 if possible", "price_max", 8000),
    ("anything under 160?", "price_max", 16000),
    ("size 10.5", "sizes", ["10.5"]),
    ("in a medium", "sizes", ["m"]),
    ("actually for my husband", "gender", "men"),
    ("one with 2 batteries", "modifiers", ["2 batteries"]),
    ("waterproof ones", "features", ["waterproof"]),
    ("from northvane", "brands", ["Northvane"]),
])
def test_a_refinement_keeps_what_is_looked_for(refinement, field, value):
    # GIVEN a search for women's rain jackets under $200
    state = after("womens rain jacket under $200")
    assert state.product_types == ["Rain Jacket"] and state.gender == "women"
    # WHEN the shopper narrows it
    new, how = update(state, reading_of(refinement))
    # THEN the new constraint is there and the rest is kept
    assert how == "refine"
    assert getattr(new, field) == value
    assert new.product_types == ["Rain Jacket"]
    if field != "price_max":
        assert new.price_max == 20000
    if field != "gender":
        assert new.gender == "women"
    assert new.model_dump() != state.model_dump()


def test_a_new_colour_replaces_the_old_one():
    assert after("hoodies", "in navy", "in sage").colors == ["sage"]


def test_a_new_budget_replaces_the_old_one_and_a_floor_above_it_goes():
    state = after("hoodies between $30 and $60", "under $40")
    assert (state.price_min, state.price_max) == (3000, 4000)
    state = after("hoodies between $30 and $60", "under $20")
    assert (state.price_min, state.price_max) == (None, 2000)


def test_a_narrower_kind_narrows_the_types():
    state = after("running shoes", "trail running shoes actually")
    assert state.product_types == ["Trail Running Shoe"]


def test_saying_the_same_search_again_changes_nothing():
    state = after("headlamps")
    assert change(state, "headlamp") == "same"


# --------------------------------------------------------------------------------------
# Replace: another kind of product starts a new search
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("message", [
    "what about a headlamp?", "and a headlamp", "headlamps", "do you have headlamps",
    "show me headlamps instead"])
def test_another_product_type_starts_a_new_search(message):
    state = after("hiking boots for my wife in size 7, in black, under $200, waterproof")
    new, how = update(state, reading_of(message))
    assert how == "replace" and new.product_types == ["Headlamp"]
    # what belonged to the boots goes; who they are for stays
    assert new.colors == [] and new.sizes == [] and new.features == []
    assert new.price_max is None and new.gender == "women"


def test_a_budget_said_before_any_product_type_stays():
    # "a gift for my dad who loves camping" ... "something under 50 bucks" ... "headlamp?"
    state = after("looking for a gift for my dad who loves camping", "something under 50 bucks",
                  "what about a headlamp?")
    assert state.product_types == ["Headlamp"] and state.price_max == 5000
    assert state.gender == "men"


def test_a_brand_said_before_any_product_type_stays():
    state = after("anything from Loomwell?", "just the hoodies pls")
    assert state.product_types == ["Hoodie"] and state.brands == ["Loomwell"]


def test_instead_with_a_colour_replaces_the_colour_only():
    state = after("hoodies in navy, size m", "do you have something in green instead?")
    assert state.product_types == ["Hoodie"] and state.colors == ["green"]
    assert state.sizes == ["m"]


def test_instead_with_other_words_keeps_the_kind_of_product():
    state = after("hoodies", "show me chicken and brown rice instead")
    assert state.product_types == ["Hoodie"]


# --------------------------------------------------------------------------------------
# Negate and relax
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("message, excluded", [
    ("not black", "black"), ("anything but navy", "navy"), ("no white pls", "white")])
def test_negating_a_colour_rules_it_out(message, excluded):
    state = after("hoodies in black or white or navy", message)
    assert excluded in state.exclude_colors and excluded not in state.colors


def test_negating_a_kind_narrows_the_types():
    state = after("whats the most expensive sofa you have? not a sectional")
    assert "Sectional Sofa" not in state.product_types and "Sofa" in state.product_types


@pytest.mark.parametrize("message", ["any colour", "any color is fine", "colour doesn't matter",
                                     "whatever colour"])
def test_relaxing_the_colour(message):
    state = after("hoodies in navy, not black", message)
    assert state.colors == [] and state.exclude_colors == [] and state.any_color


@pytest.mark.parametrize("message", ["budget doesn't matter", "any price", "price is no object"])
def test_relaxing_the_budget(message):
    state = after("hoodies between $30 and $60", message)
    assert state.price_min is None and state.price_max is None


def test_relaxing_the_size_and_the_brand():
    state = after("northvane hoodies in size m", "any size", "any brand")
    assert state.sizes == [] and state.brands == []


def test_nothing_being_looked_for_and_nothing_said_is_no_search():
    assert change(ShoppingState(), "hmm, ok") == "none"


@given(st.lists(st.sampled_from([
    "in navy", "in black", "under $50", "under $80", "size m", "in a large", "for my wife",
    "not black", "any colour", "any size", "budget doesn't matter", "waterproof ones",
    "from northvane", "any brand", "in sage instead"]), min_size=1, max_size=8))
@settings(max_examples=150, deadline=None)
def test_refinements_never_lose_the_kind_of_product_and_relaxing_clears(messages):
    state = after("hoodies", *messages)
    assert state.product_types == ["Hoodie"]
    last = messages[-1]
    if last == "any colour":
        assert state.colors == [] and state.any_color
    if last == "any size":
        assert state.sizes == []
    if last == "budget doesn't matter":
        assert state.price_max is None
    if last == "not black":
        assert "black" not in state.colors
    assert not set(state.colors) & set(state.exclude_colors)


# --------------------------------------------------------------------------------------
# Search from the state
# --------------------------------------------------------------------------------------

def test_search_arguments_carry_every_constraint_in_the_store_s_terms():
    state = after("womens rain jacket under $200", "in blue", "size medium", "not navy",
                  "waterproof ones")
    args = search_arguments(state, VOCAB)
    assert args["product_types"] == ["Rain Jacket"]
    assert {"slate blue", "light wash"} <= set(args["colors"])
    assert "navy" in args["exclude_colors"]
    assert args["sizes"] == ["m"] and args["size_keys"] == ["m"]
    assert args["gender"] == "women" and args["price_max"] == 20000
    assert args["features"] == ["waterproof"]
    assert "jacket" in args["query"]


def test_qualifiers_the_store_has_are_required_and_others_are_left_out():
    args = search_arguments(after("plain merino beanie with 2 batteries"), VOCAB)
    # "merino" and "2 batteries" are words of the store's products; "plain" is nobody's,
    # and with the product known it is no filter and no noise in the query either
    assert args["require"] == ["merino", "2 batteries"]
    assert "plain" not in args["query"]


def test_with_several_possible_types_all_the_words_rank():
    # "gym" is no word of any product's name, but it tells running shoes from others
    args = search_arguments(after("gym shoes"), VOCAB)
    assert "gym" in args["query"] and len(args["product_types"]) > 1


def test_without_a_product_type_the_words_only_rank():
    args = search_arguments(after("something for camping"), VOCAB)
    assert "require" not in args and "camping" in args["query"]


def test_the_state_describes_itself():
    state = after("womens rain jacket under $200", "in navy", "size m")
    assert state.describe() == "navy rain jacket for women in size M under $200.00"


def test_what_it_is_for_and_what_it_comes_with_rank_but_never_filter():
    args = search_arguments(after("a travel mug for the patio"), VOCAB)
    assert "patio" in args["query"] and "patio" in args.get("prefer", [])
    assert "patio" not in " ".join(args.get("require", []))
    args = search_arguments(after("a hoodie with a kangaroo pocket"), VOCAB)
    assert {"kangaroo", "pocket"} <= set(args["prefer"]) and "require" not in args


def test_a_listing_that_says_the_preferred_words_comes_first_among_equals():
    plain = {"name": "Studio Leggings", "description": "Squat-proof.", "in_stock": True,
             "price_minor": 5000, "score": 1.0}
    pocket = {"name": "Sculpt Leggings", "description": "A hidden waistband pocket.",
              "in_stock": True, "price_minor": 7000, "score": 0.95}
    assert rank([plain, pocket], sizes=[], colors=[], prefer=["pocket"])[0] is pocket
    assert rank([plain, pocket], sizes=[], colors=[])[0] is plain
    # the cheapest with a pocket, not the cheapest
    assert rank([plain, pocket], sizes=[], colors=[], sort="cheapest",
                prefer=["pocket"])[0] is pocket
    assert rank([plain, pocket], sizes=[], colors=[], sort="cheapest")[0] is plain


def test_a_bare_noun_names_the_types_it_ends_and_leads():
    vocab = Vocabulary.from_terms([{"kind": "type", "term": t}
                                   for t in ("Dog Bed", "Bed Frame", "Table Lamp")], version=1)
    assert set(vocab.find_types(["queen", "platform", "bed"]).labels) == {"Dog Bed", "Bed Frame"}
    assert vocab.find_types(["dog", "bed"]).labels == ("Dog Bed",)
    assert vocab.find_types(["bed", "frame"]).labels == ("Bed Frame",)
    assert vocab.find_types(["lamp"]).labels == ("Table Lamp",)
