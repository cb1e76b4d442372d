"""create_checkout_link and handoff_to_human."""

from __future__ import annotations

from typing import Any

from agentpay.checkout.service import CheckoutRefused, build_checkout
from agentpay.kit.money import format_money
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.registry import Tool, ToolFailure


def _checkout(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    try:
        checkout = build_checkout(ctx.conn, ctx.organization_id, ctx.conversation_id,
                                  ctx.state, ctx.negotiation, ctx.rules, ctx.settings, ctx.now)
    except CheckoutRefused as exc:
        raise ToolFailure(exc.code, str(exc), exc.details) from exc
    record = checkout.as_dict()
    ctx.state["checkout"] = {k: record[k] for k in ("id", "url", "total_minor", "currency",
                                                    "expires_at", "offer_id")}
    cur = checkout.currency
    return {**record, "checkout_id": checkout.id,
            "subtotal": format_money(checkout.subtotal_minor, cur),
            "discount": format_money(checkout.discount_minor, cur),
            "total": format_money(checkout.total_minor, cur)}


def _handoff(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    ctx.status = "handoff"
    ctx.state["handoff"] = {"reason": args.get("reason") or "shopper asked for a person",
                            "at": ctx.now.isoformat()}
    return {"status": "handoff", "reason": ctx.state["handoff"]["reason"]}


CHECKOUT = Tool(
    name="create_checkout_link",
    description="Create a signed, expiring checkout link for the cart at the store's prices.",
    input_schema={"type": "object", "additionalProperties": False, "properties": {}},
    fn=_checkout, read_only=False,
)

HANDOFF = Tool(
    name="handoff_to_human",
    description="Mark the conversation for a person on the store's team.",
    input_schema={"type": "object", "additionalProperties": False,
                  "properties": {"reason": {"type": "string", "maxLength": 300}}},
    fn=_handoff, read_only=False,
)


