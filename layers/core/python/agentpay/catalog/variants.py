"""A product's variants: which ones a cart line's size and colour mean, their stock, and
the unit price the line is sold at.

Why here: a variant may carry its own price (the 512 GB phone costs more than the 128 GB
one). The cart, the quote and every provider's checkout must charge the same number for
the same line, so they all ask this module, never ``product["price_minor"]`` directly.
"""

from __future__ import annotations

from typing import Any


def _same(value: Any, wanted: str) -> bool:
    return str(value).lower() == wanted.lower()


def matching(product: dict, size: str | None, color: str | None) -> list[dict]:
    """The variants a line with this size and colour could be."""
    out = []
    for v in product.get("variants") or []:
        # a variant without a size or colour fits any: the product has only the other option
        if size and v.get("size") and not _same(v["size"], size):
            continue
        if color and v.get("color") and not _same(v["color"], color):
            continue
        out.append(v)
    return out


def stock(product: dict, size: str | None, color: str | None) -> int | None:
    """Stock of the matching variants; None when the product has no variants."""
    if not product.get("variants"):
        return None
    return sum(int(v.get("stock", 0) or 0) for v in matching(product, size, color))


def own_price(product: dict, variant: dict | None) -> int:
    """A variant's price, or the product's when the variant has none of its own."""
    if variant is not None and variant.get("price") is not None:
        return int(variant["price"])
    return int(product["price_minor"])


def unit_price_minor(product: dict, size: str | None, color: str | None) -> int:
    """What one unit of a line with this size and colour costs.

    The variant naming the line's options is the one bought (a line in "M" and "Navy"
    is the M/Navy variant, not a colour-only "Navy" one). Should the line still mean
    several variants at different prices, it is charged the highest of them: an
    unspecified option never sells the dearer variant at the cheaper one's price.
    """
    candidates = matching(product, size, color)
    if not candidates:
        return int(product["price_minor"])

    def named(v: dict) -> int:
        return int(bool(size and v.get("size"))) + int(bool(color and v.get("color")))

    best = max(named(v) for v in candidates)
    return max(own_price(product, v) for v in candidates if named(v) == best)


def priced(product: dict) -> list[dict]:
    """Variants priced apart from the product: size, colour and price, in catalog order."""
    base = int(product["price_minor"])
    return [{"size": v.get("size"), "color": v.get("color"), "price_minor": own_price(product, v)}
            for v in product.get("variants") or []
            if v.get("price") is not None and int(v["price"]) != base]
