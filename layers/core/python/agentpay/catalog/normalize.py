"""From a validated product to its stored row: derived stock, filter values, hashes."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from agentpay.catalog.schemas import ProductIn
from agentpay.understanding.lexicon import colour_families, colour_key

_ATTRIBUTE_WORD_KEYS = ("colors", "colours", "color", "colour", "sizes", "size", "material",
                        "materials", "style", "pattern", "gender", "model", "model_number")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    if isinstance(value, str | int | float):
        return [str(value)]
    return []


def _clean(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip().lower()
        if value and len(value) <= 100:
            seen.setdefault(value, None)
    return list(seen)


def name_colour(name: str) -> str | None:
    """The colour a listing names last ("Emberlight Down Jacket – Men's, Charcoal",
    "Tool Only, Black (TQD860B)"): many catalogs say a product's colour only there."""
    if "," not in name:
        return None
    tail = re.sub(r"\([^)]{0,40}\)", " ", name.rsplit(",", 1)[1]).strip()
    key = colour_key(tail)
    table = colour_families()
    parts = key.split()
    if key in table or (parts and len(parts) <= 3 and parts[-1] in table):
        return tail
    return None


def product_row(product: ProductIn) -> dict[str, Any]:
    attrs = product.attributes
    variants = [v.model_dump(exclude_none=True) for v in product.variants]
    colors = _clean(
        _as_list(attrs.get("colors")) + _as_list(attrs.get("colours"))
        + _as_list(attrs.get("color")) + _as_list(attrs.get("colour"))
        + [v["color"] for v in variants if v.get("color")]
    )
    if not colors and (named := name_colour(product.name)):
        colors = _clean([named])
    sizes = _clean(
        _as_list(attrs.get("sizes")) + _as_list(attrs.get("size"))
        + [v["size"] for v in variants if v.get("size")]
    )
    if product.stock is not None:
        in_stock = product.stock > 0
    elif variants:
        in_stock = any(v.get("stock", 0) > 0 for v in variants)
    else:
        in_stock = True
    words: list[str] = []
    for key in _ATTRIBUTE_WORD_KEYS:
        words += _as_list(attrs.get(key))
    # and every colour and size its variants come in: a shopper's "1/4 inch cobalt drill
    # bit" is the cobalt bit sold in 1/4 in., not only a product that says 1/4 in. in its
    # name
    words += colors + sizes
    row = {
        "external_id": product.external_id,
        "name": product.name,
        "description": product.description,
        "price_minor": product.price,
        "currency": product.currency,
        "compare_at_minor": product.compare_at_price,
        "category": product.category,
        "brand": product.brand,
        "attributes": attrs,
        "variants": variants,
        "image_url": product.image_url,
        "url": product.url,
        "active": product.active,
        "in_stock": in_stock,
        "colors": colors,
        "sizes": sizes,
        "attribute_text": " ".join(dict.fromkeys(w.strip() for w in words if w.strip()))[:2000],
    }
    row["content_hash"] = content_hash(row)
    return row


def content_hash(row: dict[str, Any]) -> str:
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
