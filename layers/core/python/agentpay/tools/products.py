"""How products appear to the shopper and to a model: compact, priced, from the catalog."""

from __future__ import annotations

from typing import Any

from agentpay.kit.money import format_money


def summary(product: dict[str, Any]) -> dict[str, Any]:
    """The fields a reply may quote. Prices are the catalog's, formatted once here."""
    out = {
        "id": str(product["id"]),
        "external_id": product["external_id"],
        "name": product["name"],
        "price_minor": int(product["price_minor"]),
        "currency": product["currency"],
        "price": format_money(int(product["price_minor"]), product["currency"]),
        "brand": product.get("brand"),
        "category": product.get("category"),
        "colors": list(product.get("colors") or []),
        "sizes": list(product.get("sizes") or []),
        "in_stock": bool(product.get("in_stock", True)),
        "url": product.get("url"),
        "image_url": product.get("image_url"),
    }
    attrs = product.get("attributes") or {}
    for key in ("product_type", "material", "gender"):
        if isinstance(attrs.get(key), str):
            out[key] = attrs[key]
    # what can be bought now: [size, colour] of each variant in stock (for "the cheaper one
    # in white" and for "any colour" without reading the product again)
    variants = product.get("variants") or []
    if variants:
        out["available"] = [[v.get("size"), v.get("color")] for v in variants
                            if int(v.get("stock", 0) or 0) > 0][:40]
    compare_at = product.get("compare_at_minor")
    if compare_at and int(compare_at) > out["price_minor"]:
        out["compare_at"] = format_money(int(compare_at), product["currency"])
    return out


def details(product: dict[str, Any]) -> dict[str, Any]:
    out = summary(product)
    out["description"] = (product.get("description") or "")[:1500]
    attrs = product.get("attributes") or {}
    out["attributes"] = {k: v for k, v in attrs.items() if k not in ("colors", "sizes")}
    out["variants"] = [
        {k: v.get(k) for k in ("size", "color", "stock") if v.get(k) is not None}
        for v in (product.get("variants") or [])
    ][:50]
    return out
