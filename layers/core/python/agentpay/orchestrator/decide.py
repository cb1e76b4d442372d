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

from agentpay.knowledge.tool import steps as knowledge_steps
from agentpay.knowledge.topics import asked_store_topic
from agentpay.orchestrator import cart
from agentpay.orchestrator.actions import Action, ToolStep
from agentpay.orchestrator.buying import add_options
from agentpay.orchestrator.cart_moves import (
    CORRECTION,
    SWAP,
    add,
    add_to_cart,
    change_option,
    change_quantity,
    pending_answer,
    remove,
    specific,
    swap,
)
from agentpay.orchestrator.context import TurnContext
from agentpay.orchestrator.negotiation import active_offer
from agentpay.orchestrator.references import (
    available_in,
    describes,
    descriptor_words,
    lacks_colour,
    of_each_kind,
    resolve,
)
from agentpay.orchestrator.searching import (
    ask_which,
    details_of,
    lookup,
    more_of,
    search_for_pick,
    search_from_state,
    select_from_catalog,
)
from agentpay.orchestrator.shopping import ShoppingState, search_arguments, update
from agentpay.understanding.entities import is_product_word
from agentpay.understanding.lexicon import singular, words
from agentpay.understanding.reading import Reading, read

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
_CHEAPER_WISH = re.compile(
    r"\b(?:something|anything|any|ones?|options?|alternatives?)\s{1,3}(?:a\s{1,3}(?:bit|little|"
    r"lot)\s{1,3}|much\s{1,3})?(?:cheaper|less\s{1,3}expensive|more\s{1,3}affordable)\b|"
    r"\b(?:cheaper|less\s{1,3}expensive|more\s{1,3}affordable)\s{1,3}(?:ones?|options?|"
    r"alternatives?|models?|versions?|brands?|pairs?)\b|\bnot\s{1,3}(?:too|so|very|that|overly)"
    r"\s{1,3}(?:expensive|pricey|dear|costly)\b|\b(?:inexpensive|affordable|budget[\s-]friendly|"
    r"reasonably\s{1,3}priced|on\s{1,3}a\s{1,3}budget)\b", re.IGNORECASE)
_DISCOUNT_WORDS = re.compile(r"\b(?:discount|off|deal|coupon|promo|code|cheaper|lower|"
                             r"better\s{1,3}price|reduce|knock)\b", re.IGNORECASE)
# intents whose meaning does not depend on products in view
_FIXED = ("checkout", "view_cart", "human_handoff", "order_status", "order_change",
          "account_help", "complaint", "goodbye")
# intents a message with shopping words in it may really be a search for
_SEARCHY = ("product_search", "recommendation", "unknown", "availability", "price_inquiry",
            "product_details", "shipping_info", "payment_help", "returns_refunds", "affirm",
            "deny", "greeting", "thanks", "compare_products")


def entities_of(entities: list[dict], kind: str) -> list[dict]:
    return [e for e in entities if e.get("type") == kind]


def first_of(entities: list[dict], kind: str) -> Any:
    found = entities_of(entities, kind)
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


def _product_question(ctx: TurnContext, intent: str, entities: list[dict], reading: Reading,
                      text: str) -> Action | None:
    question = reading.question
    if intent == "compare_products" and question is not None and not _COMPARE.search(text) \
            and sum(1 for e in entities if e.get("type") == "reference") <= 1 \
            and not re.search(r"\b(?:both|each|two|all)\b", text, re.IGNORECASE):
        intent = "product_details"  # "what's the insulation in the first one": one product
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
        return search_for_pick(ctx, reading, entities, add=False)
    asked_words = {w for q in reading.questions or [question] for w in q.phrase.split()} \
        | {"many", "much", "long", "big", "made", "tall", "wide", "heavy"}
    # words naming a product are words of the store's listings or model numbers ("remind
    # me what those cost": remind names nothing; "the PowerBlend 1200": 1200 does)
    naming = [w for w in reading.words if w not in asked_words and len(w) > 2
              and not ctx.vocab.is_material_word(w)
              and (ctx.vocab.has_word(w) or any(c.isdigit() for c in w))]
    if naming and targets.how in ("focus", "first", "descriptor"):
        named = [p for p in (ctx.last_shown if targets.how == "descriptor" else
                             targets.products) if describes(p, naming)]
        if named:
            targets.products = named[:1]
        else:
            targets.how = "none"  # "how many watts is the Kettleby PowerBlend Pro"
    if targets.how == "none" or not targets.products or (
            targets.how == "name" and len(targets.products) > 4):
        # nothing on screen it can be ("the Santoku Line knives, what lengths do they come
        # in?" to open with): found first
        return lookup(ctx, reading, "answer_question") if question.kind != "price" else \
            lookup(ctx, reading, "quote_price")
    products = targets.products
    if question.kind == "price" and len(reading.questions) < 2:
        return details_of(products, "quote_price", "price of the product(s) in question",
                        {"how": targets.how})
    return details_of(products[:1], "answer_question", f"{question.kind} question",
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
    if reading.guessed_type and reading.question and ctx.shopping.product_types and not (
            set(reading.types.labels) & set(ctx.shopping.product_types)):
        # "how long is the strand?" about string lights: no misspelt TV stand
        reading = replace(reading, types=None)
    if intent == "unknown" and (ctx.state.get("proposal") or {}).get("type") \
            and _ACCEPTS.match(text) and "?" not in text and len(text.split()) <= 8:
        # "fine, 10% then": taken when 10% is on offer, else asked for
        intent = "affirm" if _percent_is_offered(ctx, text) else "discount_request"
    answered = pending_answer(ctx, intent, reading, text)
    if answered is not None:
        return answered
    action = _in_context(ctx, intent, entities, text, reading)
    if action is None:
        action = _by_intent(ctx, intent, entities, text, reading)
    if action.type in ("search_products", "refine_search") and _COMPARE.search(text) \
            and not action.params.get("then"):
        # "what's the difference between the two cloudburst jackets?": found, then compared
        action.params["then"] = "compare_products"
    return action


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
    if reading.cart_total and intent not in ("checkout", "human_handoff") and (
            lines or intent in ("unknown", "view_cart")) and not reading.types:
        # "whats the total": the cart's, even when it is empty
        return Action("show_cart", "shopper asks for the cart's total",
                      steps=[ToolStep("cart_view", {})], intent="view_cart")
    if reading.topic and _asks(intent, text, reading) and not _new_search(ctx, reading):
        return _policy_answer(ctx, entities, reading, text)
    store_topic = None if reading.topic or reading.types else asked_store_topic(text)
    if store_topic and _asks(intent if intent != "human_handoff" else "unknown", text, reading) \
            and not _TO_A_PERSON.search(text):
        # "what are your opening hours?": the store's articles, if it has any
        steps = knowledge_steps(ctx, text, store_topic)
        if steps:
            return Action("answer_policy", f"{store_topic} question",
                          params={"topic": store_topic}, steps=steps)
    focus_id = (ctx.state.get("focus") or {}).get("external_id")
    if intent == "checkout" and reading.add_words and _PICKS.search(text) \
            and not _PAY_WORDS.search(text):
        intent = "add_to_cart"  # "ok I'll buy the white one", "i buy the cheaper one": a pick
    if intent == "checkout" and (_BUY_IT.search(text) or reading.add_words) and focus_id \
            and not any(li["external_id"] == focus_id for li in lines):
        # "k buy it", "add it and check out" about a product not yet in the cart: it goes
        # in, then the checkout
        action = add_to_cart(ctx, entities, text, reading, ctx.state.get("proposal") or {})
        if action.type == "add_to_cart" and not any(
                s.name == "create_checkout_link" for s in action.steps):
            action.steps.append(ToolStep("create_checkout_link", {}))
            action.params["checkout"] = True
            action.stage = "checkout"
        action.intent = "add_to_cart"
        return action
    if intent in ("order_change", "order_status") and reading.add_words \
            and not entities_of(entities, "order_id") and (focus_id or ctx.last_shown):
        intent = "add_to_cart"  # "please add it to my order": the order being put together
    if intent == "view_cart" and reading.add_words and not reading.cart_total:
        intent = "add_to_cart"  # "cheapest one into the cart please"
    swapping = bool(lines and SWAP.search(text) and (reading.colors or reading.sizes))
    if (intent in _FIXED or _is_policy(intent, text)) and not (
            swapping and intent in ("order_change", "order_status")):
        # "can you swap those for charcoal?" with them in the cart is no placed order
        if not _names_products(intent, text, reading):
            return None
        intent = "product_search"  # read as what it names, not as the classifier filed it
    wanted_new = reading.qty_op == "set" and re.search(r"\b(?:need|want)\b", text, re.IGNORECASE) \
        and focus_id and not any(li["external_id"] == focus_id for li in lines)
    if reading.qty_op and lines and not reading.types and not wanted_new and (
            reading.qty_op != "more" or reading.add_words or not re.search(
                r"\b(?:compare|difference|differ|vs|versus|similar|like\s{1,3}(?:it|this|that))\b",
                text, re.IGNORECASE)):
        action = change_quantity(ctx, entities, reading, text)
        if action is not None:
            action.intent = "add_to_cart" if reading.qty_op != "less" else "remove_from_cart"
            return action
    if lines and SWAP.search(text) and any(li["external_id"] == focus_id for li in lines):
        action = swap(ctx, entities, reading, text, focus_id)
        if action is not None:
            return action
    if lines and (reading.sizes or reading.colors) and not reading.types \
            and CORRECTION.search(text) and not reading.add_words \
            and any(li["external_id"] == focus_id for li in lines) \
            and (not text.rstrip().endswith("?") or re.search(r"\binstead\b", text, re.IGNORECASE)):
        action = change_option(ctx, entities, reading, text)
        if action is not None:
            return action
    if reading.remove_words and lines and not reading.add_words:
        action = remove(ctx, entities, text, reading)
        action.intent = "remove_from_cart"
        return action
    if reading.remove_words and not lines and not reading.add_words and intent in (
            "remove_from_cart", "product_search", "unknown"):
        # "take the speaker out" with nothing in the cart: said so, not a search for speakers
        return Action("remove_from_cart", "the cart is empty", params={"empty": True},
                      intent="remove_from_cart")
    if reading.more and not (reading.constraints() or reading.add_words or reading.words) \
            and intent not in ("add_to_cart", "remove_from_cart", "checkout", "view_cart"):
        action = more_of(ctx)  # "any others?", "show me more"
        action.intent = "product_search"
        return action
    across = _ANY_OF.search(text)
    if across and len(ctx.last_shown) >= 2 and not reading.add_words and not (
            reading.constraints()  # "which ones are below $120?": the search narrows
            or reading.superlative or reading.size_wish or reading.sort
            or across.group("q").lower().startswith(("the ", "cheap", "least", "most", "lowest",
                                                     "highest", "best"))):
        # "do any of them have pit zips?": each one on screen, read and answered
        phrase = across.group("q").strip()
        kind = "includes" if (across.group("v") or "").lower() in (
            "have", "has", "come", "comes", "include") else "yesno"
        return Action("answer_question", "a question about each product shown",
                      steps=[ToolStep("product_details", {"external_id": p["external_id"]})
                             for p in ctx.last_shown[:5]],
                      params={"question": {"kind": kind, "phrase": phrase}, "across": True},
                      intent="product_details")
    compared = _compare_named(ctx, text) or _quote_named(ctx, text, reading)
    if compared is not None:
        return compared
    asks_about = reading.question is not None and reading.question.kind not in ("price",)
    if reading.superlative and reading.scope_catalog and asks_about \
            and _about_this_search(ctx, reading) and not reading.add_words:
        # "what's the capacity on the cheapest glass one you have?": that one, then answered
        asked = set(words(reading.question.phrase))  # the attribute asked is no qualifier
        described = [w for w in descriptor_words(entities, reading) if w not in asked]
        pick = replace(reading, modifiers=[m for m in reading.modifiers if m not in asked]
                       + described, words=[w for w in reading.words if w not in asked]
                       + described)
        action = select_from_catalog(ctx, pick, False, entities)
        if action.type == "select_product":
            args = action.steps[0].arguments
            for w in described:  # "the cheapest glass one": glass, whatever the state kept
                if ctx.vocab.has_word(w) and w not in args.get("require", []):
                    args["require"] = [*args.get("require", []), w][:6]
            action.params["then"] = "answer_question"
            action.intent = "product_details"
        return action
    if reading.superlative and reading.types and not reading.scope_catalog \
            and not _about_this_search(ctx, reading) and not asks_about:
        # "and the cheapest fleece jacket?" with down jackets on screen: the store's
        reading = replace(reading, scope_catalog=True)
    if reading.superlative and (_about_this_search(ctx, reading) or reading.scope_catalog) \
            and not asks_about and not (
            intent in ("discount_request", "price_objection") and HAGGLE.search(
                text.lower().replace(reading.superlative_phrase or "\0", " "))):
        return _superlative(ctx, intent, entities, text, reading, lines)
    if reading.details and intent in ("product_search", "product_details", "unknown"):
        targets = resolve(entities, reading, text, shown=ctx.last_shown,
                          focus=ctx.state.get("focus"), cart_lines=lines, vocab=ctx.vocab, types=ctx.shopping.product_types)
        if targets.how in ("ordinal", "descriptor", "name", "superlative", "focus"):
            return details_of(targets.products[:1], "show_product_details",
                            "details of the product in question", {"how": targets.how})
        if reading.words or reading.types:
            action = lookup(ctx, reading, "show_product_details")
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
    if reading.add_words and not reading.types and not any(
            e.get("type") == "reference" for e in entities) and _names_a_thing_not_in_view(
            ctx, reading):
        # "I want to buy some wine glasses" while a boot is in view: a search, not the boot
        return search_from_state(ctx, reading)
    if (buying(intent, entities, reading, bool(ctx.shopping.quantity))
            or _option_chosen(ctx, reading, text)) and (ctx.last_shown or ctx.state.get("focus") or (
            reading.add_words and reading.types and _BUY_VERB.search(text))):
        # "i'd like to order the Tatum bed frame in white": found, then bought
        focus = ctx.state.get("focus")
        other_colour = bool(focus and reading.colors
                            and lacks_colour(focus, reading.colors[0], ctx.vocab))
        if focus and not other_colour and not buying(intent, entities, reading,
                                                bool(ctx.shopping.quantity)):
            # "ugh ok 11 then": the one in view, in the option chosen
            action = add(ctx, [focus], entities, reading, reason="an option of the one in view")
            action.intent = "add_to_cart"
            return action
        action = add_to_cart(ctx, entities, text, reading, ctx.state.get("proposal") or {})
        action.intent = action.intent or ("add_to_cart" if action.type == "add_to_cart"
                                          else None)
        return action
    if intent in ("discount_request", "price_objection") and not HAGGLE.search(text) and \
            _CHEAPER_WISH.search(text) and (reading.types or reading.category
                                            or ctx.shopping.active()):
        # "red lipstick, not too expensive", "none of those, something cheaper": a price
        # wish for the search, not a haggle over a price
        action = search_from_state(ctx, reading)
        action.intent = "product_search"
        return action
    if intent in ("discount_request", "price_objection") and not HAGGLE.search(text) and (
            reading.types or reading.sizes or reading.colors) and re.search(
            r"\b(?:do\s{1,3}you\s{1,3}have|have\s{1,3}you\s{1,3}got|got\s{1,3}any|any|"
            r"something|anything|show\s{1,3}me)\b", text, re.IGNORECASE):
        action = search_from_state(ctx, reading)  # "too pricey - do you have a 25 qt one in olive?"
        action.intent = "product_search"
        return action
    if intent in ("discount_request", "price_objection"):
        has_budget = reading.price_max is not None or reading.price_min is not None
        if has_budget and not entities_of(entities, "amount") \
                and (ctx.shopping.active() or reading.types or reading.category) \
                and not _DISCOUNT_WORDS.search(text):
            action = search_from_state(ctx, reading)  # "what about under $140?" is a new budget
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
        if reading.same_line and not reading.brands and (ctx.state.get("focus") or {}).get(
                "brand"):
            reading.brands = [ctx.state["focus"]["brand"]]  # "from the same line"
        action = search_from_state(ctx, reading, recommend=intent == "recommendation")
        action.intent = "recommendation" if intent == "recommendation" else "product_search"
        # the last thing done was putting the focus in the cart: a list is being bought
        just_added = bool(lines) and lines[-1]["external_id"] == focus_id
        wanted = _WANT_THE.search(text)
        if wanted and reading.brands and not text.rstrip().endswith("?") \
                and action.type != "ask_clarification":
            # "I want the Zentrik Slim 10 power bank": bought when the words name one
            # product of the store (checked on what the search finds), else shown
            action.params.update(then="add_to_cart", focus_top=True,
                                 if_named=re.split(r"[,.;!?]", text[wanted.end():])[0],
                                 add={"quantity": reading.quantity or 1,
                                      **add_options(ctx, reading)})
            action.intent = "add_to_cart"
            return action
        # "also a 4 foot nylon leash, cheapest you have": the next item, and which one
        picked = bool(reading.sort in ("cheapest", "most_expensive") and _PICKED.search(text)
                      or reading.superlative)
        listing = just_added and not text.rstrip().endswith("?") and (
            bool(_ALSO.match(text)) and specific(ctx, reading)
            or bool(_ALSO_ANY.match(text)) and picked)
        if (reading.quantity or listing) and (reading.types or listing and reading.new_noun) \
                and action.type != "ask_clarification":
            # "also unscented cat litter, 2 bags": counted, so wanted; "and the hydrating
            # conditioner, 16 oz" right after an add: the next item of a list. The best
            # match goes in
            action.params["then"] = "add_to_cart"
            action.params["focus_top"] = True
            # with a cart filling, the best match; a first request only when one matches
            action.params["only_if_one"] = not lines and not listing
            action.params["add"] = {"quantity": reading.quantity or 1,
                                    **add_options(ctx, reading)}
            action.intent = "add_to_cart"
        return action
    return None


_BUY_VERB = re.compile(r"\b(?:add|order|buy|purchase|take|grab|get)\b", re.IGNORECASE)
_BUY_IT = re.compile(r"\bbuy\s{1,3}(?:it|this|that|this\s{1,3}one|that\s{1,3}one|them)\b",
                     re.IGNORECASE)
_PICKS = re.compile(r"\b(?:the\s{1,3}[a-z]{1,20}\s{1,3}ones?|the\s{1,3}(?:first|second|third|fourth|"
                    r"fifth|last|cheapest|cheaper|other))\b", re.IGNORECASE)
_PAY_WORDS = re.compile(r"\b(?:check\s{0,3}out|pay|payment|checkout)\b", re.IGNORECASE)
_ALSO_WORD = r"\s{0,3}(?:and|also|plus|oh\s{1,3}and|and\s{1,3}also)"
_ALSO = re.compile(_ALSO_WORD + r"\s{1,3}(?:the|that|those)\b", re.IGNORECASE)
_ALSO_ANY = re.compile(_ALSO_WORD + r"\b", re.IGNORECASE)
_WANT_THE = re.compile(r"\bi(?:'d|\s{1,3}would)?\s{1,3}(?:want|like|need|'?ll\s{1,3}(?:take|have)|will\s{1,3}"
                       r"(?:take|have))\s{1,3}(?:the|that)\s{1,3}", re.IGNORECASE)
# which one is said, not only the kind of price ("something cheapish")
_PICKED = re.compile(r"\b(?:cheapest|least\s{1,3}expensive|most\s{1,3}affordable|lowest\s{1,3}price[d]?|"
                     r"priciest|most\s{1,3}expensive)\b", re.IGNORECASE)
_NOT_ORDERED_YET = re.compile(r"\b(?:if|when|once)\s{1,3}(?:i|we)\s{1,3}(?:order|buy|purchase|place|"
                              r"check\s{0,3}out|get\s{1,3}it)\b|\bordered\s{1,3}(?:today|now|tonight)\b",
                              re.IGNORECASE)
_ANY_OF = re.compile(
    r"\b(?:(?:(?:do|does)\s{1,3}(?:any|either|some)(?:\s{1,3}of\s{1,3}(?:them|these|those|"
    r"the\s{1,3}[a-z]{2,20}))?|which\s{1,3}(?:ones|of\s{1,3}(?:them|these|those))|"
    r"which\s{1,3}[a-z]{2,20}s)\s{1,3}(?P<v>have|has|come|comes|include|are|is)"
    r"|(?P<v2>are|is|r)\s{1,3}(?:any|either|some)\s{1,3}of\s{1,3}(?:them|these|those))"
    # "do any of them come in navy?" is a colour asked for: the search narrows
    r"\s{1,3}(?:with\s{1,3})?(?!in\s)(?P<q>[^?.!]{2,60})", re.IGNORECASE)
_ACCEPTS = re.compile(r"\s{0,3}(?:fine|ok(?:ay)?|alright|all\s{1,3}right|sure|deal|go\s{1,3}on|"
                      r"go\s{1,3}ahead|i\s{1,3}guess|that\s{1,3}works|works\s{1,3}for\s{1,3}me)\b",
                      re.IGNORECASE)
_COMPARE = re.compile(r"\b(?:compare|compared|comparison|vs\.?|versus|difference|differ)\b",
                      re.IGNORECASE)
_PARTS = re.compile(r"\band\b|\bvs\.?(?=\s)|\bversus\b|\bor\b|\bwith\b|,|/", re.IGNORECASE)


def _percent_is_offered(ctx: TurnContext, text: str) -> bool:
    """No percentage said, or the one on offer: "fine, 10% then" takes a 10% offer and is
    no yes to a 5% one."""
    said = re.findall(r"(\d{1,2}(?:\.\d{1,2})?)\s{0,2}(?:%|percent)", text, re.IGNORECASE)
    if not said:
        return True
    offer = active_offer(ctx.negotiation, ctx.now)
    return offer is not None and all(
        abs(float(p) - float(offer.get("percent") or 0)) < 0.01 for p in said)


def _topic_answer(ctx: TurnContext, text: str, topic: str) -> Action:
    """A store question on `topic`: the product in view's listing, then the store's pages."""
    return Action("answer_policy", f"{topic} question", params={"topic": topic},
                  steps=_policy_product(ctx) + knowledge_steps(ctx, text, topic))


def _compare_named(ctx: TurnContext, text: str) -> Action | None:
    """"How do the black Auralis and the silver Cordwise compare on price?": each part
    names a product on screen; they are compared side by side."""
    if len(ctx.last_shown) < 2 or not _COMPARE.search(text):
        return None
    picked: list[dict] = []
    for part in _PARTS.split(text):
        if not part.strip():
            continue
        said = read(part, [], ctx.vocab)
        if not (said.brands or said.colors or said.modifiers or said.sizes):
            continue
        targets = resolve([], said, part, shown=ctx.last_shown, focus=None, cart_lines=[],
                          vocab=ctx.vocab, types=ctx.shopping.product_types)
        if targets.how in ("descriptor", "name", "ordinal") and targets.products:
            product = targets.products[0]
            if all(p["external_id"] != product["external_id"] for p in picked):
                picked.append(product)
    if len(picked) < 2:
        return None
    return Action("compare_products", "compare the products named",
                  steps=[ToolStep("compare_products",
                                  {"external_ids": [p["external_id"] for p in picked[:4]]})],
                  stage="consideration", intent="compare_products")


_ALTERNATIVES = re.compile(r"\bor\b|\bvs\.?(?=\s)|\bversus\b|\band\b", re.IGNORECASE)
_PRICES_ASKED = re.compile(r"\b(?:how\s{1,3}much|price|prices|priced|cost|costs|cheaper|cheapest|"
                           r"less\s{1,3}expensive|pricier|compare|vs\.?|versus)\b", re.IGNORECASE)


def _quote_named(ctx: TurnContext, text: str, reading: Reading) -> Action | None:
    """"The velvetine airstyle or the purelle silkpro - which one's cheaper?", "how much is
    the X vs the Y?": products named by the shopper, not on screen, each looked up (its best
    match) and quoted side by side. A part naming no product of its own ("and the velvet
    one") takes the kind and maker of the part before."""
    if not _PRICES_ASKED.search(text) and not reading.superlative and not _COMPARE.search(text):
        return None  # "what's the difference between the X and the Y": each looked up too
    parts = [p for p in _ALTERNATIVES.split(text) if p.strip()]
    if len(parts) < 2:
        return None
    wanted: list[dict] = []
    base: Reading | None = None
    for part in parts:
        said = read(part, [], ctx.vocab)
        named = bool(said.brands or (said.types and (said.modifiers or said.colors)))
        if not named and base is not None and (said.modifiers or said.colors) \
                and re.search(r"\bones?\b", part):
            said = replace(said, brands=list(base.brands), types=base.types)
            named = True
        if not named:
            continue
        base = base or said
        state, _ = update(ShoppingState(), replace(said, superlative=None, sort=None))
        wanted.append({**search_arguments(state, ctx.vocab, k=1),
                       "named": " ".join(part.split())[:300]})
    if len(wanted) < 2 or all(not w.get("brands") for w in wanted) and any(
            p.get("external_id") for p in ctx.last_shown):
        return None  # the kind on screen, said twice, is a pick, not two products
    steps = [ToolStep("search_products", {**args, "k": 1, **({"append": True} if i else {})})
             for i, args in enumerate(wanted[:3])]
    return Action("quote_named", "prices of the products named", steps=steps,
                  stage="consideration", intent="price_inquiry",
                  params={"which": reading.superlative})


def _named_in_view(ctx: TurnContext, intent: str, entities: list[dict], reading: Reading,
                   text: str) -> Action | None:
    """"The Orbit one in white", "the blue Brickwick one": a product on screen picked by
    what it is called; it comes into focus, with the colour asked for kept for the cart."""
    if not ctx.last_shown or reading.types or reading.question or intent in (
            "add_to_cart", "remove_from_cart", "compare_products", "checkout", "view_cart"):
        return None
    described = descriptor_words(entities, reading)
    if (not described and not reading.brands) or buying(intent, entities, reading,
                                                            bool(ctx.shopping.quantity)):
        return None
    targets = resolve(entities, reading, text, shown=ctx.last_shown, focus=None,
                      cart_lines=[], vocab=ctx.vocab, types=ctx.shopping.product_types)
    if targets.how == "unmatched":
        return search_for_pick(ctx, reading, entities, add=False)
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


HAGGLE = re.compile(r"\b(?:discount|off|deal|coupon|promo|code|better\s{1,3}price|reduce|"
                     r"knock|lower|best\s{1,3}price|price\s{1,3}match)\b", re.IGNORECASE)


def _about_this_search(ctx: TurnContext, reading: Reading) -> bool:
    """A superlative that names a product type is about the current search when the type
    is the one being looked at ("the cheapest headlamp you showed me")."""
    if not reading.types:
        return True
    labels = set(reading.types.labels)
    return bool(labels & set(ctx.shopping.product_types)) or any(
        p.get("product_type") in labels for p in ctx.last_shown) or not ctx.last_shown


_EACH_OPTION = re.compile(r"\b(?:one|1|a\s{1,3}pair)\s{1,3}(?:in|for)\b[^.?!]{1,60}\b(?:and|&|plus)\s{1,3}"
                          r"(?:one|1|a\s{1,3}pair|another)\s{1,3}(?:in|for)\b", re.IGNORECASE)
_HAVE_IT = re.compile(r"\s{0,3}(?:(?:so|and|ok|hey|hi)[,\s]{1,3})?(?:(?:do|does|did)\s{1,3}(?:you|u|ya|they|it)"
                      r"\s{1,3}(?:have|got|carry|stock|sell|come)|have\s{1,3}(?:you|u)\s{1,3}got|"
                      r"(?:is|are)\s{1,3}there|any\s{1,3}chance)\b", re.IGNORECASE)
_BY_HOW_MUCH = re.compile(r"\bby\s{1,3}how\s{1,3}much\b|\bhow\s{1,3}much\s{1,3}(?:cheaper|less|more|"
                          r"dearer|pricier)\b|\b(?:price|cost)\s{1,3}difference\b|"
                          r"\bdifference\s{1,3}in\s{1,3}(?:price|cost)\b", re.IGNORECASE)
_NEXT_ON_LIST = re.compile(r"\s{0,3}(?:also|and|plus|now|then|next|oh\s{1,3}and)\b",
                           re.IGNORECASE)
_GO_WITH = re.compile(r"\b(?:go(?:ing)?\s{1,3}(?:with|for)|i'?ll\s{1,3}(?:go\s{1,3}with|have)|"
                      r"that'?ll\s{1,3}do)\b", re.IGNORECASE)


def _listing_text(p: dict) -> str:
    bits = (p.get("name"), p.get("material"), p.get("product_type"), p.get("description"))
    return " ".join(str(b) for b in bits if b).lower()


def _superlative(ctx: TurnContext, intent: str, entities: list[dict], text: str,
                 reading: Reading, lines: list[dict]) -> Action:
    asked = bool(re.match(r"\s{0,3}(?:what|which|whats|how|is|are|do|does)\b", text,
                          re.IGNORECASE)) or text.rstrip().endswith("?") or bool(re.search(
        r"\b(?:show|tell|see|details?|more\s{1,3}about)\b", text, re.IGNORECASE))
    # "a dozen of the cheapest white one please", "cheapest one in XL, any colour", "go
    # with the cheapest": a pick with what the cart needs is an order, a question is not
    # "also a 25 foot tape measure, the cheapest you have" with the cart filling: the next
    # thing on a list being bought
    listing = bool(lines) and bool(_NEXT_ON_LIST.match(text)) and not asked
    buy = intent == "add_to_cart" or reading.add_words or bool(reading.quantity) or listing or (
        not asked and (reading.polite or bool(reading.count and reading.select_count == 1)
                       or (not reading.types and (
                           reading.any_color or bool(reading.sizes) or bool(_GO_WITH.search(text))
                           or bool(re.search(r"\b(?:please|pls|plz|thanks|thx)\b", text,
                                             re.IGNORECASE))))))
    if not reading.scope_catalog and ctx.last_shown and reading.sizes \
            and not any(available_in(p, [], reading.sizes) for p in ctx.last_shown):
        # "also add one of the tinted spf 30 ones, whichever is cheapest": none on screen is
        # one, so the store's
        reading = replace(reading, scope_catalog=True)
    labels = [label for c in reading.colors for label in ctx.vocab.colour_labels(c)]
    if not reading.scope_catalog and ctx.last_shown and labels and not any(
            available_in(p, labels) for p in ctx.last_shown):
        # "a red nail polish, cheapest is fine" with only a nude one on screen: the store's
        reading = replace(reading, scope_catalog=True)
    said = [w for m in reading.materials for w in m.split() if len(w) > 2]
    if not reading.scope_catalog and ctx.last_shown and said and not any(
            all(w in _listing_text(p) for w in said) for p in ctx.last_shown):
        # "and the cheapest aluminium pair?" with only carbon ones on screen: the store's
        reading = replace(reading, scope_catalog=True)
    if reading.scope_catalog and of_each_kind(text, ctx.last_shown):
        # "the cheapest of each that you have" after two kinds were looked for: each list
        # on screen is that kind's search, so of those
        reading = replace(reading, scope_catalog=False)
    if reading.scope_catalog or not ctx.last_shown:
        if reading.select_count > 1 and not buy:
            reading.sort = reading.superlative  # "the 3 cheapest you have": a short list
            reading.superlative = None
            action = search_from_state(ctx, reading, k=reading.select_count)
            action.intent = "product_search"
            return action
        action = select_from_catalog(ctx, reading, buy, entities)
    else:
        # "which is cheapest?" after "walnut desks": the cheapest there is in walnut
        wanted = replace(reading, colors=reading.colors or list(ctx.shopping.colors),
                         sizes=reading.sizes or list(ctx.shopping.sizes))
        targets = resolve(entities, wanted, text, shown=ctx.last_shown, focus=None,
                          cart_lines=lines, vocab=ctx.vocab, types=ctx.shopping.product_types)
        if buy:
            action = add(ctx, targets.products, entities, reading, targets,
                          reason=f"the {reading.superlative} of those shown")
        else:
            chosen = targets.products[0]
            ctx.focus(chosen)
            steps = [ToolStep("product_details", {"external_id": chosen["external_id"]})]
            params = {"superlative": reading.superlative, "scope": "shown"}
            others = [p for p in ctx.last_shown if p.get("external_id") != chosen["external_id"]
                      and p.get("currency") == chosen.get("currency")
                      and isinstance(p.get("price_minor"), int)]
            if _BY_HOW_MUCH.search(text) and others:
                # "which one is cheaper and by how much": the next one in that order too,
                # read before the chosen one (which keeps the focus), and the gap
                runner_up = sorted(others, key=lambda p: p["price_minor"],
                                   reverse=reading.superlative != "cheapest")[0]
                steps.insert(0, ToolStep("product_details",
                                         {"external_id": runner_up["external_id"]}))
                params["by_how_much"] = True
            action = Action("select_product", f"the {reading.superlative} of those shown",
                            steps=steps, stage="consideration", params=params)
    action.intent = "add_to_cart" if buy else "price_inquiry"
    return action


def _option_chosen(ctx: TurnContext, reading: Reading, text: str) -> bool:
    """"Ugh ok XL then" about the one product in view: that size, bought."""
    one = len(ctx.last_shown) == 1 or bool(ctx.state.get("focus"))
    return one and bool(reading.sizes or reading.colors) and not reading.types \
        and not reading.question and not text.rstrip().endswith("?") \
        and len(text.split()) <= 5 and bool(re.search(
            r"\b(?:then|instead|fine|i\s{0,3}guess)\b", text, re.IGNORECASE))


def buying(intent: str, entities: list[dict], reading: Reading, counted: bool = False) -> bool:
    """An add: said ("add", "I'll take"), counted ("2 bags of the unscented one", or "need
    2" said while looking: `counted`), or a pick with what the cart needs ("the first one,
    any colour")."""
    if reading.types and not reading.add_words and intent != "add_to_cart":
        return False
    if intent in ("discount_request", "price_objection") and HAGGLE.search(" ".join(
            reading.words)) or intent in ("discount_request", "price_objection") and not \
            reading.add_words:
        return False  # "give me 100% off" is haggling, whatever else it says
    if intent == "add_to_cart" or reading.add_words:
        return intent not in ("remove_from_cart", "checkout", "view_cart")
    if (len(reading.sizes) > 1 or len(reading.colors) > 1) and _EACH_OPTION.search(reading.text):
        return True  # "lavender please - one in small for me and one in large for my sister"
    referred = any(e.get("type") == "reference" and ("ordinal" in (e.get("value") or {})
                                                     or (e.get("value") or {}).get(
                                                         "descriptor"))
                   for e in entities)
    if not referred or reading.question or reading.details or intent in (
            "compare_products", "remove_from_cart"):
        return False
    if _HAVE_IT.match(reading.text):
        return False  # "do you have the first one in medium?": asked, not bought
    if _GO_WITH.search(reading.text) and not reading.text.rstrip().endswith("?"):
        return True  # "go with the carbon ones": chosen
    ordinal = any(e.get("type") == "reference" and "ordinal" in (e.get("value") or {})
                  for e in entities)
    # "the first one in black" buys; "the grey ones" only points (its colour is its name)
    return bool(reading.quantity or counted or reading.any_color or reading.sizes
                or (reading.colors and ordinal) or reading.polite)


def _wanted_options(ctx: TurnContext, reading: Reading) -> None:
    """The size and colour asked about are the ones wanted, for "add 2" next."""
    ctx.shopping.sizes = list(reading.sizes) or ctx.shopping.sizes
    ctx.shopping.colors = list(reading.colors) or ctx.shopping.colors


def _availability(ctx: TurnContext, entities: list[dict], reading: Reading,
                  text: str) -> Action | None:
    """"Do you have it in walnut?", "in size 9?": about the product in focus, or, with a
    list on screen, a refinement whose best match comes into focus."""
    focus = ctx.state.get("focus")
    params = {"size": reading.sizes[0] if reading.sizes else None,
              "color": reading.colors[0] if reading.colors else None}
    params = {k: v for k, v in params.items() if v}
    if ctx.last_shown and any(e.get("type") == "reference" and "ordinal" in (
            e.get("value") or {}) for e in entities):
        # "do you have the first one in medium?": that one, in that size
        targets = resolve(entities, replace(reading, sizes=[], colors=[]), text,
                          shown=ctx.last_shown, focus=None, cart_lines=[], vocab=ctx.vocab,
                          types=ctx.shopping.product_types)
        if targets.how == "ordinal" and targets.products:
            ctx.focus(targets.products[0])
            _wanted_options(ctx, reading)
            return Action("check_availability", "availability of the product picked",
                          steps=[ToolStep("product_details",
                                          {"external_id": targets.products[0]["external_id"]})],
                          params=params, stage="consideration", intent="availability")
    if focus and re.search(r"\b(?:it|that|this|that\s{1,3}one|this\s{1,3}one)\b",
                           text, re.IGNORECASE):
        _wanted_options(ctx, reading)
        return Action("check_availability", "availability of the product in focus",
                      steps=[ToolStep("product_details", {"external_id": focus["external_id"]})],
                      params=params, stage="consideration", intent="availability")
    if not ctx.shopping.active() and not ctx.last_shown:
        return None
    action = search_from_state(ctx, reading)
    if re.search(r"\b(?:it|that\s{1,3}one|this\s{1,3}one)\b", text, re.IGNORECASE):
        action.params["focus_top"] = True  # "it": one product in mind, the best match
    action.intent = "product_search"
    return action


# Handing over silences the agent, so only a plain yes accepts the offer of a person
# ("yes please", "ok go ahead"), never whatever the classifier read as agreement.
_YES_WORDS = r"(?:yes|yeah|yep|yup|sure|ok|okay|please|go ahead|do it|do that|that would be " \
             r"(?:great|good|nice)|i(?:'d| would) like that|connect me|pass me on|thanks|" \
             r"thank you)"
_ACCEPTS_PERSON = re.compile(rf"^{_YES_WORDS}(?:[ ,]+{_YES_WORDS})*$")


def _accepts_a_person(text: str) -> bool:
    plain = re.sub(r"[.!\s]+$", "", " ".join(text.lower().replace("’", "'").split()))
    return bool(_ACCEPTS_PERSON.match(plain))


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
                                                       **add_options(ctx, reading)})],
                          stage="consideration")
        if proposal.get("type") == "create_checkout":
            return Action("create_checkout", "shopper accepted the proposal to check out",
                          steps=[ToolStep("create_checkout_link", {})], stage="checkout")
        if proposal.get("type") == "handoff" and _accepts_a_person(text):
            return Action("handoff_to_human", "shopper accepted the offer of a person",
                          steps=[ToolStep("handoff_to_human",
                                          {"reason": str(proposal.get("reason"))[:300]})])
        return Action("confirm_proposal", "yes without a pending proposal")
    if intent == "deny":
        return Action("acknowledge_decline", "shopper declined",
                      params={"declined": proposal.get("type")})
    if intent in ("product_search", "recommendation"):
        return search_from_state(ctx, reading, recommend=intent == "recommendation")
    if intent in ("product_details", "price_inquiry", "availability"):
        then = {"product_details": "show_product_details", "price_inquiry": "quote_price",
                "availability": "check_availability"}[intent]
        targets = resolve(entities, reading, text, shown=ctx.last_shown,
                          focus=ctx.state.get("focus"), cart_lines=cart.lines(ctx.state),
                          vocab=ctx.vocab, types=ctx.shopping.product_types)
        named_new = reading.types and not any(
            t.get("product_type") in reading.types.labels for t in targets.products)
        if targets.how == "unmatched":
            return search_for_pick(ctx, reading, entities, add=False)
        if targets.how == "none" or named_new:
            return lookup(ctx, reading, then) or ask_which(ctx, then)
        params = {"size": reading.sizes[0] if reading.sizes else None,
                  "color": reading.colors[0] if reading.colors else None,
                  "how": targets.how}
        products = targets.products if then == "quote_price" else targets.products[:1]
        return details_of(products, then, f"{intent} for the product in question",
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
        return add_to_cart(ctx, entities, text, reading, proposal)
    if intent == "remove_from_cart":
        if not cart.lines(ctx.state) and (reading.types or reading.category):
            return search_from_state(ctx, reading)  # "I don't want to spend more than 400 on a tent"
        return remove(ctx, entities, text, reading)
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
        if (reading.types or reading.brands) and not (
                ctx.last_shown or ctx.state.get("focus") or cart.lines(ctx.state)):
            # "the northvane beanie in burgundy - do you ship it free?": found, then read
            action = search_from_state(ctx, reading)
            if action.type != "ask_clarification":
                action.params.update(then="answer_policy", topic=_POLICY_TOPICS[intent])
                action.intent = intent
                return action
        return _topic_answer(ctx, text, _POLICY_TOPICS[intent])
    if intent == "order_status" and not first_of(entities, "order_id") \
            and _NOT_ORDERED_YET.search(text):
        # "when would it arrive if I order today?": delivery times, not an order to find
        action = _topic_answer(ctx, text, "shipping")
        action.intent = "shipping_info"
        return action
    if intent in ("order_status", "order_change"):
        return Action("order_support", "question about an existing order",
                      params={"order_id": first_of(entities, "order_id"), "kind": intent})
    if intent == "account_help":
        return Action("account_support", "account question")
    if intent == "human_handoff":
        return Action("handoff_to_human", "shopper asked for a person",
                      steps=[ToolStep("handoff_to_human", {"reason": "shopper asked"})])
    if intent == "complaint":
        return Action("handle_complaint", "shopper is unhappy")
    if reading.types or reading.category or reading.brands:
        return search_from_state(ctx, reading)  # a message naming what the store sells is a search
    # anything else the store's articles may cover ("are you open on Sundays?")
    return Action("out_of_scope", "not a store matter", params={"reason": "unknown"},
                  steps=knowledge_steps(ctx, text, None))


# "can I speak to customer service?" asks for a person, "what's your phone number?" for
# the store's details
_TO_A_PERSON = re.compile(r"\b(?:talk|speak|chat|connect|transfer|put\s{1,3}me\s{1,3}through|"
                          r"get\s{1,3}me|want|need)\b", re.IGNORECASE)
_QUESTION_START = re.compile(r"\s{0,3}(?:is|are|does|do|did|can|could|will|would|how|what|"
                             r"whats|what's|any|anything|should|must)\b", re.IGNORECASE)


def _asks(intent: str, text: str, reading: Reading) -> bool:
    """A question on a policy topic, not an order being changed or a cart being filled."""
    if reading.add_words or reading.remove_words or intent in ("checkout", "human_handoff"):
        return False
    return "?" in text or bool(_QUESTION_START.match(text)) or intent in _POLICY_TOPICS or \
        bool(re.search(r"[,;]\s{0,3}(?:is|are|does|do|can|will)\s", text, re.IGNORECASE))


def _names_a_thing_not_in_view(ctx: TurnContext, reading: Reading) -> bool:
    """The message's product noun ("glasses") is none of what is in view or in focus."""
    noun = reading.new_noun
    if not noun or not is_product_word(noun):
        return False
    seen = ctx.last_shown + [ctx.state.get("focus") or {}]
    text = " ".join(f"{p.get('name') or ''} {p.get('product_type') or ''}" for p in seen)
    return noun not in {singular(w) for w in words(text.lower())}


def _new_search(ctx: TurnContext, reading: Reading) -> bool:
    """"Do you have a sofa with free delivery?" names a kind of product nobody is looking
    at: a search, not a question about one."""
    if not reading.types:
        return False
    seen = [p.get("product_type") for p in ctx.last_shown] + [
        (ctx.state.get("focus") or {}).get("product_type")] + list(ctx.shopping.product_types)
    return not set(reading.types.labels) & {t for t in seen if t}


def _policy_answer(ctx: TurnContext, entities: list[dict], reading: Reading,
                   text: str) -> Action:
    """"The white one, is there any warranty on it?": the listing of the product meant,
    read for the topic, and the store's own policy and help articles."""
    lines = cart.lines(ctx.state)
    targets = resolve(entities, reading, text, shown=ctx.last_shown,
                      focus=ctx.state.get("focus"), cart_lines=lines, vocab=ctx.vocab,
                      types=ctx.shopping.product_types)
    steps = _policy_product(ctx)
    if targets.how in ("ordinal", "descriptor", "name", "superlative") and targets.products:
        product = targets.products[0]
        ctx.focus(product)
        steps = [ToolStep("product_details", {"external_id": product["external_id"]})]
    intent = {"returns": "returns_refunds", "shipping": "shipping_info",
              "payment": "payment_help"}.get(reading.topic or "", "product_details")
    if (reading.types or reading.brands) and (targets.how == "unmatched" or not (
            ctx.last_shown or ctx.state.get("focus") or lines)):
        # "the auralis headphones in black, how fast do they ship?": found, then its listing
        action = search_from_state(ctx, reading)
        if action.type != "ask_clarification":
            action.params.update(then="answer_policy", topic=reading.topic)
            action.intent = intent
            return action
    return Action("answer_policy", f"{reading.topic} question", params={"topic": reading.topic},
                  steps=steps + knowledge_steps(ctx, text, reading.topic), intent=intent)


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
