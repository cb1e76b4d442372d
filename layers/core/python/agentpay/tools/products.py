"""How products appear to the shopper and to a model: compact, priced, from the catalog."""

from __future__ import annotations

from typing import Any

from agentpay.catalog import variants as variants_
from agentpay.kit.money import format_money
from agentpay.understanding import measures

MAX_VARIANT_PRICES = 20


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
    was = product.get("compare_at_minor")
    if was is not None and int(was) > out["price_minor"]:  # on sale: the price it was
        out["compare_at_minor"] = int(was)
        out["compare_at"] = format_money(int(was), product["currency"])
    attrs = product.get("attributes") or {}
    for key in ("product_type", "material", "gender"):
        if isinstance(attrs.get(key), str):
            out[key] = attrs[key]
    figures = measures.specs(product)
    if figures:  # "which one is the warmest?" is answered from the list on screen
        out["specs"] = dict(list(figures.items())[:8])
    # what can be bought now: [size, colour] of each variant in stock (for "the cheaper one
    # in white" and for "any colour" without reading the product again)
    variants = product.get("variants") or []
    if variants:
        out["available"] = [[v.get("size"), v.get("color")] for v in variants
                            if int(v.get("stock", 0) or 0) > 0][:40]
    # variants sold at their own price ("512 GB": $1,199.00): a reply quotes these, never
    # the product's price, for that size or colour
    priced = variants_.priced(product)[:MAX_VARIANT_PRICES]
    if priced:
        out["variant_prices"] = [
            {**v, "price": format_money(v["price_minor"], product["currency"])} for v in priced]
    compare_at = product.get("compare_at_minor")
    if compare_at and int(compare_at) > out["price_minor"]:
        out["compare_at"] = format_money(int(compare_at), product["currency"])
    return out


def details(product: dict[str, Any]) -> dict[str, Any]:
    out = summary(product)
    out["description"] = (product.get("description") or "")[:1500]
    attrs = product.get("attributes") or {}
    out["attributes"] = {k: v for k, v in attrs.items() if k not in ("colors", "sizes")}
    out["variants"] = [_variant(product, v) for v in (product.get("variants") or [])][:50]
    return out


def _variant(product: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    """Size, colour, stock, and the variant's price when it is not the product's."""
    out = {k: v.get(k) for k in ("size", "color", "stock") if v.get(k) is not None}
    price = variants_.own_price(product, v)
    if price != int(product["price_minor"]):
        out["price_minor"] = price
        out["price"] = format_money(price, product["currency"])
    return out


def variant_price_text(p: dict[str, Any], limit: int = 4) -> str:
    """"128 GB $999.00, 512 GB $1,199.00" for a summary's variants priced apart ("" if none)."""
    priced = p.get("variant_prices") or []
    if not priced:
        return ""
    rows = [" ".join(str(x) for x in (v.get("size"), v.get("color")) if x) + f" {v['price']}"
            for v in priced[:limit]]
    return ", ".join(r.strip() for r in rows) + ("…" if len(priced) > limit else "")
