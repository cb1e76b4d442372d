"""The shape of a message, read without context: a bare product phrase ("wire basket with
dividers", "clear shower curtain"), or a sentence with something to shop for in it.

Real shopper queries are noun phrases, and the words in them that also name an action
("clear", "basket", "remote", "ship") mislead cue rules; CLINC-style requests ("how much
money do I have", "tell me about my credit card application") ask about prices and details
of things no store sells. Both shapes hold for any phrasing and any store.
"""

from __future__ import annotations

import re
from functools import cache

from agentpay.understanding.entities import is_product_word
from agentpay.understanding.lexicon import DATA, singular, words

_OBJECT = re.compile(
    r"\b(?:it|its|it's|this|that|these|those|them|they|they're|theyre|one|ones|pair|item|"
    r"items|product|products|model|"
    r"first|second|third|fourth|fifth|last|cheapest|cheaper|size|sizes|colou?rs?|stock|cart|"
    r"basket|bag|checkout|price|discount|coupon|promo)\b|[$€£]\s?\d|\d\s?(?:%|dollars?|bucks)"
    # "add 2 please": a count of what is on screen
    r"|\b(?:add|put|throw|grab|remove|take)\s{1,3}(?:\d{1,2}|two|three|four|five|six|a\s{1,3}"
    r"couple|a\s{1,3}dozen)\b",
    re.IGNORECASE)
_TAIL = re.compile(r"(?<!-)\b(?:with|for|from|by|under|without|on|that|which)\b(?!-).*$")
MAX_PHRASE_WORDS = 9


@cache
def clause_words() -> frozenset[str]:
    lines = (DATA / "clause_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def product_phrase(text: str) -> bool:
    """A bare noun phrase whose head is a thing shops sell: no verb, pronoun or question
    word, at most `MAX_PHRASE_WORDS` words, the last word before any "with ..."/"for ..."
    being a product noun ("48 in entry table with side by side drawer")."""
    low = text.lower().strip().rstrip("?!. ")  # "clamp-on desk lamp?" is still a phrase
    if "?" in low:
        return False
    tokens = words(low)
    if not tokens or len(tokens) > MAX_PHRASE_WORDS or clause_words() & set(tokens):
        return False
    head = [w for w in words(_TAIL.sub("", low)) if not w[0].isdigit()]
    return bool(head) and (is_product_word(head[-1]) or is_product_word(singular(head[-1])))


def has_shopping_object(text: str) -> bool:
    """Something to buy, look at or pay for: a pointer ("it", "the first one"), a product
    noun, a size, colour, cart or money word."""
    if _OBJECT.search(text):
        return True
    return any(is_product_word(w) for w in words(text.lower()))
