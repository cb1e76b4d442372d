"""What the shopper asked to buy: the size, colour and count a cart_add carries, said
now, said before in the conversation ("in her size"), or left to the store ("any colour")."""

from __future__ import annotations

from typing import Any

from agentpay.orchestrator.context import TurnContext
from agentpay.understanding.reading import Reading


def add_options(ctx: TurnContext, reading: Reading, color: str | None = None) -> dict:
    """Size and colour for cart_add: said now (explicit), said before (hints), or "any"."""
    out: dict[str, Any] = {}
    if reading.sizes:
        out["size"] = reading.sizes[0]
    elif ctx.shopping.sizes:
        out["size_hint"] = list(ctx.shopping.sizes)[:6]
    colour = color or (reading.colors[0] if reading.colors else None)
    if colour:
        out["color"] = colour
    elif ctx.shopping.colors or ctx.shopping.materials:
        # a finish said as a material ("the walnut bed") names the colour option of that name
        out["color_hint"] = list(dict.fromkeys([*ctx.shopping.colors,
                                                *ctx.shopping.materials]))[:6]
    if reading.any_color or ctx.shopping.any_color:
        out["any_color"] = True
    wish = reading.size_wish or ctx.shopping.size_wish
    if wish in ("largest", "smallest"):  # a size to pick; "the warmest" picked the product
        out["size_wish"] = wish
    return out


def count_of(entities: list[dict], reading: Reading, ctx: TurnContext | None = None) -> int:
    """The count said now, else the one said while looking ("need 6 pairs", then "the
    cheapest ones"), else one."""
    q = reading.count or (reading.qty_value if reading.qty_op == "set" else None) or (
        ctx.shopping.quantity if ctx is not None else None)
    return int(q) if q else 1  # below one ("add -5") reaches the cart, which refuses it
