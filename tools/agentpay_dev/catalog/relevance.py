"""A graded relevance set for the demo catalog, and nDCG to score any search against it.

Grades come from products' structured fields, never from their text, so the set judges
whatever catalog `agentpay_dev.catalog.demo.generate_catalog` produces (any size, any seed)
and cannot be gamed by a ranker that matches words. It was written without looking at
any search implementation.

Grades: 3 = what the shopper asked for; 2 = the right kind of product missing one asked-for
detail (colour, size, brand, price) or a very close substitute; 1 = related, worth showing
low; 0 = not relevant. Inactive products are never relevant: a shop does not show them.

Each query grades with a declarative spec, `{grade: condition or [conditions]}`; a product
gets the highest grade whose condition (any of a list) it meets. A condition is a dict of
field tests, all of which must hold:

- `type`: the `product_type` attribute (a label from `demo.TYPES`), or a tuple of them
- `brand`, `category`, `gender`, `collection`, `model`: equality, case-insensitive
  (a tuple means any of); `collection_prefix` and `model_prefix` match the start
- `color`: a colour family ("red", "blue"; see `demo.COLORS`) that any colour belongs to;
  `color_name`: an exact colour name
- `material`: a substring of the material; `size`: one of the product's sizes
- `price_min` / `price_max`: inclusive bounds on `price`, in minor units
- `<attribute>_min` / `<attribute>_max`: inclusive bounds on a numeric attribute
- `in_stock`: whether any variant has stock
- any other key: the attribute equals the value (or one of a tuple's values)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from statistics import fmean
from typing import Any

from agentpay_dev.catalog.demo import COLORS, TYPES_BY_LABEL

KINDS = ("exact", "plural", "typo", "synonym", "brand", "model_number", "unit_size", "color",
         "price", "word_order", "short", "long_natural")

Condition = Mapping[str, Any]
Spec = Mapping[int, Condition | Sequence[Condition]]
SearchFn = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class RelevanceQuery:
    """One shopper query, the kind of difficulty it tests, and how to grade products for it."""

    query: str
    kind: str
    grades: Spec

    def grade(self, product: Mapping[str, Any]) -> int:
        if not product.get("active", True):
            return 0
        types = self._types
        if types is not None:
            # Most products are of another type: skip them before testing conditions.
            product_type = str((product.get("attributes") or {}).get("product_type", ""))
            if product_type.lower() not in types:
                return 0
        for grade, conditions in self._ladder:
            if any(matches(product, c) for c in conditions):
                return grade
        return 0

    @cached_property
    def _ladder(self) -> tuple[tuple[int, tuple[Condition, ...]], ...]:
        return tuple(
            (grade, (spec,) if isinstance(spec, Mapping) else tuple(spec))
            for grade, spec in sorted(self.grades.items(), reverse=True)
        )

    @cached_property
    def _types(self) -> frozenset[str] | None:
        """Every product type any condition allows, or None when some condition allows all."""
        types: set[str] = set()
        for _, conditions in self._ladder:
            for condition in conditions:
                if "type" not in condition:
                    return None
                types.update(str(t).lower() for t in _options(condition["type"]))
        return frozenset(types)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _one_of(actual: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, tuple | list | set | frozenset) else (wanted,)
    actual = _lower(actual)
    return any(actual == _lower(option) for option in options)


def _options(wanted: Any) -> tuple:
    return tuple(wanted) if isinstance(wanted, tuple | list | set | frozenset) else (wanted,)


def matches(product: Mapping[str, Any], condition: Condition) -> bool:
    """Whether a product meets every test in one condition (see the module docstring)."""
    attrs = product.get("attributes") or {}
    for key, wanted in condition.items():
        if key == "type":
            ok = _one_of(attrs.get("product_type"), wanted)
        elif key in ("brand", "category"):
            ok = _one_of(product.get(key), wanted)
        elif key == "model":
            ok = _one_of(attrs.get("model_number"), wanted)
        elif key in ("collection_prefix", "model_prefix"):
            field = "collection" if key == "collection_prefix" else "model_number"
            actual = str(attrs.get(field) or "").lower()
            ok = bool(actual) and any(actual.startswith(str(w).lower()) for w in _options(wanted))
        elif key == "color":
            families = {COLORS.get(c) for c in attrs.get("colors") or ()}
            ok = any(_lower(w) in families for w in _options(wanted))
        elif key == "color_name":
            ok = any(_one_of(c, wanted) for c in attrs.get("colors") or ())
        elif key == "material":
            material = str(attrs.get("material") or "").lower()
            ok = any(str(w).lower() in material for w in _options(wanted))
        elif key == "size":
            ok = any(_one_of(s, wanted) for s in attrs.get("sizes") or ())
        elif key in ("price_min", "price_max"):
            price = product.get("price")
            ok = price is not None and (price >= wanted if key == "price_min" else price <= wanted)
        elif key == "in_stock":
            stocked = any(v.get("stock", 0) > 0 for v in product.get("variants") or ())
            ok = stocked == bool(wanted)
        elif key.endswith(("_min", "_max")) and key[:-4] in attrs:
            value = attrs[key[:-4]]
            ok = isinstance(value, int | float) and not isinstance(value, bool) and (
                value >= wanted if key.endswith("_min") else value <= wanted)
        elif key.endswith(("_min", "_max")):
            ok = False
        else:
            value = attrs.get(key)
            if isinstance(value, list):
                ok = any(_one_of(v, wanted) for v in value)
            else:
                ok = value is not None and _one_of(value, wanted)
        if not ok:
            return False
    return True


def _q(query: str, kind: str, grades: Spec) -> RelevanceQuery:
    return RelevanceQuery(query, kind, grades)


USD = 100  # minor units per dollar, to keep price bounds readable

TRAIL = "Trail Running Shoe"
ATHLETIC = ("Running Shoe", "Cross-Training Shoe", "Walking Shoe", "Canvas Shoe")
TENTS = ("Backpacking Tent", "Camping Tent")
SOFAS = ("Sofa", "Sectional Sofa")
LAMPS = ("Desk Lamp", "Floor Lamp", "Table Lamp")

QUERIES: tuple[RelevanceQuery, ...] = (
    # ---- exact: a product's name, as pasted or typed from an ad
    _q("Trailrunner XT Waterproof Trail Running Shoe", "exact", {
        3: {"type": TRAIL, "collection": "Trailrunner XT", "waterproof": True},
        2: {"type": TRAIL, "collection": "Trailrunner XT"},
        1: {"type": TRAIL, "waterproof": True}}),
    _q("Mossgrove Harlow Sofa", "exact", {
        3: {"type": "Sofa", "collection": "Harlow"},
        2: [{"type": "Loveseat", "collection": "Harlow"}, {"type": "Sofa", "brand": "Mossgrove"}],
        1: {"type": "Sofa"}}),
    _q("Kettleby PowerBlend 1200 Blender", "exact", {
        3: {"model": "KB-1200"},
        2: {"type": "Blender", "collection_prefix": "PowerBlend"},
        1: {"type": "Blender", "brand": "Kettleby"}}),
    _q("Ironbark 20V MAX Compact Cordless Drill/Driver Kit with 2 Batteries", "exact", {
        3: {"model": "IBD771C2"},
        2: [{"model": "IBD771B"}, {"type": "Cordless Drill", "collection_prefix": "20V MAX"}],
        1: {"type": "Cordless Drill", "brand": "Ironbark"}}),
    _q("Stormline Packable Waterproof Rain Jacket Women's", "exact", {
        3: {"type": "Rain Jacket", "collection": "Stormline", "gender": "women"},
        2: {"type": "Rain Jacket", "collection": "Stormline"},
        1: {"type": "Rain Jacket", "gender": "women"}}),
    _q("Auralis Q40 ANC Wireless Over-Ear Headphones", "exact", {
        3: {"model": "AU-Q40"},
        2: {"type": "Headphones", "brand": "Auralis"},
        1: {"type": "Headphones", "noise_cancelling": True}}),
    # ---- plural: shoppers type plurals, shops title singulars
    _q("trail running shoes", "plural", {
        3: {"type": TRAIL},
        1: {"type": ("Running Shoe", "Hiking Boot")}}),
    _q("coffee mugs", "plural", {
        3: {"type": "Coffee Mug"},
        1: {"type": "Travel Mug"}}),
    _q("dog beds", "plural", {3: {"type": "Dog Bed"}}),
    _q("led desk lamps", "plural", {
        3: {"type": "Desk Lamp"},
        1: {"type": ("Table Lamp", "Floor Lamp")}}),
    _q("dining chairs", "plural", {
        3: {"type": "Dining Chair"},
        1: {"type": "Accent Chair"}}),
    _q("jigsaw puzzles", "plural", {
        3: {"type": "Jigsaw Puzzle"},
        1: {"type": "Board Game"}}),
    # ---- typo
    _q("runnning shoes", "typo", {
        3: {"type": "Running Shoe"},
        2: {"type": TRAIL},
        1: {"type": ("Walking Shoe", "Cross-Training Shoe")}}),
    _q("blendr", "typo", {3: {"type": "Blender"}}),
    _q("hoodei", "typo", {
        3: {"type": "Hoodie"},
        1: {"type": "Fleece Jacket"}}),
    _q("noise cancelling headphnes", "typo", {
        3: {"type": "Headphones", "noise_cancelling": True},
        2: {"type": "Headphones"},
        1: {"type": "Earbuds", "noise_cancelling": True}}),
    _q("sleping bag", "typo", {3: {"type": "Sleeping Bag"}}),
    _q("cofee maker", "typo", {
        3: {"type": "Coffee Maker"},
        1: {"type": "Electric Kettle"}}),
    _q("bookcse", "typo", {3: {"type": "Bookcase"}}),
    # ---- synonym: the shopper's word is not the shop's
    _q("sneakers", "synonym", {
        3: {"type": ATHLETIC},
        2: {"type": TRAIL}}),
    _q("couch", "synonym", {
        3: {"type": SOFAS},
        2: {"type": "Loveseat"}}),
    _q("bedside light", "synonym", {
        3: {"type": "Table Lamp"},
        2: {"type": ("Wall Sconce", "Desk Lamp")},
        1: {"type": ("Floor Lamp", "Ceiling Light")}}),
    _q("stuffed animal", "synonym", {3: {"type": "Plush Toy"}}),
    _q("nonstick skillet", "synonym", {
        3: {"type": "Frying Pan"},
        1: {"type": "Cast Iron Skillet"}}),
    _q("winter coat", "synonym", {
        3: {"type": "Down Jacket"},
        2: {"type": "Fleece Jacket"},
        1: {"type": "Rain Jacket"}}),
    _q("sweatshirt", "synonym", {
        3: {"type": "Hoodie"},
        1: {"type": "Fleece Jacket"}}),
    _q("portable charger", "synonym", {
        3: {"type": "Power Bank"},
        1: {"type": "Wall Charger"}}),
    _q("bookshelf", "synonym", {3: {"type": "Bookcase"}}),
    # ---- brand
    _q("Auralis headphones", "brand", {
        3: {"type": "Headphones", "brand": "Auralis"},
        1: [{"type": "Headphones"}, {"brand": "Auralis", "type": ("Earbuds", "Bluetooth Speaker")}]}),
    _q("ironbark drill", "brand", {
        3: {"type": "Cordless Drill", "brand": "Ironbark"},
        2: {"type": "Impact Driver", "brand": "Ironbark"},
        1: {"type": "Cordless Drill"}}),
    _q("Kettleby", "brand", {3: {"brand": "Kettleby"}}),
    _q("northvane sleeping bag", "brand", {
        3: {"type": "Sleeping Bag", "brand": "Northvane"},
        1: {"type": "Sleeping Bag"}}),
    _q("Tailwind Pet leash", "brand", {
        3: {"type": "Dog Leash", "brand": "Tailwind Pet"},
        1: [{"type": "Dog Leash"}, {"type": "Dog Collar", "brand": "Tailwind Pet"}]}),
    _q("glowmere floor lamp", "brand", {
        3: {"type": "Floor Lamp", "brand": "Glowmere"},
        1: [{"type": "Floor Lamp"}, {"brand": "Glowmere", "type": LAMPS}]}),
    _q("ardent trail womens running shoes", "brand", {
        3: {"type": "Running Shoe", "brand": "Ardent Trail", "gender": "women"},
        2: {"type": "Running Shoe", "brand": "Ardent Trail"},
        1: [{"type": "Running Shoe", "gender": "women"},
            {"type": TRAIL, "brand": "Ardent Trail", "gender": "women"}]}),
    # ---- model_number: exact codes from the generator's flagship models
    _q("IBD771C2", "model_number", {
        3: {"model": "IBD771C2"},
        2: {"model": "IBD771B"},
        1: {"type": "Cordless Drill", "brand": "Ironbark"}}),
    _q("KB-1200", "model_number", {
        3: {"model": "KB-1200"},
        1: {"type": "Blender", "brand": "Kettleby"}}),
    _q("au-q40", "model_number", {
        3: {"model": "AU-Q40"},
        2: {"model": "AU-Q60"},
        1: [{"type": "Headphones", "brand": "Auralis"},
            {"type": "Headphones", "noise_cancelling": True}]}),
    _q("TQ-DD4820K drill", "model_number", {
        3: {"model": "TQ-DD4820K"},
        1: {"type": "Cordless Drill", "brand": "Torqstone"}}),
    _q("VT65G charger", "model_number", {
        3: {"model": "VT-65G"},
        1: [{"type": "Wall Charger", "brand": "Voltaro"},
            {"type": "Wall Charger", "wattage": 65}]}),
    _q("ZK-PB10 power bank", "model_number", {
        3: {"model": "ZK-PB10"},
        1: {"type": "Power Bank", "capacity_mah": 10000}}),
    _q("WL-RC410", "model_number", {
        3: {"model": "WL-RC410"},
        2: {"type": "Remote Control Car", "collection": "Rockcrawler"},
        1: {"type": "Remote Control Car", "brand": "Wonderloop"}}),
    _q("IBF887", "model_number", {
        3: {"model_prefix": "IBF887"},
        1: {"type": "Impact Driver", "brand": "Ironbark"}}),
    # ---- unit_size: units and sizes written every which way
    _q("1/2 in. drill bit", "unit_size", {
        3: {"type": "Drill Bit", "size": "1/2 in."},
        1: {"type": ("Drill Bit", "Drill Bit Set")}}),
    _q("12 oz mug", "unit_size", {
        3: {"type": "Coffee Mug", "capacity_oz": 12},
        2: {"type": "Travel Mug", "capacity_oz": 12},
        1: {"type": ("Coffee Mug", "Travel Mug")}}),
    _q("6 ft dog leash", "unit_size", {
        3: {"type": "Dog Leash", "length_ft": 6},
        1: {"type": "Dog Leash"}}),
    _q("queen sheet set", "unit_size", {
        3: {"type": "Sheet Set", "size": "Queen"},
        1: {"type": "Sheet Set"}}),
    _q("65w usb c charger", "unit_size", {
        3: {"type": "Wall Charger", "wattage": 65},
        2: {"type": "Wall Charger", "wattage_min": 65},
        1: {"type": "Wall Charger"}}),
    _q("2 person tent", "unit_size", {
        3: {"type": "Backpacking Tent", "capacity_people": 2},
        1: {"type": TENTS}}),
    _q("#8 x 1-1/4 wood screws", "unit_size", {
        3: {"type": "Wood Screws", "screw": "#8 x 1-1/4 in."},
        1: {"type": "Wood Screws"}}),
    _q("10 inch cast iron skillet", "unit_size", {
        3: {"type": "Cast Iron Skillet", "diameter_in": 10},
        2: {"type": "Frying Pan", "diameter_in": 10},
        1: {"type": "Cast Iron Skillet"}}),
    _q("8 ft step ladder", "unit_size", {
        3: {"type": "Step Ladder", "height_ft": 8},
        1: {"type": "Step Ladder"}}),
    # ---- color: families ("red") and shop colour names ("sage")
    _q("red dress", "color", {
        3: {"type": "Dress", "color": "red"},
        2: {"type": "Dress"}}),
    _q("navy hoodie", "color", {
        3: {"type": "Hoodie", "color_name": "Navy"},
        2: {"type": "Hoodie", "color": "blue"},
        1: {"type": "Hoodie"}}),
    _q("black running shoes", "color", {
        3: {"type": "Running Shoe", "color": "black"},
        2: {"type": "Running Shoe"},
        1: {"type": TRAIL, "color": "black"}}),
    _q("sage green coffee mug", "color", {
        3: {"type": "Coffee Mug", "color_name": "Sage"},
        2: {"type": "Coffee Mug", "color": "green"},
        1: {"type": "Coffee Mug"}}),
    _q("brass floor lamp", "color", {
        3: [{"type": "Floor Lamp", "color": "gold"}, {"type": "Floor Lamp", "material": "brass"}],
        2: {"type": "Floor Lamp"},
        1: {"type": "Table Lamp", "color": "gold"}}),
    _q("pink dog collar", "color", {
        3: {"type": "Dog Collar", "color": "pink"},
        2: {"type": "Dog Collar"},
        1: {"type": "Dog Leash", "color": "pink"}}),
    _q("white bluetooth speaker", "color", {
        3: {"type": "Bluetooth Speaker", "color": "white"},
        2: {"type": "Bluetooth Speaker"}}),
    # ---- price: the budget is part of what was asked
    _q("desk lamp under $50", "price", {
        3: {"type": "Desk Lamp", "price_max": 50 * USD},
        1: [{"type": "Desk Lamp"}, {"type": "Table Lamp", "price_max": 50 * USD}]}),
    _q("running shoes under 100", "price", {
        3: {"type": "Running Shoe", "price_max": 100 * USD},
        1: [{"type": "Running Shoe"}, {"type": TRAIL, "price_max": 100 * USD}]}),
    _q("cheap blender", "price", {
        3: {"type": "Blender", "price_max": 50 * USD},
        1: {"type": "Blender"}}),
    _q("sofa under $1000", "price", {
        3: {"type": SOFAS, "price_max": 1000 * USD},
        2: {"type": "Loveseat", "price_max": 1000 * USD},
        1: {"type": SOFAS}}),
    _q("headphones between $100 and $200", "price", {
        3: {"type": "Headphones", "price_min": 100 * USD, "price_max": 200 * USD},
        1: {"type": "Headphones"}}),
    _q("tent under 200 dollars", "price", {
        3: {"type": TENTS, "price_max": 200 * USD},
        1: {"type": TENTS}}),
    _q("premium down jacket over $250", "price", {
        3: {"type": "Down Jacket", "price_min": 250 * USD},
        1: {"type": "Down Jacket"}}),
    # ---- word_order
    _q("shoes running trail", "word_order", {
        3: {"type": TRAIL},
        1: {"type": ("Running Shoe", "Hiking Boot")}}),
    _q("jacket rain womens", "word_order", {
        3: {"type": "Rain Jacket", "gender": "women"},
        2: {"type": "Rain Jacket"}}),
    _q("lamp desk led", "word_order", {
        3: {"type": "Desk Lamp"},
        1: {"type": "Table Lamp"}}),
    _q("bag sleeping 20 degree", "word_order", {
        3: {"type": "Sleeping Bag", "temp_rating_f": 20},
        2: {"type": "Sleeping Bag"}}),
    _q("chair office ergonomic", "word_order", {
        3: {"type": "Office Chair"},
        1: {"type": "Standing Desk"}}),
    _q("mug travel insulated", "word_order", {
        3: {"type": "Travel Mug"},
        1: {"type": ("Water Bottle", "Coffee Mug")}}),
    # ---- short: one word, many right answers
    _q("mug", "short", {
        3: {"type": "Coffee Mug"},
        2: {"type": "Travel Mug"}}),
    _q("tent", "short", {3: {"type": TENTS}}),
    _q("drill", "short", {
        3: {"type": "Cordless Drill"},
        1: {"type": ("Impact Driver", "Drill Bit", "Drill Bit Set")}}),
    _q("sofa", "short", {
        3: {"type": SOFAS},
        2: {"type": "Loveseat"}}),
    _q("lamp", "short", {
        3: {"type": LAMPS},
        1: {"type": ("Wall Sconce", "Pendant Light")}}),
    _q("socks", "short", {3: {"type": "Hiking Socks"}}),
    _q("kettle", "short", {3: {"type": "Electric Kettle"}}),
    # ---- long_natural: a need, not a product name
    _q("something warm to wear for winter hiking", "long_natural", {
        3: {"type": ("Down Jacket", "Base Layer Top")},
        2: {"type": ("Fleece Jacket", "Beanie", "Gloves", "Hiking Socks", "Winter Boot")},
        1: {"type": "Hiking Boot"}}),
    _q("a gift for a 7 year old who loves building things", "long_natural", {
        3: {"type": "Building Set"},
        1: {"type": ("Wooden Train Set", "Jigsaw Puzzle", "Board Game")}}),
    _q("I need something to keep my coffee hot on my commute", "long_natural", {
        3: {"type": "Travel Mug"},
        2: {"type": "Water Bottle"},
        1: {"type": "Coffee Mug"}}),
    _q("comfortable chair for working from home all day", "long_natural", {
        3: {"type": "Office Chair"},
        1: {"type": ("Accent Chair", "Standing Desk")}}),
    _q("my old dog has sore joints and needs a comfy place to sleep", "long_natural", {
        3: {"type": "Dog Bed"}}),
    _q("lights to hang on the patio for a backyard party", "long_natural", {
        3: {"type": "String Lights"},
        1: {"type": "Pendant Light"}}),
    _q("waterproof shoes for running on muddy trails under $150", "long_natural", {
        3: {"type": TRAIL, "waterproof": True, "price_max": 150 * USD},
        2: [{"type": TRAIL, "waterproof": True}, {"type": TRAIL, "price_max": 150 * USD}],
        1: [{"type": TRAIL}, {"type": "Hiking Boot", "waterproof": True}]}),
    _q("how do I charge my phone and laptop while travelling", "long_natural", {
        3: [{"type": "Wall Charger", "wattage_min": 65}, {"type": "Power Bank"}],
        2: {"type": "Wall Charger"},
        1: {"type": "Charging Cable"}}),
)


def validate(queries: Iterable[RelevanceQuery] = QUERIES) -> list[str]:
    """Problems in a query set (unknown kinds or product types), so a typo cannot silently
    grade everything 0."""
    problems = []
    for q in queries:
        if q.kind not in KINDS:
            problems.append(f"{q.query!r}: unknown kind {q.kind!r}")
        for grade, spec in q.grades.items():
            if grade not in (1, 2, 3):
                problems.append(f"{q.query!r}: grade {grade} is not 1-3")
            for condition in [spec] if isinstance(spec, Mapping) else spec:
                types = condition.get("type", ())
                for label in types if isinstance(types, tuple) else (types,):
                    if label not in TYPES_BY_LABEL:
                        problems.append(f"{q.query!r}: unknown product type {label!r}")
    return problems


def judgments(query: RelevanceQuery, products: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """external_id -> grade, for every product graded above 0."""
    graded = {}
    for product in products:
        grade = query.grade(product)
        if grade > 0:
            graded[product["external_id"]] = grade
    return graded


def dcg(gains: Iterable[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at_k(ranked_external_ids: Sequence[str], grades: Mapping[str, int], k: int = 10) -> float:
    """Standard nDCG@k: gain 2^g - 1, log2 discount, ideal from all graded products.
    A query with no graded products scores 0 (nothing to find means nothing to reward)."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    seen: set[str] = set()
    gains = []
    for external_id in ranked_external_ids[:k]:
        # A ranker cannot earn twice for repeating a product.
        gains.append(0 if external_id in seen else grades.get(external_id, 0))
        seen.add(external_id)
    return dcg(gains) / ideal


def evaluate(search_fn: SearchFn, products: Sequence[Mapping[str, Any]],
             queries: Sequence[RelevanceQuery] = QUERIES, k: int = 10) -> dict[str, Any]:
    """Mean nDCG@k overall and per kind, plus per-query figures to see where a ranker fails."""
    per_query = []
    for q in queries:
        grades = judgments(q, products)
        ranked = list(search_fn(q.query, k))
        top = ranked[:k]
        per_query.append({
            "query": q.query,
            "kind": q.kind,
            "ndcg": ndcg_at_k(top, grades, k),
            "graded": len(grades),
            "perfect": sum(1 for g in grades.values() if g == 3),
            "hits": sum(1 for e in top if e in grades),
        })
    by_kind = {
        kind: fmean(r["ndcg"] for r in per_query if r["kind"] == kind)
        for kind in KINDS if any(r["kind"] == kind for r in per_query)
    }
    return {
        "k": k,
        "ndcg": fmean(r["ndcg"] for r in per_query) if per_query else 0.0,
        "by_kind": by_kind,
        "queries": per_query,
    }
