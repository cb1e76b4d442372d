"""Answers to questions about a product, from the product's own data only.

"Is it waterproof?", "does it come with batteries?", "how long is it?", "what's it made
of?": yes, no, or "the listing doesn't say" - read from the product's attributes, name
and description, never invented. A yes or no quotes what it was read from.
"""

from __future__ import annotations

import re
from typing import Any

from agentpay.tools.products import variant_price_text
from agentpay.understanding import measures
from agentpay.understanding.lexicon import singular, size_units, split_sentences, words
from agentpay.understanding.reading import Question

_NEGATIONS = ("not ", "n't ", "no ", "non-", "non ", "without ", "free of ", "never ")
_ABSENT = re.compile(r"\b(?:sold\s{1,3}separately|not\s{1,3}included|tool\s{1,3}only|"
                     r"bare\s{1,3}tool)\b", re.IGNORECASE)
# the unit an attribute's name ends in ("length_ft" -> ft)
_UNITS = {"ft": "ft", "in": "in", "lb": "lb", "oz": "oz", "l": "L", "qt": "qt", "mah": "mAh",
          "cups": "cups", "w": "W", "mm": "mm", "cm": "cm", "kg": "kg", "g": "g", "f": "°F",
          "people": "people", "lumens": "lumens"}
_DIMENSIONS = {
    "long": ("length", "long"), "wide": ("width", "wide"), "tall": ("height", "tall"),
    "high": ("height", "tall"), "deep": ("depth", "deep"), "thick": ("thickness", "thick"),
    "heavy": ("weight", "heavy"), "hold": ("capacity", "hold"),
    "big": ("size", "big"), "large": ("size", "large"), "dimensions": ("size", "big"),
}

# "how bright is it": the spec a superlative over the same measure compares (measures)
_SPEC_WISH = {"bright": "brightest", "warm": "warmest", "powerful": "most_powerful",
              "loud": "quietest", "quiet": "quietest"}


def _attrs(p: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (p.get("attributes") or {}).items()
            if k not in ("colors", "sizes", "product_type")}


def _sentences(p: dict[str, Any]) -> list[str]:
    """The name, then the description's sentences ("1/4 in. hex chuck" is no sentence end:
    a sentence ends before a capital)."""
    return [p.get("name", "")] + split_sentences(p.get("description") or "")


_FUNCTION_WORDS = frozenset(["a", "an", "the", "it", "its", "they", "them", "this", "that", "these", "those", "is", "are", "be", "of", "for", "to", "in", "on", "with", "and", "or", "my", "your", "any", "some"])


def _stems(phrase: str) -> list[str]:
    return [singular(w)[:6] for w in words(phrase) if w not in _FUNCTION_WORDS and len(w) > 1]


def _find(p: dict[str, Any], phrase: str) -> str | None:
    """The first sentence of the listing with every word of `phrase` in it; else, for a
    phrase of long words, with every word's root ("machine washable": "Machine wash
    cold")."""
    stems = _stems(phrase)
    if not stems:
        return None
    for tries in (stems, [s[:4] if len(s) >= 6 else s for s in stems]):
        for sentence in _sentences(p):
            low = " " + " ".join(words(sentence.replace("-", " "))) + " "
            if all(f" {s}" in low for s in tries):
                return sentence
        if all(len(s) < 6 for s in stems):
            break
    return None


def _negated(sentence: str, phrase: str) -> bool:
    """A negation before the phrase in its sentence ("Not suitable for masonry")."""
    low = " " + sentence.lower().replace("-", " ") + " "
    first = _stems(phrase)[0] if _stems(phrase) else ""
    at = low.find(" " + first)
    before = low[:at + 1] if at >= 0 else ""
    before = re.split(r"[,;:]", before)[-1]  # "Non-slip feet, a juice groove": its own clause
    return any(n in before for n in _NEGATIONS) or bool(re.search(r"\bnon\s?$", before))


def _unit(key: str) -> str:
    tail = key.rsplit("_", 1)[-1] if "_" in key else ""
    return _UNITS.get(tail, "")


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and value >= 10000 else str(value)


def _attribute(p: dict[str, Any], phrase: str) -> tuple[str, Any] | None:
    """The attribute a yes/no phrase names: "noise cancelling" -> noise_cancelling."""
    key = "_".join(words(phrase))
    attrs = _attrs(p)
    if key in attrs:
        return key, attrs[key]
    stems = _stems(phrase)
    for k, v in attrs.items():
        if stems and all(s in k for s in stems):
            return k, v
    return None


def answer_yes_no(p: dict[str, Any], phrase: str) -> tuple[str, bool | None]:
    """(reply, verdict) for "is it <phrase>?"; verdict None when the listing doesn't say."""
    name = p["name"]
    phrase = re.sub(r"^(?:a|an|the|really|actually|also|fully|100%)\s+", "", phrase.strip())
    found = _attribute(p, phrase)
    if found is not None and isinstance(found[1], bool):
        if found[1]:
            return f"Yes — {name} is {phrase}.", True
        return f"No — {name} isn't {phrase}.", False
    if found is not None and isinstance(found[1], str | int | float):
        key, value = found
        return ((f"{key.replace('_', ' ').capitalize()}: {_number(value)}{_unit(key)} "
                f"— that's what the listing says for {name}."), None)
    sentence = _find(p, phrase)
    if sentence is not None:
        if _negated(sentence, phrase):
            return f"No — the listing says: “{sentence}”", False
        if sentence.startswith(name) or sentence == name + ".":
            return f"Yes — {name} is {phrase}.", True
        return f"Yes — {name} is {phrase}. From the listing: “{sentence}”", True
    return ((f"The listing for {name} doesn't say whether it's {phrase}, so I'd rather not "
            "guess. Anything else I can check?"), None)


def answer_includes(p: dict[str, Any], thing: str) -> tuple[str, bool | None]:
    name = p["name"]
    thing = re.sub(r"^(?:a|an|the|any|some)\s+", "", thing.strip())
    sentence = _find(p, thing)
    absent = _ABSENT.search(p.get("name", "")) if thing.startswith(("batter", "charger")) \
        else None
    if sentence is not None and not _negated(sentence, thing) and not absent:
        count = re.search(r"\b(\d{1,3})\s{1,3}" + re.escape(_stems(thing)[0]) if _stems(thing)
                          else r"$^", sentence.lower())
        what = f"{count.group(1)} {thing}" if count and count.group(1) != "1" else thing
        return f"Yes — {name} comes with {what}. From the listing: “{sentence}”", True
    if absent or (sentence is not None and _negated(sentence, thing)):
        quote = absent.group(0) if absent else sentence
        return f"No — {name} doesn't include {thing} (the listing says “{quote}”).", False
    return ((f"The listing for {name} doesn't say whether it comes with {thing}, so I'd "
            "rather not guess."), None)


def answer_measure(p: dict[str, Any], dimension: str) -> tuple[str, bool | None]:
    name = p["name"]
    attrs = _attrs(p)
    if dimension.startswith("many"):  # "how many watts / pieces / cups": the attribute
        unit = singular(dimension.split()[-1])
        short = size_units().get(unit) or size_units().get(dimension.split()[-1]) or unit
        for k, v in attrs.items():
            if isinstance(v, int | float) and not isinstance(v, bool) and (
                    unit[:4] in k or k.endswith(("_" + unit, "_" + unit + "s", "_" + short))):
                return f"{name}: {_number(v)} {dimension.split()[-1]}.", True
        sentence = _find(p, unit)
        if sentence is not None:
            return f"From the listing for {name}: “{sentence}”", True
        return ((f"The listing for {name} doesn't give its {dimension.split()[-1]}, so I'd "
                "rather not guess."), None)
    if dimension in _SPEC_WISH:  # "how bright is it": its lumens, "how warm": its rating
        figure = measures.figure(p, _SPEC_WISH[dimension])
        if figure:
            return f"{name}: {figure}.", True
    noun, adjective = _DIMENSIONS.get(dimension, (dimension, dimension))
    if dimension in ("big", "large", "dimensions", "size"):
        facts = [f"{k.replace('_', ' ').rsplit(' ', 1)[0]} {_number(v)} {_unit(k)}".strip()
                 for k, v in attrs.items() if isinstance(v, int | float)
                 and not isinstance(v, bool) and _unit(k)]
        sizes = [s for s in p.get("sizes") or [] if s.lower() != "one size"]
        if facts or sizes:
            bits = facts + ([f"sizes {', '.join(sizes)}"] if sizes else [])
            return f"{name}: {'; '.join(bits)}.", True
    else:
        for k, v in attrs.items():
            if noun in k and isinstance(v, int | float) and not isinstance(v, bool):
                return f"{name} is {_number(v)} {_unit(k)} {adjective}.".replace("  ", " "), True
            if noun == "capacity" and k.startswith("capacity") and isinstance(v, int | float):
                return f"{name} holds {_number(v)} {_unit(k) or k.split('_')[-1]}.", True
        if noun == "length":
            for s in p.get("sizes") or []:
                if re.search(r"\b(?:ft|in|foot|feet|inch)\b", s.lower()):
                    return f"{name} is {s} {adjective}.", True
    sentence = _find(p, noun) or _find(p, adjective)
    if sentence is not None:
        return f"From the listing for {name}: “{sentence}”", True
    return (f"The listing for {name} doesn't give its {noun}, so I'd rather not guess.", None)


# what a shopper calls what a product is made of
MADE_OF = frozenset({"material", "fabric", "filling", "fill", "stuffing", "insulation"})


def answer_material(p: dict[str, Any]) -> tuple[str, bool | None]:
    material = _attrs(p).get("material")
    if isinstance(material, str) and material:
        return f"{p['name']} is made of {material}.", True
    sentence = _find(p, "made")
    if sentence is not None:
        return f"From the listing for {p['name']}: “{sentence}”", True
    return f"The listing for {p['name']} doesn't say what it's made of.", None


def _in_stock(p: dict[str, Any], field: str) -> list[str]:
    variants = p.get("variants") or []
    if not variants:
        return [s for s in p.get(f"{field}s") or [] if s.lower() != "one size"]
    return list(dict.fromkeys(str(v[field]) for v in variants
                              if v.get(field) and int(v.get("stock", 0) or 0) > 0
                              and str(v[field]).lower() != "one size"))


def answer_options(p: dict[str, Any], kind: str) -> tuple[str, bool | None]:
    field = "size" if kind == "sizes" else "color"
    available = _in_stock(p, field)
    word = "sizes" if field == "size" else "colours"
    if not available:
        everything = [s for s in p.get(f"{field}s") or [] if s.lower() != "one size"]
        if everything:
            return ((f"{p['name']} is sold out in every {field} right now "
                    f"(it comes in {', '.join(everything)})."), False)
        return f"{p['name']} comes in one {field} only.", True
    return f"{p['name']} is in stock in these {word}: {', '.join(available)}.", True


def answer_attr(p: dict[str, Any], word: str) -> tuple[str, bool | None]:
    """"What spf is it?", "what wattage is it?": the attribute, the size it names, or the
    listing's sentence with the word ("1,825 in.-lbs of torque")."""
    stem = singular(word)[:4]
    for k, v in _attrs(p).items():
        if stem in k and not isinstance(v, bool):
            name = k[:k.rindex("_")] if _unit(k) else k  # "capacity_l" is the capacity
            return f"{p['name']}: {name.replace('_', ' ')} {_number(v)}{_unit(k)}.", True
    noun = singular(word)
    if noun in MADE_OF and isinstance(_attrs(p).get("material"), str):
        return answer_material(p)  # "what's the fabric / filling in it"
    for k, v in _attrs(p).items():  # "what's the insulation in it": material "synthetic
        if isinstance(v, str) and re.search(rf"\b{re.escape(noun)}", v.lower()):
            return f"{p['name']}: {k.replace('_', ' ')} {v}.", True  # insulation"
    for size in p.get("sizes") or []:
        if stem in str(size).lower():
            return f"{p['name']} is {size}.", True
    sentence = _find(p, word)
    if sentence is not None:
        return f"From the listing for {p['name']}: “{sentence}”", True
    return f"The listing for {p['name']} doesn't give its {word}.", None


def _about(p: dict[str, Any], said: tuple[str, ...]) -> str | None:
    """The listing sentence with most of the question's words ("30-minute play time" for
    "how long does it take to play?"), when any has one."""
    stems = [s for s in _stems(" ".join(said)) if len(s) > 2]
    name = " " + " ".join(words(p.get("name") or "")) + " "
    stems = [s for s in stems if f" {s}" not in name]  # the product's own name says nothing
    best, hits = None, 0
    for sentence in _sentences(p)[1:]:
        low = " " + " ".join(words(sentence.replace("-", " "))) + " "
        n = sum(1 for s in stems if f" {s}" in low)
        if n > hits:
            best, hits = sentence, n
    return best


def answer(p: dict[str, Any], question: Question) -> tuple[str, bool | None]:
    """(reply text, verdict) for one question about one product's details; when its data
    does not say, the listing sentence about what was asked, if there is one."""
    text, verdict = _answer(p, question)
    if verdict is None and question.context:
        sentence = _about(p, question.context)
        if sentence is not None:
            return f"From the listing for {p['name']}: “{sentence}”", True
    return text, verdict


def _answer(p: dict[str, Any], question: Question) -> tuple[str, bool | None]:
    if question.kind == "attr":
        return answer_attr(p, question.phrase)
    if question.kind == "yesno":
        return answer_yes_no(p, question.phrase)
    if question.kind == "includes":
        return answer_includes(p, question.phrase)
    if question.kind == "measure":
        return answer_measure(p, question.phrase)
    if question.kind == "material":
        return answer_material(p)
    if question.kind in ("sizes", "colors"):
        return answer_options(p, question.kind)
    if question.kind == "sale":
        if p.get("compare_at"):
            return f"Yes — {p['name']} is {p['price']}, down from {p['compare_at']}.", True
        return f"{p['name']} isn't on sale; it's {p['price']}.", False
    if question.kind == "stock":
        if p.get("in_stock", True):
            return f"Yes — {p['name']} is in stock at {p['price']}.", True
        return f"Sorry, {p['name']} is out of stock right now.", False
    if p.get("variant_prices"):  # the 512 GB at its own price, not the base one's
        return f"{p['name']} is {p['price']} ({variant_price_text(p)}).", True
    return f"{p['name']} is {p['price']}.", True
