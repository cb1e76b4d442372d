"""Does a reply state a fact about a product, as the catalog has it? One function a fact.

Each takes the reply text, the product (None for facts about the cart) and the check's
parameters, and returns (holds, why).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agentpay_dev.shoppers.constraints import variants
from agentpay_dev.shoppers.tasks import ReplyMentions
from agentpay_dev.shoppers.vocabulary import norm, size_words

Verdict = tuple[bool, str]
NEGATION = re.compile(r"\b(?:not|no|never|without|neither|nor)\b|n['’]t\b|\bnon-?$",
                      re.IGNORECASE)
# A reply that lists search results or asks which product is meant answers no question.
NOT_AN_ANSWER = re.compile(r"(?:found|recommend|matches|results?) for\s*[“\"']|"
                           r"\bwhich (?:one|product|item)s?\b.*\?|^\s*\d+\.\s", re.IGNORECASE
                           | re.MULTILINE)
HONEST_UNKNOWN = re.compile(r"\b(?:don['’]t|do not|doesn['’]t|does not|can['’]t|cannot)\b"
                            r"[^.?!]*\b(?:have|know|say|find|see|list|mention)", re.IGNORECASE)


def money_texts(minor: int) -> list[re.Pattern]:
    """How a reply may write an amount: 79.95, $79.95, 1,299.00; $80 for whole dollars."""
    dollars, cents = divmod(minor, 100)
    plain, grouped = f"{dollars}", f"{dollars:,}"
    patterns = [rf"(?<![\d,.]){re.escape(d)}\.{cents:02d}(?!\d)" for d in {plain, grouped}]
    if cents == 0:
        patterns += [rf"\$\s?{re.escape(d)}(?![\d,]|\.\d)" for d in {plain, grouped}]
    return [re.compile(p) for p in patterns]


def mentions_money(text: str, minor: int) -> bool:
    return any(p.search(text) for p in money_texts(minor))


def has_word(text: str, word: str) -> bool:
    """`word` as a whole word or phrase (an apostrophe joins: "I'm" holds no "m")."""
    return re.search(rf"(?<![\w'’]){re.escape(word)}(?![\w'’])", text, re.IGNORECASE) is not None


def _in_stock(product: dict, key: str) -> list[str]:
    seen: dict[str, str] = {}
    for variant in variants(product, in_stock=True):
        if variant.get(key):
            seen.setdefault(norm(variant[key]), variant[key])
    return list(seen.values())


def price(text: str, product: dict, check: ReplyMentions) -> Verdict:
    amount = product["price"]
    return mentions_money(text, amount), f"price {amount / 100:.2f}"


def sizes(text: str, product: dict, check: ReplyMentions) -> Verdict:
    have = _in_stock(product, "size")
    said = [s for s in have if any(has_word(text, w) for w in size_words(s))]
    need = min(check.min or 3, len(have))
    return len(said) >= need > 0, f"{len(said)} of sizes {have} (need {need})"


def colors(text: str, product: dict, check: ReplyMentions) -> Verdict:
    have = _in_stock(product, "color")
    said = [c for c in have if has_word(text, c)]
    need = min(check.min or 2, len(have))
    return len(said) >= need > 0, f"{len(said)} of colours {have} (need {need})"


def _says(attribute: str) -> Callable[[str, dict, ReplyMentions], Verdict]:
    def fact(text: str, product: dict, check: ReplyMentions) -> Verdict:
        value = (product.get("attributes") or {}).get("material") if attribute == "material" \
            else product.get(attribute)
        if not value:
            return False, f"the catalog has no {attribute} for {product.get('name')}"
        return norm(value) in norm(text), f"{attribute} {value!r}"
    return fact


def attr(text: str, product: dict, check: ReplyMentions) -> Verdict:
    """A yes/no attribute: true when it holds or its word is in the name or description;
    a true one needs "yes" or the word said without a negation before it, a false one a
    negation."""
    if not check.attr:
        return False, "attr fact without `attr`"
    # `word` is a pattern, as in the shared tasks ("water.resist" for water-resistant)
    word = check.word or re.escape(check.attr.replace("_", " "))
    value = (product.get("attributes") or {}).get(check.attr)
    listing = f"{product.get('name') or ''} {product.get('description') or ''}"
    holds = value is True or (value not in (False, None) and bool(value)) or bool(
        _word_spans(listing, word))
    if holds:
        ok = has_word(text, "yes") or any(not _negated(text, m.start())
                                          for m in _word_spans(text, word))
    else:
        ok = bool(re.match(r"\W*no\b", text, re.IGNORECASE)) or any(
            _negated(text, m.start()) for m in _word_spans(text, word))
    return ok, f"{word}: {'yes' if holds else 'no'}"


def _word_spans(text: str, pattern: str) -> list[re.Match]:
    return list(re.finditer(rf"(?<![\w'’])(?:{pattern})", text, re.IGNORECASE))


def _negated(text: str, at: int) -> bool:
    """A negation in the clause before position `at`."""
    clause = re.split(r"[.!?;\n]", text[:at])[-1]
    return NEGATION.search(clause) is not None


def attr_value(text: str, product: dict, check: ReplyMentions) -> Verdict:
    if not check.attr:
        return False, "attr_value fact without `attr`"
    value = (product.get("attributes") or {}).get(check.attr)
    if value is None or isinstance(value, bool):
        return False, f"the catalog has no value of {check.attr} for {product.get('name')}"
    if isinstance(value, int | float):
        number = f"{value:g}" if float(value) != int(value) else str(int(value))
        pattern = rf"(?<![\d.,]){re.escape(number)}(?!\d|\.\d)"
        return re.search(pattern, text) is not None, f"{check.attr} {number}"
    return norm(value) in norm(text), f"{check.attr} {value!r}"


def policy(text: str, product: dict | None, check: ReplyMentions) -> Verdict:
    """If the product's description has a sentence on the topic, the reply carries its
    key ("30 days"); otherwise any reply on the topic, an honest "I don't have that"
    included, but never a list of products or "which one do you mean?"."""
    if not check.topic:
        return False, "policy fact without `topic`"
    sentences = re.split(r"(?<=[.!?])\s+", (product or {}).get("description") or "")
    on_topic = [s for s in sentences if re.search(check.topic, s, re.IGNORECASE)]
    if on_topic and check.key:
        keys = [m.group(0) for s in on_topic if (m := re.search(check.key, s, re.IGNORECASE))]
        if keys:
            return any(k.lower() in text.lower() for k in keys), f"policy says {keys[0]!r}"
        return re.search(check.key, text, re.IGNORECASE) is not None, f"policy key {check.key}"
    if NOT_AN_ANSWER.search(text):
        return False, "a product list or a question back, not an answer"
    answered = re.search(check.topic, text, re.IGNORECASE) or HONEST_UNKNOWN.search(text)
    return answered is not None, "the listing has no policy: any answer on the topic"


def cart_subtotal(text: str, lines_total: int) -> Verdict:
    return mentions_money(text, lines_total), f"cart total {lines_total / 100:.2f}"


PRODUCT_FACTS: dict[str, Callable[[str, Any, ReplyMentions], Verdict]] = {
    "price": price, "sizes": sizes, "colors": colors, "material": _says("material"),
    "brand": _says("brand"), "name": _says("name"), "attr": attr, "attr_value": attr_value,
}
