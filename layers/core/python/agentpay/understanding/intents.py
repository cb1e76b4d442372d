"""The intent contract of `../shared/INTENTS.md`: names are stored, sent and scored as
written, so they live in one place and everything else imports them."""

from __future__ import annotations

from typing import Literal, get_args

Intent = Literal[
    "greeting",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "product_search",
    "product_details",
    "recommendation",
    "compare_products",
    "price_inquiry",
    "availability",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "checkout",
    "discount_request",
    "price_objection",
    "payment_help",
    "shipping_info",
    "returns_refunds",
    "order_status",
    "order_change",
    "account_help",
    "human_handoff",
    "complaint",
    "unknown",
]

#: All 26 labels, in contract order (the 25 intents, then `unknown`).
INTENTS: tuple[str, ...] = get_args(Intent)
#: The 25 intents a shopper can have; `unknown` is the absence of one.
SHOP_INTENTS: tuple[str, ...] = INTENTS[:-1]
UNKNOWN: Intent = "unknown"

Source = Literal["rules", "semantic", "llm"]

ENTITY_TYPES: tuple[str, ...] = (
    "price_min", "price_max", "color", "size", "quantity", "product_type",
    "reference", "order_id", "amount",
)

assert len(INTENTS) == 26 and len(set(INTENTS)) == 26
