"""What a shopper's message says, read against a store's vocabulary (understanding/reading.py,
understanding/lexicon.py, catalog/vocabulary.py), phrased many ways. No database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentpay.catalog.vocabulary import Vocabulary
from agentpay.understanding.lexicon import colour_family, size_key, size_keys, spell_numbers
from understanding_store import VOCAB, reading_of

# --------------------------------------------------------------------------------------
# Sizes as people say them, mapped to the store's size labels
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, key", [
    ("a medium please", "m"),
    ("in medium", "m"),
    ("size large", "l"),
    ("do you have it in an extra large", "xl"),
    ("XL", "xl"),
    ("got it in M?", "m"),
    ("hoodie, size small", "s"),
    ("she wears a 7", "7"),
    ("in a 9", "9"),
    ("size 10.5", "10.5"),
    ("size ten and a half", "10.5"),
    ("hiking boots, mens, ten and a half", "10.5"),
    ("seven and a half", "7.5"),
    ("34 waist", "34"),
    ("waist 32 please", "32"),
    ("jeans 32x30", "32"),
    ("queen size sheets", "queen"),
    ("a 6 foot leash", "6 ft"),
    ("6ft leash", "6 ft"),
    ("a 60 inch one", "60 in"),
    ('60" wide', "60 in"),
    ("12 oz mug", "12 oz"),
    ("16 oz", "16 oz"),
    ("tent for 4 people", "4 person"),
    ("a 2 person tent", "2 person"),
    ("the long size", "long"),
    ("long pls", "long"),
    ("spf 50 sunscreen", "spf 50"),
    ("tv stand for my 65 inch tv", "65 in"),
    ("1000 piece puzzle", "1000 piece"),
])
def test_sizes_as_people_say_them(text, key):
    assert key in reading_of(text).sizes


@pytest.mark.parametrize("text", [
    "add 2 of the first one", "under 150", "i'm 34 years old", "how long are they?",
    "a long day", "the first one", "give me 3", "a small problem with my order?"])
def test_numbers_and_words_that_are_no_size(text):
    reading = reading_of(text)
    assert not [k for k in reading.sizes if k not in ("s",)] or "small" in text


def test_a_size_the_store_does_not_have_is_no_size():
    assert reading_of("size 13").sizes == []  # the store has no 13


def test_feet_are_inches_too():
    # the store sells 72 in. cat trees and 6 ft. leashes: "6 feet" is both
    assert {"6 ft", "72 in"} <= set(reading_of("like 6 feet tall").sizes)


@pytest.mark.parametrize("label, said", [
    ("60 in.", "60 inch"), ("60 in.", '60"'), ("60 in.", "60-inch"), ("4-Person", "4 people"),
    ("16 fl oz", "16 oz"), ("16 fl oz", "16 ounces"), ("1,200 Pieces", "1200 pieces"),
    ("6 ft.", "6 feet"), ("M", "medium"), ("XL", "extra large"), ("XXL", "2XL"),
    ("One Size", "one size fits all"), ("30 lb", "30 lbs"), ("30 lb", "30 pounds"),
])
def test_the_store_label_and_the_shopper_words_share_a_key(label, said):
    assert size_key(label) == size_key(said)


def test_measures_inside_a_label_are_keys_of_it():
    assert "65 in" in size_keys("for TVs up to 65 in.")
    assert {"60 w", "4 pack"} <= size_keys("60W Equivalent, 4-Pack")


@given(st.integers(min_value=1, max_value=500),
       st.sampled_from([("in", ["inch", "inches", "in.", '"']), ("ft", ["foot", "feet", "ft."]),
                        ("oz", ["ounce", "ounces", "oz."]), ("lb", ["pound", "pounds", "lbs"]),
                        ("person", ["people", "persons"])]))
@settings(max_examples=200, deadline=None)
def test_every_way_of_writing_a_unit_gives_one_key(n, unit):
    canonical, aliases = unit
    for alias in aliases:
        assert size_key(f"{n} {alias}") == f"{n} {canonical}"
        assert size_key(f"{n}{alias}") == f"{n} {canonical}"


@pytest.mark.parametrize("text, spelled", [
    ("ten and a half", "10.5"), ("size nine", "size 9"), ("a couple", "a couple"),
    ("twelve", "12")])
def test_number_words(text, spelled):
    assert spell_numbers(text) == spelled


# --------------------------------------------------------------------------------------
# Colours by name and by family
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, includes, excludes", [
    ("navy", {"navy"}, {"slate blue"}),            # a name: that name
    ("blue", {"navy", "slate blue", "light wash"}, {"charcoal"}),  # a family: all of it
    ("grey", {"charcoal", "heather gray"}, {"navy"}),
    ("gray", {"charcoal", "heather gray"}, {"navy"}),
    ("charcoal", {"charcoal"}, {"heather gray"}),
    ("brown", {"walnut", "cognac"}, {"sand"}),
    ("maroon", {"cherry red"}, {"plum"}),           # a name the store lacks: its family
    ("green", {"forest green", "sage"}, {"navy"}),
])
def test_colour_words_ask_for_the_store_s_names(word, includes, excludes):
    labels = set(VOCAB.colour_labels(word))
    assert includes <= labels and not labels & excludes


@pytest.mark.parametrize("name, family", [
    ("Slate Blue", "blue"), ("Charcoal", "grey"), ("Heather Gray", "grey"), ("Cognac", "brown"),
    ("Navy", "blue"), ("Forest Green", "green"), ("Dusty Sage", "green"), ("Ivory", "white")])
def test_colour_families(name, family):
    assert colour_family(name) == family


@pytest.mark.parametrize("text, colours", [
    ("something in navy?", ["navy"]), ("navy please", ["navy"]), ("green?", ["green"]),
    ("in walnut", ["walnut"]), ("a plum one", ["plum"]), ("the sand coloured one", ["sand"]),
    ("light wash jeans", ["light wash"]), ("grey or charcoal", ["grey", "charcoal"]),
])
def test_colours_said(text, colours):
    assert reading_of(text).colors == colours


# --------------------------------------------------------------------------------------
# What is being looked for: product types, brands, gender, features, qualifiers
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, types", [
    ("I'm looking for a waterproof jacket", {"Rain Jacket", "Down Jacket", "Fleece Jacket"}),
    ("a plain black tee, size large", {"T-Shirt"}),
    ("tshirts", {"T-Shirt"}),
    ("womens puffer jacket", {"Down Jacket"}),
    ("running shoes", {"Running Shoe", "Trail Running Shoe"}),
    ("trail running shoes", {"Trail Running Shoe"}),
    ("what about a headlamp?", {"Headlamp"}),
    ("do you sell coffee mugs?", {"Coffee Mug"}),
    ("a matching collar", {"Dog Collar"}),
    ("fleece lined beanies?", {"Beanie"}),
    ("hoodies", {"Hoodie"}),
    ("l shaped sectional in navy", {"Sectional Sofa"}),   # one type's own word
    ("womens down jakcet", {"Down Jacket"}),              # a swap
    ("sleepin bag", {"Sleeping Bag"}),
])
def test_product_types_from_the_store_s_own_words(text, types):
    reading = reading_of(text)
    assert reading.types is not None and set(reading.types.labels) == types


def test_a_message_that_names_no_product_type_has_none():
    assert reading_of("hmm, not sure yet").types is None


@pytest.mark.parametrize("text, brand", [
    ("anything from Loomwell?", "Loomwell"), ("anything by marlowe and finch", "Marlowe & Finch"),
    ("the blue Brickwick one", "Brickwick"), ("muddy paws leash", "Muddy Paws Co.")])
def test_brands(text, brand):
    assert reading_of(text).brands == [brand]


@pytest.mark.parametrize("text, gender", [
    ("rain boots for my wife", "women"), ("womens jeans", "women"), ("for my dad", "men"),
    ("men's, size 10.5", "men"), ("ladies hoodie", "women"), ("a gift", None)])
def test_gender(text, gender):
    assert reading_of(text).gender == gender


@pytest.mark.parametrize("text, modifiers", [
    ("sulfate free shampoo", ["sulfate free shampoo"]),  # no Shampoo in this store: words
    ("one with 2 batteries", ["2 batteries"]),
    ("a cordless drill with 2 batteries", ["2 batteries"]),
    ("lift-top coffee table", ["lift-top"]),
])
def test_the_words_that_qualify_the_product(text, modifiers):
    assert reading_of(text).modifiers == modifiers


def test_features_are_the_store_s_yes_no_attributes():
    assert reading_of("waterproof hiking boots").features == ["waterproof"]
    assert reading_of("noise canceling ones").features == ["noise_cancelling"]


# --------------------------------------------------------------------------------------
# How a message relates to what came before
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, relaxed", [
    ("any colour", "color"), ("any color is fine", "color"), ("colour doesn't matter", "color"),
    ("i don't care about the color", "color"), ("whatever colour u have", "color"),
    ("any finish is fine", "color"), ("any size", "size"), ("budget doesn't matter", "price"),
    ("price is no object", "price"), ("any price", "price"), ("any brand", "brand"),
])
def test_relaxing(text, relaxed):
    assert relaxed in reading_of(text).relax


@pytest.mark.parametrize("text, colour", [
    ("not black", "black"), ("anything but red", "red"), ("no navy pls", "navy"),
    ("i don't want it in white", "white")])
def test_negating_a_colour(text, colour):
    reading = reading_of(text)
    assert colour in reading.exclude_colors and colour not in reading.colors


def test_negating_a_brand_and_a_material():
    assert reading_of("nothing from Loomwell").exclude_brands == ["Loomwell"]
    assert reading_of("no leather").exclude_words == ["leather"]


def test_negating_a_kind():
    reading = reading_of("whats the most expensive sofa you have? not a sectional")
    assert "Sectional Sofa" in reading.exclude_types


@pytest.mark.parametrize("text", [
    "what about a headlamp?", "how about mugs", "something in green instead",
    "show me something else", "rather a fleece"])
def test_a_change_of_subject_is_marked(text):
    assert reading_of(text).replace


@pytest.mark.parametrize("text, selected, count, catalog", [
    ("the cheapest one", "cheapest", 1, False),
    ("which is the cheapest of those", "cheapest", 1, False),
    ("add the cheaper one in white", "cheapest", 1, False),
    ("whats the cheapest pair you have in her size", "cheapest", 1, True),
    ("what's the most expensive one you've got", "most_expensive", 1, True),
    ("the two cheapest you have", "cheapest", 2, True),
    ("add the green ones, whichever is cheaper", "cheapest", 1, False),
    ("can u add 3 of ur cheapest white tees", "cheapest", 1, True),
])
def test_superlatives_select(text, selected, count, catalog):
    reading = reading_of(text)
    assert (reading.superlative, reading.select_count, reading.scope_catalog) == \
        (selected, count, catalog)


def test_cheapest_with_a_product_is_a_sort_wish():
    reading = reading_of("show me cheap running shoes")
    assert reading.sort == "cheapest" and reading.superlative is None


@pytest.mark.parametrize("text, op, value", [
    ("make it 3", "set", 3), ("actually make it 3", "set", 3), ("change it to two", "set", 2),
    ("make that 2", "set", 2), ("actually just 2 of them", "set", 2),
    ("actually just one box", "set", 1), ("3 instead", "set", 3),
    ("add another", "more", 1), ("one more please", "more", 1), ("2 more", "more", 2),
    ("add another pair", "more", 1), ("remove one", "less", 1), ("one less", "less", 1),
    ("take one off", "less", 1)])
def test_quantity_changes(text, op, value):
    reading = reading_of(text)
    assert (reading.qty_op, reading.qty_value) == (op, value)


@pytest.mark.parametrize("text", ["show me another colour", "make it navy", "another brand?"])
def test_words_that_are_no_quantity_change(text):
    assert reading_of(text).qty_op is None


@pytest.mark.parametrize("text, kind, phrase", [
    ("is it waterproof?", "yesno", "waterproof"), ("is it ionic?", "yesno", "ionic"),
    ("are they machine washable", "yesno", "machine washable"),
    ("does it come with batteries?", "includes", "batteries"),
    ("does it have a hood", "includes", "a hood"),
    ("how long are they?", "measure", "long"), ("how heavy is it", "measure", "heavy"),
    ("how many watts is it", "measure", "many watts"),
    ("what's it made of", "material", ""), ("what's it upholstered in", "material", ""),
    ("what sizes does it come in", "sizes", ""), ("which colours", "colors", ""),
    ("what's the price on that one", "price", ""), ("how much is the first one?", "price", ""),
])
def test_questions_about_a_product(text, kind, phrase):
    question = reading_of(text).question
    assert question is not None and (question.kind, question.phrase) == (kind, phrase)


@pytest.mark.parametrize("text", ["what's my total", "total?", "whats my total so far",
                                  "how much is my basket now", "how much is everything"])
def test_cart_totals(text):
    assert reading_of(text).cart_total


@pytest.mark.parametrize("text", [
    "add it", "put it in my cart", "i'll take the black one", "give me the first one",
    "gimme 3 of the cheapest one", "throw in a second one"])
def test_buying_words(text):
    assert reading_of(text).add_words


@pytest.mark.parametrize("text", ["can you give me a discount?", "give me 100% off",
                                  "take it easy", "what do you have"])
def test_no_buying_words(text):
    assert not reading_of(text).add_words


@pytest.mark.parametrize("text, quantity", [
    ("2 bags of the unscented one pls", 2), ("5 boxes of the cheapest screws", 5),
    ("also unscented cat litter, 2 bags", 2), ("3 of the cheapest one", 3)])
def test_counts(text, quantity):
    assert reading_of(text).quantity == quantity


@pytest.mark.parametrize("text", ["take the mug out", "remove the lamp",
                                  "hmm take the cat tree out, too big for my flat",
                                  "i don't want the hoodie anymore"])
def test_removing(text):
    assert reading_of(text).remove_words


def test_a_budget_said_loosely():
    assert reading_of("womens jeans, under 90 pls").price_max == 9000
    assert reading_of("under 200 if poss").price_max == 20000
    assert reading_of("under 5 inches").price_max is None


# --------------------------------------------------------------------------------------
# Counts, picks and asides said in passing
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("ok I need 4 pairs of them", 4), ("we want 2 of those", 2),
    ("actually i'll need three of it", 3)])
def test_how_many_of_what_is_there(text, value):
    reading = reading_of(text)
    assert (reading.qty_op, reading.qty_value) == ("set", value)


def test_a_count_before_whichever_is_a_count():
    assert reading_of("two of whichever's cheapest, add them").count == 2
    assert reading_of("which one of them is less money?").quantity is None


@pytest.mark.parametrize("text", [
    "which one's the lower price?", "which is lower priced", "put the lower-priced one in",
    "which of them is less money", "cheapest of the lot?", "the least pricey one",
    "ok which one of those costs less money"])
def test_cheaper_said_many_ways_picks_the_cheapest(text):
    reading = reading_of(text)
    assert reading.superlative == "cheapest"
    assert not reading.modifiers, reading.modifiers


@pytest.mark.parametrize("text", ["can you do a lower price?", "lower price please",
                                  "any chance of a better price"])
def test_asking_for_a_lower_price_picks_nothing(text):
    assert reading_of(text).superlative is None


def test_your_cheapest_of_a_kind_is_over_the_whole_store():
    assert reading_of("hmm. what's your least expensive down jacket in a medium").scope_catalog
    assert not reading_of("the cheapest one of those").scope_catalog


@pytest.mark.parametrize("text", [
    "colour's up to you", "not fussed about the colour", "whatever colour you like",
    "you pick the colour", "size M, colour is not important"])
def test_colour_left_to_the_store(text):
    reading = reading_of(text)
    assert reading.any_color and not reading.colors and not reading.modifiers


@pytest.mark.parametrize("text, added", [
    ("i'll still take them, size 9", True), ("I'll just have the sage one", True),
    ("stick it in my basket", True), ("can i chuck it in the washing machine?", False)])
def test_taking_it_with_a_word_in_between(text, added):
    assert reading_of(text).add_words is added


def test_who_it_is_for_and_how_it_strikes_are_no_product_words():
    assert reading_of("a beanie for my crew").modifiers == []
    assert reading_of("bit pricey, got a cheaper hoodie?").modifiers == []
    assert "crew" in reading_of("crew neck t-shirt").words


def test_what_it_is_for_ranks_and_does_not_filter():
    reading = reading_of("a travel mug for the patio")
    assert reading.uses == ["patio"] and "patio" not in reading.modifiers


def test_what_a_product_comes_with_stays_a_qualifier():
    assert "kangaroo pocket" in reading_of("a hoodie with a kangaroo pocket").modifiers


def test_shopper_words_become_the_store_s_words():
    assert reading_of("high waisted jeans").modifiers == ["high rise"]


@pytest.mark.parametrize("text, key", [
    ("one person tent", "1 person"), ("the 4 piece set", "4 piece"),
    ("3/8 drive socket set", "3/8 in"), ("do you have the 40 pound bag?", "40 lb"),
    ("sleeping bag in a long", "long"), ("I'll take it, long, any colour", "long")])
def test_sizes_said_in_passing(text, key):
    assert key in reading_of(text).sizes


def test_a_bag_after_a_weight_is_no_product_and_a_piece_count_no_quantity():
    reading = reading_of("do you have the 40 pound bag?")
    assert reading.types is None
    assert reading_of("the 4 piece set").count is None


def test_a_store_colour_for_a_swap():
    assert reading_of("swap it for charcoal instead").colors == ["charcoal"]
    assert reading_of("charcoal instead").colors == ["charcoal"]


def test_shades_are_colours_asked_about():
    question = reading_of("what shades does it come in?").question
    assert question is not None and question.kind == "colors"


def test_a_type_found_by_a_spelling_fix_says_so():
    assert reading_of("a sleepng bag").guessed_type
    assert not reading_of("a sleeping bag").guessed_type


@pytest.mark.parametrize("text, topic", [
    ("can I send them back if they don't fit?", "returns"),
    ("what if I change my mind", "returns"), ("does it need assembling?", "assembly"),
    ("is it hard to put together", "assembly"), ("do these run small?", "fit"),
    ("how do they fit, true to size?", "fit"), ("is shipping free", "shipping"),
    ("how long will it take to arrive", "shipping"), ("any guarantee on it?", "warranty"),
    ("can I pay with paypal", "payment")])
def test_policy_topics(text, topic):
    assert reading_of(text).topic == topic


@pytest.mark.parametrize("text", ["does it support power delivery?", "a fitted sheet set",
                                  "show me delivery vans", "waterproof boots"])
def test_no_policy_topic(text):
    assert reading_of(text).topic in (None, "shipping") if "delivery vans" in text else \
        reading_of(text).topic is None


def test_a_long_message_about_a_child_and_a_size_in_passing():
    reading = reading_of("back to running after having my little one, I'm a women's 8, my "
                         "doctor says I need support")
    assert "8" in reading.sizes and reading.size_wish is None
    assert reading_of("the little one please").size_wish == "smallest"


def test_from_the_same_line_is_no_product_word():
    reading = reading_of("and the fleece jacket from the same line, size M")
    assert reading.same_line and "line" not in reading.words


def test_what_it_is_for_ranks_even_when_the_store_has_no_word_for_it():
    assert reading_of("running shoes for the gym").uses == ["gym"]
    assert reading_of("a beanie for my nephew").words == ["beanie"]


@pytest.mark.parametrize("text, cap", [("touchscreen gloves size m, nothing over 60", 6000),
                                       ("rain boots, none over 80", 8000)])
def test_nothing_over_is_a_cap(text, cap):
    reading = reading_of(text)
    assert reading.price_max == cap and reading.price_min is None
    assert "nothing" not in reading.words


@pytest.mark.parametrize("text, value", [
    ("actually drop it to 2", 2), ("actually 2 is enough", 2), ("just 1 then", 1),
    ("actually 3, my son's bringing his own", 3), ("cut it down to 2", 2), ("only need 2", 2),
    ("3 will do", 3)])
def test_a_quantity_lowered_or_raised_in_passing(text, value):
    reading = reading_of(text)
    assert (reading.qty_op, reading.qty_value) == ("set", value)


def test_sizes_and_numbers_of_tools_and_gear():
    vocab = Vocabulary.from_terms([{"kind": "size", "term": "#10 x 3 in."}], version=1)
    assert "10 x 3 in" in reading_of("#10 x 3 in wood screws", vocab).sizes
    assert "20 degree" in reading_of("also need a 20 degree sleeping bag, long size").modifiers
    assert reading_of("something cheapish").sort == "cheapest"


def test_what_it_all_comes_to_is_the_cart_total():
    assert reading_of("what does that come to").cart_total
    assert reading_of("what's the damage?").cart_total


@pytest.mark.parametrize("text, kind, phrase", [
    ("how much torque does it have?", "attr", "torque"),
    ("whats the weight capacity on the studio one?", "measure", "hold"),
    ("whats the main ingredient in the first one", "material", ""),
    ("can it go in the wash?", "yesno", "machine washable"),
    ("what's the insulation in the first one", "attr", "insulation"),
    ("whats the battery in it?", "attr", "battery")])
def test_questions_about_a_product_s_facts(text, kind, phrase):
    question = reading_of(text).question
    assert question is not None and (question.kind, question.phrase) == (kind, phrase)


def test_a_question_keeps_its_other_words_for_the_listing():
    question = reading_of("how long does the board game take to play?").question
    assert question is not None and "play" in question.context


def test_putting_it_together_is_no_add():
    assert not reading_of("does it come flat packed? how long to put together").add_words
    assert reading_of("does it come flat packed? how long to put together").topic == "assembly"


def test_a_word_in_between_a_type_s_words():
    vocab = Vocabulary.from_terms([{"kind": "type", "term": t}
                                   for t in ("Building Set", "Jigsaw Puzzle")], version=1)
    assert reading_of("a building brick set, 500 pieces", vocab).types.labels == ("Building Set",)


def test_a_gerund_after_a_type_word_qualifies_an_activity():
    vocab = Vocabulary.from_terms([{"kind": "type", "term": t}
                                   for t in ("Camping Tent", "Remote Control Car")], version=1)
    assert reading_of("tent for 6 people, car camping", vocab).types.labels == ("Camping Tent",)


# --------------------------------------------------------------------------------------
# Buying in learners' and formal English, counts put in the cart, budgets said in the
# negative, colours said alone
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "ok i take this one", "we take the cheapest", "I shall take that one in medium",
    "i buy it", "i'd like to order the navy one", "i would like to buy the second one",
    "i want to order those", "let me get those", "can i get the plum one",
    "i'd like to order the loomwell rain jacket in navy", "i take two of them"])
def test_buying_as_learners_and_formal_shoppers_say_it(text):
    assert reading_of(text).add_words


@pytest.mark.parametrize("text", [
    "i get it now, thanks", "i can get it cheaper elsewhere", "i want to order a tent",
    "i'd like to order something warm", "i take the bus to work"])
def test_no_buying_in_what_only_sounds_like_it(text):
    assert not reading_of(text).add_words


@pytest.mark.parametrize("text, count", [
    ("put 12 in the cart", 12), ("put 3 in my basket", 3), ("throw 2 in the cart please", 2),
    ("add 2 in black", 2), ("I need a dozen navy tees", 12), ("half a dozen mugs", 6)])
def test_counts_put_in_the_cart(text, count):
    reading = reading_of(text)
    assert reading.count == count and not [k for k in reading.sizes if k.endswith(" in")]


@pytest.mark.parametrize("text", [
    "a pair of hiking boots", "spf 50 sunscreen", "1,000 pieces puzzle", "size 10 boots"])
def test_numbers_that_are_no_count(text):
    assert reading_of(text).count is None


def test_an_inch_size_ends_at_a_comma_and_in_before_a_colour_is_the_preposition():
    assert "60 in" in reading_of("coffee table, 60 in, walnut").sizes
    reading = reading_of("add 2 in black")
    assert reading.colors == ["black"] and not reading.sizes


@pytest.mark.parametrize("text, cap", [
    ("I would prefer not to spend more than $150", 15000), ("won't pay above 80 dollars", 8000),
    ("i'd rather not go over 200", 20000), ("don't want to spend more than 60", 6000)])
def test_a_floor_said_in_the_negative_is_a_cap(text, cap):
    reading = reading_of(text)
    assert (reading.price_max, reading.price_min) == (cap, None)


@pytest.mark.parametrize("text, colour", [
    ("charcoal please, add it in long", "charcoal"), ("walnut please", "walnut"),
    ("bed frame, colour walnut, queen", "walnut"), ("plum it is", "plum")])
def test_a_colour_said_first_or_after_the_word_colour(text, colour):
    reading = reading_of(text)
    assert colour in reading.colors and colour not in reading.materials


@pytest.mark.parametrize("text", ["what do I owe so far", "how much would we pay",
                                  "what am i at now", "how much am i spending"])
def test_what_is_owed_is_the_cart_total(text):
    assert reading_of(text).cart_total


def test_what_is_paid_for_shipping_is_no_cart_total():
    assert not reading_of("how much do i pay for shipping").cart_total


@pytest.mark.parametrize("text, value", [
    ("actually just one after all", 1), ("just 2 is fine", 2), ("only one then", 1)])
def test_settling_on_a_count(text, value):
    reading = reading_of(text)
    assert (reading.qty_op, reading.qty_value) == ("set", value)


def test_upholstered_names_a_kind_unless_asked():
    assert reading_of("i'd like the tatum upholstered bed frame").question is None
    assert reading_of("is the sofa upholstered?").question.kind == "material"
    assert reading_of("what's it upholstered in").question.kind == "material"


@pytest.mark.parametrize("text, kind", [
    ("a coffee table with a board game drawer", "Coffee Table"),
    ("a headlamp for reading board games in the tent", "Headlamp"),
    ("travel mug that has a coffee table coaster", "Travel Mug")])
def test_the_thing_wanted_comes_before_what_it_comes_with_or_is_for(text, kind):
    reading = reading_of(text)
    assert reading.types is not None and list(reading.types.labels) == [kind]
    assert not [m for m in reading.modifiers if "board" in m or "coaster" in m]


@pytest.mark.parametrize("text, phrase", [
    ("does it switch itself off automatically?", "auto shut-off"),
    ("does the kettle turn off by itself", "auto shut-off"),
    ("can it go in the washing machine?", "machine washable"),
    ("does it fold flat?", "folding")])
def test_a_behaviour_asked_about_in_the_words_listings_use(text, phrase):
    question = reading_of(text).question
    assert question is not None and (question.kind, question.phrase) == ("yesno", phrase)


@pytest.mark.parametrize("text, key", [
    ("we're a group of four going camping, one tent for everyone", "4 person"),
    ("a tent for 2 of us", "2 person"), ("family of four, need a big tent", "4 person")])
def test_how_many_people_said_as_a_group(text, key):
    assert key in reading_of(text).sizes


def test_a_unit_word_without_a_number_is_a_word_of_the_product():
    reading = reading_of("a table lamp with a foot switch")
    assert "foot switch" in reading.modifiers and not reading.sizes
    assert "6 ft" in reading_of("a 6 foot leash").sizes


@pytest.mark.parametrize("text", ["dog shampoo without perfume", "perfume-free cat litter",
                                  "no perfume please"])
def test_a_scent_said_away_reads_as_unscented(text):
    from agentpay.understanding.lexicon import expand_abbreviations

    assert "unscented" in reading_of(expand_abbreviations(text)).words


def test_finish_after_a_colour_is_no_product_word():
    reading = reading_of("a table lamp, walnut finish")
    assert reading.colors == ["walnut"] and "finish" not in reading.words


@pytest.mark.parametrize("text", ["board game for 8 year olds", "a toy for 3-year-olds",
                                  "something for 6 months old"])
def test_an_age_is_no_count_of_people(text):
    assert not [k for k in reading_of(text).sizes if k.endswith("person")]


@pytest.mark.parametrize("text, kind", [
    ("the cheapest of those, does it have removable covers?", "includes"),
    ("the second one, is it waterproof?", "yesno")])
def test_a_question_after_the_pick_it_is_about(text, kind):
    question = reading_of(text).question
    assert question is not None and question.kind == kind


@pytest.mark.parametrize("text", ["im between a 9 and a 9.5, which size should i get?",
                                  "what size should i order?", "I'm between sizes"])
def test_which_size_to_get_is_a_fit_question(text):
    from agentpay.understanding.topics import asked_topic

    assert asked_topic(text.lower()) == "fit"


def test_the_colour_it_was_is_not_the_one_wanted():
    reading = reading_of("actually make it white instead of navy, same size")
    assert reading.colors == ["white"] and "navy" not in reading.words


def test_a_shopper_word_maps_to_the_alternative_the_store_says():
    from agentpay.understanding.lexicon import with_synonyms

    assert with_synonyms(["warm", "jumper"]) == ["warm", "sweater"]
    assert with_synonyms(["warm", "jumper"], lambda w: w == "pullover") == ["warm", "pullover"]


def test_a_bloke_is_a_man():
    reading = reading_of("warm hoodie for a bloke, size large")
    assert reading.gender == "men" and "bloke" not in reading.words


@pytest.mark.parametrize("text, count", [
    ("now 2 camp stoves please", 2), ("three beanies", 3), ("a 4 person tent", None),
    ("size 10 hiking boots", None), ("spf 50 sunscreen", None), ("the 2 cheapest mugs", None),
    ("set of 4 sheet sets", None)])
def test_a_number_right_before_the_product_is_a_count(text, count):
    assert reading_of(text).count == count


# --------------------------------------------------------------------------------------
# Typos in short words and colours, budgets said with "tops", "max", "like"
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("said, fixed", [("dril", "drill"), ("cordles", "cordless"),
                                         ("hodie", "hoodie"), ("jakcet", "jacket")])
def test_a_short_misspelt_word_is_the_stores_word(said, fixed):
    assert VOCAB.correct([said]) == [fixed]


@pytest.mark.parametrize("word", ["belt", "bowl", "tend", "sock", "back"])
def test_a_short_word_is_not_swapped_for_a_neighbour(word):
    # "belt" is no "boot" and no "bell": only a letter left out or doubled is corrected
    assert VOCAB.correct([word]) == [word]


@pytest.mark.parametrize("text, colour", [("in blak please", "black"), ("the whte one", "white"),
                                          ("charcol", "charcoal")])
def test_a_colour_one_letter_off_where_a_colour_is_said(text, colour):
    assert reading_of(text).colors == [colour]


def test_a_word_one_letter_from_a_colour_elsewhere_is_no_colour():
    assert reading_of("ergonomic office chair with a mesh back").colors == []


@pytest.mark.parametrize("text, cap", [("rain jacket, 150 tops", 150),
                                       ("hoodie 80 max", 80),
                                       ("budget is like 150 for a sleeping bag", 150)])
def test_a_budget_said_without_a_currency(text, cap):
    reading = reading_of(text)
    assert reading.price_max == cap * 100  # minor units
    assert not {"tops", "max", "like"} & set(reading.words)


def test_a_small_number_before_max_is_no_budget():
    assert reading_of("2 max please").price_max is None


@pytest.mark.parametrize("text", ["3 of the cheapest squeaky one you have",
                                  "the cheapest pink one you have please",
                                  "the least expensive leash you've got"])
def test_the_cheapest_one_you_have_is_a_pick(text):
    assert reading_of(text).superlative == "cheapest"


@pytest.mark.parametrize("said, meant", [
    ("cheepest 1 pls, any colr", "cheapest 1 please, any colour"),
    ("do u hav a drill wiht 2 baterys", "do you have a drill with 2 batteries")])
def test_shopping_words_misspelt_the_usual_ways_are_read_as_meant(said, meant):
    from agentpay.understanding.lexicon import expand_abbreviations

    assert expand_abbreviations(said) == meant
    assert reading_of(expand_abbreviations(said)).words != reading_of(said).words


@pytest.mark.parametrize("text, key", [("cat tree, minimum 60 inch", "60 in"),
                                       ("a tent for at least 4 people", "4 person"),
                                       ("power bank 20000mah or more", "20000 mah"),
                                       ("a leash at least 6 ft", "6 ft")])
def test_a_measure_of_at_least_is_a_floor_not_a_size(text, key):
    reading = reading_of(text)
    assert reading.measure_min == key
    assert not [s for s in reading.sizes if s[0].isdigit()]


def test_a_measure_said_plainly_is_the_size():
    reading = reading_of("a 60 inch tv stand")
    assert reading.measure_min is None and reading.sizes == ["60 in"]


def test_at_least_keeps_the_products_measuring_that_or_more():
    from agentpay.tools.ranking import at_least

    trees = [{"name": "Cat Tree, 60 in., Tan", "sizes": ["60 in."]},
             {"name": "Cat Tree, 72 in., Gray", "sizes": ["72 in."]},
             {"name": "Cat Castle, 48 in."}, {"name": "Cat Tower, 80 in."}]
    assert [p["name"] for p in at_least(trees, "60 in")] == [
        "Cat Tree, 60 in., Tan", "Cat Tree, 72 in., Gray", "Cat Tower, 80 in."]
    assert at_least(trees, "2 m") == []


def test_nothing_wider_than_is_no_floor():
    assert reading_of("a desk, nothing wider than 48 inches").measure_min is None


@pytest.mark.parametrize("text", ["add the northvane slim 10 headlamp", "the loomwell 2 hoodie"])
def test_a_number_inside_a_products_name_is_no_count(text):
    assert reading_of(text).count is None


@pytest.mark.parametrize("text, count", [("add 2 headlamps", 2), ("grab me 3 beanies", 3),
                                         ("and 2 hoodies", 2)])
def test_a_number_after_a_verb_or_and_counts(text, count):
    assert reading_of(text).count == count


@pytest.mark.parametrize("text, count", [("add the pink one x2 pls", 2), ("the first one x4", 4),
                                         ("qty 3", 3)])
def test_a_count_said_with_x_or_qty(text, count):
    assert reading_of(text).count == count


def test_a_greeting_and_a_preference_word_are_no_product_words():
    reading = reading_of("Good morning. I should like a hoodie, preferably in navy.")
    assert not {"morning", "preferably"} & set(reading.words)


def test_bung_it_in_the_basket_is_an_add():
    from agentpay.understanding.lexicon import expand_abbreviations

    assert reading_of(expand_abbreviations("bung that in the basket")).add_words


def test_chucking_it_in_the_wash_is_no_add():
    from agentpay.understanding.lexicon import expand_abbreviations

    assert not reading_of(expand_abbreviations("can i chuck it in the washing machine?")).add_words
    assert reading_of(expand_abbreviations("chuck it in the basket")).add_words


@pytest.mark.parametrize("text", ["a hoodie; my budget does not exceed $60",
                                  "a hoodie, must not exceed 60 dollars"])
def test_a_budget_that_must_not_be_exceeded_is_a_cap(text):
    reading = reading_of(text)
    assert reading.price_max == 6000 and "exceed" not in reading.words


@pytest.mark.parametrize("text, compound", [
    ("a fragrance free beanie", "fragrance free"),
    ("beanie, fragrance-free please", "fragrance-free"),
    ("gluten free dog collar", "gluten free"),
    ("a hoodie that's pill resistant", "pill resistant"),
])
def test_a_qualifier_goes_whole_or_ranks_and_never_leaves_its_last_word(text, compound):
    # the store's listings name "free" (sulfate free) but not fragrance, gluten or pill:
    # "free" alone would find the sulfate-free one, so the compound only ranks
    reading = reading_of(text)
    assert not any(m in ("free", "resistant") for m in reading.modifiers), reading.modifiers
    assert compound in reading.uses


def test_a_qualifier_whose_words_the_store_has_still_narrows():
    reading = reading_of("sulfate free hoodie")
    assert reading.modifiers == ["sulfate free"] and "sulfate free" not in reading.uses


def test_the_thing_wanted_is_before_what_it_is_for_after_looking_for():
    vocab = Vocabulary.from_terms([{"kind": "type", "term": t} for t in ("Throw Blanket", "Sofa")],
                                  version=1, words_=["cozy", "couch"])
    reading = reading_of("hi! looking for a cozy blanket for the couch", vocab)
    assert reading.types is not None and reading.types.labels == ("Throw Blanket",), \
        reading.types


@pytest.mark.parametrize("text", ["need a gift for a 10 year old who loves trains",
                                  "something for my 10-year-old", "a toy for a 10 yo"])
def test_an_age_is_no_size_and_no_product_word(text):
    reading = reading_of(text)
    assert reading.sizes == [] and not {"10", "year", "old", "yo"} & set(reading.words), \
        (reading.sizes, reading.words)
