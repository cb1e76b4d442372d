"""Decide: intent + entities + state -> one action with its tool steps and a reason.

Deterministic on purpose: what happens to the cart and to money is decided here by
rules a store can read, not by a model. A model only phrases the answer (and may look
things up); it never picks a price or a discount.
"""

from __future__ import annotations

import re
from typing import Any

from agentpay.kit.money import to_minor
from agentpay.orchestrator import cart
from agentpay.orchestrator.actions import Action, ToolStep
from agentpay.orchestrator.context import TurnContext

_FILLER = re.compile(
    r"\b(?:hi|hello|hey|please|pls|thanks|thank you|i(?:'m| am)? (?:looking|searching|shopping)"
    r" for|i (?:need|want|would like|'d like)|looking for|searching for|show me|do you (?:have|"
    r"sell|carry|stock)|have you got|can you (?:find|show|recommend)(?: me)?|find me|"
    r"i'm after|some|any|a pair of|got any)\b", re.IGNORECASE)
_POLICY_TOPICS = {"payment_help": "payment", "shipping_info": "shipping",
                  "returns_refunds": "returns"}
_FOREIGN = re.compile(
    r"\b(?:ich|und|nicht|wo|finde|bitte|haben|sie|je|suis|vous|avez|une|est-ce|merci|"
    r"quiero|tienen|dónde|donde|busco|gracias|por favor|vorrei|avete|dove|grazie|"
    r"obrigado|você|tem|onde)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(?:the|a|an|i|you|is|are|do|have|want|need|for|with|my|me)\b",
                      re.IGNORECASE)


def _entities(entities: list[dict], kind: str) -> list[dict]:
    return [e for e in entities if e.get("type") == kind]


def _first(entities: list[dict], kind: str) -> Any:
    found = _entities(entities, kind)
    return found[0]["value"] if found else None


def looks_foreign(text: str) -> bool:
    """A message in another language: several foreign function words, no English ones."""
    return len(_FOREIGN.findall(text)) >= 2 and not _ENGLISH.search(text)


_PRICE_PHRASE = re.compile(
    r"(?:\b(?:for\s+)?(?:under|below|less than|cheaper than|over|above|more than|at least|"
    r"at most|up to|no more than|max(?:imum)?|min(?:imum)?|around|about|between|from|"
    r"budget(?: of| is)?|within|priced at|costing)\s+)*\x00"
    r"(?:\s*(?:and|to|-)\s*\x00)?\s*(?:euros?\b|dollars?\b|bucks\b|pounds?\b|usd\b|eur\b|"
    r"gbp\b)?", re.IGNORECASE)


def search_query(text: str, entities: list[dict]) -> str:
    """The shopper's words minus prices (with "under", "between ... and"), quantities,
    ids, references and polite filler."""
    spans = sorted((e["start"], e["end"]) for e in entities
                   if e.get("type") in ("price_min", "price_max", "amount", "quantity",
                                        "order_id", "reference"))
    kept, pos = [], 0
    for start, end in spans:
        if start >= pos:
            kept.append(text[pos:start])
            kept.append("\x00")
            pos = end
    kept.append(text[pos:])
    query = "".join(kept)
    query = re.sub(r"(?:US\$|CA\$|A\$|[$€£¥₹])\s*(?=\x00)", "", query)
    query = _PRICE_PHRASE.sub(" ", query).replace("\x00", " ")
    query = _FILLER.sub(" ", query)
    query = re.sub(r"(?:US\$|CA\$|A\$|[$€£¥₹])(?!\w)", " ", query)
    query = re.sub(r"[?!.,;:]+", " ", query)
    return " ".join(query.split())[:300]


def price_filters(entities: list[dict], currency: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("price_min", "price_max"):
        for e in _entities(entities, kind):
            cur = str(e.get("currency") or currency).upper()
            out[kind] = to_minor(float(e["value"]), cur)
            out["currency"] = cur
    if "price_min" in out and "price_max" in out and out["price_min"] > out["price_max"]:
        out["price_min"], out["price_max"] = out["price_max"], out["price_min"]
    return out


def _name_match(phrase: str, items: list[dict]) -> list[dict]:
    words = [w for w in re.findall(r"[a-z0-9]+", phrase.lower()) if len(w) > 2]
    if not words:
        return []
    hits = []
    for item in items:
        name = str(item.get("name", "")).lower()
        if all(re.search(rf"\b{re.escape(w.removesuffix('s'))}", name)
               for w in words):
            hits.append(item)
    return hits


def target_products(ctx: TurnContext, entities: list[dict]) -> list[dict]:
    """The products a message points at: references, then names, then the focus."""
    for ref in _entities(entities, "reference"):
        resolved = ref.get("resolved")
        if isinstance(resolved, list):
            return [r for r in resolved if isinstance(r, dict)]
        if isinstance(resolved, dict):
            return [resolved]
    product_type = _first(entities, "product_type")
    if product_type:
        pool = ctx.last_shown + [
            {"external_id": li["external_id"], "name": li["name"]} for li in cart.lines(ctx.state)
        ]
        hits = _name_match(product_type, pool)
        if hits:
            unique = {h["external_id"]: h for h in hits}
            return list(unique.values())
        return []
    if _entities(entities, "reference"):
        focus = ctx.state.get("focus")
        return [focus] if focus else []
    focus = ctx.state.get("focus")
    if focus:
        return [focus]
    if len(ctx.last_shown) == 1:
        return list(ctx.last_shown)
    return []


def _search(ctx: TurnContext, text: str, entities: list[dict], *, recommend: bool = False
            ) -> Action:
    query = search_query(text, entities)
    filters = price_filters(entities, ctx.currency)
    sizes = [str(e["value"]) for e in _entities(entities, "size")]
    previous = ctx.state.get("last_query") or {}
    product_type = _first(entities, "product_type")
    refine = bool(previous) and not product_type and (filters or sizes or
                                                     _entities(entities, "color"))
    if refine:
        colour = " ".join(str(e["value"]) for e in _entities(entities, "color"))
        query = " ".join(x for x in (previous.get("query", ""), colour) if x).strip()
        for key in ("price_min", "price_max"):
            if key not in filters and key in previous:
                filters[key] = previous[key]
        sizes = sizes or list(previous.get("sizes") or [])
    if not query:
        if previous and recommend:
            query = previous.get("query", "")
        else:
            return Action("ask_clarification", "no product words in a search",
                          question="what_looking_for", params={"kind": "what"})
    args: dict[str, Any] = {"query": query, "k": 5, **filters}
    if sizes:
        args["sizes"] = sizes
    kind = "refine_search" if refine else ("recommend_products" if recommend
                                          else "search_products")
    return Action(kind, f"search for {query!r}" + (" (refined)" if refine else ""),
                  steps=[ToolStep("search_products", args)], stage="browsing",
                  params={"query": query, "filters": {k: v for k, v in args.items()
                                                      if k not in ("query", "k")}})


def _one_target(ctx: TurnContext, entities: list[dict], action: str, stage: str,
                question: str) -> Action | list[dict]:
    targets = target_products(ctx, entities)
    if len(targets) == 1:
        return targets
    if not targets and not ctx.last_shown:
        return Action("ask_clarification", f"{action}: nothing shown yet", question="which_product",
                      params={"for": action})
    return Action("ask_clarification", f"{action}: which product is unclear",
                  question=question, params={"for": action,
                                              "options": [p["external_id"]
                                                          for p in ctx.last_shown[:5]]})


def decide(ctx: TurnContext, intent: str, entities: list[dict], text: str) -> Action:
    proposal = ctx.state.get("proposal") or {}
    if intent in ("product_search", "unknown") and looks_foreign(text):
        return Action("out_of_scope", "message in another language",
                      params={"reason": "language"})
    if intent == "greeting":
        return Action("greet", "shopper said hello")
    if intent == "goodbye":
        return Action("farewell", "shopper is leaving")
    if intent == "thanks":
        return Action("acknowledge_thanks", "shopper said thanks")
    if intent == "affirm":
        if proposal.get("type") == "add_to_cart":
            return Action("add_to_cart", "shopper accepted the proposal to add it",
                          steps=[ToolStep("cart_add", {"external_id": proposal["external_id"],
                                                       "quantity": 1})],
                          stage="consideration")
        if proposal.get("type") == "create_checkout":
            return Action("create_checkout", "shopper accepted the proposal to check out",
                          steps=[ToolStep("create_checkout_link", {})], stage="checkout")
        return Action("confirm_proposal", "yes without a pending proposal")
    if intent == "deny":
        return Action("acknowledge_decline", "shopper declined",
                      params={"declined": proposal.get("type")})
    if intent in ("product_search", "recommendation"):
        return _search(ctx, text, entities, recommend=intent == "recommendation")
    if intent == "product_details":
        found = _one_target(ctx, entities, "show_product_details", "consideration",
                            "which_product")
        if isinstance(found, Action):
            return found
        return Action("show_product_details", "details of the product in question",
                      steps=[ToolStep("product_details",
                                      {"external_id": found[0]["external_id"]})],
                      stage="consideration")
    if intent == "compare_products":
        targets = target_products(ctx, entities)
        if len(targets) < 2:
            targets = ctx.last_shown[:3] if len(ctx.last_shown) >= 2 else []
        if len(targets) < 2:
            return Action("ask_clarification", "compare needs two products",
                          question="compare_which")
        ids = [t["external_id"] for t in targets[:4]]
        return Action("compare_products", "compare the products in view",
                      steps=[ToolStep("compare_products", {"external_ids": ids})],
                      stage="consideration")
    if intent in ("price_inquiry", "availability"):
        found = _one_target(ctx, entities, "quote_price" if intent == "price_inquiry"
                            else "check_availability", "consideration", "which_product")
        if isinstance(found, Action):
            if _first(entities, "product_type"):
                return _search(ctx, text, entities)
            return found
        params = {"size": _first(entities, "size"), "color": _first(entities, "color")}
        return Action("quote_price" if intent == "price_inquiry" else "check_availability",
                      f"{intent} for the product in question",
                      steps=[ToolStep("product_details",
                                      {"external_id": found[0]["external_id"]})],
                      params={k: v for k, v in params.items() if v}, stage="consideration")
    if intent == "add_to_cart":
        found = _one_target(ctx, entities, "add_to_cart", "consideration", "which_product")
        if isinstance(found, Action):
            if _first(entities, "product_type") and not target_products(ctx, entities):
                return _search(ctx, text, entities)
            return found
        args: dict[str, Any] = {"external_id": found[0]["external_id"],
                                "quantity": max(1, int(_first(entities, "quantity") or 1))}
        if _first(entities, "size"):
            args["size"] = str(_first(entities, "size"))
        if _first(entities, "color"):
            args["color"] = str(_first(entities, "color"))
        return Action("add_to_cart", "shopper wants it in the cart",
                      steps=[ToolStep("cart_add", args)], stage="consideration")
    if intent == "remove_from_cart":
        lines = cart.lines(ctx.state)
        if not lines:
            return Action("show_cart", "remove asked with an empty cart",
                          steps=[ToolStep("cart_view", {})])
        targets = [t for t in target_products(ctx, entities)
                   if any(li["external_id"] == t["external_id"] for li in lines)]
        if not targets and len(lines) == 1:
            targets = [{"external_id": lines[0]["external_id"], "name": lines[0]["name"]}]
        if len(targets) != 1:
            return Action("ask_clarification", "which cart item to remove is unclear",
                          question="remove_which")
        return Action("remove_from_cart", "shopper takes it out",
                      steps=[ToolStep("cart_remove", {"external_id": targets[0]["external_id"]})],
                      stage="consideration")
    if intent == "view_cart":
        return Action("show_cart", "shopper asks about the cart",
                      steps=[ToolStep("cart_view", {})])
    if intent == "checkout":
        if not cart.lines(ctx.state):
            return Action("ask_clarification", "checkout with an empty cart",
                          question="cart_empty")
        return Action("create_checkout", "shopper wants to pay",
                      steps=[ToolStep("create_checkout_link", {})], stage="checkout")
    if intent in ("discount_request", "price_objection"):
        trigger = "discount_request" if intent == "discount_request" else "hesitation"
        if not cart.lines(ctx.state) and not ctx.state.get("focus"):
            return Action("hold_price", "discount asked with nothing in view",
                          params={"reason": "nothing_in_view"})
        return Action("offer_discount", f"{trigger} within the store's rules",
                      steps=[ToolStep("offer_discount", {"trigger": trigger})],
                      stage="negotiation", params={"trigger": trigger})
    if intent in _POLICY_TOPICS:
        return Action("answer_policy", f"{_POLICY_TOPICS[intent]} question",
                      params={"topic": _POLICY_TOPICS[intent]})
    if intent in ("order_status", "order_change"):
        return Action("order_support", "question about an existing order",
                      params={"order_id": _first(entities, "order_id"), "kind": intent})
    if intent == "account_help":
        return Action("account_support", "account question")
    if intent == "human_handoff":
        return Action("handoff_to_human", "shopper asked for a person",
                      steps=[ToolStep("handoff_to_human", {"reason": "shopper asked"})])
    if intent == "complaint":
        return Action("handle_complaint", "shopper is unhappy")
    return Action("out_of_scope", "not a store matter", params={"reason": "unknown"})
