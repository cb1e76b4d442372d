"""Price the server's cart from the catalog: the only source of a checkout's numbers.

Every price is re-read from the catalog here (a line's variant's price when it has one,
else the product's) and stock is re-checked; the discount is
added by the quote (see `agentpay.payments.quotes`) from the recorded offer only.
Nothing a shopper or a model wrote reaches these numbers.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from agentpay.catalog import repository as products
from agentpay.catalog import variants
from agentpay.orchestrator.negotiation import NegotiationRules


class CheckoutRefused(ValueError):
    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


def variant_stock(product: dict, size: str | None, color: str | None) -> int | None:
    """Stock of the matching variant; None when the product has no variants."""
    return variants.stock(product, size, color)


def price_cart(conn: psycopg.Connection, organization_id: UUID, cart_lines: list[dict],
               rules: NegotiationRules) -> tuple[list[dict], int, str]:
    """(lines at today's catalog prices, subtotal, currency), or CheckoutRefused."""
    if not cart_lines:
        raise CheckoutRefused("cart_empty", "the cart is empty")
    ids = list({UUID(line["product_id"]) for line in cart_lines})
    current = {str(p["id"]): p for p in products.get_many(conn, organization_id, ids)}
    lines: list[dict] = []
    problems: list[dict] = []
    for line in cart_lines:
        product = current.get(line["product_id"])
        if product is None or product.get("deleted_at") or not product["active"]:
            problems.append({"external_id": line["external_id"], "problem": "unavailable"})
            continue
        stock = variant_stock(product, line.get("size"), line.get("color"))
        if (stock is not None and stock < line["quantity"]) or not product["in_stock"]:
            problems.append({"external_id": line["external_id"], "problem": "out_of_stock"})
            continue
        quantity = int(line["quantity"])
        if not 1 <= quantity <= rules.max_quantity_per_line:
            problems.append({"external_id": line["external_id"], "problem": "quantity"})
            continue
        unit = variants.unit_price_minor(product, line.get("size"), line.get("color"))
        lines.append({"external_id": product["external_id"], "name": product["name"],
                      "quantity": quantity, "unit_price_minor": unit,
                      "size": line.get("size"), "color": line.get("color"),
                      "currency": product["currency"]})
    if problems:
        raise CheckoutRefused("cart_unavailable", "some items can no longer be bought",
                              problems)
    currencies = {line["currency"] for line in lines}
    if len(currencies) != 1:
        raise CheckoutRefused("currency_mismatch", "the cart mixes currencies")
    currency = currencies.pop()
    return lines, sum(li["unit_price_minor"] * li["quantity"] for li in lines), currency
