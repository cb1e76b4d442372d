"""The searches an action makes: from the conversation's shopping state, over the whole
store for "the cheapest you have", for a product a question names, and for a pick that
nothing on screen fits ("the black one")."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from agentpay.orchestrator.actions import Action, ToolStep
from agentpay.orchestrator.buying import add_options, count_of
from agentpay.orchestrator.context import TurnContext
from agentpay.orchestrator.references import descriptor_words
from agentpay.orchestrator.shopping import ShoppingState, search_arguments, update
from agentpay.understanding.entities import is_product_word
from agentpay.understanding.lexicon import singular
from agentpay.understanding.reading import Reading

# --------------------------------------------------------------------------------------
# Searching
# --------------------------------------------------------------------------------------

def _not_carried(ctx: TurnContext, state) -> str | None:
    """The thing asked for when no product of the store is called that ("yoga mats" in a
    store without mats): the list is the closest there is, and is said to be."""
    if state.product_types or state.category or not state.query:
        return None
    def known(word: str) -> bool:
        return any(ctx.vocab.has_word(w) or w in ctx.vocab.type_words
                   for w in (word, singular(word)))

    said = state.query.split()
    # "yoga mats" where no product is a mat; "wine glasses" where "glass" is only a lamp's
    unknown = [w for w in said if len(w) > 2 and w.isalpha() and not known(w)]
    if not unknown:
        return None
    if is_product_word(singular(said[-1])):
        return f"any {state.query}"
    # "a gift for my mum, she loves gardening": an interest no listing names
    content = [w for w in said if w not in _GIFT_WORDS]
    if content and all(w in unknown for w in content):
        return f"anything for {' '.join(content)}"
    return None


_GIFT_WORDS = frozenset({"gift", "gifts", "present", "presents", "something", "stuff", "idea",
                         "ideas"})


def search_from_state(ctx: TurnContext, reading: Reading, *, recommend: bool = False,
            then: str | None = None, k: int = 5) -> Action:
    """Update the shopping state from the message and search from the state."""
    base = ctx.shopping
    if reading.words and _not_carried(ctx, base) and not set(reading.words) & set(
            base.query.split()):
        # "gift ideas for a coffee lover" after yoga mats the store has none of: nothing
        # of that search to narrow, so this one starts afresh
        base = ShoppingState()
    state, change = update(base, reading)
    if change == "none":
        return Action("ask_clarification", "no product words in a search",
                      question="what_looking_for", params={"kind": "what"})
    ctx.shopping = state
    args = search_arguments(state, ctx.vocab, k=k)
    note = None
    if args.get("currency") and args["currency"] != ctx.currency:
        # the store sells in one currency: "under 150 quid" is read as 150 of its own
        note = {"said": args.pop("currency"), "store": ctx.currency}
        state.currency = ctx.currency  # said once; the list says the store's amounts
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
    missing = _not_carried(ctx, state)
    if missing:
        params["not_carried"] = missing
    return Action(kind, f"{change} search for {args['query']!r}",
                  steps=[ToolStep("search_products", args)], stage="browsing", params=params)


def more_of(ctx: TurnContext) -> Action:
    """"Any others?": the same search, past the products it has shown."""
    if not ctx.shopping.active():
        return Action("ask_clarification", "more of nothing being looked for",
                      question="what_looking_for", params={"kind": "what"})
    args = search_arguments(ctx.shopping, ctx.vocab)
    seen = ctx.state.get("seen") or [p.get("external_id") for p in ctx.last_shown]
    args["exclude_ids"] = [i for i in seen if isinstance(i, str)][:60]
    params = {"query": args["query"], "change": "more", "more": True,
              "described": ctx.shopping.describe(ctx.currency),
              "filters": {k: v for k, v in args.items() if k not in ("query", "k", "exclude_ids")}}
    missing = _not_carried(ctx, ctx.shopping)
    if missing:
        params["not_carried"] = missing  # "any others?" after yoga mats the store has none of
    return Action("search_products", f"more of {args['query']!r}",
                  steps=[ToolStep("search_products", args)], stage="browsing", params=params)


def select_from_catalog(ctx: TurnContext, reading: Reading, add: bool,
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
                          "add": {"quantity": count_of(entities, reading, ctx),
                                  **add_options(ctx, reading)} if add else None})


# --------------------------------------------------------------------------------------
# Questions about products
# --------------------------------------------------------------------------------------

def details_of(targets: list[dict], action: str, reason: str, params: dict) -> Action:
    return Action(action, reason,
                  steps=[ToolStep("product_details", {"external_id": t["external_id"]})
                         for t in targets[:4]],
                  params=params, stage="consideration")


def ask_which(ctx: TurnContext, action: str) -> Action:
    if not ctx.last_shown:
        return Action("ask_clarification", f"{action}: nothing shown yet",
                      question="which_product", params={"for": action})
    return Action("ask_clarification", f"{action}: which product is unclear",
                  question="which_product",
                  params={"for": action, "options": [p["external_id"]
                                                     for p in ctx.last_shown[:5]]})


def lookup(ctx: TurnContext, reading: Reading, then: str) -> Action | None:
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
    action = search_from_state(ctx, pick)
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


def search_for_pick(ctx: TurnContext, reading: Reading, entities: list[dict], *,
                     add: bool) -> Action:
    """"The black one", "the forest green one from Tallpine", "the 1000 piece one" when
    nothing on screen is that: the current search narrowed by what was said, its best match
    brought into focus, and added when the shopper was buying."""
    said = descriptor_words(entities, reading)
    pick = replace(reading, superlative=None,
                   modifiers=list(reading.modifiers) + ([" ".join(said)] if said else []))
    action = search_from_state(ctx, pick)
    if action.type == "ask_clarification":
        return ask_which(ctx, "add_to_cart" if add else "show_product_details")
    action.params["focus_top"] = True
    if add:
        action.params["then"] = "add_to_cart"
        action.params["add"] = {"quantity": count_of(entities, reading, ctx),
                                **add_options(ctx, reading)}
        action.intent = "add_to_cart"
    return action
