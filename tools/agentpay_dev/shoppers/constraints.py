"""Does a product, or a cart line, satisfy a task's `match`?

Products are the catalog's own records (`GET /v1/agent/products`): `price` in minor
units, `attributes` (`product_type`, `gender`, ...), `variants` with `size`, `color` and
`stock`. Strings compare case-insensitively.

Stock: a product satisfies a constraint for buying (cart targets, voids, "the cheapest")
only through an in-stock variant in the asked size and colour; `stock=False` asks only
whether the product is sold that way (`shown_matches` is about relevance).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from agentpay_dev.shoppers.tasks import Match
from agentpay_dev.shoppers.vocabulary import colour_fits, norm, size_key

Product = dict[str, Any]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _one_of(value: Any, wanted: Any) -> bool:
    return norm(value) in {norm(w) for w in _as_list(wanted)}


def product_text(product: Product) -> str:
    """Name, description and the attributes that hold: `waterproof` for a true flag,
    `flavor Grain-Free Turkey` for a value; a false or empty one is left out."""
    held = []
    for key, value in (product.get("attributes") or {}).items():
        if value in (None, False, "", []):
            continue
        key = key.replace("_", " ")
        if value is True:
            held.append(key)
        elif isinstance(value, list):
            held.append(f"{key} {', '.join(str(v) for v in value)}")
        else:
            held.append(f"{key} {value}")
    return " ".join([product.get("name") or "", product.get("description") or "",
                     "; ".join(held)])


def _same_value(have: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return have is want
    if isinstance(want, int | float) and isinstance(have, int | float):
        return float(have) == float(want)
    if isinstance(want, str) and isinstance(have, str):
        return norm(have) == norm(want)
    return have == want


def fits_product(product: Product, match: Match) -> bool:
    """Everything but size, colour and stock: active, category, type, brand, gender,
    regexes, attributes and the price bounds."""
    if not product or not product.get("active", True):
        return False
    attrs = product.get("attributes") or {}
    price = product.get("price") or 0
    return all((
        match.category is None or _one_of(product.get("category"), match.category),
        match.product_type is None or _one_of(attrs.get("product_type"), match.product_type),
        match.brand is None or _one_of(product.get("brand"), match.brand),
        match.gender is None or _one_of(attrs.get("gender"), match.gender),
        match.name_regex is None or re.search(match.name_regex, product.get("name") or "",
                                              re.IGNORECASE) is not None,
        match.text_regex is None or re.search(match.text_regex, product_text(product),
                                              re.IGNORECASE) is not None,
        all(_same_value(attrs.get(k), v) for k, v in (match.attrs or {}).items()),
        match.min_price_minor is None or price >= match.min_price_minor,
        match.max_price_minor is None or price <= match.max_price_minor,
    ))


def variants(product: Product, *, in_stock: bool) -> list[dict]:
    """The product's variants (in stock only, with `in_stock`). A product without
    variants is one variant per listed colour and size, in stock as the product is."""
    listed = product.get("variants") or []
    if not listed:
        attrs = product.get("attributes") or {}
        if in_stock and not product.get("in_stock", True):
            return []
        return [{"color": c, "size": s, "stock": 1}
                for c in (attrs.get("colors") or [None]) for s in (attrs.get("sizes") or [None])]
    if in_stock:
        if not product.get("in_stock", True):
            return []
        return [v for v in listed if v.get("stock") is None or v["stock"] > 0]
    return listed


def size_fits(have: Any, want: Any) -> bool:
    """A size label answers a wanted size (or list): `M` = `medium`, `13 in.` = `13 in`."""
    return have is not None and size_key(have) in {size_key(w) for w in _as_list(want)}


def _variant_fits(variant: dict, match: Match) -> bool:
    return ((match.size is None or size_fits(variant.get("size"), match.size))
            and (match.color is None or colour_fits(variant.get("color"), match.color)))


def product_matches(product: Product, match: Match, *, stock: bool) -> bool:
    """The product satisfies `match`, sold (in stock, with `stock`) in its size and
    colour through one variant."""
    return fits_product(product, match) and any(
        _variant_fits(v, match) for v in variants(product, in_stock=stock))


def candidates(products: Iterable[Product], match: Match) -> list[Product]:
    """The products one could buy for `match`: active, in stock in its size and colour."""
    return [p for p in products if product_matches(p, match, stock=True)]


def _only(values: Iterable[Any]) -> Any:
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else None


def line_size(line: dict, product: Product | None) -> str | None:
    """The line's size, or a single-size product's only size."""
    if line.get("size"):
        return line["size"]
    return _only(v.get("size") for v in variants(product or {}, in_stock=False))


def line_colour(line: dict, product: Product | None) -> str | None:
    """The line's colour, or a single-colour product's colour."""
    if line.get("color"):
        return line["color"]
    return _only(v.get("color") for v in variants(product or {}, in_stock=False))


def line_matches(line: dict, product: Product | None, match: Match) -> bool:
    """A cart line satisfies `match`: its product does, and the line's own size and
    colour do (what was bought, not what else the product comes in)."""
    if product is None or not fits_product(product, match):
        return False
    if match.size is not None and not size_fits(line_size(line, product), match.size):
        return False
    return match.color is None or colour_fits(line_colour(line, product), match.color)
