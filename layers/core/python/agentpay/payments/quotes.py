"""Signed, expiring quotes: every price or discount a checkout uses is one of these.

A quote is built server-side from the cart at catalog prices and the conversation's
recorded offer, signed (HMAC over its canonical JSON), stored, and checked again before a
checkout is created from it: a tampered field, an expired quote or a cart that changed
since is refused with a clear code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from agentpay.checkout.secret import signing_secret
from agentpay.checkout.service import price_cart
from agentpay.config import Settings
from agentpay.kit.errors import AppError
from agentpay.orchestrator import negotiation
from agentpay.orchestrator.negotiation import NegotiationRules
from agentpay.payments import repository

QUOTE_TTL_MINUTES = 30
_SIGNED = ("id", "organization_id", "conversation_id", "agent_id", "currency", "lines",
           "subtotal_minor", "discount_minor", "discount_percent", "total_minor", "offer_id",
           "cart_hash", "expires_at")


class QuoteRefused(AppError):
    status_code = 409
    code = "quote_invalid"


def cart_hash(cart_lines: list[dict]) -> str:
    key = sorted((li["external_id"], li.get("size") or "", li.get("color") or "",
                  int(li["quantity"])) for li in cart_lines)
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def _canonical(quote: dict[str, Any]) -> bytes:
    def norm(key: str, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if key == "discount_percent":
            return f"{float(value):.2f}"
        if isinstance(value, UUID):
            return str(value)
        return value

    body = {k: norm(k, quote[k]) for k in _SIGNED}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign(quote: dict[str, Any], secret: bytes) -> str:
    return hmac.new(b"quote:v1:" + secret, _canonical(quote), hashlib.sha256).hexdigest()


def create_quote(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                 agent_id: UUID, cart_lines: list[dict], history: list[dict],
                 rules: NegotiationRules, settings: Settings, now: datetime) -> dict[str, Any]:
    """A signed quote of the cart, stored."""
    return repository.insert_quote(conn, build_quote(
        conn, organization_id, conversation_id, agent_id, cart_lines, history, rules,
        settings, now))


def build_quote(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                agent_id: UUID, cart_lines: list[dict], history: list[dict],
                rules: NegotiationRules, settings: Settings, now: datetime) -> dict[str, Any]:
    """A signed quote of the cart at catalog prices with the conversation's current offer,
    not yet stored (``repository.insert_quote``)."""
    lines, subtotal, currency = price_cart(conn, organization_id, cart_lines, rules)
    offer = negotiation.active_offer(history, now)
    if offer is not None and offer.get("currency") != currency:
        offer = None
    discount, percent = negotiation.apply_offer(rules, offer, subtotal, now)
    expires = now + timedelta(minutes=QUOTE_TTL_MINUTES)
    if offer is not None and discount:
        expires = min(expires, datetime.fromisoformat(offer["expires_at"]))
    quote = {
        "id": f"q_{uuid.uuid4().hex[:24]}", "organization_id": organization_id,
        "conversation_id": conversation_id, "agent_id": agent_id, "currency": currency,
        "lines": [{k: li[k] for k in ("external_id", "name", "quantity", "unit_price_minor",
                                      "size", "color")} for li in lines],
        "subtotal_minor": subtotal, "discount_minor": discount,
        "discount_percent": round(percent, 2), "total_minor": subtotal - discount,
        "offer_id": offer["id"] if offer is not None and discount else None,
        "cart_hash": cart_hash(cart_lines), "expires_at": expires,
    }
    floor = subtotal * (rules.min_price_floor_percent or 0) / 100
    if quote["total_minor"] < floor:  # unreachable by construction; refuse, never trust
        raise QuoteRefused("the price would fall below the store's floor", code="below_floor")
    quote["signature"] = sign(quote, signing_secret(settings))
    return quote


def check_quote(quote: dict[str, Any] | None, cart_lines: list[dict], settings: Settings,
                now: datetime) -> dict[str, Any]:
    """The quote, if it is authentic, unexpired and still matches the cart."""
    if quote is None:
        raise QuoteRefused("no such quote", code="quote_not_found")
    expected = sign(quote, signing_secret(settings))
    if not hmac.compare_digest(expected, str(quote["signature"])):
        raise QuoteRefused("the quote does not match its signature", code="quote_tampered")
    if quote["expires_at"] <= now:
        raise QuoteRefused("the quote has expired; ask for a new one", code="quote_expired")
    if quote["cart_hash"] != cart_hash(cart_lines):
        raise QuoteRefused("the cart changed since this quote", code="quote_cart_mismatch")
    if quote["total_minor"] != quote["subtotal_minor"] - quote["discount_minor"]:
        raise QuoteRefused("the quote does not add up", code="quote_tampered")
    return quote


def check_offer(quote: dict[str, Any], history: list[dict]) -> None:
    """A quote's discount must come from an offer the conversation recorded. A turn stores
    the quote that backs its offer before it saves the offer itself; if that turn then
    fails, its quote is left behind with an offer that was never made."""
    offer_id = quote.get("offer_id")
    if offer_id and not any(o.get("id") == offer_id for o in history):
        raise QuoteRefused("no such quote", code="quote_not_found")
