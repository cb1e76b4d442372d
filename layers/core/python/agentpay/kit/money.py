"""Money in integer minor units: formatting and the arithmetic discounts need.

Why integers: a float cent is how shops lose money; every amount here is an ``int`` of
the currency's minor unit, and rounding always favours the store (discounts round down).
"""

from __future__ import annotations

import math
from fractions import Fraction

_ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                           "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$",
            "CHF": "CHF ", "INR": "₹", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK "}


def exponent(currency: str) -> int:
    return 0 if currency.upper() in _ZERO_DECIMAL else 2


def to_minor(amount: float, currency: str) -> int:
    """A shopper's "$89.99" as minor units (rounded to the nearest unit)."""
    return round(amount * 10 ** exponent(currency))


def format_money(minor: int, currency: str) -> str:
    """``12900, "USD"`` -> ``$129.00``; unknown currencies print their code."""
    code = currency.upper()
    places = exponent(code)
    sign = "-" if minor < 0 else ""
    value = abs(int(minor))
    if places:
        whole, frac = divmod(value, 10 ** places)
        text = f"{whole:,}.{frac:0{places}d}"
    else:
        text = f"{value:,}"
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code}"


def percent_of(minor: int, percent: float) -> int:
    """``percent`` % of an amount, rounded down: a discount never exceeds what was granted."""
    if minor <= 0 or percent <= 0:
        return 0
    # integer arithmetic on whole hundredths of a percent avoids float drift; the percent
    # is read as written (0.29 is 29 hundredths, not 28.999...) and rounded down, so
    # 1.375 % is 137 hundredths, never 138
    basis = math.floor(Fraction(repr(float(percent))) * 100)
    return (minor * basis) // 10_000
