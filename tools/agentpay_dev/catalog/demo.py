"""A seeded demo catalog that reads like a real shop's, for `make dev`, benchmarks and the
relevance harness.

Everything is invented here (brands, product lines, model numbers, copy), so the catalog can
ship with the project. The output is a pure function of (n, seed), and a longer catalog
starts with the shorter one: product i does not depend on n. The first products of every
catalog cover each product type and each flagship model once, so any catalog of a few
hundred products or more contains every model number the relevance set asks for.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any, TextIO

SHOP = "https://demo-shop.example"
CURRENCY = "USD"

# Colour name -> colour family. Shoppers ask for the family ("red dress"); shops sell the name.
COLORS: dict[str, str] = {
    "Black": "black", "Jet Black": "black", "Matte Black": "black",
    "White": "white", "Ivory": "white", "Cream": "white", "Speckled Oat": "white",
    "Heather Gray": "gray", "Charcoal": "gray", "Graphite": "gray", "Light Gray": "gray",
    "Gray": "gray", "Gray Wash": "gray",
    "Navy": "blue", "Slate Blue": "blue", "Cobalt": "blue", "Sky Blue": "blue",
    "Midnight Blue": "blue", "Indigo": "blue", "Light Wash": "blue", "Dark Wash": "blue",
    "Blue": "blue",
    "Cherry Red": "red", "Brick Red": "red", "Crimson": "red", "Burgundy": "red", "Red": "red",
    "Ruby Red": "red",
    "Olive": "green", "Forest Green": "green", "Sage": "green", "Emerald": "green",
    "Green": "green",
    "Mustard": "yellow", "Sunflower": "yellow", "Yellow": "yellow",
    "Coral": "orange", "Burnt Orange": "orange", "Rust": "orange", "Terracotta": "orange",
    "Orange": "orange",
    "Blush Pink": "pink", "Rose": "pink", "Pink": "pink", "Mauve": "pink",
    "Lavender": "purple", "Plum": "purple", "Purple": "purple", "Berry": "purple",
    "Sand": "beige", "Tan": "beige", "Nude Beige": "beige", "Natural": "beige",
    "Walnut": "brown", "Espresso": "brown", "Cognac": "brown", "Natural Oak": "brown",
    "Rosewood": "brown",
    "Brushed Nickel": "silver", "Chrome": "silver", "Silver": "silver", "Stainless": "silver",
    "Brass": "gold", "Bronze": "gold",
    "Multicolor": "multicolor",
}

SHOE = ("Black", "White", "Slate Blue", "Navy", "Charcoal", "Olive", "Cherry Red", "Coral",
        "Sand", "Forest Green", "Cobalt")
BOOT = ("Black", "Tan", "Walnut", "Charcoal", "Olive", "Cognac", "Burgundy")
APPAREL = ("Black", "White", "Heather Gray", "Navy", "Olive", "Burgundy", "Cherry Red",
           "Mustard", "Sage", "Blush Pink", "Cream", "Cobalt", "Lavender", "Rust")
OUTER = ("Black", "Navy", "Forest Green", "Burnt Orange", "Slate Blue", "Charcoal",
         "Cherry Red", "Sand", "Plum")
OUTDOOR = ("Forest Green", "Olive", "Burnt Orange", "Slate Blue", "Charcoal", "Sand",
           "Cherry Red", "Black", "Sky Blue")
HOME = ("White", "Cream", "Sage", "Charcoal", "Terracotta", "Navy", "Speckled Oat",
        "Matte Black", "Blush Pink", "Mustard")
TEXTILE = ("White", "Ivory", "Light Gray", "Sage", "Navy", "Blush Pink", "Charcoal", "Sand")
WOOD = ("Natural Oak", "Walnut", "Espresso", "White", "Black", "Gray Wash")
UPHOLSTERY = ("Charcoal", "Light Gray", "Navy", "Emerald", "Cognac", "Cream", "Mustard",
              "Blush Pink", "Slate Blue", "Rust")
METAL = ("Matte Black", "Brushed Nickel", "Brass", "White", "Chrome", "Bronze")
TECH = ("Black", "White", "Graphite", "Midnight Blue", "Sage", "Coral", "Silver")
TOY = ("Red", "Blue", "Yellow", "Green", "Multicolor", "Pink", "Purple")
PET = ("Black", "Navy", "Cherry Red", "Forest Green", "Gray", "Tan", "Blush Pink", "Orange")
TOOL = ("Yellow", "Black", "Red", "Orange", "Blue")
SHADES = ("Ruby Red", "Crimson", "Rosewood", "Nude Beige", "Berry", "Coral", "Mauve", "Plum")

MEN_SHOE = tuple(f"{s / 2:g}" for s in range(14, 27))   # 7 .. 13
WOMEN_SHOE = tuple(f"{s / 2:g}" for s in range(10, 23))  # 5 .. 11
LETTER = ("XS", "S", "M", "L", "XL", "XXL")
WAIST = ("28", "30", "32", "34", "36", "38")
BED = ("Twin", "Full", "Queen", "King")

BRANDS: dict[str, tuple[str, ...]] = {
    "Footwear": ("Stridewell", "Fellbrook", "Quillstep", "Ardent Trail", "Pebblefoot"),
    "Apparel": ("Marlowe & Finch", "Threadgood", "Harbor Twine", "Wrenfield", "Loomwell"),
    "Outdoor Gear": ("Northvane", "Cairnline", "Tallpine Gear", "Summit Fern"),
    "Home & Kitchen": ("Kettleby", "Brindle & Oak", "Hearthwell", "Saltmarsh Home", "Fernhill"),
    "Furniture": ("Oakhaven", "Mossgrove", "Bramblewood", "Lindqvist Living", "Studio Alder"),
    "Lighting": ("Lumora", "Glowmere", "Brightsmith", "Halcyon & Wick"),
    "Electronics Accessories": ("Voltaro", "Auralis", "Zentrik", "Cordwise"),
    "Beauty": ("Velvetine", "Rosehaze", "Dewbloom", "Purelle"),
    "Toys": ("Tumblebee", "Brickwick", "Wonderloop", "Puddleduck Toys"),
    "Pet Supplies": ("Barkley & Bean", "Whiskerwood", "Tailwind Pet", "Muddy Paws Co."),
    "Hardware & Tools": ("Ironbark", "Torqstone", "Gritmaster", "Hexwell"),
}
OUTDOOR_APPAREL = BRANDS["Outdoor Gear"] + ("Wrenfield", "Loomwell")

# Two-letter prefixes for generated model numbers, so codes look like the brand's own.
BRAND_CODES = {"Ironbark": "IB", "Torqstone": "TQ", "Gritmaster": "GM", "Hexwell": "HX",
               "Kettleby": "KB", "Hearthwell": "HW", "Brindle & Oak": "BO",
               "Saltmarsh Home": "SM", "Fernhill": "FH", "Voltaro": "VT", "Auralis": "AU",
               "Zentrik": "ZK", "Cordwise": "CW", "Velvetine": "VV", "Rosehaze": "RH",
               "Dewbloom": "DB", "Purelle": "PR", "Wonderloop": "WL", "Tumblebee": "TB",
               "Brickwick": "BW", "Puddleduck Toys": "PD"}

# Type-independent closing lines, by category: the fine print real shops add.
CLOSERS: dict[str, tuple[str, ...]] = {
    "Footwear": ("Fits true to size; between sizes, go half a size up.",
                 "Free size exchanges within 30 days.", "Spot clean with a damp cloth."),
    "Apparel": ("Machine wash cold, tumble dry low.", "Free returns within 30 days.",
                "Ships free on orders over $50."),
    "Outdoor Gear": ("Backed by our lifetime repair promise.", "Packs small and weighs little.",
                     "Tested by our guides in the field."),
    "Home & Kitchen": ("Free shipping on orders over $50.", "Makes a thoughtful housewarming gift.",
                       "Ships in plastic-free packaging."),
    "Furniture": ("Ships flat-packed with all hardware; assembly takes about 30 minutes.",
                  "Free white-glove delivery on orders over $999.", "Spot clean only."),
    "Lighting": ("UL listed.", "Ships in 1-2 business days.", "Free returns within 30 days."),
    "Electronics Accessories": ("Includes a 2-year warranty.", "Ships in 1-2 business days.",
                                "Free returns within 30 days."),
    "Beauty": ("Cruelty-free and vegan.", "Dermatologist tested.", "Paraben-free."),
    "Toys": ("Meets ASTM F963 toy safety standards.", "Gift wrapping available at checkout.",
             "A great gift for birthdays."),
    "Pet Supplies": ("Vet recommended.", "Ships in 1-2 business days.",
                     "Satisfaction guaranteed or your money back."),
    "Hardware & Tools": ("Backed by a 3-year limited warranty.",
                         "Built for pros, priced for DIYers.", "Ships in 1-2 business days."),
}
_PROPER = {"Bluetooth", "Merino"}
ADJECTIVES = ("everyday", "versatile", "go-to", "best-selling", "dependable", "well-loved",
              "customer-favorite")


@dataclass(frozen=True)
class Flagship:
    """A fixed model whose number never changes, so queries can name it."""

    brand: str
    line: str
    code: str
    price: float
    config: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class ProductType:
    """One kind of product as a shop thinks of it; `label` is its product_type attribute."""

    label: str
    category: str
    price: tuple[float, float]
    noun: str = ""
    lines: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    materials: tuple[str, ...] = ("",)
    palette: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    quals: tuple[str, ...] = ("",)
    qual_attrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    qual_key: str = ""  # when set, the chosen qualifier is also stored under this attribute
    line_quals: dict[str, str] = field(default_factory=dict)  # lines made in one version only
    specs: tuple[tuple[str, dict[str, Any], float], ...] = ()
    spec_first: bool = False
    spec_variants: float = 0.0  # share of products sold in every spec as size variants
    features: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)
    weight: float = 1.0
    material_in_name: bool = False
    code: str = ""
    configs: tuple[tuple[str, str, float], ...] = (("", "", 1.0),)
    flagships: tuple[Flagship, ...] = ()

    @property
    def name_noun(self) -> str:
        return self.noun or self.label

    @property
    def brand_pool(self) -> tuple[str, ...]:
        return self.brands or BRANDS[self.category]


def _t(label: str, category: str, price: tuple[float, float], **kw: Any) -> ProductType:
    return ProductType(label=label, category=category, price=price, **kw)


WP = {"Waterproof": {"waterproof": True}}
G = ("Men's", "Women's")

TYPES: tuple[ProductType, ...] = (
    # ---- Footwear
    _t("Running Shoe", "Footwear", (70, 170), gender=G, palette=SHOE, weight=1.6,
       lines=("Tempo Glide", "Roadrunner 5", "Cadence Max", "Pacer Flow", "Mileage 3"),
       quals=("Cushioned", "Lightweight", "", "Stability"),
       qual_attrs={"Stability": {"support": "stability"}},
       materials=("engineered mesh", "recycled knit", "breathable mesh"),
       features=("a responsive foam midsole", "a breathable engineered mesh upper",
                 "a durable rubber outsole", "reflective heel details",
                 "a padded tongue and collar", "an 8 mm heel-to-toe drop"),
       uses=("daily road runs", "tempo workouts", "long-distance training", "race day")),
    _t("Trail Running Shoe", "Footwear", (90, 180), gender=G, palette=SHOE, weight=1.4,
       lines=("Trailrunner XT", "Ridgeback", "Scree Pro", "Switchback 2", "Mudlark"),
       quals=("Waterproof", "", "Lightweight"), qual_attrs=WP,
       line_quals={"Trailrunner XT": "Waterproof"},
       materials=("ripstop mesh", "abrasion-resistant mesh", "recycled ripstop"),
       features=("aggressive 5 mm lugs", "a rock plate underfoot",
                 "a gusseted tongue that keeps debris out", "a sticky rubber outsole",
                 "a protective toe cap", "a quick-pull lacing system"),
       uses=("technical trails", "muddy singletrack", "mountain runs", "fast hikes")),
    _t("Hiking Boot", "Footwear", (110, 240), gender=G, palette=BOOT,
       lines=("Summit Ridge", "Basecamp Mid", "Cascade", "Timberline"),
       quals=("Waterproof", "", "Mid"), qual_attrs=WP,
       materials=("full-grain leather", "nubuck leather", "suede and mesh"),
       features=("a waterproof breathable membrane", "a lugged rubber outsole",
                 "ankle support for rocky ground", "a cushioned EVA midsole",
                 "speed-lace hooks"),
       uses=("day hikes", "backpacking trips", "rocky trails")),
    _t("Cross-Training Shoe", "Footwear", (60, 140), gender=G, palette=SHOE,
       lines=("Circuit", "Rep Max", "Studio Flex"),
       materials=("knit", "synthetic mesh"),
       features=("a flat, stable heel for lifting", "a flexible forefoot",
                 "lateral support for side-to-side moves", "a grippy rubber outsole"),
       uses=("gym sessions", "HIIT classes", "weight training")),
    _t("Walking Shoe", "Footwear", (55, 130), gender=G, palette=SHOE,
       lines=("Easy Stride", "Comfort Walk", "Metro"),
       materials=("soft leather", "stretch knit", "mesh"),
       features=("a memory foam insole", "a roomy toe box", "a slip-resistant rubber outsole",
                 "a supportive heel counter"),
       uses=("all-day walking", "errands", "travel days")),
    _t("Canvas Shoe", "Footwear", (40, 75), gender=G, palette=SHOE, noun="Canvas Low-Top Shoe",
       lines=("Classic Court", "Harbor Lo", "Daytripper"),
       materials=("cotton canvas", "organic cotton canvas"),
       features=("a vulcanized rubber sole", "a cushioned footbed", "metal eyelets"),
       uses=("everyday wear", "weekends", "summer days")),
    _t("Sport Sandal", "Footwear", (35, 90), gender=G, palette=SHOE,
       lines=("Riverbed", "Driftwood", "Canyon Strap"),
       materials=("quick-dry webbing", "recycled polyester straps"),
       features=("adjustable hook-and-loop straps", "a contoured footbed",
                 "a grippy outsole for wet rocks"),
       uses=("river crossings", "beach days", "summer hikes")),
    _t("Rain Boot", "Footwear", (45, 120), gender=G, palette=BOOT + ("Sage", "Cherry Red"),
       lines=("Puddle Jumper", "Downpour", "Wellstone"), attrs={"waterproof": True},
       materials=("natural rubber",), material_in_name=True,
       features=("a pull-on loop", "a cushioned insole", "a slip-resistant sole",
                 "a fully waterproof shell"),
       uses=("rainy commutes", "garden work", "muddy walks")),
    _t("Winter Boot", "Footwear", (90, 200), gender=G, palette=BOOT, noun="Insulated Winter Boot",
       lines=("Snowline", "Frostguard", "Tundra Lace"),
       attrs={"waterproof": True, "insulated": True},
       materials=("waterproof leather", "nylon and suede"),
       features=("200 g synthetic insulation", "a removable felt liner",
                 "a cold-weather rubber outsole", "a rating to -20°F"),
       uses=("snowy sidewalks", "winter hikes", "cold commutes")),
    _t("Slipper", "Footwear", (30, 75), gender=G, palette=BOOT + ("Heather Gray",),
       noun="Moccasin Slipper", lines=("Fireside", "Hearth", "Lazy Sunday"),
       materials=("suede", "wool felt"),
       features=("a plush faux-shearling lining", "an indoor/outdoor sole",
                 "a memory foam footbed"),
       uses=("lazy mornings", "cold floors")),
    # ---- Apparel
    _t("T-Shirt", "Apparel", (15, 35), gender=G, palette=APPAREL, sizes=LETTER, weight=1.5,
       noun="Crew Neck T-Shirt", lines=("Everyday", "Essential", "Softwash", "Heritage"),
       materials=("100% cotton", "organic cotton", "cotton-modal blend"),
       features=("a tagless neck", "a relaxed fit", "reinforced shoulder seams",
                 "pre-shrunk fabric"),
       uses=("everyday wear", "layering")),
    _t("Hoodie", "Apparel", (35, 80), gender=G, palette=APPAREL, sizes=LETTER,
       noun="Pullover Hoodie", lines=("Campus", "Weekender", "Heavyweight"),
       materials=("cotton fleece", "French terry", "brushed fleece"),
       features=("a kangaroo pocket", "a lined hood with drawcord", "ribbed cuffs and hem"),
       uses=("cool evenings", "lounging", "layering")),
    _t("Rain Jacket", "Apparel", (70, 220), gender=G, palette=OUTER, sizes=LETTER,
       brands=OUTDOOR_APPAREL, lines=("Stormline", "Drizzle Shell", "Cloudburst"),
       quals=("Waterproof", "Packable Waterproof"), attrs={"waterproof": True},
       materials=("2.5-layer nylon", "recycled polyester shell"),
       features=("fully taped seams", "an adjustable hood", "pit zips for venting",
                 "a shell that packs into its own pocket"),
       uses=("rainy hikes", "city commutes", "travel")),
    _t("Down Jacket", "Apparel", (120, 320), gender=G, palette=OUTER, sizes=LETTER,
       brands=OUTDOOR_APPAREL, noun="Down Puffer Jacket",
       lines=("Loft 800", "Glacier", "Emberlight"), attrs={"insulated": True},
       quals=("", "Hooded"),
       materials=("650-fill duck down", "800-fill goose down"),
       features=("a water-resistant shell", "zippered hand pockets", "a stuff sack",
                 "an insulated hood"),
       uses=("cold winter days", "winter hiking", "ski trips")),
    _t("Fleece Jacket", "Apparel", (45, 120), gender=G, palette=OUTER, sizes=LETTER,
       brands=OUTDOOR_APPAREL, lines=("Campfire", "Polar Trail", "Midlayer"),
       materials=("recycled polyester fleece", "grid fleece"),
       features=("a full-length zip", "zippered hand pockets", "a stand-up collar"),
       uses=("layering on cold hikes", "chilly mornings")),
    _t("Base Layer Top", "Apparel", (35, 110), gender=G, palette=OUTER, sizes=LETTER,
       brands=OUTDOOR_APPAREL, noun="Thermal Base Layer Top",
       lines=("Merino 200", "Thermal Crew", "Coldsnap"), attrs={"insulated": True},
       materials=("merino wool", "merino-synthetic blend", "polyester waffle knit"),
       features=("flatlock seams", "natural odor resistance", "moisture-wicking fabric",
                 "thumbholes"),
       uses=("winter hiking", "skiing", "cold-weather running")),
    _t("Dress", "Apparel", (45, 150), qual_key="style",
       gender=("Women's",), palette=APPAREL, sizes=LETTER,
       quals=("Wrap", "Midi", "Maxi", "Shirt", "Sleeveless A-Line"),
       lines=("Solstice", "Marisol", "Everly", ""),
       materials=("linen", "viscose crepe", "cotton poplin", "jersey"),
       features=("an adjustable tie waist", "side pockets", "a flattering V-neck",
                 "a fully lined skirt"),
       uses=("weddings", "summer evenings", "the office")),
    _t("Jeans", "Apparel", (40, 120), qual_key="fit", gender=G, sizes=WAIST,
       palette=("Indigo", "Light Wash", "Dark Wash", "Black", "Gray"),
       quals=("Slim Fit", "Straight Leg", "Relaxed Fit", "Bootcut"),
       materials=("stretch denim", "rigid cotton denim", "organic cotton denim"),
       features=("a five-pocket design", "a button fly", "just enough stretch"),
       uses=("everyday wear", "weekends")),
    _t("Leggings", "Apparel", (30, 90), gender=("Women's",), palette=APPAREL, sizes=LETTER,
       noun="High-Rise Leggings", lines=("Flowform", "Studio", "Sculpt"),
       materials=("nylon-spandex", "recycled nylon"),
       features=("a hidden waistband pocket", "squat-proof fabric", "four-way stretch"),
       uses=("yoga", "running", "studio workouts")),
    _t("Hiking Socks", "Apparel", (14, 28), palette=OUTDOOR, sizes=("S", "M", "L", "XL"),
       brands=OUTDOOR_APPAREL, quals=("Merino Wool", "Cushioned Merino", "Lightweight"),
       materials=("merino wool blend",),
       features=("a cushioned footbed", "a seamless toe", "arch support"),
       uses=("long hikes", "cold days on the trail")),
    _t("Beanie", "Apparel", (18, 40), palette=APPAREL, noun="Knit Beanie",
       brands=OUTDOOR_APPAREL, materials=("ribbed acrylic knit", "merino wool",
                                          "recycled wool blend"),
       quals=("", "Cuffed", "Fleece-Lined"), attrs={"insulated": True},
       features=("a fold-over cuff", "a soft fleece lining", "a pom-pom"),
       uses=("cold days", "winter hikes")),
    _t("Gloves", "Apparel", (25, 80), palette=OUTER, sizes=("S", "M", "L", "XL"),
       brands=OUTDOOR_APPAREL, noun="Insulated Gloves", quals=("Waterproof", "Touchscreen"),
       qual_attrs=WP, attrs={"insulated": True},
       materials=("softshell and leather", "insulated nylon"),
       features=("touchscreen-compatible fingertips", "a cinch cuff", "a grippy palm"),
       uses=("skiing", "winter commutes", "shoveling snow")),
    # ---- Outdoor gear
    _t("Backpacking Tent", "Outdoor Gear", (150, 450), palette=OUTDOOR,
       lines=("Ridgeline UL", "Nightjar", "Skyhollow"),
       quals=("Ultralight", "Freestanding", "3-Season"),
       specs=(("1-Person", {"capacity_people": 1}, 0.8), ("2-Person", {"capacity_people": 2}, 1),
              ("3-Person", {"capacity_people": 3}, 1.25)), spec_first=True,
       materials=("ripstop nylon", "silicone-coated nylon"),
       features=("two doors and two vestibules", "a full-coverage rainfly",
                 "color-coded pole clips", "a packed weight under 4 lb"),
       uses=("backpacking trips", "weekend camping", "thru-hikes")),
    _t("Camping Tent", "Outdoor Gear", (120, 400), palette=OUTDOOR, noun="Family Camping Tent",
       lines=("Basecamp", "Meadowview", "Cabin Dome"),
       specs=(("4-Person", {"capacity_people": 4}, 0.8), ("6-Person", {"capacity_people": 6}, 1),
              ("8-Person", {"capacity_people": 8}, 1.3)), spec_first=True,
       materials=("polyester and steel",),
       features=("a room divider", "a screened porch", "near-vertical walls",
                 "a weatherproof floor"),
       uses=("family campouts", "car camping", "festival weekends")),
    _t("Sleeping Bag", "Outdoor Gear", (60, 300), palette=OUTDOOR, sizes=("Regular", "Long"),
       lines=("Nightfall", "Cocoon", "Alpenglow"),
       specs=(("0°F", {"temp_rating_f": 0}, 1.3), ("20°F", {"temp_rating_f": 20}, 1),
              ("35°F", {"temp_rating_f": 35}, 0.75)), spec_first=True,
       materials=("synthetic insulation", "650-fill down"),
       features=("a draft collar", "a mummy hood", "a two-way zipper",
                 "a compression stuff sack"),
       uses=("cold-weather camping", "backpacking", "winter trips")),
    _t("Hiking Backpack", "Outdoor Gear", (60, 280), palette=OUTDOOR,
       lines=("Traverse", "Crestline", "Day Tripper"),
       specs=(("22L", {"capacity_l": 22}, 0.7), ("28L", {"capacity_l": 28}, 0.8),
              ("45L", {"capacity_l": 45}, 1.1), ("65L", {"capacity_l": 65}, 1.4)),
       spec_first=True, materials=("ripstop nylon", "recycled nylon"),
       features=("a ventilated back panel", "hip-belt pockets", "a hydration sleeve",
                 "an integrated rain cover"),
       uses=("day hikes", "multi-day treks", "travel")),
    _t("Trekking Poles", "Outdoor Gear", (40, 160), palette=OUTDOOR,
       lines=("Trailstick", "Ridgewalker"),
       quals=("Collapsible Carbon", "Aluminum", "Folding"),
       materials=("carbon fiber", "7075 aluminum"),
       features=("cork grips", "quick-lock length adjustment", "carbide tips"),
       uses=("steep descents", "long hikes")),
    _t("Headlamp", "Outdoor Gear", (20, 70), palette=OUTDOOR,
       lines=("Beacon", "Nightowl", "Trailglow"), quals=("Rechargeable", ""),
       specs=(("300 Lumen", {"lumens": 300}, 0.8), ("400 Lumen", {"lumens": 400}, 1),
              ("600 Lumen", {"lumens": 600}, 1.3)), spec_first=True,
       materials=("impact-resistant polycarbonate",),
       features=("a red night-vision mode", "an IPX4 rating", "a tilting head"),
       uses=("night hikes", "camp chores", "power outages")),
    _t("Water Bottle", "Outdoor Gear", (20, 45), palette=OUTDOOR + ("White",),
       noun="Insulated Water Bottle", lines=("Basin", "Hydrate", ""),
       specs=(("20 oz", {"capacity_oz": 20}, 0.85), ("32 oz", {"capacity_oz": 32}, 1),
              ("40 oz", {"capacity_oz": 40}, 1.15)),
       materials=("double-wall stainless steel",), attrs={"insulated": True},
       features=("24-hour cold retention", "a leakproof cap", "a powder-coat finish"),
       uses=("the gym", "the trail", "the office")),
    _t("Camp Chair", "Outdoor Gear", (35, 140), qual_key="style", palette=OUTDOOR,
       lines=("Lakeside", "Fireside", "Moonlite"), quals=("Folding", "Ultralight", "Rocking"),
       materials=("ripstop polyester and steel", "aluminum frame"),
       features=("a cup holder", "a carry bag", "a 300 lb capacity"),
       uses=("campfires", "tailgates", "beach days")),
    _t("Cooler", "Outdoor Gear", (90, 350), palette=OUTDOOR + ("White",), noun="Hard Cooler",
       lines=("Icebox", "Glacier Chest"),
       specs=(("25 qt", {"capacity_qt": 25}, 0.7), ("45 qt", {"capacity_qt": 45}, 1),
              ("65 qt", {"capacity_qt": 65}, 1.3)),
       materials=("rotomolded polyethylene",),
       features=("up to 7 days of ice retention", "bear-resistant latches", "a drain plug"),
       uses=("camping", "fishing trips", "tailgates")),
    _t("Camp Stove", "Outdoor Gear", (40, 180), qual_key="style", palette=OUTDOOR,
       lines=("Trailchef", "Basecamp Grill"), quals=("2-Burner Propane", "Backpacking"),
       materials=("stainless steel",),
       features=("push-button ignition", "wind guards", "a simmer control"),
       uses=("camp cooking", "backpacking meals")),
    # ---- Home & kitchen
    _t("Coffee Mug", "Home & Kitchen", (10, 35), palette=HOME, weight=1.4,
       lines=("Daybreak", "Potter's", ""), material_in_name=True,
       materials=("stoneware", "porcelain", "speckled stoneware", "ceramic"),
       specs=(("12 oz", {"capacity_oz": 12}, 0.9), ("16 oz", {"capacity_oz": 16}, 1),
              ("20 oz", {"capacity_oz": 20}, 1.1)),
       features=("a comfortable C-handle", "a reactive glaze finish",
                 "microwave and dishwasher-safe ceramic"),
       uses=("morning coffee", "tea", "hot chocolate")),
    _t("Travel Mug", "Home & Kitchen", (18, 40), palette=HOME, lines=("Commuter", "Roam"),
       quals=("Insulated", "Leakproof"), attrs={"insulated": True},
       materials=("stainless steel",),
       specs=(("12 oz", {"capacity_oz": 12}, 0.9), ("16 oz", {"capacity_oz": 16}, 1),
              ("20 oz", {"capacity_oz": 20}, 1.1)),
       features=("a one-handed flip lid", "6-hour heat retention",
                 "a base that fits most cup holders"),
       uses=("commutes", "road trips")),
    _t("Blender", "Home & Kitchen", (40, 400), palette=("Black", "Stainless", "White", "Sage"),
       lines=("PowerBlend", "Vortex", "Smoothie Pro"), quals=("High-Speed", "Personal", ""),
       materials=("BPA-free Tritan", "glass"), code="BL",
       features=("variable speed control", "a pulse setting", "a 60-second self-clean cycle",
                 "stainless steel blades"),
       uses=("smoothies", "frozen drinks", "soups and sauces"),
       flagships=(
           Flagship("Kettleby", "PowerBlend 1200", "KB-1200", 89.99,
                    attrs={"wattage": 1200, "capacity_oz": 64}),
           Flagship("Kettleby", "PowerBlend Pro", "KB-1500P", 149.99,
                    attrs={"wattage": 1500, "capacity_oz": 72}),
           Flagship("Hearthwell", "Vortex Personal", "HW-BL350", 39.99,
                    attrs={"wattage": 350, "capacity_oz": 20}))),
    _t("Coffee Maker", "Home & Kitchen", (30, 180), palette=("Black", "Stainless", "White"),
       noun="Drip Coffee Maker", lines=("Morning Ritual", "Brewmaster"), code="CM",
       specs=(("12-Cup", {"capacity_cups": 12}, 1.1), ("10-Cup", {"capacity_cups": 10}, 1),
              ("5-Cup", {"capacity_cups": 5}, 0.7)), spec_first=True,
       materials=("stainless steel", "brushed steel"),
       features=("a programmable 24-hour timer", "a brew-strength selector",
                 "a pause-and-pour feature", "a reusable gold-tone filter"),
       uses=("busy mornings", "entertaining"),
       flagships=(
           Flagship("Brindle & Oak", "Morning Ritual 12-Cup", "BO-CM12", 79.99,
                    attrs={"capacity_cups": 12}),
           Flagship("Hearthwell", "Brewmaster Thermal", "HW-CM10T", 119.99,
                    attrs={"capacity_cups": 10}))),
    _t("Electric Kettle", "Home & Kitchen", (25, 100), palette=("Matte Black", "Stainless",
                                                                 "White", "Sage"),
       lines=("Pourover", "Quickboil"), quals=("Gooseneck", "Variable Temperature", ""),
       materials=("stainless steel", "borosilicate glass"),
       specs=(("1.7 L", {"capacity_l": 1.7}, 1), ("1 L", {"capacity_l": 1}, 0.85)),
       features=("auto shut-off", "boil-dry protection", "a keep-warm setting"),
       uses=("tea", "pour-over coffee")),
    _t("Chef's Knife", "Home & Kitchen", (25, 160), palette=("Black", "Walnut", "Stainless"),
       lines=("Artisan", "Forged Pro", "Santoku Line"),
       materials=("German stainless steel", "Japanese VG-10 steel",
                  "high-carbon stainless steel"),
       specs=(("8 in.", {"blade_length_in": 8}, 1), ("6 in.", {"blade_length_in": 6}, 0.8),
              ("10 in.", {"blade_length_in": 10}, 1.2)), spec_first=True,
       features=("a full-tang handle", "a razor-sharp 15° edge", "a balanced bolster"),
       uses=("everyday prep", "slicing and dicing")),
    _t("Cast Iron Skillet", "Home & Kitchen", (20, 90), palette=("Black",),
       lines=("Heritage", "Prairie"), materials=("pre-seasoned cast iron",),
       specs=(("8 in.", {"diameter_in": 8}, 0.7), ("10 in.", {"diameter_in": 10}, 0.85),
              ("12 in.", {"diameter_in": 12}, 1)), spec_first=True,
       features=("a helper handle", "pour spouts on both sides", "oven-safe to 500°F"),
       uses=("searing steaks", "cornbread", "campfire cooking")),
    _t("Frying Pan", "Home & Kitchen", (20, 90), palette=("Black", "Graphite", "Stainless"),
       noun="Nonstick Frying Pan", lines=("Everyday", "Pro Glide"),
       materials=("hard-anodized aluminum", "ceramic-coated aluminum", "tri-ply stainless steel"),
       specs=(("8 in.", {"diameter_in": 8}, 0.7), ("10 in.", {"diameter_in": 10}, 0.85),
              ("12 in.", {"diameter_in": 12}, 1)), spec_first=True,
       features=("a PFOA-free nonstick coating", "a stay-cool handle",
                 "induction compatibility"),
       uses=("eggs and pancakes", "weeknight dinners")),
    _t("Cutting Board", "Home & Kitchen", (20, 90), palette=("Natural", "Walnut"),
       lines=("Butcher's", "Prep"), material_in_name=True,
       materials=("end-grain walnut", "acacia wood", "bamboo"),
       quals=("Large", "Reversible", ""),
       features=("a juice groove", "non-slip feet", "built-in handles"),
       uses=("meal prep", "serving charcuterie")),
    _t("Bath Towel Set", "Home & Kitchen", (25, 90), palette=TEXTILE,
       lines=("Spa", "Aegean", ""), material_in_name=True,
       materials=("Turkish cotton", "organic cotton", "waffle-weave cotton"),
       specs=(("Set of 2", {"pieces": 2}, 0.6), ("Set of 4", {"pieces": 4}, 1),
              ("Set of 6", {"pieces": 6}, 1.3)),
       features=("plush 600 GSM loops", "quick-dry fibers", "a hanging loop"),
       uses=("the bathroom", "guest rooms")),
    _t("Sheet Set", "Home & Kitchen", (50, 250), palette=TEXTILE, sizes=BED,
       lines=("Cloudrest", "Hotel Classic", ""), material_in_name=True,
       materials=("percale cotton", "sateen cotton", "linen", "bamboo lyocell"),
       features=("deep pockets that fit up to 16 in. mattresses", "a breathable weave",
                 "two pillowcases"),
       uses=("hot sleepers", "year-round comfort")),
    _t("Throw Blanket", "Home & Kitchen", (30, 120), palette=TEXTILE + ("Mustard", "Rust"),
       lines=("Hygge", "Cabin", ""), material_in_name=True,
       materials=("chunky knit", "sherpa fleece", "cotton waffle weave", "faux fur"),
       features=("a soft, heavy drape", "fringed edges", "machine-washable fabric"),
       uses=("the sofa", "movie nights", "chilly evenings")),
    _t("Dinnerware Set", "Home & Kitchen", (50, 200), palette=HOME,
       lines=("Coastal", "Farmhouse", "Modern Rim"), material_in_name=True,
       materials=("stoneware", "porcelain"),
       specs=(("12-Piece", {"pieces": 12}, 0.8), ("16-Piece", {"pieces": 16}, 1)),
       spec_first=True,
       features=("dinner plates, salad plates and bowls", "a chip-resistant glaze"),
       uses=("everyday meals", "entertaining")),
    # ---- Furniture
    _t("Sofa", "Furniture", (600, 2200), qual_key="style", palette=UPHOLSTERY, weight=1.3,
       lines=("Harlow", "Everett", "Calloway", "Juniper"),
       quals=("Mid-Century Modern", "Tufted", "Sleeper", "Modern", "Slipcovered"),
       materials=("performance velvet", "linen-blend upholstery", "top-grain leather",
                  "boucle"),
       specs=(("84 in.", {"width_in": 84}, 1), ("90 in.", {"width_in": 90}, 1.1)),
       features=("kiln-dried hardwood frame", "high-resilience foam cushions",
                 "removable cushion covers", "solid wood legs"),
       uses=("the living room", "movie nights", "small apartments")),
    _t("Loveseat", "Furniture", (400, 1200), qual_key="style", palette=UPHOLSTERY,
       lines=("Harlow", "Everett", "Nook"), quals=("Mid-Century", "Rolled-Arm", ""),
       materials=("performance velvet", "linen-blend upholstery", "top-grain leather"),
       features=("a kiln-dried hardwood frame", "pocketed coil seats", "tapered legs"),
       uses=("small spaces", "reading nooks")),
    _t("Sectional Sofa", "Furniture", (900, 3000), qual_key="style", palette=UPHOLSTERY,
       lines=("Calloway", "Juniper", "Bayside"), quals=("L-Shaped", "Modular", "Reversible"),
       materials=("performance fabric", "boucle", "top-grain leather"),
       features=("a reversible chaise", "stain-resistant fabric", "deep seats"),
       uses=("family rooms", "movie nights")),
    _t("Accent Chair", "Furniture", (200, 700), qual_key="style", palette=UPHOLSTERY,
       lines=("Wren", "Lola", "Barrow"), quals=("Swivel", "Barrel", "Wingback"),
       materials=("boucle", "velvet", "leather"),
       features=("a solid wood frame", "a curved back", "tapered legs"),
       uses=("reading corners", "the living room")),
    _t("Office Chair", "Furniture", (150, 700), palette=("Black", "Graphite", "White"),
       noun="Ergonomic Office Chair", lines=("Postura", "Workwell", "Aeron-Free"),
       materials=("breathable mesh", "bonded leather"),
       features=("adjustable lumbar support", "4D armrests", "a tilt lock",
                 "a height-adjustable seat", "a 275 lb weight capacity"),
       uses=("long workdays", "the home office")),
    _t("Standing Desk", "Furniture", (250, 800), palette=WOOD,
       noun="Electric Standing Desk", lines=("Ascend", "Liftline"),
       specs=(("48 in.", {"width_in": 48}, 0.85), ("55 in.", {"width_in": 55}, 1),
              ("60 in.", {"width_in": 60}, 1.15)),
       materials=("bamboo and steel", "laminate and steel"),
       features=("dual motors", "four memory presets", "a cable tray"),
       uses=("the home office", "sit-stand work")),
    _t("Writing Desk", "Furniture", (120, 450), palette=WOOD, lines=("Fenwick", "Ashby"),
       materials=("solid mango wood", "oak veneer", "engineered wood"),
       features=("a single drawer", "a cable cutout", "hairpin legs"),
       uses=("small home offices", "homework")),
    _t("Bookcase", "Furniture", (80, 400), palette=WOOD, lines=("Library", "Ladder", "Cube"),
       materials=("solid pine", "oak veneer", "engineered wood"),
       specs=(("3-Shelf", {"shelves": 3}, 0.7), ("5-Shelf", {"shelves": 5}, 1)),
       spec_first=True,
       features=("adjustable shelves", "an anti-tip kit", "a 50 lb rating per shelf"),
       uses=("books", "display pieces")),
    _t("Coffee Table", "Furniture", (120, 600), qual_key="shape", palette=WOOD + ("Brass",),
       lines=("Linden", "Orbit", "Sawyer"), quals=("Round", "Lift-Top", "Rectangular"),
       materials=("solid mango wood", "marble and metal", "walnut veneer"),
       features=("a lower shelf", "hidden storage", "rounded corners"),
       uses=("the living room",)),
    _t("TV Stand", "Furniture", (120, 500), palette=WOOD, lines=("Media", "Console"),
       materials=("engineered wood", "solid acacia"),
       specs=(("for TVs up to 55 in.", {"max_tv_in": 55}, 0.85),
              ("for TVs up to 65 in.", {"max_tv_in": 65}, 1),
              ("for TVs up to 75 in.", {"max_tv_in": 75}, 1.2)),
       features=("cable management", "sliding barn doors", "adjustable shelves"),
       uses=("the living room", "media rooms")),
    _t("Dining Chair", "Furniture", (150, 700), palette=WOOD + UPHOLSTERY[:3],
       lines=("Bistro", "Windsor", "Shaker"),
       materials=("solid oak", "upholstered linen", "molded polypropylene"),
       specs=(("Set of 2", {"pieces": 2}, 0.6), ("Set of 4", {"pieces": 4}, 1)),
       features=("a contoured seat", "floor-protecting glides", "easy assembly"),
       uses=("dining rooms", "kitchen tables")),
    _t("Bed Frame", "Furniture", (200, 1200), qual_key="style",
       palette=WOOD, noun="Platform Bed Frame",
       sizes=BED, lines=("Haven", "Tatum", "Loft"), quals=("Upholstered", "Wood", "Storage"),
       materials=("solid pine", "upholstered linen", "walnut veneer"),
       features=("a slatted base that needs no box spring", "under-bed clearance",
                 "a center support leg"),
       uses=("bedrooms", "guest rooms")),
    # ---- Lighting
    _t("Desk Lamp", "Lighting", (20, 130), qual_key="style",
       palette=METAL, noun="LED Desk Lamp", weight=1.3,
       lines=("Focus", "Studio", "Halo"), quals=("Dimmable", "Architect", "Clamp-On"),
       materials=("aluminum", "steel"), attrs={"wattage": 10},
       features=("a USB charging port", "5 color temperatures", "an adjustable swing arm",
                 "touch controls"),
       uses=("late-night reading", "the home office", "homework")),
    _t("Floor Lamp", "Lighting", (60, 300), qual_key="style", palette=METAL + ("Walnut",),
       lines=("Arcadia", "Tripod", "Beacon"), quals=("Arc", "Tripod", "Torchiere"),
       materials=("steel and linen", "brass", "walnut and steel"),
       features=("a foot switch", "a linen drum shade", "a weighted base"),
       uses=("reading corners", "the living room")),
    _t("Table Lamp", "Lighting", (35, 180), qual_key="style",
       palette=METAL + ("White", "Sage", "Terracotta"),
       lines=("Orla", "Pebble", "Lantern"), quals=("Ceramic", "Glass", "Brass"),
       materials=("ceramic", "glass", "brass"),
       features=("a linen shade", "a 3-way switch", "a USB port in the base"),
       uses=("bedside tables", "side tables", "entryways")),
    _t("Pendant Light", "Lighting", (60, 350), qual_key="shape", palette=METAL,
       lines=("Dome", "Orb", "Coastal"), quals=("Dome", "Globe", "Rattan"),
       materials=("spun metal", "opal glass", "natural rattan"),
       features=("an adjustable cord", "a dimmable fixture"),
       uses=("kitchen islands", "dining tables")),
    _t("String Lights", "Lighting", (15, 60), qual_key="style",
       palette=("White", "Black", "Multicolor"),
       lines=("Bistro", "Twinkle", "Patio Glow"), quals=("Outdoor", "Fairy", "Solar"),
       materials=("shatterproof acrylic", "copper wire"),
       specs=(("33 ft.", {"length_ft": 33}, 0.8), ("48 ft.", {"length_ft": 48}, 1)),
       features=("weatherproof sockets", "a timer", "connectable ends"),
       uses=("patios", "backyard parties", "bedrooms")),
    _t("LED Light Bulb", "Lighting", (8, 30), palette=("White",), noun="A19 LED Light Bulb",
       lines=("Everbright", ""), quals=("Dimmable", "Soft White", "Daylight"),
       materials=("glass",),
       specs=(("40W Equivalent, 4-Pack", {"watt_equivalent": 40}, 0.8),
              ("60W Equivalent, 4-Pack", {"watt_equivalent": 60}, 1),
              ("100W Equivalent, 2-Pack", {"watt_equivalent": 100}, 1.1)),
       features=("a 15,000-hour life", "instant-on brightness", "low energy use"),
       uses=("lamps", "ceiling fixtures")),
    _t("Ceiling Light", "Lighting", (40, 200), palette=METAL,
       noun="Flush Mount Ceiling Light", lines=("Halo", "Drum", "Prism"),
       materials=("frosted glass", "metal and linen"),
       features=("an integrated LED", "easy installation", "a dimmable fixture"),
       uses=("hallways", "bedrooms", "kitchens")),
    _t("Wall Sconce", "Lighting", (40, 180), qual_key="style",
       palette=METAL, lines=("Arden", "Swing Arm"),
       quals=("Plug-In", "Hardwired", "Swing-Arm"),
       materials=("brass", "steel", "opal glass"),
       features=("a cord cover", "an on/off switch", "a pivoting arm"),
       uses=("bedsides", "reading nooks", "hallways")),
    # ---- Electronics accessories
    _t("Headphones", "Electronics Accessories", (50, 350), palette=TECH, weight=1.2,
       noun="Wireless Over-Ear Headphones", lines=("Nova", "Quietude", "Studio"),
       quals=("Noise Cancelling", "", "Foldable"),
       qual_attrs={"Noise Cancelling": {"noise_cancelling": True}},
       materials=("protein leather", "recycled plastic"), code="H",
       features=("up to 40 hours of battery life", "USB-C fast charging",
                 "multipoint Bluetooth 5.3", "a built-in microphone for calls"),
       uses=("commutes", "flights", "working from home"),
       flagships=(
           Flagship("Auralis", "Q40 ANC", "AU-Q40", 149.99, attrs={"noise_cancelling": True}),
           Flagship("Auralis", "Q60 Studio", "AU-Q60", 249.99,
                    attrs={"noise_cancelling": True}),
           Flagship("Voltaro", "Nova Max", "VT-NX900", 99.99))),
    _t("Earbuds", "Electronics Accessories", (30, 250), palette=TECH,
       noun="True Wireless Earbuds", lines=("Pod Air", "Flux Buds", "Sprint"),
       quals=("Noise Cancelling", "Sport", ""),
       qual_attrs={"Noise Cancelling": {"noise_cancelling": True}},
       materials=("silicone", "matte plastic"), code="E",
       features=("a wireless charging case", "IPX5 sweat resistance",
                 "touch controls", "up to 30 hours of battery with the case"),
       uses=("workouts", "commutes", "calls")),
    _t("Wall Charger", "Electronics Accessories", (15, 70), palette=("White", "Black"),
       noun="USB-C Wall Charger", lines=("GaN Mini", "PowerCube", "Dual Port"),
       quals=("Fast", "Compact", ""), materials=("GaN",), code="C",
       specs=(("20W", {"wattage": 20}, 0.6), ("30W", {"wattage": 30}, 0.8),
              ("65W", {"wattage": 65}, 1.1), ("100W", {"wattage": 100}, 1.4)),
       spec_first=True,
       features=("foldable prongs", "over-heat protection",
                 "enough power for a laptop and phone"),
       uses=("travel", "the nightstand", "the office"),
       flagships=(
           Flagship("Voltaro", "GaN Mini 65W", "VT-65G", 45.99, attrs={"wattage": 65}),
           Flagship("Voltaro", "Dual Port 30W", "VT-30D", 24.99, attrs={"wattage": 30}),
           Flagship("Zentrik", "PowerCube 100W", "ZK-PC100", 69.99, attrs={"wattage": 100}))),
    _t("Charging Cable", "Electronics Accessories", (9, 25), palette=("White", "Black"),
       noun="USB-C to USB-C Cable", lines=("Durabraid", "Everyday", ""),
       quals=("Braided", "60W", "240W"), materials=("braided nylon", "TPE"),
       specs=(("3 ft.", {"length_ft": 3}, 0.8), ("6 ft.", {"length_ft": 6}, 1),
              ("10 ft.", {"length_ft": 10}, 1.2)),
       features=("a 10,000-bend rating", "fast charging support", "data transfer"),
       uses=("phones", "laptops", "tablets")),
    _t("Power Bank", "Electronics Accessories", (25, 90), palette=TECH,
       noun="Portable Power Bank", lines=("ChargeCore", "Slim"), code="PB",
       specs=(("10000mAh", {"capacity_mah": 10000}, 0.7),
              ("20000mAh", {"capacity_mah": 20000}, 1),
              ("26800mAh", {"capacity_mah": 26800}, 1.3)), spec_first=True,
       materials=("aluminum",),
       features=("USB-C power delivery", "two-device charging",
                 "an LED charge display"),
       uses=("travel", "festivals", "long days out"),
       flagships=(
           Flagship("Voltaro", "ChargeCore 20K", "VT-PB20K", 49.99,
                    attrs={"capacity_mah": 20000}),
           Flagship("Zentrik", "Slim 10", "ZK-PB10", 29.99, attrs={"capacity_mah": 10000}))),
    _t("Bluetooth Speaker", "Electronics Accessories", (30, 250), palette=TECH,
       lines=("Wave", "Boom Mini", "Pulse"), quals=("Waterproof", "Portable", ""),
       qual_attrs=WP, materials=("fabric-wrapped aluminum",), code="S",
       features=("360° sound", "12 hours of playtime", "an IP67 rating",
                 "stereo pairing"),
       uses=("the beach", "pool parties", "the shower"),
       flagships=(
           Flagship("Auralis", "Wave 3", "AU-S300", 79.99, attrs={"waterproof": True}),
           Flagship("Voltaro", "Boom Mini 2", "VT-BM2", 39.99))),
    _t("Laptop Sleeve", "Electronics Accessories", (20, 60), palette=TECH + ("Olive",),
       lines=("Commute", "Minimal"), materials=("water-resistant neoprene", "felt", "canvas"),
       specs=(("13 in.", {"fits_in": 13}, 0.9), ("14 in.", {"fits_in": 14}, 1),
              ("16 in.", {"fits_in": 16}, 1.1)),
       features=("a plush lining", "a front accessory pocket", "a magnetic closure"),
       uses=("commutes", "travel")),
    _t("Wireless Mouse", "Electronics Accessories", (15, 90), palette=TECH,
       lines=("Glide", "Ergo"), quals=("Ergonomic", "Silent", ""),
       materials=("matte plastic",), code="M",
       features=("a 4000 DPI sensor", "a rechargeable battery", "multi-device pairing"),
       uses=("the office", "travel")),
    _t("Wireless Keyboard", "Electronics Accessories", (30, 150), palette=TECH,
       lines=("Tactile", "Slimline"), quals=("Mechanical", "Low-Profile", ""),
       materials=("aluminum", "ABS plastic"), code="K",
       features=("backlit keys", "multi-device switching", "a 3-month battery life"),
       uses=("the home office", "coding")),
    # ---- Beauty
    _t("Face Moisturizer", "Beauty", (14, 60), noun="Daily Face Moisturizer",
       lines=("Dewy", "Barrier Repair", "Skin Kind"), quals=("Hydrating", "Oil-Free", ""),
       materials=("hyaluronic acid", "ceramides", "squalane"),
       specs=(("1.7 oz", {"volume_oz": 1.7}, 1), ("2.5 oz", {"volume_oz": 2.5}, 1.3)),
       features=("a lightweight gel-cream texture", "a fragrance-free formula",
                 "all-day hydration"),
       uses=("dry skin", "sensitive skin", "morning routines")),
    _t("Lipstick", "Beauty", (10, 38), qual_key="finish",
       palette=SHADES, lines=("Velvet", "Satin Kiss", ""),
       quals=("Matte", "Satin", "Long-Wear"), materials=("shea butter", "vitamin E"),
       features=("rich, one-swipe color", "a non-drying finish", "8-hour wear"),
       uses=("everyday looks", "evenings out")),
    _t("Shampoo", "Beauty", (9, 36), qual_key="benefit", lines=("Botanica", "Clean Slate", ""),
       quals=("Sulfate-Free", "Volumizing", "Hydrating"),
       materials=("argan oil", "tea tree oil", "rice protein"),
       specs=(("12 fl oz", {"volume_oz": 12}, 1), ("16 fl oz", {"volume_oz": 16}, 1.2)),
       features=("a color-safe formula", "a light botanical scent"),
       uses=("fine hair", "curly hair", "daily washing")),
    _t("Conditioner", "Beauty", (9, 36), qual_key="benefit", lines=("Botanica", "Clean Slate", ""),
       quals=("Sulfate-Free", "Smoothing", "Hydrating"),
       materials=("argan oil", "shea butter", "coconut oil"),
       specs=(("12 fl oz", {"volume_oz": 12}, 1), ("16 fl oz", {"volume_oz": 16}, 1.2)),
       features=("a color-safe formula", "detangling slip"),
       uses=("dry hair", "frizzy hair")),
    _t("Sunscreen", "Beauty", (12, 38), noun="Mineral Sunscreen", lines=("Daily Shield", ""),
       materials=("zinc oxide",), quals=("Tinted", "Sheer", ""),
       specs=(("SPF 30", {"spf": 30}, 0.9), ("SPF 50", {"spf": 50}, 1)),
       features=("broad-spectrum protection", "water resistance for 80 minutes",
                 "reef-friendly ingredients"),
       uses=("beach days", "daily wear")),
    _t("Face Serum", "Beauty", (18, 70), noun="Vitamin C Serum", lines=("Glow", "Bright Days"),
       materials=("15% vitamin C", "niacinamide"),
       features=("a brightening formula", "a dropper bottle", "lightweight absorption"),
       uses=("dull skin", "morning routines")),
    _t("Hair Dryer", "Beauty", (40, 250), palette=("Black", "White", "Blush Pink"),
       noun="Ionic Hair Dryer", lines=("Airstyle", "SilkPro"), code="HD",
       materials=("ceramic and tourmaline",), attrs={"wattage": 1875},
       features=("three heat settings", "a cool-shot button", "a concentrator nozzle",
                 "a diffuser attachment"),
       uses=("fast drying", "frizz-free blowouts"),
       flagships=(
           Flagship("Velvetine", "Airstyle 1875", "VV-1875X", 89.99),
           Flagship("Purelle", "SilkPro", "PR-HD900", 149.99))),
    _t("Nail Polish", "Beauty", (8, 20), qual_key="finish", palette=SHADES + ("Navy", "Sage"),
       lines=("Gloss", "Gel Effect", ""), quals=("Gel-Look", "Quick-Dry", ""),
       materials=("10-free lacquer",),
       features=("a chip-resistant finish", "a wide brush"),
       uses=("home manicures",)),
    # ---- Toys
    _t("Building Set", "Toys", (20, 150), noun="Building Brick Set", palette=("Multicolor",),
       lines=("Castle Keep", "Space Station", "City Fire Station", "Pirate Cove"),
       materials=("ABS plastic",),
       specs=(("250 Pieces", {"pieces": 250}, 0.5), ("500 Pieces", {"pieces": 500}, 0.8),
              ("1,200 Pieces", {"pieces": 1200}, 1.4)),
       attrs={"age_range": "6-12"},
       features=("step-by-step instructions", "minifigures",
                 "compatibility with major brick brands"),
       uses=("rainy afternoons", "creative play")),
    _t("Plush Toy", "Toys", (12, 40), qual_key="animal",
       palette=("Tan", "Gray", "Pink", "Green", "Blue"),
       lines=("Cuddle", "Snugglebud", ""), quals=("Bear", "Bunny", "Dinosaur", "Fox",
                                                  "Elephant"),
       materials=("ultra-soft polyester",),
       specs=(("8 in.", {"height_in": 8}, 0.7), ("12 in.", {"height_in": 12}, 1),
              ("18 in.", {"height_in": 18}, 1.5)),
       attrs={"age_range": "0+"},
       features=("embroidered eyes", "surface-washable fur", "a huggable size"),
       uses=("bedtime", "first birthdays")),
    _t("Jigsaw Puzzle", "Toys", (15, 35), palette=("Multicolor",),
       lines=("Cozy Cottage", "Alpine Lake", "Night Market", "Botanical"),
       materials=("recycled board",),
       specs=(("500 Pieces", {"pieces": 500}, 0.8), ("1000 Pieces", {"pieces": 1000}, 1)),
       features=("a linen finish", "a poster of the image", "snug-fitting pieces"),
       uses=("family nights", "quiet weekends")),
    _t("Board Game", "Toys", (20, 60), qual_key="genre", palette=("Multicolor",),
       lines=("Harbor Masters", "Sky Orchard", "Tiny Kingdoms", "Lantern Run"),
       quals=("Family Strategy", "Cooperative", "Party"), materials=("cardboard and wood",),
       attrs={"age_range": "8+"},
       features=("30-minute play time", "room for 2-6 players", "easy-to-learn rules"),
       uses=("game nights", "family time")),
    _t("Remote Control Car", "Toys", (30, 150), qual_key="style", palette=TOY,
       lines=("Rockcrawler", "Turbo Dash", "Mudslinger"),
       quals=("Off-Road", "Monster Truck", "Drift"), materials=("impact-resistant plastic",),
       code="RC", specs=(("1:16 Scale", {"scale": "1:16"}, 0.8),
                         ("1:10 Scale", {"scale": "1:10"}, 1.2)),
       features=("a rechargeable battery", "a 2.4 GHz remote", "top speeds of 20 mph"),
       uses=("backyards", "parks"),
       flagships=(Flagship("Wonderloop", "Rockcrawler 4x4", "WL-RC410", 69.99,
                           attrs={"scale": "1:10"}),)),
    _t("Wooden Train Set", "Toys", (30, 120), palette=("Natural", "Multicolor"),
       lines=("Little Junction", "Maple Line"), materials=("solid beech wood",),
       specs=(("50-Piece", {"pieces": 50}, 0.8), ("100-Piece", {"pieces": 100}, 1.2)),
       spec_first=True, attrs={"age_range": "3+"},
       features=("magnetic train cars", "bridges and tunnels", "non-toxic paint"),
       uses=("toddlers", "open-ended play")),
    # ---- Pet supplies
    _t("Dog Bed", "Pet Supplies", (35, 180), palette=PET, noun="Orthopedic Dog Bed",
       sizes=("S", "M", "L", "XL"), lines=("Snooze", "Den", "Cloud Nine"),
       materials=("memory foam", "egg-crate foam"),
       quals=("Bolster", "Waterproof", ""), qual_attrs=WP,
       features=("a removable washable cover", "a non-skid base", "raised bolsters"),
       uses=("senior dogs", "large breeds", "crates")),
    _t("Dog Leash", "Pet Supplies", (15, 45), palette=PET, lines=("Trailhead", "City"),
       material_in_name=True, materials=("nylon", "rope", "leather"),
       specs=(("6 ft.", {"length_ft": 6}, 1), ("4 ft.", {"length_ft": 4}, 0.9)),
       features=("a padded handle", "reflective stitching", "a locking carabiner"),
       uses=("daily walks", "hikes")),
    _t("Dog Collar", "Pet Supplies", (12, 35), palette=PET, sizes=("S", "M", "L"),
       lines=("Trailhead", "City"), material_in_name=True,
       materials=("nylon", "leather", "biothane"),
       features=("a quick-release buckle", "a D-ring for tags", "reflective stitching"),
       uses=("daily wear",)),
    _t("Cat Tree", "Pet Supplies", (50, 200), palette=("Gray", "Tan", "Cream"),
       lines=("Cat Castle", "Perch"), materials=("sisal and plush",),
       specs=(("48 in.", {"height_in": 48}, 0.8), ("60 in.", {"height_in": 60}, 1),
              ("72 in.", {"height_in": 72}, 1.3)),
       features=("sisal scratching posts", "a hideaway condo", "a top perch"),
       uses=("indoor cats", "multi-cat homes")),
    _t("Dry Dog Food", "Pet Supplies", (15, 85), qual_key="flavor",
       lines=("Everyday Nutrition", "Wild Trails", ""),
       quals=("Chicken & Brown Rice", "Salmon & Sweet Potato", "Lamb & Oatmeal",
              "Grain-Free Turkey"),
       materials=("kibble",),
       specs=(("5 lb", {"weight_lb": 5}, 0.3), ("15 lb", {"weight_lb": 15}, 0.7),
              ("30 lb", {"weight_lb": 30}, 1)),
       features=("real meat as the first ingredient", "no artificial preservatives",
                 "added omega-3s", "probiotics"),
       uses=("adult dogs", "all breeds")),
    _t("Cat Litter", "Pet Supplies", (12, 35), qual_key="scent", noun="Clumping Cat Litter",
       lines=("Fresh Start", ""), quals=("Unscented", "Lavender Scented"),
       materials=("clay", "plant-based corn"),
       specs=(("20 lb", {"weight_lb": 20}, 0.7), ("40 lb", {"weight_lb": 40}, 1)),
       features=("a low-dust formula", "fast, hard clumping", "odor control for 7 days"),
       uses=("multi-cat homes",)),
    _t("Pet Bowl", "Pet Supplies", (10, 40), palette=PET + ("Stainless",),
       noun="Stainless Steel Pet Bowl", quals=("Non-Slip", "Elevated", ""),
       lines=("Mealtime", ""), materials=("stainless steel",),
       features=("a rubber base", "dishwasher-safe steel"),
       uses=("dogs and cats",)),
    _t("Dog Toy", "Pet Supplies", (8, 25), palette=PET, noun="Dog Chew Toy",
       lines=("Tough Chew", "Fetch"), quals=("Indestructible", "Squeaky", "Rope"),
       materials=("natural rubber", "cotton rope"),
       features=("a treat-dispensing center", "a bouncy shape"), uses=("power chewers",)),
    # ---- Hardware & tools
    _t("Cordless Drill", "Hardware & Tools", (60, 250), palette=TOOL,
       noun="Cordless Drill/Driver", lines=("20V MAX", "18V Brushless", "12V Subcompact"),
       materials=("glass-filled nylon",), code="D", weight=1.2,
       attrs={"chuck_size": "1/2 in."},
       configs=(("C2", "Kit with 2 Batteries", 1.0), ("C1", "Kit with 1 Battery", 0.8),
                ("B", "Tool Only", 0.55)),
       features=("a 2-speed transmission", "an LED work light", "a 1/2 in. ratcheting chuck",
                 "a brushless motor"),
       uses=("drilling and driving", "DIY projects", "furniture assembly"),
       flagships=(
           Flagship("Ironbark", "20V MAX Compact", "IBD771C2", 139.00,
                    "Kit with 2 Batteries", {"voltage": 20}),
           Flagship("Ironbark", "20V MAX Compact", "IBD771B", 79.00, "Tool Only",
                    {"voltage": 20}),
           Flagship("Torqstone", "18V Brushless", "TQ-DD4820K", 169.00, "Kit",
                    {"voltage": 18}),
           Flagship("Gritmaster", "12V Subcompact", "GM1204-2B", 119.00,
                    "Kit with 2 Batteries", {"voltage": 12}))),
    _t("Impact Driver", "Hardware & Tools", (80, 250), palette=TOOL,
       noun="Cordless Impact Driver", lines=("20V MAX XR", "18V"), code="F",
       materials=("magnesium",),
       configs=(("M2", "Kit with 2 Batteries", 1.0), ("B", "Tool Only", 0.6)),
       features=("1,825 in.-lbs of torque", "a 1/4 in. hex chuck", "three LED lights"),
       uses=("driving long screws", "deck building"),
       flagships=(
           Flagship("Ironbark", "20V MAX XR Brushless", "IBF887M2", 199.00,
                    "Kit with 2 Batteries", {"voltage": 20}),
           Flagship("Hexwell", "18V", "HX-ID18", 89.00, "Tool Only", {"voltage": 18}))),
    _t("Circular Saw", "Hardware & Tools", (60, 230), palette=TOOL,
       noun="7-1/4 in. Circular Saw", lines=("15 Amp Corded", "Brushless Cordless"), code="S",
       materials=("magnesium",), attrs={"blade_in": "7-1/4 in."},
       features=("a 5,200 RPM motor", "bevel capacity to 56°", "an electric brake",
                 "a dust blower"),
       uses=("framing", "cutting plywood")),
    _t("Drill Bit", "Hardware & Tools", (4, 25), qual_key="coating", noun="Twist Drill Bit",
       lines=("", "Pro"), quals=("Black Oxide", "Cobalt", "Titanium-Coated"),
       materials=("high-speed steel", "cobalt steel"), spec_first=True, spec_variants=0.4,
       specs=(("1/8 in.", {"diameter_in": "1/8"}, 0.5), ("3/16 in.", {"diameter_in": "3/16"}, 0.6),
              ("1/4 in.", {"diameter_in": "1/4"}, 0.7), ("5/16 in.", {"diameter_in": "5/16"}, 0.8),
              ("3/8 in.", {"diameter_in": "3/8"}, 0.9), ("1/2 in.", {"diameter_in": "1/2"}, 1)),
       features=("a 135° split point", "a reduced shank", "resistance to walking"),
       uses=("metal", "wood", "plastic")),
    _t("Drill Bit Set", "Hardware & Tools", (15, 70), qual_key="coating", lines=("", "Pro"),
       quals=("Black Oxide", "Cobalt", "Titanium-Coated"),
       materials=("high-speed steel",),
       specs=(("14-Piece", {"pieces": 14}, 0.6), ("21-Piece", {"pieces": 21}, 0.8),
              ("29-Piece", {"pieces": 29}, 1)), spec_first=True,
       features=("sizes from 1/16 in. to 1/2 in.", "an indexed case", "split points"),
       uses=("metal", "wood", "plastic")),
    _t("Claw Hammer", "Hardware & Tools", (15, 45), palette=TOOL,
       lines=("Framing", "Finish"), material_in_name=True,
       materials=("fiberglass", "hickory", "steel"),
       specs=(("16 oz", {"head_oz": 16}, 0.85), ("20 oz", {"head_oz": 20}, 1)),
       spec_first=True,
       features=("a magnetic nail starter", "an anti-vibration grip", "a smooth face"),
       uses=("framing", "general carpentry")),
    _t("Tape Measure", "Hardware & Tools", (8, 30), palette=TOOL, lines=("", "Pro"),
       materials=("nylon-coated steel",),
       specs=(("16 ft.", {"length_ft": 16}, 0.7), ("25 ft.", {"length_ft": 25}, 1),
              ("35 ft.", {"length_ft": 35}, 1.2)), spec_first=True,
       features=("a 13 ft. standout", "a magnetic hook", "a belt clip"),
       uses=("jobsites", "home projects")),
    _t("Wood Screws", "Hardware & Tools", (7, 25), lines=("",),
       quals=("Zinc-Plated", "Exterior Coated", ""),
       materials=("hardened steel",), spec_first=True,
       specs=(("#8 x 1-1/4 in.", {"screw": "#8 x 1-1/4 in."}, 0.8),
              ("#8 x 2 in.", {"screw": "#8 x 2 in."}, 0.9),
              ("#10 x 3 in.", {"screw": "#10 x 3 in."}, 1.1)),
       features=("a star drive", "a type-17 self-drilling point", "100 screws per box"),
       uses=("decks", "cabinets", "framing")),
    _t("Socket Set", "Hardware & Tools", (30, 150), lines=("Mechanic's", "Pro"),
       materials=("chrome vanadium steel",), spec_first=True,
       specs=(("1/4 in. Drive, 40-Piece", {"drive": "1/4 in."}, 0.6),
              ("3/8 in. Drive, 60-Piece", {"drive": "3/8 in."}, 0.9),
              ("1/2 in. Drive, 24-Piece", {"drive": "1/2 in."}, 1)),
       features=("a 72-tooth ratchet", "SAE and metric sockets", "a blow-molded case"),
       uses=("auto repair", "home maintenance")),
    _t("Step Ladder", "Hardware & Tools", (60, 250), palette=("Silver", "Orange", "Yellow"),
       lines=("Reach", "Pro Step"), material_in_name=True,
       materials=("aluminum", "fiberglass"), spec_first=True,
       specs=(("4 ft.", {"height_ft": 4}, 0.6), ("6 ft.", {"height_ft": 6}, 0.85),
              ("8 ft.", {"height_ft": 8}, 1.1)),
       features=("a 300 lb load rating", "a tool tray", "slip-resistant steps"),
       uses=("painting", "changing bulbs", "gutter cleaning")),
    _t("Work Gloves", "Hardware & Tools", (10, 30), palette=TOOL + ("Tan",),
       sizes=("S", "M", "L", "XL"), lines=("Grip", "Jobsite"),
       materials=("goatskin leather", "nitrile-coated nylon"),
       features=("a reinforced palm", "touchscreen fingertips", "a hook-and-loop cuff"),
       uses=("construction", "yard work")),
)

TYPES_BY_LABEL = {t.label: t for t in TYPES}
FLAGSHIPS: dict[str, tuple[ProductType, Flagship]] = {
    f.code: (t, f) for t in TYPES for f in t.flagships
}
_CATEGORY_SLUGS = {c: re.sub(r"[^a-z0-9]+", "-", c.lower()).strip("-") for c in BRANDS}
_COVERAGE: tuple[tuple[ProductType, Flagship | None], ...] = tuple(
    [(t, None) for t in TYPES] + [(t, f) for t in TYPES for f in t.flagships]
)
_CUM_WEIGHTS = list(accumulate(t.weight for t in TYPES))


class _Rng(random.Random):
    """random.Random with one draw per pick: the stdlib's rejection sampling costs more than
    the rest of a product, and a demo catalog needs speed, not perfect uniformity."""

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def sample(self, population: Sequence[Any], k: int) -> list[Any]:  # type: ignore[override]
        # A partial Fisher-Yates shuffle on a copy: k draws, the population untouched.
        pool = list(population)
        for j in range(k):
            swap = j + int(self.random() * (len(pool) - j))
            pool[j], pool[swap] = pool[swap], pool[j]
        return pool[:k]


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@cache
def _noun_phrase(noun: str) -> tuple[str, bool]:
    """'LED Desk Lamp' -> ('LED desk lamp', False); lowers only plain capitalised words."""
    words = ["".join(part.lower() if part[1:].islower() else part
                     for part in re.split(r"([-/])", w))
             if w not in _PROPER else w for w in noun.split()]
    text = " ".join(words)
    return text, text.endswith("s") and not text.endswith("ss")


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _price(rng: _Rng, lo: float, hi: float, factor: float) -> int:
    dollars = max(lo * 0.6, rng.uniform(lo, hi) * factor)
    whole = max(1, int(dollars))
    cents = rng.choice((99, 99, 99, 95, 0, 50)) if whole >= 5 else 99
    return whole * 100 + cents


@cache
def _brand_for_line(ptype: ProductType, line: str) -> str:
    """A product line belongs to one brand in every catalog (and to its flagship's brand)."""
    for flag in ptype.flagships:
        if flag.line.split()[0] == line.split()[0]:
            return flag.brand
    pool = ptype.brand_pool
    return pool[_crc(line) % len(pool)]


def _model_code(rng: _Rng, ptype: ProductType, brand: str, suffix: str) -> str:
    prefix = BRAND_CODES.get(brand, brand[:2].upper())
    while True:
        base = f"{prefix}{ptype.code}{rng.randint(100, 999)}"
        code = base + suffix
        if not any(flag.startswith(base) for flag in FLAGSHIPS):
            return code


@cache
def _color_code(color: str | None) -> str:
    if not color:
        return "NA"
    words = re.findall(r"[A-Za-z]+", color)
    return ("".join(w[0] for w in words) if len(words) > 1 else words[0][:3]).upper()


@cache
def _size_code(size: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "", size).upper() or "OS"


def _make(i: int, rng: _Rng, ptype: ProductType, flag: Flagship | None) -> dict:
    """One product. Every draw comes from `rng` in a fixed order: change the order and
    every catalog after this product changes, so keep new draws at the end."""
    external_id = f"SKU-{i + 1:06d}"
    attrs: dict[str, Any] = {"product_type": ptype.label}
    gender = rng.choice(ptype.gender) if ptype.gender else ""
    if gender:
        attrs["gender"] = "men" if gender == "Men's" else "women"
    elif ptype.category in ("Footwear", "Apparel"):
        attrs["gender"] = "unisex"
    qual = rng.choice(ptype.quals)
    material = rng.choice(ptype.materials)
    spec_label, spec_attrs, factor = rng.choice(ptype.specs) if ptype.specs else ("", {}, 1.0)
    spec_sizes: list[str] = []
    if ptype.spec_variants and rng.random() < ptype.spec_variants:
        # One listing for the whole range ("from" the smallest size's price).
        spec_sizes = [label for label, _, _ in ptype.specs]
        spec_label, spec_attrs, factor = "", {}, min(f for _, _, f in ptype.specs)
    config_suffix, config_label, config_factor = rng.choice(ptype.configs)

    if flag is not None:
        brand, line, model = flag.brand, flag.line, flag.code
        config_label = flag.config
        spec_label, spec_attrs = "", {}
        price = round(flag.price * 100)
    else:
        line = rng.choice(ptype.lines) if ptype.lines and rng.random() < 0.8 else ""
        brand = _brand_for_line(ptype, line) if line else rng.choice(ptype.brand_pool)
        qual = ptype.line_quals.get(line, qual)
        model = _model_code(rng, ptype, brand, config_suffix) if ptype.code else ""
        price = _price(rng, *ptype.price, factor * config_factor)
    attrs.update(ptype.attrs)
    attrs.update(ptype.qual_attrs.get(qual, {}))
    if ptype.qual_key and qual:
        attrs[ptype.qual_key] = qual
    attrs.update(spec_attrs)
    if flag is not None:
        attrs.update(flag.attrs)
    if material:
        attrs["material"] = material
    if line:
        attrs["collection"] = line
    if model:
        attrs["model_number"] = model

    # Colours: one named colour per product (shops list each colourway) or several variants.
    palette = ptype.palette
    if not palette:
        colors: list[str] = []
    elif len(palette) == 1 or rng.random() < 0.55:
        colors = [rng.choice(palette)]
    else:
        colors = rng.sample(palette, rng.randint(2, min(5, len(palette))))
    named_color = colors[0] if len(colors) == 1 and len(palette) > 1 else ""
    if ptype.sizes:
        sizes_all = ptype.sizes
    elif ptype.category == "Footwear":
        sizes_all = WOMEN_SHOE if gender == "Women's" else MEN_SHOE
    else:
        sizes_all = ()
    if sizes_all:
        span = max(1, len(sizes_all) - rng.randint(0, max(0, len(sizes_all) // 3)))
        start = rng.randint(0, len(sizes_all) - span)
        sizes = list(sizes_all[start:start + span])
    else:
        sizes = spec_sizes or ([spec_label] if spec_label else ["One Size"])
    attrs["colors"] = colors
    attrs["sizes"] = sizes

    # Name, the way a shop writes it.
    show_brand = rng.random() < 0.75 or not line
    material_word = (material.title() if ptype.material_in_name and material
                     and rng.random() < 0.6 else "")
    head = [brand if show_brand else "", line, qual,
            spec_label if ptype.spec_first else "", material_word, ptype.name_noun]
    name = " ".join(p for p in head if p)
    tail = [spec_label] if spec_label and not ptype.spec_first else []
    if config_label:
        tail.append(config_label)
    if tail:
        name += ", " + ", ".join(tail)
    if gender:
        name += " – " + gender + (f", {named_color}" if named_color else "")
    elif named_color:
        name += ", " + named_color
    if model and (flag is not None or rng.random() < 0.6):
        name += f" ({model})"

    description = ("" if rng.random() < 0.10
                   else _describe(rng, ptype, brand, line, material, model, colors))

    compare_at = None
    if rng.random() < 0.18:
        compare_at = price
        discount = rng.choice((0.1, 0.15, 0.2, 0.25, 0.3, 0.4))
        sale = int(compare_at * (1 - discount)) // 100 * 100 + 99
        if 0 < sale < compare_at:
            price = sale
        else:
            compare_at = None

    out_of_stock = rng.random() < 0.08
    variants = []
    seen: set[str] = set()
    for color in colors or [None]:
        for size in sizes:
            sku = f"{external_id}-{_color_code(color)}-{_size_code(size)}"
            while sku in seen:
                sku += "X"
            seen.add(sku)
            roll = rng.random()  # one draw: 12% sold out, else 1..80 in stock
            stock = 0 if out_of_stock or roll < 0.12 else 1 + int((roll - 0.12) / 0.88 * 80)
            variants.append({"sku": sku, "color": color, "size": size, "stock": stock})
    if not out_of_stock and all(v["stock"] == 0 for v in variants):
        variants[rng.randint(0, len(variants) - 1)]["stock"] = rng.randint(1, 20)

    slug = _slug(name)[:80].strip("-")
    return {
        "external_id": external_id,
        "name": name,
        "description": description,
        "price": price,
        "currency": CURRENCY,
        "compare_at_price": compare_at,
        "category": ptype.category,
        "brand": brand,
        "attributes": attrs,
        "variants": variants,
        "image_url": f"{SHOP}/images/{_CATEGORY_SLUGS[ptype.category]}/{i + 1:06d}.jpg",
        "url": f"{SHOP}/products/{slug}-{i + 1}",
        "active": rng.random() >= 0.02,
    }


def _describe(rng: _Rng, ptype: ProductType, brand: str, line: str, material: str,
              model: str, colors: list[str]) -> str:
    noun, plural = _noun_phrase(ptype.name_noun)
    this, has, is_, it = ("these", "have", "are", "them") if plural else ("this", "has", "is", "it")
    adj = rng.choice(ADJECTIVES)
    use = rng.choice(ptype.uses) if ptype.uses else "everyday use"
    feats = rng.sample(ptype.features, min(len(ptype.features), rng.randint(1, 3)))
    # Pick the template first and format only that one: this runs for every product.
    opener = rng.randint(0, 4)
    if opener == 3 and not material:
        opener = 0
    if opener == 4 and (plural or not line):
        opener = 2
    if opener == 0:
        lead = f"{adj} {material} {noun}" if material else f"{adj} {noun}"
        lead = lead if plural else _article(lead)
        first = f"{lead[0].upper()}{lead[1:]} made for {use}."
    elif opener == 1:
        first = f"Built for {use}, {this} {noun} {has} {feats[0]}."
    elif opener == 2:
        first = f"Our {adj} {noun}, designed for {use}."
    elif opener == 3:
        first = f"Made from {material}, {this} {noun} {is_} ready for {use}."
    else:
        first = f"The {line} is {brand}'s {adj} {noun} for {use}."
    count = rng.choice((1, 2, 2, 3, 3))
    if count == 1:
        return first
    sentences = [first]
    unused = [f for f in feats if f not in first] if opener == 1 else feats
    kind = rng.randint(0, 4)
    if kind == 3 and len(colors) < 2 or kind == 4 and not model or not unused and kind < 3:
        kind = 5
    rest = _join(unused) if unused else ""
    if kind == 0:
        sentences.append(f"{'They feature' if plural else 'It features'} {rest}.")
    elif kind == 1:
        sentences.append(f"Thoughtful details like {rest} make {it} easy to live with.")
    elif kind == 2:
        verb = "comes" if len(unused) == 1 else "come"
        sentences.append(f"{rest[0].upper()}{rest[1:]} {verb} standard.")
    elif kind == 3:
        sentences.append(f"Available in {_join(colors)}.")
    elif kind == 4:
        sentences.append(f"Model {model}.")
    if count == 3 or kind == 5:
        sentences.append(rng.choice(CLOSERS[ptype.category]))
    return " ".join(sentences)


def generate_catalog(n: int, seed: int = 7) -> list[dict]:
    """Product i depends only on (i, seed), so catalogs of different sizes share a prefix."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = _Rng(seed)
    coverage = list(_COVERAGE)
    random.Random(seed * 7919 + 1).shuffle(coverage)
    products = []
    for i in range(n):
        if i < len(coverage):
            ptype, flag = coverage[i]
        else:
            ptype, flag = rng.choices(TYPES, cum_weights=_CUM_WEIGHTS)[0], None
        products.append(_make(i, rng, ptype, flag))
    return products


def write_jsonl(products: Iterable[dict], path: str | Path | TextIO) -> None:
    """One product per line, so loaders can stream a catalog of any size."""
    if isinstance(path, (str, Path)):
        with open(path, "w", encoding="utf-8") as fh:
            write_jsonl(products, fh)
        return
    for product in products:
        path.write(json.dumps(product, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a seeded demo catalog as JSON lines.")
    parser.add_argument("--n", type=int, default=1000, help="number of products")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-", help="file to write, '-' for stdout")
    args = parser.parse_args(argv)
    products = generate_catalog(args.n, args.seed)
    write_jsonl(products, sys.stdout if args.out == "-" else args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
