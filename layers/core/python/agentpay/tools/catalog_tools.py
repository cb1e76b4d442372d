"""search_products, product_details, compare_products: read-only catalog tools."""

from __future__ import annotations

import re
from typing import Any

from agentpay.catalog import repository as products_repo
from agentpay.catalog.search import query_terms, search
from agentpay.catalog.search_repository import Filters, browse
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.products import details, summary
from agentpay.tools.ranking import at_least, extreme, named_first, rank, saying, with_figures
from agentpay.tools.registry import Tool, ToolFailure
from agentpay.understanding.lexicon import size_units
from agentpay.understanding.measures import WISHES

_EXTERNAL_ID = {"type": "string", "minLength": 1, "maxLength": 200}
_MONEY = {"type": "integer", "minimum": 0, "maximum": 10**12}
_WORDS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 100},
          "maxItems": 10}


def _tsquery(phrases: list[str]) -> str | None:
    """Phrases every product must have, as a to_tsquery expression: the words of each
    phrase ANDed, a number kept next to what it counts ("2 batteries": '2' <-> 'batteries';
    "60 watt" also matches "60W")."""
    parts = []
    for phrase in phrases:
        words = [w for w in query_terms(phrase) if w]
        i = 0
        while i < len(words):
            w = words[i]
            if w.isdigit() and i + 1 < len(words):
                unit = size_units().get(words[i + 1])
                pair = f"{_quote(w)} <-> {_quote(words[i + 1])}"
                # "60 watt" is also "60W"; "0 degree" is also "0°F" (read as 0 <-> f)
                parts.append(f"({pair} | {_quote(w + unit)} | {_quote(w)} <-> {_quote(unit)})"
                             if unit else f"({pair})")
                i += 2
                continue
            if not w.isdigit():
                parts.append(_quote(w))
            i += 1
    return " & ".join(parts) or None


_TEXT_UNIT = {"in": "inch", "ft": "foot"}  # as catalog/search_text.py writes them


def _measures(keys: list[str]) -> str | None:
    """Measured sizes ("65 w", "60 in") as text alternatives: '65' <-> 'w' | '65w'."""
    parts = []
    for key in keys:
        m = re.fullmatch(r"(\d{1,6}(?:\.\d{1,3})?) ([a-z]{1,8})", key)
        if m:
            n, unit = m.group(1), _TEXT_UNIT.get(m.group(2), m.group(2))
            parts.append(f"({_quote(n)} <-> {_quote(unit)} | {_quote(n + m.group(2))})")
    return " | ".join(parts) or None


def _quote(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "") + "'"


def _filters(args: dict[str, Any], *, require: bool = True) -> Filters:
    return Filters(price_min=args.get("price_min"), price_max=args.get("price_max"),
                   currency=args.get("currency"), sizes=args.get("sizes") or [],
                   colors=args.get("colors") or [], category=args.get("category"),
                   in_stock=args.get("in_stock"),
                   product_types=args.get("product_types") or [],
                   brands=args.get("brands") or [],
                   exclude_brands=args.get("exclude_brands") or [],
                   exclude_colors=args.get("exclude_colors") or [],
                   gender=args.get("gender"),
                   require=_tsquery(args.get("require") or []) if require else None,
                   exclude=(_tsquery(args.get("exclude_words") or []) or "").replace(
                       " & ", " | ") or None,
                   features=args.get("features") or [],
                   size_text=_measures(args.get("size_keys") or []))


_ORDER = {"cheapest": "price_asc", "most_expensive": "price_desc", "newest": "newest"}
POOL = 15  # candidates read to rank by stock and fit before the top k are shown
WISH_POOL = 300  # products of a kind measured for "the warmest", "the biggest"


def _find(ctx: TurnContext, args: dict[str, Any], filters: Filters) -> list[dict]:
    found = _found(ctx, args, filters)
    skip = set(args.get("exclude_ids") or [])
    return [p for p in found if p["external_id"] not in skip] if skip else found


def _found(ctx: TurnContext, args: dict[str, Any], filters: Filters) -> list[dict]:
    sort = args.get("sort")
    pool = POOL + len(args.get("exclude_ids") or [])  # "any others?": past those seen
    narrowed = filters.product_types or filters.category or filters.brands
    # "your cheapest travel backpack" in a store of categories: the words pick the
    # products, then the order; with a product type or required words, the filters do
    worded = args.get("prefer") and not filters.product_types and not filters.require
    if sort in _ORDER and narrowed and not worded:
        rows = browse(ctx.conn, ctx.organization_id, filters, _ORDER[sort], pool * 2)
        return [dict(r) for r in rows]
    if (args.get("size_wish") in WISHES or args.get("figures")) and filters.product_types \
            and not worded and not filters.require:
        # "the warmest sleeping bag you have": every one of that kind is measured, not
        # only the best fifteen matches of the words
        rows = browse(ctx.conn, ctx.organization_id, filters, "price_asc", WISH_POOL)
        return [dict(r) for r in rows]
    hits = search(ctx.conn, ctx.organization_id, args["query"], k=pool, filters=filters,
                  embedder=ctx.embedder)
    return [h.product | {"score": round(h.score, 4), "matched": h.matched} for h in hits]


def _search(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    filters = _filters(args)
    relaxed: list[str] = []
    products = _find(ctx, args, filters)
    required = list(args.get("require") or [])
    if not products and len(required) > 1:
        # one qualifier too many ("nights", "0 degrees"): without the oldest first
        for i in range(min(2, len(required))):
            fewer = required[:i] + required[i + 1:]
            filters = _filters({**args, "require": fewer})
            products = _find(ctx, args, filters)
            if products:
                relaxed = [required[i]]
                break
    if not products and filters.require:
        # the words the shopper qualified the product with may be nobody's: say so, and
        # show what there is without them
        relaxed = required
        filters = _filters(args, require=False)
        products = _find(ctx, args, filters)
    if not products and filters.colors and (filters.product_types or filters.category):
        # a colour no product of this kind comes in may be a word of its name ("chicken
        # and brown rice"): look for the word instead, else show the kind in any colour
        said = list(args.get("color_words") or [])
        filters.colors = []
        base = filters.require
        if said:
            extra = _tsquery(said)
            filters.require = f"({base}) & ({extra})" if base else extra
            products = _find(ctx, args, filters)
            filters.require = base
        if not products:
            relaxed.append("colour " + " or ".join(said or args.get("colors") or []))
            products = _find(ctx, args, filters)
    if not products and filters.brands and (filters.product_types or filters.category):
        relaxed.append("from " + " or ".join(filters.brands))  # the kind, by other makers
        filters.brands = []
        products = _find(ctx, args, filters)
    if not products and filters.sizes and (filters.product_types or filters.category):
        # a size the store has, but not for this kind of product ("a 6 ft cat tree")
        relaxed.append("size " + " or ".join(args.get("sizes") or []))
        filters.sizes = []
        products = _find(ctx, args, filters)
    ranked = rank(products, sizes=args.get("sizes") or [], colors=args.get("colors") or [],
                  sort=args.get("sort"), size_wish=args.get("size_wish"),
                  prefer=args.get("prefer") or [])
    if args.get("size_wish"):
        ranked = extreme(ranked, args["size_wish"])  # "the tallest you have": only those
    if args.get("measure_min"):  # "minimum 60 inch": those measuring that or more
        enough = at_least(ranked, args["measure_min"])
        if enough or not ranked:
            ranked = enough
        else:
            relaxed.append(f"at least {args['measure_min']}")
    if args.get("figures"):  # "rated to 0 F": the bags rated 0 °F, when there are any
        ranked, found = with_figures(ranked, args["figures"])
        relaxed = [x for x in relaxed if x not in found]
    if args.get("prefer"):
        ranked = saying(ranked, args["prefer"])
    if args.get("named"):  # one product the shopper called by its name
        ranked = named_first(ranked, args["named"])
    if args.get("append"):  # a second product named is another one than the first
        on_screen = {p.get("external_id") for p in ctx.last_shown}
        ranked = [p for p in ranked if p.get("external_id") not in on_screen]
    k = args.get("k", 5)
    items = [summary(p) | ({"score": p["score"], "matched": p["matched"]} if "score" in p
                           else {}) for p in ranked[:k]]
    shown = [{k_: v for k_, v in item.items() if k_ not in ("score", "matched")}
             for item in items]
    # "append": a second product looked up in the same turn joins the first on screen
    if shown or not args.get("exclude_ids"):  # no more to show: what was shown stays
        ctx.show((ctx.last_shown if args.get("append") else []) + shown)
        # what this search has shown so far, for "any others?" next
        seen = list(ctx.state.get("seen") or []) if args.get("exclude_ids") or args.get(
            "append") else []
        ctx.state["seen"] = list(dict.fromkeys(seen + [i["external_id"] for i in shown]))[:60]
    ctx.state["last_query"] = {"query": args["query"],
                               **{k_: args[k_] for k_ in ("price_min", "price_max", "sizes")
                                  if args.get(k_) is not None}}
    out = {"count": len(items), "products": items,
           "external_ids": [i["external_id"] for i in items]}
    if relaxed:
        out["relaxed"] = relaxed
    return out


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
            "product_types": _WORDS, "brands": _WORDS, "exclude_brands": _WORDS,
            "exclude_colors": _WORDS, "require": _WORDS, "exclude_words": _WORDS,
            "features": _WORDS, "color_words": _WORDS, "size_keys": _WORDS,
            "prefer": _WORDS, "append": {"type": "boolean"},
            # the words by which the shopper named one product ("the cairnline hard
            # cooler 25 qt"): the product they name best comes first
            "named": {"type": "string", "maxLength": 300},
            # products already shown for this search ("any others?": the next ones)
            "exclude_ids": {"type": "array", "maxItems": 60,
                            "items": {"type": "string", "maxLength": 200}},
            "gender": {"type": "string", "enum": ["men", "women"]},
            "sort": {"type": "string", "enum": ["cheapest", "most_expensive", "newest",
                                                "on_sale"]},
            # a superlative over a measure: the size, or a spec ("warmest": temperature
            # rating, "brightest": lumens); only the products at that end are shown
            "size_wish": {"type": "string", "enum": list(WISHES)},
            "measure_min": {"type": "string", "pattern": r"^\d{1,6}(\.\d{1,2})? [a-z]{1,8}$"},
            # spec figures asked for ("rated to 0 F": "0 f", "1200 w", "22 l"): the
            # products whose listing has that figure come first
            "figures": {"type": "array", "maxItems": 4, "items": {
                "type": "string", "pattern": r"^-?\d{1,6}(\.\d{1,2})? [a-z]{1,6}$"}},
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
