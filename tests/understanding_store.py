"""A small store's vocabulary, written for the understanding tests (no database): what
`catalog_terms` would hold for an outdoor-and-home shop of our own invention."""

from __future__ import annotations

from agentpay.catalog.vocabulary import Vocabulary
from agentpay.understanding.classifier import Classifier
from agentpay.understanding.reading import Reading, read

TERMS = {
    "type": ["Rain Jacket", "Down Jacket", "Fleece Jacket", "Running Shoe", "Trail Running Shoe",
             "Hiking Boot", "T-Shirt", "Hoodie", "Coffee Mug", "Travel Mug", "Headlamp",
             "Camp Stove", "Sleeping Bag", "Dog Leash", "Dog Collar", "Sectional Sofa", "Sofa",
             "Beanie", "Jeans", "Table Lamp", "Coffee Table", "Cordless Drill", "Board Game",
             "Sheet Set"],
    "category": ["Apparel", "Footwear", "Outdoor Gear", "Home & Kitchen", "Furniture"],
    "brand": ["Loomwell", "Northvane", "Marlowe & Finch", "Muddy Paws Co.", "Brickwick"],
    "gender": ["men", "women", "unisex"],
    "material": ["full-grain leather", "merino wool", "stoneware", "recycled polyester shell"],
    "color": ["navy", "slate blue", "charcoal", "heather gray", "black", "white", "cream",
              "forest green", "sage", "walnut", "cognac", "plum", "sand", "cherry red",
              "light wash", "dark wash"],
    "size": ["xs", "s", "m", "l", "xl", "xxl", "7", "7.5", "8", "9", "10", "10.5", "11", "28",
             "30", "32", "34", "12 oz", "16 fl oz", "6 ft.", "4 ft.", "60 in.", "72 in.",
             "2-person", "4-person", "regular", "long", "queen", "king", "one size",
             "for tvs up to 65 in.", "spf 50", "1,000 pieces", "1-person", "set of 4",
             "3/8 in. drive, 40-piece", "40 lb"],
    "feature": ["waterproof", "insulated", "noise_cancelling"],
}
WORDS = ["rain", "jacket", "down", "puffer", "fleece", "running", "shoe", "trail", "hiking",
         "boot", "crew", "neck", "t-shirt", "hoodie", "coffee", "mug", "travel", "headlamp",
         "camp", "stove", "sleeping", "bag", "dog", "leash", "collar", "sectional", "sofa",
         "beanie", "jeans", "table", "lamp", "cordless", "drill", "batteries", "battery",
         "board", "game", "sheet", "set", "sulfate", "free", "grain", "leather", "merino",
         "wool", "stoneware", "cooperative", "rechargeable", "straight", "leg", "slim", "fit",
         "waterproof", "lift-top", "orbit", "unscented", "equivalent", "led", "chicken",
         "brown", "rice", "loomwell", "northvane", "brickwick", "high", "rise", "elevated",
         "patio", "solar"]


def vocabulary() -> Vocabulary:
    terms = [{"kind": kind, "term": term} for kind, values in TERMS.items() for term in values]
    return Vocabulary.from_terms(terms, version=1, words_=WORDS)


VOCAB = vocabulary()
_CLASSIFIER = Classifier()  # rules only: fast and the same on every machine


def reading_of(text: str, vocab: Vocabulary = VOCAB) -> Reading:
    understanding = _CLASSIFIER.classify(text)
    return read(text, understanding.entities, vocab)
