"""Which products a message points at, against what was shown and what is in focus.

Ordinals ("the second one", "the last one", "the first two"), superlatives over the list
("the cheapest one", "the two cheapest"), attributes ("the blue one", "the Orbit one in
white", "the leather one"), names ("the trail running shoe"), pronouns ("it", "that one",
"those") and, when nothing else says, the product in focus or the first one shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentpay.catalog.vocabulary import Vocabulary
from agentpay.understanding import measures
from agentpay.understanding.lexicon import colour_key, singular, size_key, size_keys, words
from agentpay.understanding.reading import Reading, chat_words

_FIRST_N = re.compile(r"\b(?:the\s{1,3})?(?:first|top)\s{1,3}(?P<n>two|three|four|2|3|4)\b|"
                      r"\b(?P<both>both|these\s{1,3}two|those\s{1,3}two|the\s{1,3}two|them\s{1,3}"
                      r"both)\b")
_LAST_N = re.compile(r"\b(?:the\s{1,3})?last\s{1,3}(?P<n>two|three|2|3)\b")
_COUNTS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_PLURAL = re.compile(r"\b(?:those|these|them|they|all\s{1,3}of\s{1,3}them|both)\b")
_SINGULAR = re.compile(r"\b(?:it|that|this|that\s{1,3}one|this\s{1,3}one|the\s{1,3}one)\b")


@dataclass
class Targets:
    products: list[dict] = field(default_factory=list)
    how: str = "none"        # ordinal, superlative, descriptor, name, focus, first, all
    color: str | None = None  # a colour the reference named ("the blue one")
    colors: list[str | None] = field(default_factory=list)  # per product, when "several"

    def one(self) -> dict | None:
        return self.products[0] if len(self.products) == 1 else None


def _text(p: dict[str, Any]) -> str:
    bits = [p.get("name"), p.get("brand"), p.get("product_type"), p.get("material"),
            p.get("category")]
    return " ".join(str(b) for b in bits if b).lower()


def lacks_colour(p: dict[str, Any], colour: str, vocab: Vocabulary) -> bool:
    """Whether the product has colours of its own (listed, or in its name: "…, Black") and
    none of them is the `colour` said: "charcoal" said of the black-only jacket in view."""
    own = p.get("colors") or [k for k in vocab.colors if f" {k} " in f" {_text(p)} "]
    return bool(own) and not has_colour(p, vocab.colour_labels(colour))


def has_colour(p: dict[str, Any], labels: list[str]) -> bool:
    wanted = {label.lower() for label in labels}
    colours = {str(c).lower() for c in p.get("colors") or []}
    return bool(colours & wanted) or any(f" {w} " in f" {_text(p)} " for w in wanted)


def available_in(p: dict[str, Any], labels: list[str], sizes: list[str] | None = None) -> bool:
    """Whether the product can be had in one of `labels` (colours) and, when `sizes` (size
    keys) are given, in one of them too, on the same variant."""
    wanted = {label.lower() for label in labels}
    available = p.get("available")
    if available is None:
        return p.get("in_stock", True) and (not labels or has_colour(p, labels)) and (
            not sizes or all(_unsized(z) for z in p.get("sizes") or []) or _has_size(p, sizes))
    colours = {str(c).lower() for c in p.get("colors") or []}
    for size, color in available:
        if sizes and size and not _unsized(size) and not set(sizes) & size_keys(str(size)):
            continue  # a product sold in no sizes ("12-Cup" in its name) is not ruled out
        if not labels or (color and str(color).lower() in wanted) or (
                not color and colours & wanted):
            return True
    return False


def _unsized(label: Any) -> bool:
    return size_key(str(label or "")) in ("", "one size", "os")


def _colour_rank(p: dict[str, Any], labels: list[str]) -> int:
    """How close the product's colours come to what was asked: `labels` are best first
    (the very name, then names containing it, then its family)."""
    mine = {str(c).lower() for c in p.get("colors") or []}
    return next((i for i, label in enumerate(labels) if label.lower() in mine), len(labels))


def _has_size(p: dict[str, Any], keys: list[str]) -> bool:
    return any(k in size_keys(str(s)) for s in p.get("sizes") or [] for k in keys)


def describes(p: dict[str, Any], descriptor_words: list[str]) -> bool:
    """Every descriptor word starts a word of the product's name, brand, type or
    material ("orbit" -> "Orbit Lift-Top Coffee Table")."""
    text = f" {' '.join(words(_text(p)))} "
    return all(f" {w}" in text or f" {singular(w)}" in text for w in descriptor_words)


def descriptor_words(entities: list[dict], reading: Reading) -> list[str]:
    """The words of "the X one" that are not a colour, a brand or a chat word."""
    colour_words = {w for c in reading.colors for w in c.split()}
    out: list[str] = []
    for e in entities:
        value = e.get("value") if e.get("type") == "reference" else None
        if isinstance(value, dict) and value.get("descriptor"):
            for w in words(str(value["descriptor"])):
                if w not in colour_words and w not in chat_words() and w not in out:
                    out.append(w)
    return [w for w in out if w not in measures.WISH_WORDS and w not in (
                                        "cheapest", "cheaper", "priciest", "expensive",
                                        "longest", "biggest", "largest", "tallest", "widest",
                                        "smallest", "shortest", "narrowest", "longer", "bigger",
                                        "larger", "smaller", "shorter")]


_MEASURE = re.compile(r"(?<![\d.])(\d{1,6}+(?:\.\d{1,3}+)?)[\s-]?(?:in\b|inch|\"|ft\b|feet|foot|cm\b|mm\b|qt\b|quart|"
                      r"l\b|litre|liter|oz\b|lb\b|pound|piece|pc\b|person|gal)", re.IGNORECASE)


def _measure(p: dict[str, Any]) -> float | None:
    """The product's measure (its size label, else its name): "8 in." -> 8."""
    for text in [str(s) for s in p.get("sizes") or []] + [str(p.get("name") or "")]:
        m = _MEASURE.search(text)
        if m:
            return float(m.group(1))
    return None


_OF_EACH = re.compile(r"\b(?:of\s{1,3}(?:each|both)|each\s{1,3}(?:kind|type|one)|one\s{1,3}of\s{1,3}each|"
                      r"for\s{1,3}(?:each|both))\b")


def of_each_kind(text: str, shown: list[dict]) -> bool:
    """"The cheapest of each" with two kinds on screen: one of every kind shown."""
    return bool(_OF_EACH.search(text.lower())) and len(
        {p.get("product_type") for p in shown if p.get("product_type")}) > 1


def _by_price(products: list[dict], cheapest: bool) -> list[dict]:
    return sorted(products, key=lambda p: (not p.get("in_stock", True),
                                           int(p["price_minor"]) * (1 if cheapest else -1)))


def resolve(entities: list[dict], reading: Reading, text: str, *, shown: list[dict],
            focus: dict | None, cart_lines: list[dict], vocab: Vocabulary,
            types: list[str] | None = None) -> Targets:
    """The products `text` points at (see the module docstring)."""
    low = text.lower()
    if types:  # a list may hold other kinds of product; the one being looked for first
        own = [p for p in shown if p.get("product_type") in types]
        if own and len(own) < len(shown):
            shown = own + [p for p in shown if p not in own]
    colour_labels = [label for c in reading.colors for label in vocab.colour_labels(c)]
    colour = reading.colors[0] if reading.colors else None

    if reading.superlative and shown and not reading.scope_catalog:
        pool = [p for p in shown if available_in(p, colour_labels, reading.sizes)] \
            or [p for p in shown if not colour_labels or available_in(p, colour_labels)] \
            or list(shown)
        each = of_each_kind(low, pool)
        if types and not each:
            pool = [p for p in pool if p.get("product_type") in types] or pool
        if reading.sizes:  # "the cheapest of those in a 7": of those that come in a 7
            pool = [p for p in pool if _has_size(p, reading.sizes) or all(
                _unsized(z) for z in p.get("sizes") or [])] or pool
        cheapest = reading.superlative == "cheapest"
        ranked = sorted(pool, key=lambda p: (_colour_rank(p, colour_labels),
                                             not p.get("in_stock", True),
                                             int(p["price_minor"]) * (1 if cheapest else -1)))
        kinds = list(dict.fromkeys(p.get("product_type") for p in ranked
                                   if p.get("product_type")))
        if len(kinds) > 1 and each:
            # "the cheapest of each" with shampoos and conditioners on screen: one per kind
            return Targets([next(p for p in ranked if p.get("product_type") == k)
                            for k in kinds[:4]], "superlative", colour)
        return Targets(ranked[:max(1, reading.select_count)], "superlative", colour)

    m = _FIRST_N.search(low)
    if m and len(shown) >= 2:
        n = _COUNTS.get(m.group("n") or "", 2)
        return Targets(list(shown[:n]), "ordinal")
    m = _LAST_N.search(low)
    if m and len(shown) >= 2:
        return Targets(list(shown[-_COUNTS.get(m.group("n"), 2):]), "ordinal")

    picked = []
    for e in entities:
        if e.get("type") != "reference":
            continue
        value = e.get("value") or {}
        resolved = e.get("resolved")
        if "ordinal" in value and isinstance(resolved, dict) and resolved not in picked:
            picked.append(resolved)
    if picked:
        return Targets(picked, "ordinal", colour)

    if reading.size_wish in ("largest", "smallest") and len(shown) >= 2:
        measured = [(p, m) for p in shown if (m := _measure(p)) is not None]
        if len(measured) >= 2:  # "I'll take the longest one": by the products' measures
            measured.sort(key=lambda pm: pm[1], reverse=reading.size_wish == "largest")
            return Targets([measured[0][0]], "superlative", colour)
    elif reading.size_wish and len(shown) >= 2:
        ends = measures.best(list(shown), reading.size_wish)
        if len(ends) < len(shown):  # "which one is the warmest?": by their specs
            return Targets(ends[:1], "superlative", colour)
        # their listings do not say which: the store's, found by search
        return Targets([], "unmatched", colour)

    several = _each_described(entities, reading, shown, vocab)
    if several is not None:
        return several

    described = descriptor_words(entities, reading)
    # words of the product's name said without "the ... one" ("the auralis q40"): those
    # that name something on screen
    if reading.question is None or reading.question.kind == "price":
        described += [w for m in reading.modifiers for w in m.split()
                      if w not in described and len(w) > 1
                      and any(describes(p, [w]) for p in shown)]
    pointed = bool(focus) and bool(_SINGULAR.search(low) or _PLURAL.search(low))
    if pointed and not described and not reading.brands and colour_labels \
            and available_in(focus, colour_labels):
        # "add them in light wash" after "what colours do the Threadgood ones come in?":
        # the pronoun is the product the last turn was about, the colour the one to buy,
        # not a choice among the list (where another product may come in it first)
        return Targets([focus], "focus", colour)
    sized = bool(reading.sizes) and not pointed and not reading.question
    if (described or reading.brands or colour_labels or sized) and shown:
        pool = [p for p in shown if describes(p, described)] if described else list(shown)
        if reading.brands:
            brands = {b.lower() for b in reading.brands}
            pool = [p for p in pool if str(p.get("brand") or "").lower() in brands]
        if colour_labels and pool:
            pool = [p for p in pool if available_in(p, colour_labels)] or \
                [p for p in pool if has_colour(p, colour_labels)]
            pool.sort(key=lambda p: _colour_rank(p, colour_labels))
        if reading.sizes and pool:
            # "the 40w daylight ones" when only the 60W ones are on screen: look for them
            with_size = [p for p in pool if _has_size(p, reading.sizes)]
            sizeless = [p for p in pool if not [s for s in p.get("sizes") or []
                                                if str(s).lower() != "one size"]]
            pool = with_size or (sizeless if not sized else [])
        if pool:
            return Targets(pool[:1] if not _PLURAL.search(low) else pool, "descriptor",
                           colour)
        # named by what it is, and nothing on screen is that: look for it
        return Targets([], "unmatched", colour)

    named = _named(reading, shown, cart_lines)
    if named:
        return Targets(named, "name", colour)

    if _PLURAL.search(low) and not _SINGULAR.search(low):
        if focus:
            return Targets([focus], "focus", colour)
        return Targets(list(shown), "all", colour)
    if focus:
        return Targets([focus], "focus", colour)
    if shown:
        return Targets([shown[0]], "first", colour)
    return Targets([], "none", colour)


def _each_described(entities: list[dict], reading: Reading, shown: list[dict],
                    vocab: Vocabulary) -> Targets | None:
    """"The gray rope one and the red squeaky one": each "the X one" its own product, with
    its own colour; None unless two or more different products on screen are meant."""
    said = [str((e.get("value") or {}).get("descriptor") or "") for e in entities
            if e.get("type") == "reference" and isinstance(e.get("value"), dict)]
    said = [d for d in said if d]
    if len(said) < 2 or not shown:
        return None
    colours = {colour_key(c): c for c in reading.colors}
    products: list[dict] = []
    picked: list[str | None] = []
    for descriptor in said[:4]:
        tokens = words(descriptor)
        colour = next((colours[k] for k in (colour_key(" ".join(tokens[i:i + n]))
                                            for n in (2, 1) for i in range(len(tokens)))
                       if k in colours), None)
        colour_words = set(words(colour)) if colour else set()
        rest = [w for w in tokens if w not in colour_words and w not in chat_words()]
        pool = [p for p in shown if describes(p, rest)] if rest else list(shown)
        if colour:
            labels = vocab.colour_labels(colour)
            pool = [p for p in pool if available_in(p, labels)] or \
                [p for p in pool if has_colour(p, labels)]
        if not pool:
            return None
        products.append(pool[0])
        picked.append(colour)
    if len({p["external_id"] for p in products}) < len(products):
        return None  # "the blue one and the black one" of one product: one line per colour
    return Targets(products, "several", picked[0], picked)


def _named(reading: Reading, shown: list[dict], cart_lines: list[dict]) -> list[dict]:
    """Products named by their words ("the trail running shoe", "the lamp")."""
    asked = {w for q in reading.questions or ([reading.question] if reading.question else [])
             for w in q.phrase.split()}
    if not [w for w in reading.words if w not in asked]:
        return []  # "is it waterproof?": the quality asked about names no product
    pool = list(shown) + [{"external_id": li["external_id"], "name": li["name"],
                           "price_minor": li["unit_price_minor"]} for li in cart_lines
                          if all(li["external_id"] != p["external_id"] for p in shown)]
    content = [w for w in reading.words if len(w) > 2 and w not in asked]
    if not content:
        return []
    hits = [p for p in pool if describes(p, content)]
    return list({h["external_id"]: h for h in hits}.values())


def colour_of(reading: Reading) -> str | None:
    return colour_key(reading.colors[0]) if reading.colors else None
