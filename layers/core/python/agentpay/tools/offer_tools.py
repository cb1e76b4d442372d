"""offer_discount: the only way a discount comes to exist.

It takes a trigger, not an amount: the percentage is the negotiation policy's, from the
agent's rules and the offers already made. A model or shopper asking for "50%" can at
most trigger the next permitted step.
"""

from __future__ import annotations

from typing import Any

from agentpay.kit.money import format_money
from agentpay.orchestrator import cart, negotiation
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.registry import Tool, ToolFailure


def _offer(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    lines = cart.lines(ctx.state)
    if lines:
        base, currency = cart.subtotal(lines), cart.currency(lines)
    elif ctx.state.get("focus"):
        focus = ctx.state["focus"]
        base, currency = int(focus["price_minor"]), focus["currency"]
    else:
        raise ToolFailure("nothing_to_discount",
                          "there is nothing in the cart or in view to discount yet")
    decision = negotiation.next_offer(ctx.rules, ctx.negotiation, base, currency,
                                      args["trigger"], ctx.now)
    if decision.offer is None:
        return {"offered": False, "reason": decision.reason}
    offer = decision.offer
    ctx.negotiation.append(offer)
    quote_id = None
    if lines:
        # the price just offered is backed by a signed server-side quote of this cart
        from agentpay.checkout.service import CheckoutRefused
        from agentpay.payments.quotes import create_quote

        try:
            quote = create_quote(ctx.conn, ctx.organization_id, ctx.conversation_id,
                                 ctx.agent["id"], lines, ctx.negotiation, ctx.rules,
                                 ctx.settings, ctx.now)
            offer["quote_id"] = quote_id = quote["id"]
        except CheckoutRefused:
            pass  # an item went out of stock: the offer stands, checkout will say why
    return {"quote_id": quote_id, "offered": True, "reason": decision.reason, "offer_id": offer["id"],
            "percent": offer["percent"], "base_total_minor": base,
            "discount_minor": offer["discount_minor"], "total_minor": offer["total_minor"],
            "currency": currency, "expires_at": offer["expires_at"],
            "base_total": format_money(base, currency),
            "total": format_money(offer["total_minor"], currency),
            "discount": format_money(offer["discount_minor"], currency)}


OFFER = Tool(
    name="offer_discount",
    description=("Ask the store's pricing policy for the next permitted discount on the cart "
                 "(or the product in view). The policy sets the amount."),
    input_schema={"type": "object", "additionalProperties": False, "required": ["trigger"],
                  "properties": {"trigger": {"enum": list(negotiation.TRIGGERS)}}},
    fn=_offer, read_only=False,
)
