"""A shopper's search phrase split into words to match and structured filters.

"running shoes under $150" searches for "running shoes" with price_max 15000: the price
is a filter applied in SQL, not words to rank on. Used by the conversation engine (which
also drops references and quantities) and by `agentpay search`.
"""

from __future__ import annotations

import re
from typing import Any

from agentpay.catalog.search_repository import Filters
from agentpay.kit.money import to_minor

_FILLER = re.compile(
    r"\b(?:hi|hello|hey|please|pls|thanks|thank you|i(?:'m| am)? (?:looking|searching|shopping)"
    r" for|i (?:need|want|would like|'d like)|looking for|searching for|show me|do you (?:have|"
    r"sell|carry|stock)|have you got|can you (?:find|show|recommend)(?: me)?|find me|"
    r"i'm after|some|any|a pair of|got any)\b", re.IGNORECASE)
# At most six price words before the price ("for no more than"): unbounded, each of
# "under under under … x $5" was read from every one of its words, quadratic.
_PRICE_PHRASE = re.compile(
    r"(?:\b(?:for\s+)?(?:under|below|less than|cheaper than|over|above|more than|at least|"
    r"at most|up to|no more than|max(?:imum)?|min(?:imum)?|around|about|between|from|"
    r"budget(?: of| is)?|within|priced at|costing)\s+){0,6}\x00"
    r"(?:\s*(?:and|to|-)\s*\x00)?\s*(?:euros?\b|dollars?\b|bucks\b|pounds?\b|usd\b|eur\b|"
    r"gbp\b)?", re.IGNORECASE)


PRICE_KINDS = ("price_min", "price_max", "amount")
CONVERSATION_KINDS = PRICE_KINDS + ("quantity", "order_id", "reference")


def search_query(text: str, entities: list[dict],
                 drop: tuple[str, ...] = CONVERSATION_KINDS) -> str:
    """The shopper's words minus prices (with "under", "between ... and"), polite filler,
    and the other entity kinds in ``drop`` (quantities, ids, references in a chat)."""
    spans = sorted((e["start"], e["end"]) for e in entities if e.get("type") in drop)
    kept, pos = [], 0
    for start, end in spans:
        if start >= pos:
            kept.append(text[pos:start])
            kept.append("\x00")
            pos = end
    kept.append(text[pos:])
    query = "".join(kept)
    query = re.sub(r"(?:US\$|CA\$|A\$|[$€£¥₹])\s*(?=\x00)", "", query)
    if "\x00" in query:  # the placeholder every price phrase ends on
        query = _PRICE_PHRASE.sub(" ", query).replace("\x00", " ")
    query = _FILLER.sub(" ", query)
    query = re.sub(r"(?:US\$|CA\$|A\$|[$€£¥₹])(?!\w)", " ", query)
    query = re.sub(r"[?!.,;:]+", " ", query)
    return " ".join(query.split())[:300]


def price_filters(entities: list[dict], currency: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("price_min", "price_max"):
        for e in (e for e in entities if e.get("type") == kind):
            cur = str(e.get("currency") or currency).upper()
            out[kind] = to_minor(float(e["value"]), cur)
            out["currency"] = cur
    if "price_min" in out and "price_max" in out and out["price_min"] > out["price_max"]:
        out["price_min"], out["price_max"] = out["price_max"], out["price_min"]
    return out


def parse_shopper_query(text: str, currency: str = "USD") -> tuple[str, Filters]:
    """(words to search, filters) for a free-text query with a price in it."""
    from agentpay.understanding.entities import extract_entities

    entities = extract_entities(text, {"currency": currency})
    if not any(e.get("type") in PRICE_KINDS for e in entities):
        return text, Filters()  # nothing to set aside: rank on the shopper's own words
    query = search_query(text, entities, PRICE_KINDS) or text
    prices = price_filters(entities, currency)
    return query, Filters(price_min=prices.get("price_min"), price_max=prices.get("price_max"),
                          currency=prices.get("currency"))
