"""cart_add, cart_remove, cart_view: the cart lives in the conversation's server state."""

from __future__ import annotations

from typing import Any

from agentpay.checkout.service import variant_stock
from agentpay.orchestrator import cart
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.catalog_tools import load_product
from agentpay.tools.products import summary
from agentpay.tools.registry import Tool, ToolFailure
from agentpay.understanding.lexicon import (
    colour_family,
    colour_key,
    size_key,
    size_keys,
    size_number,
)

_EXTERNAL_ID = {"type": "string", "minLength": 1, "maxLength": 200}
_OPTION = {"type": ["string", "null"], "minLength": 1, "maxLength": 50}
_HINTS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 50},
          "maxItems": 6}


def _match_size(options: list[str], wanted: str | None) -> str | None:
    """The product's size a shopper's size means: "medium" is "M", "60 inch" is "60 in.",
    "10" is "US 10"."""
    if not wanted:
        return None
    key = size_key(wanted)
    for option in options:
        if size_key(option) == key:
            return option
    for option in options:
        if key in size_keys(option):
            return option
    return None


def _match_colors(options: list[str], wanted: str | None) -> list[str]:
    """The product's colours a shopper's colour word asks for, best first: that name, the
    names containing it ("blue": Slate Blue), then its family ("navy": any blue)."""
    if not wanted:
        return []
    key = colour_key(wanted)
    exact = [o for o in options if colour_key(o) == key]
    containing = [o for o in options if o not in exact and f" {key} " in f" {colour_key(o)} "]
    family = colour_family(key)
    kin = [o for o in options if o not in exact and o not in containing and family
           and colour_family(o) == family]
    return exact + containing + kin


def _stocked(product: dict, size: str | None, color: str | None) -> bool:
    stock = variant_stock(product, size, color)
    return bool(product["in_stock"]) and (stock is None or stock > 0)


def _in_stock_sizes(product: dict, color: str | None) -> set[str]:
    """Sizes with a variant in stock (in `color`, when one is chosen)."""
    return {str(v["size"]) for v in product.get("variants") or []
            if v.get("size") and int(v.get("stock", 0) or 0) > 0
            and (color is None or not v.get("color")
                 or str(v["color"]).lower() == color.lower())}


def _pick_size(product: dict, sizes: list[str], args: dict[str, Any]) -> str | None:
    """The size to add: the one asked for, else one said earlier that the product has,
    else the largest/smallest when that was the wish, else the only one."""
    if not sizes:
        return None
    if args.get("size"):
        size = _match_size(sizes, args["size"])
        if size is None:
            raise ToolFailure("size_unavailable",
                              f"{product['name']} does not come in that size", {"sizes": sizes})
        return size
    for hint in args.get("size_hint") or []:
        size = _match_size(sizes, hint)
        if size is not None:
            return size
    in_stock = [s for s in sizes if s in _in_stock_sizes(product, None)] or sizes
    if args.get("size_wish") in ("largest", "smallest"):
        ordered = sorted(in_stock, key=lambda s: size_number(size_key(s)) or 0.0)
        return ordered[-1] if args["size_wish"] == "largest" else ordered[0]
    if len(sizes) == 1:
        return sizes[0]
    # Ask with the sizes that can be added now; offering an out-of-stock one invites a
    # "sorry, out of stock" next turn.
    raise ToolFailure("needs_size", f"which size of {product['name']}?", {"sizes": in_stock})


def _pick_color(product: dict, colors: list[str], size: str | None,
                args: dict[str, Any]) -> str | None:
    """The colour to add: the one asked for (in stock first), else one said earlier, else
    any in stock when the shopper doesn't mind, else the only one."""
    if not colors:
        return None
    if args.get("color"):
        matches = _match_colors(colors, args["color"])
        if not matches:
            raise ToolFailure("color_unavailable",
                              f"{product['name']} does not come in that colour",
                              {"colors": colors})
        exact = [c for c in matches if colour_key(c) == colour_key(args["color"])]
        if exact:  # "sky blue" sold out in M is said so, not swapped for slate blue
            return exact[0]
        return next((c for c in matches if _stocked(product, size, c)), matches[0])
    for hint in args.get("color_hint") or []:
        matches = [c for c in _match_colors(colors, hint) if _stocked(product, size, c)]
        if matches:
            return matches[0]
    if len(colors) == 1:
        return colors[0]
    if args.get("any_color"):  # the first with enough for the count, else any in stock
        wanted = int(args.get("quantity", 1))
        return next((c for c in colors if _stocked(product, size, c)
                     and (variant_stock(product, size, c) or wanted) >= wanted),
                    next((c for c in colors if _stocked(product, size, c)), colors[0]))
    in_stock = [c for c in colors if _stocked(product, size, c)] or colors
    if len(in_stock) == 1:
        return in_stock[0]
    raise ToolFailure("needs_color", f"which colour of {product['name']}?",
                      {"colors": in_stock})


def _add(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    product = load_product(ctx, args["external_id"])
    sizes = [s for s in _product_options(product, "size") if s.lower() != "one size"]
    colors = _product_options(product, "color")
    size = _pick_size(product, sizes, args)
    color = _pick_color(product, colors, size, args)
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


def _product_options(product: dict, field: str) -> list[str]:
    """The product's sizes or colours as the shop writes them (the variants' spelling,
    then the attributes'; the searchable columns hold them in lower case)."""
    names = [str(v[field]) for v in product.get("variants") or [] if v.get(field)]
    attrs = product.get("attributes") or {}
    listed = attrs.get(f"{field}s")
    names += [str(c) for c in listed if isinstance(c, str)] if isinstance(listed, list) else []
    names += [str(c) for c in product.get(f"{field}s") or []]
    out: dict[str, str] = {}
    for name in names:
        out.setdefault(name.lower(), name)
    return list(out.values())


def _remove(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    removed = cart.remove(ctx.state, args["external_id"], args.get("quantity"),
                          size=args.get("size"), color=args.get("color"))
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
                                 "size": _OPTION, "color": _OPTION,
                                 # sizes and colours said earlier: used when the product
                                 # has one of them, never an error when it has none
                                 "size_hint": _HINTS, "color_hint": _HINTS,
                                 "any_color": {"type": "boolean"},
                                 "size_wish": {"type": "string",
                                               "enum": ["largest", "smallest"]}}},
    fn=_add, read_only=False,
)

CART_REMOVE = Tool(
    name="cart_remove",
    description="Take a product (or some of it) out of the cart.",
    input_schema={"type": "object", "additionalProperties": False,
                  "required": ["external_id"],
                  "properties": {"external_id": _EXTERNAL_ID,
                                 "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
                                 # which line, when the product is in the cart twice
                                 "size": _OPTION, "color": _OPTION}},
    fn=_remove, read_only=False,
)

CART_VIEW = Tool(
    name="cart_view",
    description="What is in the cart, with the subtotal.",
    input_schema={"type": "object", "additionalProperties": False, "properties": {}},
    fn=_view,
)
