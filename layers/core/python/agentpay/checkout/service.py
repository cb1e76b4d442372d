"""Build a checkout from the server's cart and recorded offer only.

Every price is re-read from the catalog here, stock is re-checked, and the discount is
the conversation's recorded, unexpired offer re-checked against the agent's current
rules. Nothing a shopper or a model wrote reaches these numbers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from agentpay.catalog import repository as products
from agentpay.checkout.links import sign
from agentpay.checkout.secret import signing_secret
from agentpay.config import Settings
from agentpay.orchestrator import negotiation
from agentpay.orchestrator.negotiation import NegotiationRules


class CheckoutRefused(ValueError):
    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details


@dataclass
class Checkout:
    id: str
    url: str
    token: str
    lines: list[dict]
    subtotal_minor: int
    discount_minor: int
    discount_percent: float
    total_minor: int
    currency: str
    expires_at: str
    offer_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "token"}


def variant_stock(product: dict, size: str | None, color: str | None) -> int | None:
    """Stock of the matching variant; None when the product has no variants."""
    variants = product.get("variants") or []
    if not variants:
        return None
    total = 0
    for v in variants:
        # a variant without a size or colour fits any: the product has only the other option
        if size and v.get("size") and str(v["size"]).lower() != size.lower():
            continue
        if color and v.get("color") and str(v["color"]).lower() != color.lower():
            continue
        total += int(v.get("stock", 0) or 0)
    return total


def build_checkout(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                   state: dict, history: list[dict], rules: NegotiationRules,
                   settings: Settings, now: datetime) -> Checkout:
    cart_lines = (state.get("cart") or {}).get("lines") or []
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
        lines.append({"external_id": product["external_id"], "name": product["name"],
                      "quantity": quantity, "unit_price_minor": int(product["price_minor"]),
                      "size": line.get("size"), "color": line.get("color"),
                      "currency": product["currency"]})
    if problems:
        raise CheckoutRefused("cart_unavailable", "some items can no longer be bought",
                              problems)
    currencies = {line["currency"] for line in lines}
    if len(currencies) != 1:
        raise CheckoutRefused("currency_mismatch", "the cart mixes currencies")
    currency = currencies.pop()
    subtotal = sum(li["unit_price_minor"] * li["quantity"] for li in lines)
    offer = negotiation.active_offer(history, now)
    if offer is not None and offer.get("currency") != currency:
        offer = None
    discount, percent = negotiation.apply_offer(rules, offer, subtotal, now)
    total = subtotal - discount
    floor = subtotal * (rules.min_price_floor_percent or 0) / 100
    if total < floor or total < 0:  # unreachable by construction; refuse rather than trust
        raise CheckoutRefused("below_floor", "the price would fall below the store's floor")
    checkout_id = f"chk_{uuid.uuid4().hex[:20]}"
    expires = now + timedelta(minutes=settings.checkout_ttl_minutes)
    payload = {
        "v": 1, "id": checkout_id, "organization_id": str(organization_id),
        "conversation_id": str(conversation_id), "lines": lines,
        "subtotal_minor": subtotal, "discount_minor": discount, "discount_percent": percent,
        "offer_id": offer["id"] if offer and discount else None, "total_minor": total,
        "currency": currency, "issued_at": now.isoformat(), "expires_at": expires.isoformat(),
    }
    token = sign(payload, signing_secret(settings))
    url = f"{settings.public_base_url.rstrip('/')}/checkout/{token}"
    return Checkout(id=checkout_id, url=url, token=token, lines=lines, subtotal_minor=subtotal,
                    discount_minor=discount, discount_percent=percent, total_minor=total,
                    currency=currency, expires_at=payload["expires_at"],
                    offer_id=payload["offer_id"])
