"""create_checkout_link and handoff_to_human."""

from __future__ import annotations

from typing import Any

from agentpay.checkout.service import CheckoutRefused
from agentpay.kit.money import format_money
from agentpay.orchestrator import cart
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.registry import Tool, ToolFailure


def _checkout(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    from agentpay.payments.base import PaymentError
    from agentpay.payments.quotes import QuoteRefused
    from agentpay.payments.service import start_checkout

    try:
        started = start_checkout(ctx.conn, ctx.organization_id, ctx.conversation_id,
                                 ctx.agent["id"], cart.lines(ctx.state), ctx.negotiation,
                                 ctx.rules, ctx.settings, ctx.now)
    except CheckoutRefused as exc:
        raise ToolFailure(exc.code, str(exc), exc.details) from exc
    except QuoteRefused as exc:
        raise ToolFailure(exc.code, exc.message) from exc
    except PaymentError as exc:
        if exc.code == "payments_not_configured":
            # the store has no provider that takes money here: say so, never a link
            raise ToolFailure(exc.code, "this store cannot take payment online yet; no "
                                        "checkout link can be made") from exc
        raise ToolFailure(exc.code, "the payment provider could not create a checkout",
                          {"retryable": exc.retryable}) from exc
    checkout, quote = started.checkout, started.quote
    cur = checkout["currency"]
    ctx.state["checkout"] = {"id": checkout["id"], "url": checkout["url"],
                             "provider": checkout["provider"], "quote_id": quote["id"],
                             "total_minor": checkout["total_minor"], "currency": cur,
                             "expires_at": str(checkout["expires_at"])}
    return {"checkout_id": checkout["id"], "url": checkout["url"], "quote_id": quote["id"],
            "provider": checkout["provider"], "lines": quote["lines"],
            "subtotal_minor": quote["subtotal_minor"],
            "discount_minor": quote["discount_minor"],
            "discount_percent": float(quote["discount_percent"]),
            "total_minor": quote["total_minor"], "currency": cur,
            "expires_at": str(checkout["expires_at"]),
            "subtotal": format_money(quote["subtotal_minor"], cur),
            "discount": format_money(quote["discount_minor"], cur),
            "total": format_money(quote["total_minor"], cur)}


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


