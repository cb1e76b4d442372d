"""Which products a message points at (orchestrator/references.py), and answers to questions
about a product from its own data (orchestrator/answers.py). No database."""

from __future__ import annotations

import pytest

from agentpay.catalog.vocabulary import Vocabulary
from agentpay.orchestrator.answers import answer
from agentpay.orchestrator.references import available_in, resolve
from agentpay.understanding.classifier import Classifier
from agentpay.understanding.lexicon import split_sentences
from agentpay.understanding.reading import Question, read
from agentpay.understanding.topics import listing_sentence
from understanding_store import VOCAB

_CLASSIFIER = Classifier()


def _p(eid: str, name: str, price: int, brand: str, colors: list[str], *,
       product_type: str = "Hoodie", sizes: list[str] | None = None,
       available: list[list[str | None]] | None = None) -> dict:
    sizes = sizes or ["S", "M", "L"]
    return {"external_id": eid, "name": name, "price_minor": price, "brand": brand,
            "colors": colors, "sizes": sizes, "product_type": product_type, "in_stock": True,
            "available": available if available is not None else
            [[s, c] for s in sizes for c in colors]}


SHOWN = [
    _p("H1", "Loomwell Campus Pullover Hoodie", 5900, "Loomwell", ["navy", "charcoal"]),
    _p("H2", "Northvane Heavyweight Pullover Hoodie, Sage", 7400, "Northvane", ["sage"]),
    _p("H3", "Loomwell Weekender Pullover Hoodie", 3900, "Loomwell", ["black", "cream"],
       available=[["M", "cream"]]),
    _p("H4", "Brickwick Orbit Zip Hoodie", 6500, "Brickwick", ["white", "navy"]),
]


def targets(text: str, *, shown=SHOWN, focus=None, cart=(), types=None):
    understanding = _CLASSIFIER.classify(text, {"last_shown": shown, "focus": focus})
    reading = read(text, understanding.entities, VOCAB)
    return resolve(understanding.entities, reading, text, shown=list(shown), focus=focus,
                   cart_lines=list(cart), vocab=VOCAB, types=types)


@pytest.mark.parametrize("text, ids", [
    ("add the first one", ["H1"]), ("the second one please", ["H2"]), ("the 3rd one", ["H3"]),
    ("the last one", ["H4"]), ("number 2", ["H2"]), ("compare the first two", ["H1", "H2"]),
    ("the first and the third", ["H1", "H3"]), ("the last two", ["H3", "H4"]),
])
def test_ordinals(text, ids):
    assert [p["external_id"] for p in targets(text).products] == ids


@pytest.mark.parametrize("text, ids", [
    ("the cheapest one", ["H3"]), ("add the cheapest", ["H3"]),
    ("which is the cheapest of those", ["H3"]), ("the most expensive one", ["H2"]),
    ("the two cheapest", ["H3", "H1"]),
    ("add the cheaper one in navy", ["H1"]),          # the cheapest that comes in navy
])
def test_superlatives_over_the_list(text, ids):
    assert [p["external_id"] for p in targets(text).products] == ids


@pytest.mark.parametrize("text, eid", [
    ("the sage one", "H2"), ("add the white one", "H4"), ("the Orbit one in white pls", "H4"),
    ("the northvane one", "H2"), ("the loomwell weekender", "H3"), ("the zip hoodie", "H4"),
    ("the cream one", "H3"),
])
def test_attributes_and_names_pick_from_the_list(text, eid):
    assert [p["external_id"] for p in targets(text).products][:1] == [eid]


def test_a_colour_that_is_sold_out_is_not_picked_when_another_has_it():
    # H3 comes in black, but only its cream is in stock; nothing else is black
    assert targets("add the black one").products[0]["external_id"] == "H3"
    assert targets("the navy one").products[0]["external_id"] == "H1"


@pytest.mark.parametrize("text", ["the red one", "the Tumblebee one", "the plum one"])
def test_a_pick_nothing_on_screen_fits_is_looked_for(text):
    assert targets(text).how == "unmatched"


def test_the_kind_being_looked_for_comes_first():
    mug = _p("M1", "Stoneware Coffee Mug", 1200, "Loomwell", ["navy"], product_type="Coffee Mug")
    shown = [mug] + SHOWN
    picked = targets("the cheapest one in navy", shown=shown, types=["Hoodie"])
    assert picked.products[0]["external_id"] == "H1"


@pytest.mark.parametrize("text", ["add it", "is it in stock?", "that one", "how much is it"])
def test_pronouns_point_at_the_focus(text):
    assert targets(text, focus=SHOWN[1]).products == [SHOWN[1]]


@pytest.mark.parametrize("text", ["add them in navy", "add it in navy, size M",
                                  "I'll take that one in navy"])
def test_a_pronoun_with_a_colour_is_the_focus_when_it_comes_in_it(text):
    # GIVEN a list where another product comes in navy first, and a focus (the product the
    # last turn was about, say its colours) that comes in navy too
    focus = SHOWN[3]
    # WHEN the shopper points at it with the colour to buy
    picked = targets(text, focus=focus)
    # THEN it is the focus, not the list's first navy one
    assert picked.products == [focus] and picked.how == "focus"


def test_a_pronoun_with_a_colour_the_focus_lacks_picks_from_the_list():
    # the sage-only hoodie is in focus; "them in navy" is a choice among the list
    picked = targets("add them in navy", focus=SHOWN[1])
    assert SHOWN[1] not in picked.products
    assert picked.products and all("navy" in p["colors"] for p in picked.products)


def test_without_a_focus_it_is_the_first_shown():
    picked = targets("add it")
    assert picked.how == "first" and picked.products == [SHOWN[0]]


def test_those_without_a_focus_are_everything_shown():
    assert targets("how much are those").products == SHOWN


def test_a_size_picks_what_comes_in_it():
    shown = [_p("J1", "Slim Jeans", 6000, "Loomwell", ["black"], sizes=["28", "30"]),
             _p("J2", "Straight Jeans", 6500, "Loomwell", ["black"], sizes=["32", "34"])]
    assert targets("add one in a 32", shown=shown).products[0]["external_id"] == "J2"
    assert targets("add one in a 34", shown=shown[:1]).how == "unmatched"


def test_the_cheapest_is_of_those_that_come_in_the_size_and_colour_asked():
    shown = [_p("B1", "Cheap Hoodie", 3000, "Loomwell", ["sage"], available=[["S", "sage"]]),
             _p("B2", "Dear Hoodie", 5000, "Loomwell", ["sage"], available=[["L", "sage"]])]
    assert targets("the cheapest one in a large", shown=shown).products[0]["external_id"] == "B2"
    # a product sold in one size is never ruled out by the size asked
    shown[1] = _p("B2", "Dear Hoodie", 5000, "Loomwell", ["sage"], sizes=["One Size"])
    shown.append(_p("B3", "Dearer Hoodie", 6000, "Loomwell", ["sage"], available=[["L", "sage"]]))
    assert targets("the cheapest one in a large", shown=shown).products[0]["external_id"] == "B2"


def test_available_in_a_size_and_colour_on_one_variant():
    p = _p("X", "Hoodie", 100, "Loomwell", ["navy", "sage"], available=[["S", "navy"], ["L", "sage"]])
    assert available_in(p, ["navy"], ["s"]) and available_in(p, ["sage"], ["l"])
    assert not available_in(p, ["navy"], ["l"])


# --------------------------------------------------------------------------------------
# Answers from the product's own data
# --------------------------------------------------------------------------------------

DRILL = {"name": "Ironbark Cordless Drill/Driver, Kit with 2 Batteries", "price": "$129.00",
         "description": "A compact drill for DIY projects. It features an LED work light. "
                        "Not suitable for masonry.",
         "attributes": {"product_type": "Cordless Drill", "voltage": 20, "chuck_size": "1/2 in.",
                        "material": "glass-filled nylon", "waterproof": False,
                        "weight_lb": 3.4},
         "sizes": ["One Size"], "colors": ["Black"],
         "variants": [{"size": "One Size", "color": "Black", "stock": 4}]}
BARE = {**DRILL, "name": "Ironbark Cordless Drill/Driver, Tool Only", "description": ""}
LEASH = {"name": "Tailwind Leather Dog Leash, 6 ft.", "price": "$43.50",
         "description": "Full-grain leather with a padded handle. Free returns within 30 days.",
         "attributes": {"length_ft": 6, "material": "full-grain leather", "waterproof": True},
         "sizes": ["6 ft."], "colors": ["Tan", "Gray"],
         "variants": [{"size": "6 ft.", "color": "Tan", "stock": 0},
                      {"size": "6 ft.", "color": "Gray", "stock": 3}]}


BAG = {"name": "Nightfall 0°F Sleeping Bag", "price": "$123.99",
       "description": "Built for backpacking, it has a mummy hood.",
       "attributes": {"material": "synthetic insulation", "temp_rating_f": 0,
                      "closure": "two-way zipper"},
       "sizes": ["Regular", "Long"], "colors": ["Sand"], "variants": []}
BLENDER = {"name": "Kestrel 1200 Blender", "price": "$89.00", "description": "",
           "attributes": {"capacity_oz": 64, "wattage": 1200}, "sizes": [], "colors": ["Red"],
           "variants": [{"size": None, "color": "Red", "stock": 2}]}


@pytest.mark.parametrize("product, question, verdict, says", [
    (LEASH, Question("yesno", "waterproof"), True, "Yes"),
    (DRILL, Question("yesno", "waterproof"), False, "No"),
    (DRILL, Question("yesno", "cordless"), True, "Yes"),            # in the name
    (DRILL, Question("yesno", "good for masonry"), None, "doesn't say"),
    (DRILL, Question("yesno", "suitable for masonry"), False, "No"),  # negated in the listing
    (DRILL, Question("yesno", "bluetooth"), None, "doesn't say"),
    (DRILL, Question("includes", "batteries"), True, "2 batteries"),
    (BARE, Question("includes", "batteries"), False, "No"),            # "Tool Only"
    (DRILL, Question("includes", "a carrying case"), None, "doesn't say"),
    (LEASH, Question("measure", "long"), True, "6 ft long"),
    (DRILL, Question("measure", "heavy"), True, "3.4 lb"),
    (DRILL, Question("measure", "many volts"), True, "20"),
    (LEASH, Question("measure", "wide"), None, "doesn't give"),
    (LEASH, Question("material"), True, "full-grain leather"),
    (LEASH, Question("colors"), True, "Gray"),
    (BLENDER, Question("measure", "many ounces"), True, "64 ounces"),  # capacity_oz
    # what it is made of, by another name, and a word of an attribute's value
    (LEASH, Question("attr", "fabric"), True, "made of full-grain leather"),
    (DRILL, Question("attr", "filling"), True, "made of glass-filled nylon"),
    (BAG, Question("attr", "insulation"), True, "made of synthetic insulation"),
    (BAG, Question("attr", "zipper"), True, "closure two-way zipper"),  # a value's word
    (BAG, Question("attr", "hood"), True, "mummy hood"),  # the listing's sentence
    (BLENDER, Question("attr", "fabric"), None, "doesn't give its fabric"),
])
def test_answers_come_from_the_listing(product, question, verdict, says):
    text, got = answer(product, question)
    assert got is verdict and says in text


def test_only_colours_in_stock_are_offered():
    text, _ = answer(LEASH, Question("colors"))
    assert "Gray" in text and "Tan" not in text


# --------------------------------------------------------------------------------------
# Policy questions answered from the listing (understanding/topics.py)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("topic, description, says", [
    ("fit", "A canvas low-top. Fits true to size; between sizes, go half a size up.", "half"),
    ("fit", "Snug-fitting lid. Runs a half size small.", "Runs a half size small"),
    ("returns", "Leather upper. Free size exchanges within 30 days.", "30 days"),
    ("warranty", "A hard cooler. Backed by our lifetime repair promise.", "lifetime"),
    ("warranty", "Backed by a 2-year limited warranty.", "2-year"),
    ("assembly", ("Made for furniture assembly. Ships flat-packed; assembly takes about 30 "
                 "minutes."), "30 minutes"),
    ("shipping", "It features USB-C power delivery. Free delivery on orders over $999.", "$999"),
])
def test_the_sentence_that_answers_a_policy_question(topic, description, says):
    sentence = listing_sentence(description, topic)
    assert sentence is not None and says in sentence


def test_no_sentence_on_the_topic_is_no_answer():
    assert listing_sentence("It features USB-C power delivery.", "shipping") is None
    assert listing_sentence("A drill made for furniture assembly.", "assembly") is None


DRIVER = {"name": "Hexwell Impact Driver (HX-1)", "price": "$89.00",
          "description": "A magnesium impact driver. Thoughtful details like 1,825 in.-lbs of "
                         "torque and a 1/4 in. hex chuck make it easy to live with. Built for "
                         "decks, this driver has 30-minute run time.",
          "attributes": {"voltage": 18}, "sizes": [], "colors": ["Yellow"], "variants": []}


def test_a_fact_only_the_description_states_is_quoted_whole():
    text, verdict = answer(DRIVER, Question("attr", "torque"))
    assert verdict and "1,825 in.-lbs of torque and a 1/4 in. hex chuck" in text


def test_the_question_s_other_words_find_the_sentence_when_no_attribute_answers():
    text, verdict = answer(DRIVER, Question("measure", "long", context=("run",)))
    assert verdict and "30-minute run time" in text
    _, verdict = answer(DRIVER, Question("measure", "long"))
    assert verdict is None


def test_a_stop_inside_a_measure_is_no_sentence_end():
    assert split_sentences("It has a 1/4 in. hex chuck. Free returns.") == [
        "It has a 1/4 in. hex chuck.", "Free returns."]


def test_a_behaviour_is_found_by_the_roots_of_its_words():
    from agentpay.orchestrator.answers import answer_yes_no

    jeans = {"name": "Slim Jeans", "description": "Stretch denim. Machine wash cold, tumble dry low."}
    reply, verdict = answer_yes_no(jeans, "machine washable")
    assert verdict is True and "Machine wash cold" in reply
    assert answer_yes_no(jeans, "waterproof")[1] is None


def test_a_colour_in_the_name_is_the_products_own():
    from agentpay.orchestrator.references import lacks_colour

    named = {"name": "Emberlight Down Jacket – Men's, Black", "colors": []}
    listed = {"name": "Trail Fleece", "colors": ["grey", "forest green"]}
    plain = {"name": "Canvas Tote", "colors": []}
    known = Vocabulary.from_terms([{"kind": "color", "term": c}
                                   for c in ("black", "charcoal", "grey")], version=1)
    assert lacks_colour(named, "charcoal", known)
    assert not lacks_colour(named, "black", known)
    assert lacks_colour(listed, "black", known) and not lacks_colour(listed, "grey", known)
    assert not lacks_colour(plain, "charcoal", known)  # no colour of its own: not known


def test_a_measure_read_in_two_units_is_one_size_said():
    from agentpay.orchestrator.cart_moves import _sizes_said
    from agentpay.understanding.reading import Reading

    assert _sizes_said(Reading(sizes=["6 ft", "72 in"])) == ["6 ft"]
    assert _sizes_said(Reading(sizes=["s", "l"])) == ["s", "l"]
    assert _sizes_said(Reading(sizes=["4 ft", "6 ft"])) == ["4 ft", "6 ft"]


def test_an_attribute_with_its_unit_in_the_key_is_said_plainly():
    from agentpay.orchestrator.answers import answer_attr

    kettle = {"name": "Glass Kettle", "attributes": {"capacity_l": 1.7}}
    assert answer_attr(kettle, "capacity") == ("Glass Kettle: capacity 1.7L.", True)
