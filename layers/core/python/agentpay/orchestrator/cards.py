"""A reply's text for a client that shows the reply's products as cards.

The stored reply (the HTTP API's ``reply.content``, the history a model reads) lists the
products it shows, one a line, so that a client without cards loses nothing. A client
with cards (the chat widget) shows ``text_with_cards`` instead: the same reply without the
lines its cards repeat, so the shopper reads what was searched and how many matched, and
sees each product once.

A listing line is a numbered or bulleted line that names a shown product or quotes its
price: the offline responder writes "1. Name — $79.95 · sizes 8, 9", a model "- **Name**
($79.95)". Nothing else is taken out.
"""

from __future__ import annotations

import re

# The tools whose result a reply shows as cards: a list ("products", its ids recorded as
# "external_ids") or one product ("product", its id as "external_id").
LIST_TOOLS = frozenset({"search_products", "compare_products"})
ONE_TOOL = "product_details"

_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s+")
_MARKUP = re.compile(r"[*_`]")


def _mentions(line: str, product: dict) -> bool:
    text = _MARKUP.sub("", line).casefold()
    name = str(product.get("name") or "").casefold()
    if name and (name in text or name[:24] in text):
        return True
    price = product.get("price")
    return bool(price) and str(price) in text


def text_with_cards(text: str, products: list[dict]) -> str:
    """``text`` without the listing lines of ``products`` (``text`` itself when it has none).

    The line that introduced the list ("Here's what I found: running shoe (5 shown):")
    ends with a full stop instead of the colon."""
    if not products or not text:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    dropped = False
    for line in lines:
        if _ITEM.match(line) and any(_mentions(line, p) for p in products):
            if kept and kept[-1].rstrip().endswith(":"):
                kept[-1] = kept[-1].rstrip()[:-1].rstrip() + "."
            dropped = True
            continue
        kept.append(line)
    if not dropped:
        return text
    out = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def shown_ids(tool_records: list) -> list[str]:
    """The products a reply shows as cards, from its tool records: the last tool result
    that listed products (with the lists it was looked up beside) or gave one. Live
    (``TurnOutcome.products``) and replayed (a reloaded widget) alike."""
    records = [r for r in tool_records or [] if isinstance(r, dict)]
    for i in range(len(records) - 1, -1, -1):
        found = _listed(records[i])
        if found is not None:
            # lists looked up beside the ones before them ("append": two products named)
            while i > 0 and (records[i].get("arguments") or {}).get("append"):
                i -= 1
                before = _listed(records[i])
                if before is None:
                    break
                found = before + found
            return list(dict.fromkeys(found))
        if records[i].get("ok") and records[i].get("name") == ONE_TOOL \
                and isinstance((records[i].get("result") or {}).get("external_id"), str):
            return [records[i]["result"]["external_id"]]
    return []


def _listed(record: dict) -> list[str] | None:
    """The ids a tool record listed (None: it listed none)."""
    result = record.get("result")
    if not record.get("ok") or record.get("name") not in LIST_TOOLS \
            or not isinstance(result, dict) or not isinstance(result.get("external_ids"), list):
        return None
    return [i for i in result["external_ids"] if isinstance(i, str)]
