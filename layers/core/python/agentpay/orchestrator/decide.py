"""Decide: intent + reading + shopping state -> one action with its tool steps and a reason.

Deterministic on purpose: what happens to the cart and to money is decided here by
rules a store can read, not by a model. A model only phrases the answer (and may look
things up); it never picks a price or a discount.

The classifier says what kind of message it is, out of context; the reading says what it
is about (`understanding.reading`); the conversation says what it refers to. A message
that names something the store sells, or a constraint on what is being looked for, is a
search whatever the classifier thought ("navy please" after a list of leashes); a
question about a product in view is answered from its data; "make it 3" changes the cart.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from agentpay.orchestrator import cart
from agentpay.orchestrator.actions import Action, ToolStep
from agentpay.orchestrator.context import TurnContext
from agentpay.orchestrator.references import Targets, describes, descriptor_words, resolve
from agentpay.orchestrator.shopping import search_arguments, update
from agentpay.understanding.lexicon import colour_key, size_key
from agentpay.understanding.reading import Reading

_POLICY_TOPICS = {"payment_help": "payment", "shipping_info": "shipping",
                  "returns_refunds": "returns"}
_POLICY_WORDS = re.compile(
    r"\b(?:return|refund|exchange|send\s{1,3}(?:it\s{1,3})?back|ship|shipping|deliver|"
    r"delivery|arrive|postage|pay|payment|paypal|card|visa|mastercard|amex|apple\s{1,3}pay|"
    r"klarna|afterpay|installments?|warranty|guarantee)", re.IGNORECASE)
_FOREIGN = re.compile(
    r"\b(?:ich|und|nicht|wo|finde|bitte|haben|sie|je|suis|vous|avez|une|est-ce|merci|"
    r"quiero|tienen|dónde|donde|busco|gracias|por favor|vorrei|avete|dove|grazie|"
    r"obrigado|você|tem|onde)\b", re.IGNORECASE)
_ENGLISH = re.compile(r"\b(?:the|a|an|i|you|is|are|do|have|want|need|for|with|my|me)\b",
                      re.IGNORECASE)
_DISCOUNT_WORDS = re.compile(r"\b(?:discount|off|deal|coupon|promo|code|cheaper|lower|"
                             r"better\s{1,3}price|reduce|knock)\b", re.IGNORECASE)
# intents whose meaning does not depend on products in view
_FIXED = ("checkout", "view_cart", "human_handoff", "order_status", "order_change",
          "account_help", "complaint", "goodbye")
# intents a message with shopping words in it may really be a search for
_SEARCHY = ("product_search", "recommendation", "unknown", "availability", "price_inquiry",
            "product_details", "shipping_info", "payment_help", "returns_refunds", "affirm",
            "deny", "greeting", "thanks", "compare_products")


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
        if all(re.search(rf"\b{re.escape(w.removesuffix('s'))}", name) for w in words):
            hits.append(item)
    return hits


# --------------------------------------------------------------------------------------
# Searching
# --------------------------------------------------------------------------------------

def _search(ctx: TurnContext, reading: Reading, *, recommend: bool = False,
            then: str | None = None, k: int = 5) -> Action:
    """Update the shopping state from the message and search from the state."""
    state, change = update(ctx.shopping, reading)
    if change == "none":
        return Action("ask_clarification", "no product words in a search",
                      question="what_looking_for", params={"kind": "what"})
    ctx.shopping = state
    args = search_arguments(state, ctx.vocab, k=k)
    note = None
    if args.get("currency") and args["currency"] != ctx.currency:
        # the store sells in one currency: "under 150 quid" is read as 150 of its own
        note = {"said": args.pop("currency"), "store": ctx.currency}
    kind = ("recommend_products" if recommend else
            "refine_search" if change == "refine" else "search_products")
    params: dict[str, Any] = {"query": args["query"], "change": change,
                              "described": state.describe(ctx.currency),
                              "filters": {k: v for k, v in args.items()
                                          if k not in ("query", "k")}}
    if then:
        params["then"] = then
    if note:
        params["currency_note"] = note
    if state.sort and reading.scope_catalog:
        params["focus_top"] = True  # "slippers for my mum, cheapest you have": that one
    return Action(kind, f"{change} search for {args['query']!r}",
                  steps=[ToolStep("search_products", args)], stage="browsing", params=params)


def _select_from_catalog(ctx: TurnContext, reading: Reading, add: bool,
                         entities: list[dict] | None = None) -> Action:
    """"The cheapest you have": search the whole store (the state's filters, by price)
    and take the first that can be bought."""
    state, _ = update(ctx.shopping, reading)
    if not state.active():
        return Action("ask_clarification", "a superlative with nothing being looked for",
                      question="what_looking_for")
    ctx.shopping = state
    entities = entities or []
    args = search_arguments(state, ctx.vocab, k=max(1, reading.select_count))
    args["sort"] = reading.superlative or "cheapest"
    return Action("select_product", f"{args['sort']} in the store",
                  steps=[ToolStep("search_products", args)], stage="consideration",
                  params={"superlative": args["sort"], "scope": "catalog",
                          "described": state.describe(ctx.currency),
                          "then": "add_to_cart" if add else None,
                          "add": {"quantity": _quantity(entities, reading),
                                  **_add_options(ctx, reading)} if add else None})


# --------------------------------------------------------------------------------------
# The cart
# --------------------------------------------------------------------------------------

def _add_options(ctx: TurnContext, reading: Reading, color: str | None = None) -> dict:
    """Size and colour for cart_add: said now (explicit), said before (hints), or "any"."""
    out: dict[str, Any] = {}
    if reading.sizes:
        out["size"] = reading.sizes[0]
    elif ctx.shopping.sizes:
        out["size_hint"] = list(ctx.shopping.sizes)[:6]
    colour = color or (reading.colors[0] if reading.colors else None)
    if colour:
        out["color"] = colour
    elif ctx.shopping.colors:
        out["color_hint"] = list(ctx.shopping.colors)[:6]
    if reading.any_color or ctx.shopping.any_color:
        out["any_color"] = True
    wish = reading.size_wish or ctx.shopping.size_wish
    if wish:
        out["size_wish"] = wish
    return out


def _quantity(entities: list[dict], reading: Reading) -> int:
    q = reading.count
    return max(1, int(q)) if q else 1


def _add(ctx: TurnContext, products: list[dict], entities: list[dict], reading: Reading,
         targets: Targets | None = None, reason: str = "shopper wants it in the cart") -> Action:
    qty = _quantity(entities, reading)
    color = targets.color if targets else None
    steps = [ToolStep("cart_add", {"external_id": p["external_id"], "quantity": qty,
                                   **_add_options(ctx, reading, color)})
             for p in products[:3]]
    return Action("add_to_cart", reason, steps=steps, stage="consideration")


def _cart_target(ctx: TurnContext, entities: list[dict], reading: Reading,
                 text: str) -> dict | None:
    """The cart line a quantity change is about: the one referred to, the one in focus,
    else the last one added."""
    lines = cart.lines(ctx.state)
    if not lines:
        return None
    targets = resolve(entities, reading, text, shown=ctx.last_shown,
                      focus=ctx.state.get("focus"), cart_lines=lines, vocab=ctx.vocab, types=ctx.shopping.product_types)
    for t in targets.products if targets.how not in ("first", "all", "none", "unmatched") \
            else []:
        for line in reversed(lines):
            if line["external_id"] == t["external_id"]:
                return line
    focus = ctx.state.get("focus") or {}
    for line in reversed(lines):
        if line["external_id"] == focus.get("external_id"):
            return line
    return lines[-1]


def _change_quantity(ctx: TurnContext, entities: list[dict], reading: Reading,
                     text: str) -> Action | None:
    line = _cart_target(ctx, entities, reading, text)
    if line is None:
        return None
    value = reading.qty_value or 1
    current = int(line["quantity"])
    options = {k: line[k] for k in ("size", "color") if line.get(k)}
    if reading.qty_op == "set":
        if value == current:
            return Action("show_cart", "the quantity is already that",
                          steps=[ToolStep("cart_view", {})])
        if value > current:
            step = ToolStep("cart_add", {"external_id": line["external_id"],
                                         "quantity": value - current, **options})
        else:
            step = ToolStep("cart_remove", {"external_id": line["external_id"],
                                            "quantity": current - value})
        return Action("update_quantity", f"quantity of {line['external_id']} set to {value}",
                      steps=[step], stage="consideration",
                      params={"quantity": value, "external_id": line["external_id"]})
    if reading.qty_op == "more":
        if reading.colors:  # "and another one in sage": a second line in that colour
            options["color"] = reading.colors[0]
        if reading.sizes:
            options["size"] = reading.sizes[0]
        return Action("update_quantity", f"{value} more of {line['external_id']}",
                      steps=[ToolStep("cart_add", {"external_id": line["external_id"],
                                                   "quantity": value, **options})],
                      stage="consideration",
                      params={"quantity": current + value, "external_id": line["external_id"]})
    return Action("update_quantity", f"{value} fewer of {line['external_id']}",
                  steps=[ToolStep("cart_remove", {"external_id": line["external_id"],
                                                  "quantity": min(value, current)})],
                  stage="consideration",
                  params={"quantity": max(0, current - value),
                          "external_id": line["external_id"]})


_CORRECTION = re.compile(
    r"(?:^|\W)no\s{0,2},|\b(?:no\s{1,3}wait|wait|sorry|oops|ugh|i\s{1,3}meant|meant|actually|instead|rather|"
    r"not\s{1,3}(?:the\s{1,3})?[a-z]{3,15}\s{0,3}[.,;!]|"
    r"change\s{1,3}(?:it|that|them|the\s{1,3}[a-z]{1,20})\s{1,3}to|make\s{1,3}(?:it|that|them)\s{1,3}"
    r"(?:a|an|the|in|size)|swap|switch|not\s{1,3}(?:size\s{1,3})?[a-z0-9.]{1,12}\s{0,3}$)\b",
    re.IGNORECASE)


_SWAP = re.compile(r"\b(?:instead|swap|switch|change\s{1,3}(?:it|that|them)\s{1,3}to|i\s{1,3}meant|"
                   r"meant\s{1,3}the|rather\s{1,3}(?:have|the)|not\s{1,3}th(?:at|e)\s{1,3}one)\b",
                   re.IGNORECASE)


def _swap(ctx: TurnContext, entities: list[dict], reading: Reading, text: str,
          focus_id: str) -> Action | None:
    """"I meant the steel one, not fiberglass - swap it", "change it to the Dewbloom one
    instead, same shade": the product just put in the cart, replaced by the one named."""
    said = descriptor_words(entities, reading)
    named = [w for m in reading.modifiers for w in m.split() if ctx.vocab.has_word(w)
             and not re.fullmatch(r"\d.*", w)]
    focus = ctx.state.get("focus") or {}
    new_words = [w for w in said + named if not describes(focus, [w])]
    brands = [b for b in reading.brands if b.lower() != str(focus.get("brand") or "").lower()]
    if not new_words and not brands:
        return None  # nothing names another product: an option change, if anything
    line = next(li for li in reversed(cart.lines(ctx.state)) if li["external_id"] == focus_id)
    same = re.search(r"\bsame\s{1,3}(?P<what>shade|colou?r|size|one)\b", text, re.IGNORECASE)
    keep_colour = line.get("color") and (same and same.group("what") != "size")
    pick = replace(reading, superlative=None, brands=brands or reading.brands,
                   exclude_words=[w for w in reading.exclude_words],
                   modifiers=[" ".join(dict.fromkeys(new_words))],
                   colors=reading.colors or ([colour_key(line["color"])] if keep_colour else []))
    action = _search(ctx, pick)
    if action.type == "ask_clarification":
        return None
    options = {k: line[k] for k in ("size", "color") if line.get(k)}
    add = {"quantity": int(line["quantity"]), **_add_options(ctx, reading)}
    if "size" not in add and options.get("size"):
        add["size_hint"] = [options["size"]]
    if "color" not in add and options.get("color"):
        add["color_hint"] = [options["color"]]
    action.params.update(then="replace_in_cart", focus_top=True, add=add,
                         replace={"external_id": line["external_id"],
                                  "quantity": int(line["quantity"])})
    action.intent = "add_to_cart"
    return action


def _change_option(ctx: TurnContext, entities: list[dict], reading: Reading,
                   text: str) -> Action | None:
    """"No wait, 9.5 not 9", "make it a large", "can I get it in blue instead": the cart
    line in question, taken out and put back in the new size or colour."""
    line = _cart_target(ctx, entities, reading, text)
    if line is None:
        return None
    options = {k: line[k] for k in ("size", "color") if line.get(k)}
    new = dict(options)
    if reading.sizes:
        said = [k for k in reading.sizes if size_key(str(line.get("size") or "")) != k]
        if said:
            new["size"] = said[0]
    if reading.colors:
        said = [c for c in reading.colors if c.lower() != str(line.get("color") or "").lower()]
        if said:
            new["color"] = said[0]
    if new == options:
        return None
    qty = int(line["quantity"])
    return Action("update_quantity", f"{line['external_id']} changed to {new}",
                  steps=[ToolStep("cart_remove", {"external_id": line["external_id"],
                                                  "quantity": qty}),
                         ToolStep("cart_add", {"external_id": line["external_id"],
                                               "quantity": qty, **new})],
                  stage="consideration", intent="add_to_cart",
                  params={"quantity": qty, "external_id": line["external_id"],
                          "changed": True})


def _pending_answer(ctx: TurnContext, intent: str, reading: Reading,
                    text: str) -> Action | None:
    """The shopper answers "which size?" / "which colour?" asked last turn."""
    pending = ctx.state.get("pending") or {}
    if not pending or intent in ("checkout", "view_cart", "remove_from_cart", "human_handoff",
                                 "goodbye", "complaint") or reading.types:
        return None
    options = [str(o) for o in pending.get("options") or []]
    bare = text.strip().strip(".!").lower()
    bare = re.sub(r"^(?:size|in|in size|the|a|an)\s+", "", bare)
    chosen = None
    if pending.get("needs") == "size":
        keys = list(reading.sizes) + [size_key(bare)]
        chosen = next((o for k in keys for o in options if size_key(o) == k), None)
    elif pending.get("needs") == "color":
        said = list(reading.colors) + [bare]
        for word in said:
            for o in options:
                if word and (word.lower() == o.lower() or word.lower() in o.lower().split()):
                    chosen = o
                    break
            if chosen:
                break
        if chosen is None and reading.any_color and options:
            chosen = options[0]
    if chosen is None:
        return None
    args = {"external_id": pending["external_id"], "quantity": pending.get("quantity", 1),
            pending["needs"]: chosen}
    for key in ("size", "color"):
        if key != pending["needs"] and pending.get(key):
            args[key] = pending[key]
    return Action("add_to_cart", f"answer to which {pending['needs']}",
                  steps=[ToolStep("cart_add", args)], stage="consideration")


# --------------------------------------------------------------------------------------
# Questions about products
# --------------------------------------------------------------------------------------

def _details(targets: list[dict], action: str, reason: str, params: dict) -> Action:
    return Action(action, reason,
                  steps=[ToolStep("product_details", {"external_id": t["external_id"]})
                         for t in targets[:4]],
                  params=params, stage="consideration")


def _ask_which(ctx: TurnContext, action: str) -> Action:
    if not ctx.last_shown:
        return Action("ask_clarification", f"{action}: nothing shown yet",
                      question="which_product", params={"for": action})
    return Action("ask_clarification", f"{action}: which product is unclear",
                  question="which_product",
                  params={"for": action, "options": [p["external_id"]
                                                     for p in ctx.last_shown[:5]]})


def _lookup(ctx: TurnContext, reading: Reading, then: str) -> Action | None:
    """A product named but not on screen: search for it, then answer about the best hit."""
    if not (reading.types or reading.brands or reading.words):
        return None
    before = ctx.shopping
    pick = reading
    if reading.question is not None:
        # "are the Cairnline touchscreen gloves waterproof?": find the gloves, not
        # waterproof ones; the quality asked about is no filter
        asked = {w for q in reading.questions or [reading.question] for w in q.phrase.split()}
        pick = replace(reading, features=[f for f in reading.features
                                          if not set(f.split("_")) & asked],
                       modifiers=[m for m in (" ".join(w for w in mod.split() if w not in asked)
                                              for mod in reading.modifiers) if m])
    action = _search(ctx, pick)
    if action.type == "ask_clarification":
        return None
    # one product asked about is no new search: what was being looked for stays, narrowed
    # to its kind ("is there a longer one for under 80?" is about chef's knives, any brand)
    ctx.shopping = before.model_copy(update={
        "product_types": ctx.shopping.product_types or before.product_types,
        "category": ctx.shopping.category or before.category,
        "query": ctx.shopping.query if ctx.shopping.product_types != before.product_types
        else before.query})
    action.params["then"] = then
    action.params["name"] = " ".join(reading.words)
    action.intent = {"quote_price": "price_inquiry", "check_availability": "availability",
                     "show_product_details": "product_details",
                     "answer_question": "product_details"}.get(then)
    return action


def _product_question(ctx: TurnContext, intent: str, entities: list[dict], reading: Reading,
                      text: str) -> Action | None:
    question = reading.question
    if question is None or intent in ("add_to_cart", "remove_from_cart", "checkout",
                                      "view_cart", "compare_products"):
        return None
    if question.kind in ("stock", "yesno") and (reading.sizes or reading.colors):
        return None  # "is it available in black?": an availability check
    if question.kind == "price" and intent not in ("price_inquiry", "product_details",
                                                   "unknown", "availability"):
        return None
    targets = resolve(entities, reading, text, shown=ctx.last_shown,
                      focus=ctx.state.get("focus"), cart_lines=cart.lines(ctx.state),
                      vocab=ctx.vocab, types=ctx.shopping.product_types)
    if targets.how == "unmatched":
        return _search_for_pick(ctx, reading, entities, add=False)
    asked_words = {w for q in reading.questions or [question] for w in q.phrase.split()} \
        | {"many", "much", "long", "big", "made", "tall", "wide", "heavy"}
    naming = [w for w in reading.words if w not in asked_words and len(w) > 2
              and not ctx.vocab.is_material_word(w)]
    if naming and targets.how in ("focus", "first", "descriptor"):
        named = [p for p in (ctx.last_shown if targets.how == "descriptor" else
                             targets.products) if describes(p, naming)]
        if named:
            targets.products = named[:1]
        else:
            targets.how = "none"  # "how many watts is the Kettleby PowerBlend Pro"
    if targets.how == "none" or (targets.how == "name" and len(targets.products) > 4):
        return _lookup(ctx, reading, "answer_question") if question.kind != "price" else \
            _lookup(ctx, reading, "quote_price")
    products = targets.products
    if question.kind == "price" and len(reading.questions) < 2:
        return _details(products, "quote_price", "price of the product(s) in question",
                        {"how": targets.how})
    return _details(products[:1], "answer_question", f"{question.kind} question",
                    {"question": {"kind": question.kind, "phrase": question.phrase},
                     "questions": _asked(reading), "how": targets.how})


def _asked(reading: Reading) -> list[dict]:
    return [{"kind": q.kind, "phrase": q.phrase} for q in reading.questions or
            ([reading.question] if reading.question else [])]


# --------------------------------------------------------------------------------------
# The decision
# --------------------------------------------------------------------------------------

def decide(ctx: TurnContext, intent: str, entities: list[dict], text: str,
           reading: Reading | None = None) -> Action:
    reading = reading or Reading()
    if not any(ch.isalnum() for ch in text):
        return Action("out_of_scope", "no words in the message", params={"reason": "unknown"})
    if intent in ("product_search", "unknown") and looks_foreign(text):
        return Action("out_of_scope", "message in another language",
                      params={"reason": "language"})
    answered = _pending_answer(ctx, intent, reading, text)
    if answered is not None:
        return answered
    action = _in_context(ctx, intent, entities, text, reading)
    if action is not None:
        return action
    return _by_intent(ctx, intent, entities, text, reading)


_OWN_WORDS = {
    "view_cart": r"\b(?:cart|basket|bag|total)\b",
    "order_status": r"\b(?:order|orders|package|parcel|delivery|tracking|shipped|arrive)\b",
    "order_change": r"\b(?:order|orders|cancel|address)\b",
    "checkout": r"\b(?:checkout|check\s{1,3}out|pay|buy\s{1,3}(?:it|now|them))\b",
    "human_handoff": r"\b(?:human|person|agent|someone|representative|manager|staff)\b",
}


def _names_products(intent: str, text: str, reading: Reading) -> bool:
    """A message the classifier filed under an order, cart or account matter that names
    what the store sells, without that matter's own words, and without a sure rule: a
    search ("what do you have from Tumblebee", "noise cancelling headphnoes under 150")."""
    if not (reading.types or reading.brands or reading.category):
        return False
    own = _OWN_WORDS.get(intent)
    if own and re.search(own, text, re.IGNORECASE):
        return False
    return reading.intent_source != "rules" or intent in ("view_cart", "order_status")


def _is_policy(intent: str, text: str) -> bool:
    return intent in _POLICY_TOPICS and bool(_POLICY_WORDS.search(text))


def _in_context(ctx: TurnContext, intent: str, entities: list[dict], text: str,
                reading: Reading) -> Action | None:
    """Messages whose meaning comes from the conversation more than from their words."""
    lines = cart.lines(ctx.state)
    if reading.cart_total and intent not in ("checkout", "human_handoff") and lines \
            and not reading.types:
        return Action("show_cart", "shopper asks for the cart's total",
                      steps=[ToolStep("cart_view", {})], intent="view_cart")
    if intent in _FIXED or _is_policy(intent, text):
        if not _names_products(intent, text, reading):
            return None
        intent = "product_search"  # read as what it names, not as the classifier filed it
    if reading.qty_op and lines and not reading.types and (
            reading.qty_op != "more" or reading.add_words or not re.search(
                r"\b(?:compare|difference|differ|vs|versus|similar|like\s{1,3}(?:it|this|that))\b",
                text, re.IGNORECASE)):
        action = _change_quantity(ctx, entities, reading, text)
        if action is not None:
            action.intent = "add_to_cart" if reading.qty_op != "less" else "remove_from_cart"
            return action
    focus_id = (ctx.state.get("focus") or {}).get("external_id")
    if lines and _SWAP.search(text) and any(li["external_id"] == focus_id for li in lines):
        action = _swap(ctx, entities, reading, text, focus_id)
        if action is not None:
            return action
    if lines and (reading.sizes or reading.colors) and not reading.types \
            and _CORRECTION.search(text) and not reading.add_words \
            and any(li["external_id"] == focus_id for li in lines) \
            and (not text.rstrip().endswith("?") or re.search(r"\binstead\b", text, re.IGNORECASE)):
        action = _change_option(ctx, entities, reading, text)
        if action is not None:
            return action
    if reading.remove_words and lines and not reading.add_words:
        action = _remove(ctx, entities, text, reading)
        action.intent = "remove_from_cart"
        return action
    if reading.superlative and _about_this_search(ctx, reading) and not (
            intent in ("discount_request", "price_objection") and _HAGGLE.search(text)):
        return _superlative(ctx, intent, entities, text, reading, lines)
    if reading.details and intent in ("product_search", "product_details", "unknown"):
        targets = resolve(entities, reading, text, shown=ctx.last_shown,
                          focus=ctx.state.get("focus"), cart_lines=lines, vocab=ctx.vocab, types=ctx.shopping.product_types)
        if targets.how in ("ordinal", "descriptor", "name", "superlative", "focus"):
            return _details(targets.products[:1], "show_product_details",
                            "details of the product in question", {"how": targets.how})
        if reading.words or reading.types:
            action = _lookup(ctx, reading, "show_product_details")
            if action is not None:
                return action
    named = _named_in_view(ctx, intent, entities, reading, text)
    if named is not None:
        return named
    question = _product_question(ctx, intent, entities, reading, text)
    if question is not None:
        question.intent = question.intent or ("price_inquiry" if question.type == "quote_price"
                                              else "product_details")
        return question
    if _buying(intent, entities, reading) and (ctx.last_shown or ctx.state.get("focus")):
        action = _add_to_cart(ctx, entities, text, reading, ctx.state.get("proposal") or {})
        action.intent = action.intent or ("add_to_cart" if action.type == "add_to_cart"
                                          else None)
        return action
    if intent in ("discount_request", "price_objection") and not _HAGGLE.search(text) and (
            reading.types or reading.sizes or reading.colors) and re.search(
            r"\b(?:do\s{1,3}you\s{1,3}have|have\s{1,3}you\s{1,3}got|got\s{1,3}any|any|"
            r"something|anything|show\s{1,3}me)\b", text, re.IGNORECASE):
        action = _search(ctx, reading)  # "too pricey - do you have a 25 qt one in olive?"
        action.intent = "product_search"
        return action
    if intent in ("discount_request", "price_objection"):
        has_budget = reading.price_max is not None or reading.price_min is not None
        if has_budget and not _entities(entities, "amount") \
                and (ctx.shopping.active() or reading.types or reading.category) \
                and not _DISCOUNT_WORDS.search(text):
            action = _search(ctx, reading)  # "what about under $140?" is a new budget
            action.intent = "product_search"
            return action
        return None
    if intent == "remove_from_cart":
        return None
    if intent == "availability" and not reading.types and (reading.colors or reading.sizes):
        action = _availability(ctx, entities, reading, text)
        if action is not None:
            return action
    store_words = [w for m in reading.modifiers for w in m.split()
                   if len(w) > 3 and ctx.vocab.has_word(w)]
    searchy = reading.types or reading.category or reading.brands or reading.new_noun or \
        reading.features or (store_words and (reading.sizes or len(store_words) >= 2)) or (
        ctx.shopping.active() and (reading.colors or reading.sizes or reading.gender
                                   or reading.price_max is not None
                                   or reading.price_min is not None or reading.relax
                                   or reading.exclude_colors or reading.exclude_brands
                                   or reading.sort or reading.size_wish
                                   or (reading.modifiers and (intent == "product_search" or any(
                                       ctx.vocab.has_word(w) for m in reading.modifiers
                                       for w in m.split() if len(w) > 3)))))
    if searchy and intent in _SEARCHY:
        action = _search(ctx, reading, recommend=intent == "recommendation")
        action.intent = "recommendation" if intent == "recommendation" else "product_search"
        if reading.quantity and reading.types and action.type != "ask_clarification":
            # "also unscented cat litter, 2 bags": counted, so wanted: the best match goes in
            action.params["then"] = "add_to_cart"
            action.params["focus_top"] = True
            action.params["add"] = {"quantity": reading.quantity, **_add_options(ctx, reading)}
            action.intent = "add_to_cart"
        return action
    return None


def _search_for_pick(ctx: TurnContext, reading: Reading, entities: list[dict], *,
                     add: bool) -> Action:
    """"The black one", "the forest green one from Tallpine", "the 1000 piece one" when
    nothing on screen is that: the current search narrowed by what was said, its best match
    brought into focus, and added when the shopper was buying."""
    said = descriptor_words(entities, reading)
    pick = replace(reading, superlative=None,
                   modifiers=list(reading.modifiers) + ([" ".join(said)] if said else []))
    action = _search(ctx, pick)
    if action.type == "ask_clarification":
        return _ask_which(ctx, "add_to_cart" if add else "show_product_details")
    action.params["focus_top"] = True
    if add:
        action.params["then"] = "add_to_cart"
        action.params["add"] = {"quantity": _quantity(entities, reading),
                                **_add_options(ctx, reading)}
        action.intent = "add_to_cart"
    return action


def _named_in_view(ctx: TurnContext, intent: str, entities: list[dict], reading: Reading,
                   text: str) -> Action | None:
    """"The Orbit one in white", "the blue Brickwick one": a product on screen picked by
    what it is called; it comes into focus, with the colour asked for kept for the cart."""
    if not ctx.last_shown or reading.types or reading.question or intent in (
            "add_to_cart", "remove_from_cart", "compare_products", "checkout", "view_cart"):
        return None
    described = descriptor_words(entities, reading)
    if (not described and not reading.brands) or _buying(intent, entities, reading):
        return None
    targets = resolve(entities, reading, text, shown=ctx.last_shown, focus=None,
                      cart_lines=[], vocab=ctx.vocab, types=ctx.shopping.product_types)
    if targets.how == "unmatched":
        return _search_for_pick(ctx, reading, entities, add=False)
    if targets.how != "descriptor" or not targets.products:
        return None
    product = targets.products[0]
    ctx.focus(product)
    if reading.colors:
        ctx.shopping.colors = list(reading.colors)
    return Action("select_product", "a product in view picked by name",
                  steps=[ToolStep("product_details", {"external_id": product["external_id"]})],
                  stage="consideration", intent="product_details",
                  params={"scope": "named", "color": targets.color})


_HAGGLE = re.compile(r"\b(?:discount|off|deal|coupon|promo|code|better\s{1,3}price|reduce|"
                     r"knock|lower|best\s{1,3}price|price\s{1,3}match)\b", re.IGNORECASE)


def _about_this_search(ctx: TurnContext, reading: Reading) -> bool:
    """A superlative that names a product type is about the current search when the type
    is the one being looked at ("the cheapest headlamp you showed me")."""
    if not reading.types:
        return True
    labels = set(reading.types.labels)
    return bool(labels & set(ctx.shopping.product_types)) or any(
        p.get("product_type") in labels for p in ctx.last_shown) or not ctx.last_shown


def _superlative(ctx: TurnContext, intent: str, entities: list[dict], text: str,
                 reading: Reading, lines: list[dict]) -> Action:
    add = intent == "add_to_cart" or reading.add_words or bool(reading.quantity) or (
        reading.polite and not re.match(r"\s{0,3}(?:what|which|whats|how)\b", text, re.IGNORECASE))
    if reading.scope_catalog or not ctx.last_shown:
        if reading.select_count > 1 and not add:
            reading.sort = reading.superlative  # "the 3 cheapest you have": a short list
            reading.superlative = None
            action = _search(ctx, reading, k=reading.select_count)
            action.intent = "product_search"
            return action
        action = _select_from_catalog(ctx, reading, add, entities)
    else:
        targets = resolve(entities, reading, text, shown=ctx.last_shown, focus=None,
                          cart_lines=lines, vocab=ctx.vocab, types=ctx.shopping.product_types)
        if add:
            action = _add(ctx, targets.products, entities, reading, targets,
                          reason=f"the {reading.superlative} of those shown")
        else:
            ctx.focus(targets.products[0])
            action = Action("select_product", f"the {reading.superlative} of those shown",
                            steps=[ToolStep("product_details",
                                            {"external_id": targets.products[0][
                                                "external_id"]})],
                            stage="consideration",
                            params={"superlative": reading.superlative, "scope": "shown"})
    action.intent = "add_to_cart" if add else "price_inquiry"
    return action


def _buying(intent: str, entities: list[dict], reading: Reading) -> bool:
    """An add: said ("add", "I'll take"), counted ("2 bags of the unscented one"), or a
    pick with what the cart needs ("the first one, any colour")."""
    if reading.types and not reading.add_words and intent != "add_to_cart":
        return False
    if intent in ("discount_request", "price_objection") and _HAGGLE.search(" ".join(
            reading.words)) or intent in ("discount_request", "price_objection") and not \
            reading.add_words:
        return False  # "give me 100% off" is haggling, whatever else it says
    if intent == "add_to_cart" or reading.add_words:
        return intent not in ("remove_from_cart", "checkout", "view_cart")
    referred = any(e.get("type") == "reference" and ("ordinal" in (e.get("value") or {})
                                                     or (e.get("value") or {}).get(
                                                         "descriptor"))
                   for e in entities)
    if not referred or reading.question or reading.details or intent in (
            "compare_products", "remove_from_cart"):
        return False
    ordinal = any(e.get("type") == "reference" and "ordinal" in (e.get("value") or {})
                  for e in entities)
    # "the first one in black" buys; "the grey ones" only points (its colour is its name)
    return bool(reading.quantity or reading.any_color or reading.sizes
                or (reading.colors and ordinal) or reading.polite)


def _availability(ctx: TurnContext, entities: list[dict], reading: Reading,
                  text: str) -> Action | None:
    """"Do you have it in walnut?", "in size 9?": about the product in focus, or, with a
    list on screen, a refinement whose best match comes into focus."""
    focus = ctx.state.get("focus")
    if focus and re.search(r"\b(?:it|that|this|that\s{1,3}one|this\s{1,3}one)\b",
                           text, re.IGNORECASE):
        params = {"size": reading.sizes[0] if reading.sizes else None,
                  "color": reading.colors[0] if reading.colors else None}
        return Action("check_availability", "availability of the product in focus",
                      steps=[ToolStep("product_details", {"external_id": focus["external_id"]})],
                      params={k: v for k, v in params.items() if v}, stage="consideration",
                      intent="availability")
    if not ctx.shopping.active() and not ctx.last_shown:
        return None
    action = _search(ctx, reading)
    if re.search(r"\b(?:it|that\s{1,3}one|this\s{1,3}one)\b", text, re.IGNORECASE):
        action.params["focus_top"] = True  # "it": one product in mind, the best match
    action.intent = "product_search"
    return action


def _by_intent(ctx: TurnContext, intent: str, entities: list[dict], text: str,
               reading: Reading) -> Action:
    proposal = ctx.state.get("proposal") or {}
    if intent == "greeting":
        return Action("greet", "shopper said hello")
    if intent == "goodbye":
        return Action("farewell", "shopper is leaving")
    if intent == "thanks":
        return Action("acknowledge_thanks", "shopper said thanks")
    if intent == "affirm" and not reading.add_words:
        if proposal.get("type") == "add_to_cart":
            return Action("add_to_cart", "shopper accepted the proposal to add it",
                          steps=[ToolStep("cart_add", {"external_id": proposal["external_id"],
                                                       "quantity": 1,
                                                       **_add_options(ctx, reading)})],
                          stage="consideration")
        if proposal.get("type") == "create_checkout":
            return Action("create_checkout", "shopper accepted the proposal to check out",
                          steps=[ToolStep("create_checkout_link", {})], stage="checkout")
        return Action("confirm_proposal", "yes without a pending proposal")
    if intent == "deny":
        return Action("acknowledge_decline", "shopper declined",
                      params={"declined": proposal.get("type")})
    if intent in ("product_search", "recommendation"):
        return _search(ctx, reading, recommend=intent == "recommendation")
    if intent in ("product_details", "price_inquiry", "availability"):
        then = {"product_details": "show_product_details", "price_inquiry": "quote_price",
                "availability": "check_availability"}[intent]
        targets = resolve(entities, reading, text, shown=ctx.last_shown,
                          focus=ctx.state.get("focus"), cart_lines=cart.lines(ctx.state),
                          vocab=ctx.vocab, types=ctx.shopping.product_types)
        named_new = reading.types and not any(
            t.get("product_type") in reading.types.labels for t in targets.products)
        if targets.how == "unmatched":
            return _search_for_pick(ctx, reading, entities, add=False)
        if targets.how == "none" or named_new:
            return _lookup(ctx, reading, then) or _ask_which(ctx, then)
        params = {"size": reading.sizes[0] if reading.sizes else None,
                  "color": reading.colors[0] if reading.colors else None,
                  "how": targets.how}
        products = targets.products if then == "quote_price" else targets.products[:1]
        return _details(products, then, f"{intent} for the product in question",
                        {k: v for k, v in params.items() if v})
    if intent == "compare_products":
        targets = resolve(entities, reading, text, shown=ctx.last_shown, focus=None,
                          cart_lines=cart.lines(ctx.state), vocab=ctx.vocab, types=ctx.shopping.product_types)
        products = targets.products if len(targets.products) >= 2 else ctx.last_shown[:3]
        if len(products) < 2:
            return Action("ask_clarification", "compare needs two products",
                          question="compare_which")
        ids = [t["external_id"] for t in products[:4]]
        return Action("compare_products", "compare the products in view",
                      steps=[ToolStep("compare_products", {"external_ids": ids})],
                      stage="consideration")
    if intent == "add_to_cart" or (reading.add_words and intent in ("affirm", "unknown")):
        return _add_to_cart(ctx, entities, text, reading, proposal)
    if intent == "remove_from_cart":
        if not cart.lines(ctx.state) and (reading.types or reading.category):
            return _search(ctx, reading)  # "I don't want to spend more than 400 on a tent"
        return _remove(ctx, entities, text, reading)
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
                      params={"topic": _POLICY_TOPICS[intent]},
                      steps=_policy_product(ctx))
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
    if reading.types or reading.category or reading.brands:
        return _search(ctx, reading)  # a message naming what the store sells is a search
    return Action("out_of_scope", "not a store matter", params={"reason": "unknown"})


def _policy_product(ctx: TurnContext) -> list[ToolStep]:
    """A policy question about the product being discussed reads its listing too: shops
    put "free returns within 30 days" on the product page."""
    focus = ctx.state.get("focus")
    if focus is None and len(ctx.last_shown) >= 1:
        focus = ctx.last_shown[0]
    if focus is None:
        lines = cart.lines(ctx.state)
        focus = {"external_id": lines[-1]["external_id"]} if lines else None
    return [ToolStep("product_details", {"external_id": focus["external_id"]})] if focus \
        else []


def _add_to_cart(ctx: TurnContext, entities: list[dict], text: str, reading: Reading,
                 proposal: dict) -> Action:
    lines = cart.lines(ctx.state)
    if (not _entities(entities, "reference") and not reading.types and len(lines) == 1
            and re.search(r"\bmore\b|\banother\b", text, re.IGNORECASE)):
        line = lines[0]
        args = {"external_id": line["external_id"], "quantity": _quantity(entities, reading)}
        args.update({k: line[k] for k in ("size", "color") if line.get(k)})
        return Action("add_to_cart", "more of what is in the cart",
                      steps=[ToolStep("cart_add", args)], stage="consideration")
    targets = resolve(entities, reading, text, shown=ctx.last_shown,
                      focus=ctx.state.get("focus"), cart_lines=lines, vocab=ctx.vocab, types=ctx.shopping.product_types)
    named_new = reading.types and not any(
        t.get("product_type") in reading.types.labels for t in targets.products
        if t.get("product_type"))
    if named_new and targets.how != "ordinal":
        if reading.superlative or reading.scope_catalog:
            # "and the cheapest tape measure you have": that one, into the cart
            return _select_from_catalog(ctx, reading, add=True, entities=entities)
        action = _search(ctx, reading)  # "add a headlamp": find one first
        if _specific(ctx, reading) and action.type != "ask_clarification":
            # "add the red Gritmaster 20 oz fiberglass hammer": named closely enough to buy
            action.params.update(then="add_to_cart", focus_top=True,
                                 add={"quantity": _quantity(entities, reading),
                                      **_add_options(ctx, reading)})
            action.intent = "add_to_cart"
        return action
    if _EACH.search(text) and len(ctx.last_shown) >= 2 and targets.how in (
            "first", "all", "focus", "none"):
        return _add(ctx, ctx.last_shown[:4], entities, reading, targets,
                    reason="one of each shown")
    if targets.how == "unmatched":
        return _search_for_pick(ctx, reading, entities, add=True)
    if targets.how == "none":
        if proposal.get("type") == "add_to_cart":
            return _add(ctx, [{"external_id": proposal["external_id"]}], entities, reading)
        return _ask_which(ctx, "add_to_cart")
    products = targets.products if targets.how in ("ordinal", "superlative") \
        else targets.products[:1]
    if targets.how == "focus" and not reading.count \
            and not re.search(r"\b(?:another|more|again|too|also|as\s{1,3}well)\b", text, re.IGNORECASE):
        line = next((li for li in lines if li["external_id"] == products[0]["external_id"]),
                    None)
        if line is not None:  # "add it" right after it went in: once is what was meant
            return Action("show_cart", f"{line['external_id']} is already in the cart",
                          steps=[ToolStep("cart_view", {})],
                          params={"already": line["name"]})
    if targets.how == "all":  # "add them", "6 of those" with a list: the top match
        products = targets.products[:1]
        if not products:
            return _ask_which(ctx, "add_to_cart")
    action = _add(ctx, products, entities, reading, targets)
    if _CHECKOUT_TOO.search(text):  # "fine, add it and check me out"
        action.steps.append(ToolStep("create_checkout_link", {}))
        action.params["checkout"] = True
        action.stage = "checkout"
    return action


_CHECKOUT_TOO = re.compile(r"\b(?:check\s{1,3}(?:me\s{1,3})?out|checkout|pay\s{1,3}now|ready\s{1,3}to\s{1,3}pay)\b",
                           re.IGNORECASE)
_EACH = re.compile(r"\b(?:one\s{1,3}of\s{1,3}each|(?:both|all)\s{1,3}of\s{1,3}(?:them|those|these)|"
                   r"each\s{1,3}of\s{1,3}(?:them|those|these)|add\s{1,3}both|both\s{1,3}please)\b",
                   re.IGNORECASE)


def _specific(ctx: TurnContext, reading: Reading) -> bool:
    """Said closely enough to buy without seeing a list: a brand, the store's own name
    words, or a colour or size with the product."""
    named = [w for m in reading.modifiers for w in m.split()
             if len(w) > 2 and ctx.vocab.has_word(w)]
    return bool(reading.brands or named or reading.colors or reading.sizes or reading.count)


def _remove(ctx: TurnContext, entities: list[dict], text: str, reading: Reading) -> Action:
    lines = cart.lines(ctx.state)
    if not lines:
        return Action("show_cart", "remove asked with an empty cart",
                      steps=[ToolStep("cart_view", {})])
    in_cart = [{"external_id": li["external_id"], "name": li["name"],
                "price_minor": li["unit_price_minor"],
                "colors": [li["color"]] if li.get("color") else [],
                "sizes": [li["size"]] if li.get("size") else [],
                "available": [[li.get("size"), li.get("color")]],
                "line": {k: li[k] for k in ("size", "color") if li.get(k)}} for li in lines]
    targets = resolve(entities, reading, text, shown=in_cart,
                      focus=None, cart_lines=[], vocab=ctx.vocab, types=ctx.shopping.product_types)
    if reading.types and targets.how not in ("ordinal", "descriptor", "superlative"):
        typed = [li for li in in_cart if describes(li, list(reading.types.words))]
        if typed:  # "take the cat tree out, too big for my flat"
            targets = Targets(typed[-1:], "name")
    if targets.how in ("ordinal", "descriptor", "name", "superlative"):
        chosen = targets.products
    elif [w for w in reading.words if ctx.vocab.has_word(w)]:
        product = " ".join(reading.words)  # named, and not in the cart
        return Action("remove_from_cart", f"{product!r} is not in the cart",
                      steps=[ToolStep("cart_remove", {"external_id": product[:200]})],
                      stage="consideration")
    else:
        focus = ctx.state.get("focus") or {}
        chosen = [li for li in in_cart if li["external_id"] == focus.get("external_id")]
        if not chosen and len(in_cart) == 1:
            chosen = in_cart
    if len(chosen) != 1:
        return Action("ask_clarification", "which cart item to remove is unclear",
                      question="remove_which")
    twice = sum(1 for li in lines if li["external_id"] == chosen[0]["external_id"]) > 1
    which = chosen[0].get("line", {}) if twice else {}  # "remove the navy one"
    return Action("remove_from_cart", "shopper takes it out",
                  steps=[ToolStep("cart_remove", {"external_id": chosen[0]["external_id"],
                                                  **which})],
                  stage="consideration")
