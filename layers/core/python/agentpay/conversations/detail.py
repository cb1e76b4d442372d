"""What a person reading a conversation sees besides its messages: the products the agent
showed (by name, price and picture, not by id), the cart, the offers made and the
checkout link, all of the conversation's own organization.

The transcript's messages record the product tools' ``external_ids`` only (see
``tools.registry.ToolResult.record``); ``products`` is the look-up table that turns them
into cards, read from the store's catalog now (a product deleted since is kept from the
conversation's own snapshot, marked unavailable). The caller owns the transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from agentpay.conversations import repository
from agentpay.kit.money import format_money
from agentpay.orchestrator import cart as cart_

# The tools whose arguments or results name products (search_knowledge names articles).
PRODUCT_TOOLS = frozenset({"search_products", "product_details", "compare_products",
                           "cart_add", "cart_remove"})
MAX_PRODUCTS = 200  # the most recent ones, for a very long conversation


def _ids_of_call(call: dict[str, Any]) -> list[str]:
    if not isinstance(call, dict) or call.get("name") not in PRODUCT_TOOLS:
        return []
    found: list[str] = []
    for part in (call.get("result"), call.get("arguments")):
        if not isinstance(part, dict):
            continue
        many = part.get("external_ids")
        if isinstance(many, list):
            found += [i for i in many if isinstance(i, str)]
        one = part.get("external_id")
        if isinstance(one, str):
            found.append(one)
    return found


def referenced_ids(tool_calls: list[list[Any]], context: dict[str, Any]) -> list[str]:
    """Every product the conversation named, oldest first, each once; at most the
    ``MAX_PRODUCTS`` most recent."""
    ids: list[str] = []
    for calls in tool_calls:
        for call in calls or []:
            ids += _ids_of_call(call)
    snapshots = [*(context.get("last_shown") or []), context.get("focus") or {},
                 *((context.get("cart") or {}).get("lines") or [])]
    ids += [p["external_id"] for p in snapshots
            if isinstance(p, dict) and isinstance(p.get("external_id"), str)]
    ordered = list(dict.fromkeys(reversed(ids)))[:MAX_PRODUCTS]
    return list(reversed(ordered))


def _card(row: dict[str, Any]) -> dict[str, Any]:
    return {"external_id": row["external_id"], "name": row["name"], "brand": row["brand"],
            "price_minor": int(row["price_minor"]), "currency": row["currency"],
            "price": format_money(int(row["price_minor"]), row["currency"]),
            "image_url": row["image_url"], "url": row["url"],
            "in_stock": bool(row["in_stock"]), "available": bool(row["available"])}


def _card_from_snapshot(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    """A product the catalog no longer has, as the conversation saw it."""
    try:
        price = int(snapshot.get("price_minor", snapshot.get("unit_price_minor")))
        currency = str(snapshot["currency"])
        return {"external_id": snapshot["external_id"], "name": str(snapshot["name"]),
                "brand": snapshot.get("brand"), "price_minor": price, "currency": currency,
                "price": format_money(price, currency), "image_url": snapshot.get("image_url"),
                "url": snapshot.get("url"), "in_stock": False, "available": False}
    except (KeyError, TypeError, ValueError):
        return None


def products(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
             context: dict[str, Any]) -> list[dict[str, Any]]:
    ids = referenced_ids(repository.product_tool_calls(conn, organization_id, conversation_id,
                                                       sorted(PRODUCT_TOOLS)), context)
    if not ids:
        return []
    rows = repository.products_by_external_ids(conn, organization_id, ids)
    snapshots = {p["external_id"]: p for p in [*(context.get("last_shown") or []),
                                               context.get("focus") or {},
                                               *((context.get("cart") or {}).get("lines")
                                                 or [])]
                 if isinstance(p, dict) and p.get("external_id")}
    out = []
    for external_id in ids:
        if external_id in rows:
            out.append(_card(rows[external_id]))
        elif external_id in snapshots and (card := _card_from_snapshot(
                snapshots[external_id])):
            out.append(card)
    return out


def cart(context: dict[str, Any]) -> dict[str, Any]:
    lines = [line for line in (context.get("cart") or {}).get("lines") or []
             if isinstance(line, dict)]
    out = []
    for line in lines:
        unit, quantity = int(line["unit_price_minor"]), int(line["quantity"])
        out.append({"external_id": line["external_id"], "name": line["name"],
                    "quantity": quantity, "size": line.get("size"),
                    "color": line.get("color"), "unit_price_minor": unit,
                    "line_total_minor": unit * quantity, "currency": line["currency"],
                    "image_url": line.get("image_url"), "url": line.get("url")})
    return {"lines": out, "item_count": sum(li["quantity"] for li in out),
            "subtotal_minor": cart_.subtotal(lines),
            "currency": out[0]["currency"] if out else None}


def _when(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def offers(history: list[Any], now: datetime) -> list[dict[str, Any]]:
    """The discounts the agent offered, oldest first, each with whether it still holds."""
    out = []
    for offer in history or []:
        if not isinstance(offer, dict) or offer.get("kind") != "offer":
            continue
        expires = _when(offer.get("expires_at"))
        out.append({k: offer.get(k) for k in ("id", "percent", "trigger", "base_total_minor",
                                              "discount_minor", "total_minor", "currency",
                                              "created_at", "expires_at")}
                   | {"expired": expires is not None and expires <= now})
    return out


def checkout(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
             context: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The checkout link the agent last sent, with its lines and whether it was paid."""
    sent = context.get("checkout")
    if not isinstance(sent, dict) or not sent.get("id"):
        return None
    row = repository.checkout_of(conn, organization_id, conversation_id, str(sent["id"]))
    if row is None:
        return None
    expires = row["expires_at"]
    status = ("paid" if row["status"] == "completed" else
              "expired" if expires is not None and expires <= now else "open")
    return {"id": row["id"], "url": row["url"], "provider": row["provider"],
            "status": status, "subtotal_minor": int(row["subtotal_minor"]),
            "discount_minor": int(row["discount_minor"]),
            "total_minor": int(row["total_minor"]), "currency": row["currency"],
            "offer_id": row["offer_id"], "expires_at": expires, "created_at": row["created_at"],
            "lines": [{"external_id": li.get("external_id"), "name": li.get("name"),
                       "quantity": int(li.get("quantity") or 0),
                       "size": li.get("size"), "color": li.get("color"),
                       "unit_price_minor": int(li.get("unit_price_minor") or 0)}
                      for li in row["lines"] or [] if isinstance(li, dict)]}


def describe(conn: psycopg.Connection, organization_id: UUID,
             conversation: dict[str, Any]) -> dict[str, Any]:
    """The conversation with ``products``, ``cart``, ``offers`` and ``checkout``."""
    context = conversation.get("context") or {}
    now = datetime.now(UTC)
    return {**conversation,
            "products": products(conn, organization_id, conversation["id"], context),
            "cart": cart(context),
            "offers": offers(conversation.get("negotiation_history") or [], now),
            "checkout": checkout(conn, organization_id, conversation["id"], context, now)}
