"""Decide: intent + entities + state -> one action with its tool steps and a reason.

Deterministic on purpose: what happens to the cart and to money is decided here by
rules a store can read, not by a model. A model only phrases the answer (and may look
things up); it never picks a price or a discount.
"""

from __future__ import annotations

import re
from typing import Any

from agentpay.catalog.shopper_query import price_filters, search_query
from agentpay.orchestrator import cart
from agentpay.orchestrator.actions import Action, ToolStep
from agentpay.orchestrator.context import TurnContext

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
    refs = _entities(entities, "reference")
    picked: list[dict] = []
    for ref in refs:
        resolved = ref.get("resolved")
        if isinstance(resolved, list):
            # "those", "them": the product being discussed, else everything shown
            focus = ctx.state.get("focus")
            return [focus] if focus else [r for r in resolved if isinstance(r, dict)]
        if isinstance(resolved, dict) and resolved not in picked:
            picked.append(resolved)  # "the first and the third": both
    if picked:
        return picked
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
    if refs:
        focus = ctx.state.get("focus")
        return [focus] if focus else []
    focus = ctx.state.get("focus")
    if focus:
        return [focus]
    if len(ctx.last_shown) == 1:
        return list(ctx.last_shown)
    return []


def _size_filters(entities: list[dict]) -> list[str]:
    """Sizes that are sizes ("size 9", "XL"), not counts ("4 person", "2-pack")."""
    out = []
    for e in _entities(entities, "size"):
        text = str(e.get("text", "")).lower()
        value = str(e["value"])
        if "size" in text or value.lower() in _LETTER_SIZES:
            out.append(value)
    return out


_LETTER_SIZES = {"xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "small", "medium", "large"}
_SHOPPING_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:show me|i(?:'m| am) (?:looking|searching) for|looking for|"
    r"i (?:need|want|would like|'d like)|do you (?:have|sell|carry|stock)|got any|"
    r"find me|search for)\b", re.IGNORECASE)
_DISCOUNT_WORDS = re.compile(r"\b(?:discount|off|deal|coupon|promo|code|cheaper|lower|"
                             r"better price|reduce|knock)\b", re.IGNORECASE)


def _search(ctx: TurnContext, text: str, entities: list[dict], *, recommend: bool = False
            ) -> Action:
    query = search_query(text, entities)
    filters = price_filters(entities, ctx.currency)
    sizes = _size_filters(entities)
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


def _pending_answer(ctx: TurnContext, intent: str, entities: list[dict],
                    text: str) -> Action | None:
    """The shopper answers "which size?" / "which colour?" asked last turn."""
    pending = ctx.state.get("pending") or {}
    if not pending or intent in ("checkout", "view_cart", "remove_from_cart", "human_handoff",
                                 "goodbye", "complaint") or _first(entities, "product_type"):
        return None
    options = [str(o) for o in pending.get("options") or []]
    bare = text.strip().strip(".!").lower()
    bare = re.sub(r"^(?:size|in|in size|the)\s+", "", bare)
    chosen = None
    if pending.get("needs") == "size":
        said = [str(e["value"]) for e in _entities(entities, "size")]
        candidates = said + [bare]
        chosen = next((o for c in candidates for o in options if o.lower() == c.lower()), None)
    elif pending.get("needs") == "color":
        said = [str(e["value"]) for e in _entities(entities, "color")] + [bare]
        chosen = next((o for c in said for o in options if c.lower() in o.lower()), None)
    if chosen is None:
        return None
    args = {"external_id": pending["external_id"], "quantity": pending.get("quantity", 1),
            pending["needs"]: chosen}
    for key in ("size", "color"):
        if key != pending["needs"] and pending.get(key):
            args[key] = pending[key]
    return Action("add_to_cart", f"answer to which {pending['needs']}",
                  steps=[ToolStep("cart_add", args)], stage="consideration")


def _lookup(ctx: TurnContext, entities: list[dict], then: str) -> Action | None:
    """A product named but not on screen: search for it, then answer about the best hit."""
    product_type = _first(entities, "product_type")
    if not product_type:
        return None
    action = _search(ctx, str(product_type), [e for e in entities
                                              if e.get("type") not in ("size", "color")])
    action.params["then"] = then
    action.params["name"] = str(product_type)
    return action


def decide(ctx: TurnContext, intent: str, entities: list[dict], text: str) -> Action:
    proposal = ctx.state.get("proposal") or {}
    if not any(ch.isalnum() for ch in text):
        return Action("out_of_scope", "no words in the message", params={"reason": "unknown"})
    if intent in ("product_search", "unknown") and looks_foreign(text):
        return Action("out_of_scope", "message in another language",
                      params={"reason": "language"})
    answered = _pending_answer(ctx, intent, entities, text)
    if answered is not None:
        return answered
    action = _in_context(ctx, intent, entities, text)
    if action is not None:
        action.intent = "product_search"
        return action
    return _by_intent(ctx, intent, entities, text, proposal)


def _in_context(ctx: TurnContext, intent: str, entities: list[dict],
                text: str) -> Action | None:
    """Messages whose meaning comes from the conversation more than from their words."""
    if intent == "unknown" and _SHOPPING_LEAD.search(text):
        return _search(ctx, text, entities)  # "show me a carry-on backpack": unknown noun
    has_budget = bool(_entities(entities, "price_max") or _entities(entities, "price_min"))
    if intent in ("discount_request", "price_objection") and has_budget \
            and not _entities(entities, "amount") and ctx.state.get("last_query") \
            and not _DISCOUNT_WORDS.search(text):
        return _search(ctx, text, entities)  # "what about under $140?" is a new budget
    if intent == "availability" and ctx.state.get("last_query") \
            and not _entities(entities, "reference") and not _first(entities, "product_type") \
            and (_size_filters(entities) or _entities(entities, "color")) \
            and len(ctx.last_shown) > 1:
        return _search(ctx, text, entities)  # "only in size 9", "in black"
    return None


_FIRST_N = re.compile(r"\b(?:the\s+)?first\s+(two|three|four|2|3|4)\b|\b(both|these two|"
                      r"those two|the two)\b", re.IGNORECASE)
_COUNTS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}


def _by_intent(ctx: TurnContext, intent: str, entities: list[dict], text: str,
               proposal: dict) -> Action:
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
            return _lookup(ctx, entities, "show_product_details") or found
        return Action("show_product_details", "details of the product in question",
                      steps=[ToolStep("product_details",
                                      {"external_id": found[0]["external_id"]})],
                      stage="consideration")
    if intent == "compare_products":
        first_n = _FIRST_N.search(text)
        if first_n and len(ctx.last_shown) >= 2:
            n = _COUNTS.get((first_n.group(1) or "").lower(), 2)
            targets = ctx.last_shown[:n]
        else:
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
            then = "quote_price" if intent == "price_inquiry" else "check_availability"
            return _lookup(ctx, entities, then) or found
        params = {"size": _first(entities, "size"), "color": _first(entities, "color")}
        return Action("quote_price" if intent == "price_inquiry" else "check_availability",
                      f"{intent} for the product in question",
                      steps=[ToolStep("product_details",
                                      {"external_id": found[0]["external_id"]})],
                      params={k: v for k, v in params.items() if v}, stage="consideration")
    if intent == "add_to_cart":
        lines = cart.lines(ctx.state)
        if (not _entities(entities, "reference") and not _first(entities, "product_type")
                and len(lines) == 1
                and re.search(r"\bmore\b|\banother\b", text, re.IGNORECASE)):
            line = lines[0]
            args = {"external_id": line["external_id"],
                    "quantity": max(1, int(_first(entities, "quantity") or 1))}
            args.update({k: line[k] for k in ("size", "color") if line.get(k)})
            return Action("add_to_cart", "more of what is in the cart",
                          steps=[ToolStep("cart_add", args)], stage="consideration")
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
        named = _first(entities, "product_type") or _entities(entities, "reference")
        if not targets and named and _first(entities, "product_type"):
            product_type = str(_first(entities, "product_type"))
            in_cart = _name_match(product_type, lines)
            if not in_cart:
                return Action("remove_from_cart", f"{product_type!r} is not in the cart",
                              steps=[ToolStep("cart_remove", {"external_id": product_type})],
                              stage="consideration")
            targets = in_cart
        if not targets and not named and len(lines) == 1:
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
