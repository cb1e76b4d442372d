"""Check a model's reply against the turn's facts: no price, discount or link it was not given.

Why: the prompt tells the model to quote only tool results, but a model can still
hallucinate "$19.99" or a coupon link, or repeat one it read in a product description or
in the shopper's own ``customer`` data. A reply may quote only structured values the
server produced: product prices (variant and compare-at prices too), cart line and total
amounts, the current offer's percent and amounts, quote and checkout totals, product
URLs and the checkout URL, and what the store's help articles say (their passages).
Any other amount, percentage or URL sends the grounded offline reply instead; a number
that merely occurs somewhere (a stock count of 20) is not a "20% off".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from agentpay.kit.money import exponent

# A number is read whole, in linear time whatever the digits around it: the run of digit
# groups joined by single commas or dots ("1,299.00", "9321,000", "1.2.3"), atomic (never
# re-read shorter: nothing that may follow one starts with a digit, a comma or a dot) and
# never started inside another run, as understanding.entities reads numbers. Retrying
# every start and every length is what made a model's reply of 4,000 digits take 1.8 s
# (an amount with a currency code) and 0.8 s (a percentage) to check.
# Only a well-formed run is a value; any other ("9321,000 USD", "1,2345 dollars") is no
# amount the turn's facts can hold, so it is refused, where reading a part of it
# ("321,000", or "000": zero, which a fact like "discount_minor": 0 would let pass) could
# have let it through.
_RUN = r"(?<!\d)(?<!\d[.,])(?>\d+(?:[.,]\d+)*)"
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
UNREADABLE = -1  # an amount or percentage written so that it has no one value

_SYMBOL_AMOUNT = re.compile(rf"(?P<sym>US\$|CA\$|A\$|[$€£¥₹])\s?(?P<num>{_RUN})")
_CODE_AMOUNT = re.compile(
    rf"(?P<num>{_RUN})\s?(?P<code>USD|EUR|GBP|JPY|CAD|AUD|CHF|dollars?|euros?|pounds?)\b",
    re.IGNORECASE)
_PERCENT = re.compile(rf"(?P<num>{_RUN})\s?(?:%|percent\b)", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>()\"']+")


def _minor(num: str, currency: str = "USD") -> int:
    # Decimal, not float: a run of 400 digits is infinity as a float, which has no integer
    if not _AMOUNT.fullmatch(num):
        return UNREADABLE
    return round(Decimal(num.replace(",", "")).scaleb(exponent(currency)))


def amounts_in(text: str) -> set[int]:
    """Amounts in minor units (``UNREADABLE`` for a malformed one)."""
    found = {_minor(m.group("num")) for m in _SYMBOL_AMOUNT.finditer(text)}
    found |= {_minor(m.group("num")) for m in _CODE_AMOUNT.finditer(text)}
    return found


def percents_in(text: str) -> set[float]:
    """Percentages (``UNREADABLE`` for a malformed one)."""
    return {float(num) if _DECIMAL.fullmatch(num) else float(UNREADABLE)
            for num in (m.group("num") for m in _PERCENT.finditer(text))}


def urls_in(text: str) -> set[str]:
    return {u.rstrip(".,;:!?") for u in _URL.findall(text)}


# Money the server computed, in minor units, and the same amounts as it formatted them.
_AMOUNT_KEYS = frozenset({"price_minor", "unit_price_minor", "compare_at_minor",
                          "base_total_minor", "subtotal_minor", "discount_minor",
                          "total_minor", "difference_minor"})
_FORMATTED_KEYS = frozenset({"price", "compare_at", "base_total", "subtotal", "discount",
                             "total", "difference"})
_PERCENT_KEYS = frozenset({"percent", "discount_percent"})
_URL_KEYS = frozenset({"url", "image_url"})
# Passages of the store's own help articles (search_knowledge): the store's word on its
# policies, so a reply may quote their amounts, percentages and links ("free shipping over
# $75"), and nothing they lack.
_PASSAGE_KEYS = frozenset({"passage", "excerpt"})
# Free text and what the shopper sent: whatever it contains is no fact a reply may quote.
_SKIP = frozenset({"customer", "action", "description", "attributes", "error",
                   "hesitation_signals"})


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _collect(value: Any, currency: str, out: tuple[set[int], set[float], set[str]]) -> None:
    amounts, percents, urls = out
    if isinstance(value, list):
        for item in value:
            _collect(item, currency, out)
        return
    if not isinstance(value, dict):
        return
    if isinstance(value.get("currency"), str) and len(value["currency"]) == 3:
        currency = value["currency"]
    # a reply reads "¥1,000" as 100000 (two decimals); scale zero-decimal amounts alike
    scale = 10 ** (2 - exponent(currency))
    for key, item in value.items():
        if key in _SKIP:
            continue
        if key in _AMOUNT_KEYS and _number(item):
            amounts.add(int(item) * scale)
        elif key in _FORMATTED_KEYS and isinstance(item, str):
            amounts |= amounts_in(item)
        elif key in _PERCENT_KEYS and _number(item):
            percents.add(float(item))
        elif key in _URL_KEYS and isinstance(item, str):
            urls |= urls_in(item)
        elif key in _PASSAGE_KEYS and isinstance(item, str):
            amounts |= amounts_in(item)
            percents |= percents_in(item)
            urls |= urls_in(item)
        else:
            _collect(item, currency, out)
    # a cart line's total: "2 × Trail Shoe — $258.00"
    if _number(value.get("unit_price_minor")) and _number(value.get("quantity")):
        amounts.add(int(value["unit_price_minor"]) * int(value["quantity"]) * scale)


def allowed_facts(facts: Any) -> tuple[set[int], set[float], set[str]]:
    """Amounts (minor units, as a reply is read), percentages and URLs a reply may quote:
    only the structured values among the turn's facts, never free text."""
    out: tuple[set[int], set[float], set[str]] = (set(), set(), set())
    _collect(facts, "USD", out)
    out[0].discard(UNREADABLE)  # a malformed value among the facts allows nothing
    out[1].discard(float(UNREADABLE))
    return out


def check(reply: str, facts: Any, shopper_text: str = "") -> str | None:
    """None when the reply is grounded, else the reason it is not.

    An amount the shopper typed ("under $90", "I was quoted $10") is not a fact: a model
    repeating it could pass it off as a price, so a reply that echoes it is refused.
    """
    return _refusal(reply, allowed_facts(facts))


def _refusal(text: str, allowed: tuple[set[int], set[float], set[str]]) -> str | None:
    amounts, percents, urls = allowed
    for amount in amounts_in(text):
        if amount == UNREADABLE:
            return "unreadable amount"
        if amount not in amounts:
            return f"unknown amount {amount}"
    for pct in percents_in(text):
        if pct == UNREADABLE:
            return "unreadable percentage"
        if pct not in percents:
            return f"unknown percentage {pct:g}"
    for url in urls_in(text):
        if url not in urls and not any(u.startswith(url) for u in urls):
            return "unknown link"
    return None


# Where streamed text may be cut: a whitespace after anything but a digit or a currency
# symbol. An amount, a percentage or a link spans a space only there ("$ 20", "20 USD",
# "20 %"), so text up to such a cut holds whole values only and is checked as it will read.
_CUT = re.compile(r"(?<![\d$€£¥₹])\s")


class StreamGate:
    """A streamed reply, sent to the shopper piece by piece, each piece checked first.

    A model's text is held until a point no amount, percentage or link can straddle; the
    text up to there is checked against the turn's facts like a whole reply, then sent.
    The first piece the guard refuses stops the stream: it and all after it are never
    sent (the caller checks the whole reply at the end, as before, and sends the offline
    reply instead). Words reach the shopper as fast as before, less the one being written.
    """

    def __init__(self, facts: Any, send: Callable[[str], None]) -> None:
        self._allowed = allowed_facts(facts)
        self._send = send
        self._held = ""
        self.refused: str | None = None
        self.sent = False

    def feed(self, piece: str) -> None:
        if self.refused is not None:
            return
        start = len(self._held)  # what was held before has no cut: look after it
        self._held += piece
        cut = max((m.end() for m in _CUT.finditer(self._held, start)), default=0)
        if cut:
            self._release(self._held[:cut])
            self._held = self._held[cut:] if self.refused is None else ""

    def finish(self) -> None:
        """Send what is held: the end of a reply the caller has checked whole."""
        if self.refused is None and self._held:
            self._release(self._held)
        self._held = ""

    def reset(self) -> None:
        """The text so far is void (a tool round, another provider): start again."""
        self._held, self.refused, self.sent = "", None, False

    def _release(self, text: str) -> None:
        self.refused = _refusal(text, self._allowed)
        if self.refused is None:
            self._send(text)
            self.sent = True
