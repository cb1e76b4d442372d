"""Superlatives over what a product measures: "the warmest sleeping bag", "which one is the
lightest?", "the most powerful blender", "the power bank that holds the most".

Why: a shop assistant answers these from the spec sheet, and a store's catalog carries
one: numeric attributes (`temp_rating_f`, `lumens`, `wattage`, `weight_lb`), or the
number and unit in a name ("600 Lumen", "0°F"). Reading such a word as a search word
finds products whose text says "lightest", which is none of them.

A wish names a dimension and an end. A product's value for it comes from the first
source that measures it: an attribute whose key names the dimension (units of the key's
suffix brought to one), else a number with the dimension's unit in its sizes or name.
The largest/smallest wishes ("the biggest bag", "the tallest cat tree") keep their old
source first, the size labels, and fall back to the attributes of capacity and extent.
Among products measured by different attributes (a cordless drill's volts, a blender's
watts) only those of the key most of them share are compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from agentpay.understanding.lexicon import size_key, size_number


@dataclass(frozen=True)
class Wish:
    dimension: str
    most: bool              # the largest value wins ("brightest"), else the smallest
    label: str              # how a reply says it: "the warmest"


# the attribute keys of a dimension (lower case, "_" between words)
_KEYS = {
    "weight": re.compile(r"(?:^|_)(?:weight|wt)(?:_|$)(?!.*(?:capacity|limit|max|load))"),
    "warmth": re.compile(r"temp(?:erature)?_?rating|comfort_temp|(?:^|_)tog(?:_|$)"),
    "brightness": re.compile(r"lumen|watt_equivalent"),
    "power": re.compile(r"(?:^|_)(?:wattage|watts?|power_w|voltage|volts?|horsepower|hp)"
                        r"(?:_|$)"),
    "capacity": re.compile(r"capacity|volume|(?:^|_)cups(?:_|$)|mah"),
    "spf": re.compile(r"(?:^|_)spf(?:_|$)"),
    "pieces": re.compile(r"(?:^|_)(?:pieces|piece_count|pcs)(?:_|$)"),
    "battery": re.compile(r"battery_life|run_?time|battery_hours"),
    "noise": re.compile(r"(?:^|_)(?:noise|db|decibels?)(?:_|$)"),
    "length": re.compile(r"length"),
    "height": re.compile(r"height"),
    "width": re.compile(r"width|diameter"),
}

_NUMBER = r"(?<![\d.])(-?\d{1,6}(?:\.\d{1,3})?)"
# the same dimension in a name or a size label
_TEXT = {
    "weight": re.compile(_NUMBER + r"\s{0,2}(lbs?|pounds?|kg|kilograms?|g|grams?|oz|ounces?)\b",
                         re.IGNORECASE),  # "16 fl oz" has no number before its unit
    "warmth": re.compile(_NUMBER + r"\s{0,2}(?:°|º|deg(?:rees?)?)\s{0,2}([fc])\b", re.IGNORECASE),
    "brightness": re.compile(_NUMBER + r"\s{0,2}(lumens?|lm)\b", re.IGNORECASE),
    "power": re.compile(_NUMBER + r"\s{0,2}(w|watts?|v|volts?)\b", re.IGNORECASE),
    "capacity": re.compile(_NUMBER + r"[\s-]{0,2}(qt|quarts?|l|liters?|litres?|gal|gallons?|"
                           r"cups?|mah|ml)\b", re.IGNORECASE),
    "spf": re.compile(r"\bspf\s{0,2}(\d{1,3})\b()", re.IGNORECASE),
    "pieces": re.compile(_NUMBER + r"[\s-]{0,2}(pieces?|pcs?)\b", re.IGNORECASE),
    "battery": re.compile(_NUMBER + r"[\s-]{0,2}(hours?|hrs?)\b", re.IGNORECASE),
    "noise": re.compile(_NUMBER + r"\s{0,2}(db)\b", re.IGNORECASE),
}

# a unit (of a key's suffix or after a number) brought to the dimension's one
_UNIT = {"lb": 16.0, "lbs": 16.0, "pound": 16.0, "pounds": 16.0, "kg": 35.274,
         "kilogram": 35.274, "kilograms": 35.274, "g": 0.035274, "gram": 0.035274,
         "grams": 0.035274, "oz": 1.0, "ounce": 1.0, "ounces": 1.0,
         "qt": 946.0, "quart": 946.0, "quarts": 946.0, "l": 1000.0, "liter": 1000.0,
         "liters": 1000.0, "litre": 1000.0, "litres": 1000.0, "gal": 3785.0, "gallon": 3785.0,
         "gallons": 3785.0, "cup": 237.0, "cups": 237.0, "ml": 1.0,
         "ft": 12.0, "in": 1.0, "cm": 0.3937, "mm": 0.03937, "m": 39.37}

WishName = Literal["largest", "smallest", "lightest", "heaviest", "warmest", "brightest",
                   "most_powerful", "highest_capacity", "highest_spf", "most_pieces",
                   "longest_battery", "quietest"]
WISHES: dict[str, Wish] = {
    "largest": Wish("size", True, "the largest"),
    "smallest": Wish("size", False, "the smallest"),
    "lightest": Wish("weight", False, "the lightest"),
    "heaviest": Wish("weight", True, "the heaviest"),
    "warmest": Wish("warmth", True, "the warmest"),
    "brightest": Wish("brightness", True, "the brightest"),
    "most_powerful": Wish("power", True, "the most powerful"),
    "highest_capacity": Wish("capacity", True, "the highest-capacity"),
    "highest_spf": Wish("spf", True, "the highest-SPF"),
    "most_pieces": Wish("pieces", True, "the biggest"),
    "longest_battery": Wish("battery", True, "the longest-running"),
    "quietest": Wish("noise", False, "the quietest"),
}

# How shoppers say them, tried in this order (the battery's "longest" before the size's).
# Comparatives are left out on purpose: "a lighter colour", "something lighter to wear".
PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("longest_battery", re.compile(
        r"\b(?:longest|best|biggest|most)\s{1,3}(?:lasting\s{1,3})?battery(?:\s{1,3}life)?\b|"
        r"\bbattery\s{1,3}(?:that\s{1,3})?(?:lasts?|runs?)\s{1,3}(?:the\s{1,3})?longest\b")),
    ("highest_capacity", re.compile(
        r"\b(?:most|highest|biggest|largest|max(?:imum)?)\s{1,3}(?:capacity|storage|mah)\b|"
        r"\bholds?\s{1,3}the\s{1,3}most\b")),
    ("highest_spf", re.compile(r"\b(?:highest|strongest|most|max(?:imum)?)\s{1,3}(?:spf|sun\s{1,3}"
                               r"protection)\b")),
    ("most_pieces", re.compile(r"\b(?:most|highest\s{1,3}number\s{1,3}of)\s{1,3}pieces\b")),
    ("lightest", re.compile(r"\b(?:lightest|weighs?\s{1,3}the\s{1,3}least|least\s{1,3}heavy|"
                            r"lowest\s{1,3}weight|most\s{1,3}lightweight)\b")),
    ("heaviest", re.compile(r"\b(?:heaviest|weighs?\s{1,3}the\s{1,3}most|most\s{1,3}heavy)\b")),
    ("warmest", re.compile(r"\b(?:warmest|most\s{1,3}(?:insulated|warm)|lowest\s{1,3}"
                           r"(?:temp(?:erature)?\s{1,3})?rating)\b")),
    ("brightest", re.compile(r"\b(?:brightest|most\s{1,3}(?:lumens|bright|light\s{1,3}output)|"
                             r"highest\s{1,3}lumens?)\b")),
    ("most_powerful", re.compile(r"\b(?:most\s{1,3}powerful|most\s{1,3}(?:power|watts)|"
                                 r"highest\s{1,3}(?:wattage|voltage|power))\b")),
    ("quietest", re.compile(r"\b(?:quietest|least\s{1,3}noisy|most\s{1,3}quiet)\b")),
)

# the words of those phrases that name no product ("the most powerful one")
WISH_WORDS = frozenset({
    "lightest", "heaviest", "warmest", "brightest", "powerful", "quietest", "noisy",
    "lumens", "wattage", "voltage", "weighs", "weigh", "capacity", "storage", "mah"})

# what a listing says when it gives no figure: "lightweight" is the lighter one
_QUALITY = {
    "weight": (("lightweight", "ultralight", "ultra-light", "featherweight", "packable"),
               ("heavyweight", "heavy-duty", "heavy duty")),
    "warmth": ((), ("insulated", "down", "thermal", "fleece-lined", "sherpa", "winter")),
    "noise": (("quiet", "silent", "whisper"), ()),
    "power": ((), ("powerful", "high-power", "heavy-duty")),
}
_EXTENT = ("capacity", "height", "width", "length")  # what "the biggest" measures besides


def wish_of(name: str | None) -> Wish | None:
    return WISHES.get(name or "")


def _key_unit(key: str) -> float:
    suffix = key.rsplit("_", 1)[-1]
    return _UNIT.get(suffix, 1.0) if "_" in key else 1.0


def _number(value: Any) -> tuple[float, str] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value), ""
    if isinstance(value, str):
        m = re.match(r"\s{0,3}(-?\d{1,6}(?:\.\d{1,3})?)\s{0,2}([a-z°]{0,9})", value.lower())
        if m:
            return float(m.group(1)), m.group(2)
    return None


def specs(product: dict[str, Any]) -> dict[str, float]:
    """The product's numeric attributes (a reply may quote them; a wish compares them)."""
    out: dict[str, float] = {}
    for key, value in (product.get("attributes") or product.get("specs") or {}).items():
        got = _number(value)
        if got is not None and key not in ("product_type",):
            number, unit = got
            if unit and unit in _UNIT and "_" not in key:
                key = f"{key}_{unit}"  # "weight": "9 oz" -> weight_oz 9
            out[str(key).lower()] = number
    return out


def _fahrenheit(number: float, scale: str) -> float:
    return number * 9 / 5 + 32 if scale == "c" else number


def _signed(dimension: str, key: str, number: float) -> float:
    """Higher is more of the dimension: a 0°F bag is warmer than a 35°F one."""
    if dimension == "warmth" and "tog" not in key:
        return -_fahrenheit(number, key.rsplit("_", 1)[-1])
    if dimension in ("weight", "capacity", "length", "height", "width"):
        return number * _key_unit(key)
    return number


def _from_text(product: dict[str, Any], dimension: str) -> float | None:
    rx = _TEXT.get(dimension)
    if rx is None:
        return None
    for text in [str(s) for s in product.get("sizes") or []] + [str(product.get("name") or "")]:
        m = rx.search(text)
        if m:
            number, unit = float(m.group(1)), (m.group(2) or "").lower()
            if dimension == "warmth":
                return -_fahrenheit(number, unit)
            if dimension == "power" and unit.startswith("v"):
                continue  # volts and watts do not compare
            return number * _UNIT.get(unit, 1.0)
    return None


def _size(product: dict[str, Any]) -> float | None:
    values = [size_number(size_key(str(s))) for s in product.get("sizes") or []]
    return max((v for v in values if v is not None), default=None) or None


def _by_key(products: list[dict[str, Any]], dimension: str) -> dict[int, float]:
    """Each product's value by the attribute key most of them share for the dimension."""
    rx = _KEYS.get(dimension)
    if rx is None:
        return {}
    found = [{k: v for k, v in specs(p).items() if rx.search(k)} for p in products]
    counts: dict[str, int] = {}
    for f in found:
        for stem in {_stem(k) for k in f}:
            counts[stem] = counts.get(stem, 0) + 1
    if not counts:
        return {}
    stem = max(counts, key=lambda k: (counts[k], k))
    out = {}
    for i, f in enumerate(found):
        key = next((k for k in sorted(f) if _stem(k) == stem), None)
        if key is not None:
            out[i] = _signed(dimension, key, f[key])
    return out


def _stem(key: str) -> str:
    """The key without its unit: `weight_lb` and `weight_oz` measure one thing."""
    head, _, unit = key.rpartition("_")
    return head if head and (unit in _UNIT or unit in ("f", "c")) else key


def values(products: list[dict[str, Any]], name: str) -> dict[int, float]:
    """Index -> how much of the wish's dimension each measurable product has (higher is
    more), from the one source that measures most of them."""
    wish = WISHES.get(name)
    if wish is None:
        return {}
    if wish.dimension == "size":
        sized = {i: v for i, p in enumerate(products) if (v := _size(p)) is not None}
        if len(sized) >= max(1, len(products) // 2):
            return sized
        for dimension in _EXTENT:
            measured = _by_key(products, dimension)
            if len(measured) >= 2:
                return measured
        return sized
    # one figure among several products says nothing of which has the most
    enough = min(2, len(products))
    measured = _by_key(products, wish.dimension)
    if len(measured) >= enough:
        return measured
    texted = {i: v for i, p in enumerate(products)
              if (v := _from_text(p, wish.dimension)) is not None}
    return texted if len(texted) >= enough else {}


def quality_rank(product: dict[str, Any], name: str) -> int:
    """0 when the listing says the wished quality in words ("lightweight"), else 1."""
    wish = WISHES.get(name)
    if wish is None or wish.dimension not in _QUALITY:
        return 1
    said = _QUALITY[wish.dimension][1 if wish.most else 0]
    text = " ".join(str(product.get(k) or "") for k in ("name", "description", "material")).lower()
    return 0 if any(re.search(r"\b" + re.escape(w) + r"\b", text) for w in said) else 1


def order_key(products: list[dict[str, Any]], name: str) -> list[tuple[int, float]]:
    """A sort key per product (lower first): measured before not, then by the wish."""
    wish = WISHES[name]
    measured = values(products, name)
    out = []
    for i, p in enumerate(products):
        if i in measured:
            out.append((0, -measured[i] if wish.most else measured[i]))
        else:
            out.append((1 + quality_rank(p, name), 0.0))
    return out


def at_end(products: list[dict[str, Any]], name: str) -> list[dict[str, Any]] | None:
    """Only the products at the wished end, when the wish measures any of them; else the
    ones whose listing says the quality; else None: nothing tells them apart."""
    if name not in WISHES or not products:
        return None
    keys = order_key(products, name)
    top = min(keys)
    if top[0] == 2:
        return None
    return [p for p, k in zip(products, keys, strict=True) if k == top]


def best(products: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """`at_end`, or all of them, unchanged, when nothing tells them apart."""
    ends = at_end(products, name)
    return products if ends is None else ends


_SHOWN_UNIT = {"f": "°F", "c": "°C", "lb": " lb", "lbs": " lb", "oz": " oz", "g": " g",
               "kg": " kg", "in": " in", "ft": " ft", "cm": " cm", "mm": " mm", "l": " L",
               "qt": " qt", "mah": " mAh", "cups": " cups", "ml": " ml", "w": " W", "v": " V"}


def figure(product: dict[str, Any], name: str) -> str:
    """The product's own figure for the wish, as a reply may say it ("temp rating 0°F",
    "lumens 600"), or "" when its listing has none."""
    wish = WISHES.get(name)
    rx = _KEYS.get(wish.dimension) if wish is not None else None
    if rx is None:
        return ""
    for key, number in specs(product).items():
        if rx.search(key):
            head, _, unit = key.rpartition("_")
            if unit in _SHOWN_UNIT and head:
                return f"{head.replace('_', ' ')} {number:g}{_SHOWN_UNIT[unit]}"
            return f"{key.replace('_', ' ')} {number:g}"
    return ""


# A figure asked for: "rated to 0 F", "a 1200 watt blender", "22 litre day pack". Sizes
# the store sells are read as sizes first; these are the figures of a spec sheet.
_FIGURE = re.compile(
    r"(?<![\d.])(?P<n>-?\d{1,6}(?:\.\d{1,2})?)\s{0,2}(?:-\s{0,2})?(?:"
    r"(?P<temp>(?:°|º|degrees?\s{0,2}|deg\s{0,2})(?:f|c|fahrenheit|celsius)?|(?:f|c)(?=\s{0,3}"
    r"(?:$|[?.!,]|bag|sleeping|rated|rating)))|"
    r"(?P<unit>watts?|w|volts?|v|lumens?|lm|mah|litres?|liters?|l|qt|quarts?|gal|gallons?|"
    r"cups?|ml|lbs?|pounds?|kg|pieces?|pcs?))\b", re.IGNORECASE)
_SPF = re.compile(r"\bspf\s{0,2}(\d{1,3})\b", re.IGNORECASE)
_RATED = re.compile(r"\b(?:rated|rating|temp(?:erature)?|comfort|down\s{1,3}to|to)\b")
# the unit of a figure -> (the dimension, the keys it is compared with, its factor)
_FIGURE_UNITS = {
    "w": ("power", re.compile(r"watt"), 1.0), "v": ("power", re.compile(r"volt"), 1.0),
    "lumen": ("brightness", _KEYS["brightness"], 1.0),
    "mah": ("capacity", re.compile(r"mah"), 1.0),
    "l": ("capacity", re.compile(r"capacity|volume"), 1000.0),
    "qt": ("capacity", re.compile(r"capacity|volume"), 946.0),
    "gal": ("capacity", re.compile(r"capacity|volume"), 3785.0),
    "cup": ("capacity", re.compile(r"capacity|volume|cups"), 237.0),
    "ml": ("capacity", re.compile(r"capacity|volume"), 1.0),
    "lb": ("weight", _KEYS["weight"], 16.0), "kg": ("weight", _KEYS["weight"], 35.274),
    "piece": ("pieces", _KEYS["pieces"], 1.0), "spf": ("spf", _KEYS["spf"], 1.0),
    "f": ("warmth", re.compile(r"temp"), 1.0), "c": ("warmth", re.compile(r"temp"), 1.0),
}
# how shoppers spell a figure's unit -> the unit it is kept in
UNIT_WORDS = {"watt": "w", "watts": "w", "volt": "v", "volts": "v", "lumens": "lumen",
              "lm": "lumen", "litre": "l", "litres": "l", "liter": "l", "liters": "l",
              "quart": "qt", "quarts": "qt", "gallon": "gal", "gallons": "gal",
              "cups": "cup", "lbs": "lb", "pound": "lb", "pounds": "lb", "pieces": "piece",
              "pc": "piece", "pcs": "piece"}


def read_figures(low: str) -> list[str]:
    """The spec figures a lower-cased message asks for, as "<number> <unit>" ("0 f",
    "1200 w", "22 l"). A bare "20 degrees" is a temperature only beside "rated" or the
    like, and counts in Fahrenheit."""
    out: list[str] = []
    for m in _FIGURE.finditer(low):
        number = m.group("n")
        if m.group("temp") is not None:
            temp = m.group("temp").strip()
            scale = "c" if temp.endswith(("c", "celsius")) else "f"
            said_scale = temp.endswith(("f", "c", "fahrenheit", "celsius"))
            if not (said_scale and ("°" in temp or "º" in temp or "deg" in temp)) and \
                    not _RATED.search(low[max(0, m.start() - 25):m.start()]):
                continue  # "size 10 f"? only a rating when said as one
            out.append(f"{number} {scale}")
        else:
            unit = m.group("unit").lower()
            out.append(f"{number} {UNIT_WORDS.get(unit, unit)}")
    out += [f"{m.group(1)} spf" for m in _SPF.finditer(low)]
    return list(dict.fromkeys(out))


def fits_figure(product: dict[str, Any], figure: str) -> bool | None:
    """Whether the product's spec is that figure (within 2%); None when its listing has
    no figure of that kind."""
    number_s, _, unit = figure.partition(" ")
    spec = _FIGURE_UNITS.get(unit)
    if spec is None:
        return None
    dimension, keys, factor = spec
    # on the scale `_signed` and `_from_text` measure in (warmth: minus degrees F)
    wanted = -_fahrenheit(float(number_s), unit) if dimension == "warmth" \
        else float(number_s) * factor
    found = [_signed(dimension, key, number) for key, number in specs(product).items()
             if _KEYS[dimension].search(key) and keys.search(key)]
    if not found:
        text = _from_text(product, dimension)
        if text is None:
            return None
        found = [text]
    return any(abs(f - wanted) <= 0.02 * max(abs(wanted), 1.0) for f in found)
