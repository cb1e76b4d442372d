"""The shopper's cart, held in the conversation's state and priced from the catalog.

Lines keep the catalog price seen when added for display: the price of the variant the
line's size and colour choose (see `agentpay.catalog.variants`), else the product's.
Checkout re-reads every price from the catalog the same way, so a stale or tampered line
can never lower what is charged.
"""

from __future__ import annotations

from typing import Any

from agentpay.catalog import variants

MAX_LINES = 25


class CartError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def lines(state: dict) -> list[dict]:
    return state.setdefault("cart", {"lines": []})["lines"]


def line_key(line: dict) -> tuple:
    return (line["product_id"], line.get("size"), line.get("color"))


def add(state: dict, product: dict, quantity: int, *, size: str | None, color: str | None,
        max_quantity: int) -> dict:
    """Add (or top up) a line, priced from its variant; returns the line."""
    if quantity < 1:
        raise CartError("invalid_quantity", "quantity must be at least 1")
    cart = lines(state)
    if cart and cart[0]["currency"] != product["currency"]:
        raise CartError("currency_mismatch", "the cart already holds items in another currency")
    unit = variants.unit_price_minor(product, size, color)
    new = {"product_id": str(product["id"]), "external_id": product["external_id"],
           "name": product["name"], "unit_price_minor": unit,
           "currency": product["currency"], "quantity": quantity, "size": size,
           "color": color, "url": product.get("url"), "image_url": product.get("image_url")}
    for line in cart:
        if line_key(line) == line_key(new):
            total = line["quantity"] + quantity
            if total > max_quantity:
                raise CartError("quantity_limit",
                                f"at most {max_quantity} of one item per order")
            line["quantity"] = total
            line["unit_price_minor"] = new["unit_price_minor"]
            return line
    if quantity > max_quantity:
        raise CartError("quantity_limit", f"at most {max_quantity} of one item per order")
    if len(cart) >= MAX_LINES:
        raise CartError("cart_full", f"a cart holds at most {MAX_LINES} different items")
    cart.append(new)
    return new


def remove(state: dict, external_id: str, quantity: int | None = None, *,
           size: str | None = None, color: str | None = None) -> dict | None:
    """Remove a product's line (or ``quantity`` of it), the one in ``size``/``color`` when
    the product is in the cart in several; returns the removed line."""
    cart = lines(state)
    for i, line in enumerate(cart):
        if line["external_id"] == external_id and \
                (size is None or str(line.get("size") or "").lower() == size.lower()) and \
                (color is None or str(line.get("color") or "").lower() == color.lower()):
            if quantity is not None and quantity < line["quantity"]:
                line["quantity"] -= quantity
                return {**line, "quantity": quantity}
            return cart.pop(i)
    return None


def subtotal(cart_lines: list[dict]) -> int:
    return sum(int(line["unit_price_minor"]) * int(line["quantity"]) for line in cart_lines)


def currency(cart_lines: list[dict], default: str = "USD") -> str:
    return cart_lines[0]["currency"] if cart_lines else default


def summary(state: dict) -> dict[str, Any]:
    cart = lines(state)
    return {"lines": [dict(line) for line in cart], "subtotal_minor": subtotal(cart),
            "currency": currency(cart), "item_count": sum(li["quantity"] for li in cart)}
