"""cart_add, cart_remove, cart_view: the cart lives in the conversation's server state."""

from __future__ import annotations

from typing import Any

from agentpay.checkout.service import variant_stock
from agentpay.orchestrator import cart
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.catalog_tools import load_product
from agentpay.tools.products import summary
from agentpay.tools.registry import Tool, ToolFailure

_EXTERNAL_ID = {"type": "string", "minLength": 1, "maxLength": 200}
_OPTION = {"type": ["string", "null"], "minLength": 1, "maxLength": 50}


def _match(options: list[str], wanted: str | None) -> str | None:
    if wanted is None:
        return None
    for option in options:
        if option.lower() == wanted.lower():
            return option
    for option in options:  # "10" matches "US 10", "black" matches "matte black"
        words = option.lower().replace("-", " ").split()
        if wanted.lower() in words:
            return option
    return None


def _in_stock_sizes(product: dict, color: str | None) -> set[str]:
    """Sizes with a variant in stock (in `color`, when one is chosen)."""
    return {str(v["size"]) for v in product.get("variants") or []
            if v.get("size") and int(v.get("stock", 0) or 0) > 0
            and (color is None or not v.get("color")
                 or str(v["color"]).lower() == color.lower())}


def _add(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    product = load_product(ctx, args["external_id"])
    sizes = [s for s in (product.get("sizes") or []) if s.lower() != "one size"]
    colors = list(product.get("colors") or [])
    size = _match(sizes, args.get("size")) if sizes else None
    color = _match(colors, args.get("color")) if colors else None
    if args.get("size") and sizes and size is None:
        raise ToolFailure("size_unavailable", f"{product['name']} does not come in that size",
                          {"sizes": sizes})
    if args.get("color") and colors and color is None:
        raise ToolFailure("color_unavailable",
                          f"{product['name']} does not come in that colour", {"colors": colors})
    if sizes and size is None:
        # Ask with the sizes that can be added now; offering an out-of-stock one invites
        # a "sorry, out of stock" next turn.
        in_stock = _in_stock_sizes(product, color)
        offer = [s for s in sizes if s in in_stock] or sizes
        raise ToolFailure("needs_size", f"which size of {product['name']}?", {"sizes": offer})
    if len(colors) > 1 and color is None:
        raise ToolFailure("needs_color", f"which colour of {product['name']}?",
                          {"colors": colors})
    if color is None and len(colors) == 1:
        color = colors[0]
    quantity = int(args.get("quantity", 1))
    stock = variant_stock(product, size, color)
    if not product["in_stock"] or (stock is not None and stock < 1):
        in_stock_sizes = sorted(_in_stock_sizes(product, color))
        raise ToolFailure("out_of_stock", f"{product['name']} is out of stock"
                          + (f" in size {size}" if size else ""),
                          {"in_stock_sizes": in_stock_sizes})
    if stock is not None and stock < quantity:
        raise ToolFailure("not_enough_stock", f"only {stock} left", {"available": stock})
    try:
        line = cart.add(ctx.state, product, quantity, size=size, color=color,
                        max_quantity=ctx.rules.max_quantity_per_line)
    except cart.CartError as exc:
        raise ToolFailure(exc.code, str(exc)) from exc
    ctx.focus(summary(product))
    return {"line": dict(line), "cart": cart.summary(ctx.state),
            "external_id": product["external_id"], "quantity": quantity}


def _remove(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    removed = cart.remove(ctx.state, args["external_id"], args.get("quantity"))
    if removed is None:
        raise ToolFailure("not_in_cart", "that item is not in the cart")
    return {"removed": removed, "cart": cart.summary(ctx.state),
            "external_id": args["external_id"]}


def _view(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    summary_ = cart.summary(ctx.state)
    return {"cart": summary_, "count": len(summary_["lines"]),
            "subtotal_minor": summary_["subtotal_minor"], "currency": summary_["currency"]}


CART_ADD = Tool(
    name="cart_add",
    description="Put a product in the shopper's cart (size and colour when it has options).",
    input_schema={"type": "object", "additionalProperties": False,
                  "required": ["external_id"],
                  "properties": {"external_id": _EXTERNAL_ID,
                                 "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
                                 "size": _OPTION, "color": _OPTION}},
    fn=_add, read_only=False,
)

CART_REMOVE = Tool(
    name="cart_remove",
    description="Take a product (or some of it) out of the cart.",
    input_schema={"type": "object", "additionalProperties": False,
                  "required": ["external_id"],
                  "properties": {"external_id": _EXTERNAL_ID,
                                 "quantity": {"type": "integer", "minimum": 1, "maximum": 999}}},
    fn=_remove, read_only=False,
)

CART_VIEW = Tool(
    name="cart_view",
    description="What is in the cart, with the subtotal.",
    input_schema={"type": "object", "additionalProperties": False, "properties": {}},
    fn=_view,
)
