"""Check a model's reply against the turn's facts: no price or link it was not given.

Why: the prompt tells the model to quote only tool results, but a model can still
hallucinate "$19.99" or a coupon link. Any amount or URL in the reply that is not in
this turn's tool results or the server's state sends the grounded offline reply instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agentpay.kit.money import exponent

_SYMBOL_AMOUNT = re.compile(
    r"(?P<sym>US\$|CA\$|A\$|[$€£¥₹])\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
_CODE_AMOUNT = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?P<code>USD|EUR|GBP|JPY|CAD|AUD|"
    r"CHF|dollars?|euros?|pounds?)\b", re.IGNORECASE)
_PERCENT = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s?(?:%|percent\b)", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>()\"']+")


def _minor(num: str, currency: str = "USD") -> int:
    value = float(num.replace(",", ""))
    return round(value * 10 ** exponent(currency))


def amounts_in(text: str) -> set[int]:
    found = {_minor(m.group("num")) for m in _SYMBOL_AMOUNT.finditer(text)}
    found |= {_minor(m.group("num")) for m in _CODE_AMOUNT.finditer(text)}
    return found


def percents_in(text: str) -> set[float]:
    return {float(m.group("num")) for m in _PERCENT.finditer(text)}


def urls_in(text: str) -> set[str]:
    return {u.rstrip(".,;:!?") for u in _URL.findall(text)}


def _walk(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _walk(v, out)
    elif isinstance(value, list):
        for v in value:
            _walk(v, out)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        out.append(str(value))


def allowed_facts(facts: Any) -> tuple[set[int], set[float], set[str]]:
    """Amounts (minor units), percentages and URLs present in the turn's facts."""
    strings: list[str] = []
    _walk(facts, strings)
    blob = "\n".join(strings)
    amounts = amounts_in(blob)
    if isinstance(facts, (dict, list)):
        raw = json.dumps(facts, default=str)
        for m in re.finditer(r'"(?:[a-z_]*_minor|price_min|price_max)":\s*(\d+)', raw):
            amounts.add(int(m.group(1)))
    percents = percents_in(blob) | {float(s) for s in strings if _is_number(s)}
    return amounts, percents, urls_in(blob)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def check(reply: str, facts: Any, shopper_text: str = "") -> str | None:
    """None when the reply is grounded, else the reason it is not.

    Amounts the shopper typed may be echoed back ("you asked about $90") only when the
    facts also contain them; a model repeating a shopper's price as its own is a breach.
    """
    amounts, percents, urls = allowed_facts(facts)
    for amount in amounts_in(reply):
        if amount not in amounts:
            return f"unknown amount {amount}"
    for pct in percents_in(reply):
        if pct not in percents:
            return f"unknown percentage {pct:g}"
    for url in urls_in(reply):
        if url not in urls and not any(u.startswith(url) for u in urls):
            return "unknown link"
    return None
