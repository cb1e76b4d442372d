"""search_products, product_details, compare_products: read-only catalog tools."""

from __future__ import annotations

from typing import Any

from agentpay.catalog import repository as products_repo
from agentpay.catalog.search import search
from agentpay.catalog.search_repository import Filters
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.products import details, summary
from agentpay.tools.registry import Tool, ToolFailure

_EXTERNAL_ID = {"type": "string", "minLength": 1, "maxLength": 200}
_MONEY = {"type": "integer", "minimum": 0, "maximum": 10**12}
_WORDS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 50},
          "maxItems": 10}


def _search(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    filters = Filters(price_min=args.get("price_min"), price_max=args.get("price_max"),
                      currency=args.get("currency"), sizes=args.get("sizes") or [],
                      colors=args.get("colors") or [], category=args.get("category"),
                      in_stock=args.get("in_stock"))
    hits = search(ctx.conn, ctx.organization_id, args["query"], k=args.get("k", 5),
                  filters=filters, embedder=ctx.embedder)
    items = [summary(h.product) | {"score": round(h.score, 4), "matched": h.matched}
             for h in hits]
    ctx.show([{k: v for k, v in item.items() if k not in ("score", "matched")}
              for item in items])
    ctx.state["last_query"] = {"query": args["query"],
                               **{k: args[k] for k in ("price_min", "price_max", "sizes")
                                  if args.get(k) is not None}}
    return {"count": len(items), "products": items,
            "external_ids": [i["external_id"] for i in items]}


def load_product(ctx: TurnContext, external_id: str) -> dict:
    product = products_repo.get_by_external_id(ctx.conn, ctx.organization_id, external_id)
    if product is None or not product["active"]:
        raise ToolFailure("product_not_found", f"no product {external_id!r} in this store")
    return product


def _details(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    product = load_product(ctx, args["external_id"])
    ctx.focus(summary(product))
    return {"product": details(product), "external_id": product["external_id"]}


def _compare(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    wanted = list(dict.fromkeys(args["external_ids"]))
    rows = products_repo.get_active_by_external_ids(ctx.conn, ctx.organization_id, wanted)
    missing = [w for w in wanted if w not in rows]
    if missing:
        raise ToolFailure("product_not_found", "some products are not in this store",
                          {"missing": missing})
    items = [details(rows[w]) for w in wanted]
    ctx.show([summary(rows[w]) for w in wanted])
    return {"products": items, "external_ids": wanted, "count": len(items)}


SEARCH = Tool(
    name="search_products",
    description="Search this store's catalog. Returns products with their real prices.",
    input_schema={
        "type": "object", "additionalProperties": False, "required": ["query"],
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 300},
            "k": {"type": "integer", "minimum": 1, "maximum": 10},
            "price_min": _MONEY, "price_max": _MONEY,
            "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
            "colors": _WORDS, "sizes": _WORDS,
            "category": {"type": "string", "maxLength": 200},
            "in_stock": {"type": "boolean"},
        },
    },
    fn=_search,
)

DETAILS = Tool(
    name="product_details",
    description="Full details (description, attributes, sizes and stock) of one product.",
    input_schema={"type": "object", "additionalProperties": False,
                  "required": ["external_id"], "properties": {"external_id": _EXTERNAL_ID}},
    fn=_details,
)

COMPARE = Tool(
    name="compare_products",
    description="Side-by-side details of two to four products.",
    input_schema={"type": "object", "additionalProperties": False,
                  "required": ["external_ids"],
                  "properties": {"external_ids": {"type": "array", "items": _EXTERNAL_ID,
                                                  "minItems": 2, "maxItems": 4}}},
    fn=_compare,
)
