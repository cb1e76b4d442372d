"""The six layers of one shopper message, in order, over one loaded turn.

understand (intent, entities) -> enrich (history, cart, hesitation, references) ->
decide (action) -> invoke tools (registry) -> generate (model or offline) -> remember
(stage, proposal, hesitation; saved by the caller in the turn's one write, after).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentpay.knowledge.tool import steps as knowledge_steps
from agentpay.orchestrator import offline, stages
from agentpay.orchestrator.actions import Action
from agentpay.orchestrator.cards import shown_ids, text_with_cards
from agentpay.orchestrator.cart_moves import set_line
from agentpay.orchestrator.context import TurnContext, back_to
from agentpay.orchestrator.decide import decide
from agentpay.orchestrator.generate import generate
from agentpay.orchestrator.references import available_in
from agentpay.tools.default import default_registry, enabled_tools
from agentpay.tools.registry import ToolResult
from agentpay.understanding.kinds import split_colours, split_kinds
from agentpay.understanding.lexicon import expand_abbreviations
from agentpay.understanding.reading import Reading, read
from agentpay.understanding.requests import split_requests

logger = logging.getLogger(__name__)

_HESITATION = {"price_objection": "price_objection", "discount_request": "discount_request"}
MAX_SIGNALS = 50


@dataclass
class TurnOutcome:
    text: str
    intent: str
    confidence: float
    source: str
    entities: list[dict]
    action: Action
    results: list[ToolResult]
    stage: str
    usage: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)

    def tool_records(self) -> list[dict]:
        return [{"action": self.action.record()}] + [r.record() for r in self.results]

    def products(self) -> list[dict]:
        """Products this reply shows (for cards in a widget): the ones ``shown_ids`` picks
        from its tool records, as a replay picks them, with this turn's data."""
        found: dict[str, dict] = {}
        for r in self.results:
            if r.ok and r.data:
                for p in r.data.get("products") or []:
                    found[p["external_id"]] = {k: v for k, v in p.items() if k not in (
                        "score", "matched", "variants", "description")}
                if "product" in r.data:
                    p = r.data["product"]
                    found[p["external_id"]] = {k: v for k, v in p.items()
                                               if k not in ("variants", "description")}
        return [found[i] for i in shown_ids([r.record() for r in self.results]) if i in found]

    def text_with_cards(self) -> str:
        """The reply for a client that shows ``products()`` as cards: without the listing
        the cards repeat (see ``orchestrator.cards``)."""
        return text_with_cards(self.text, self.products())


@dataclass
class _Given:
    """What a control's change stands for, in place of what a message was understood as:
    its intent, certain, from no classifier."""

    intent: str
    confidence: float = 1.0
    source: str = "control"
    entities: list[dict] = field(default_factory=list)


# The shopper points back past the list on screen: "go back to the very first jacket you
# showed me", "the first one you showed me before", "the one from earlier".
_BACK = re.compile(r"\b(?:go(?:ing)?\s{1,3}back\s{1,3}to|very\s{1,3}first|(?:showed|shown)\s{1,3}"
                   r"(?:me\s{1,3})?(?:before|earlier|at\s{1,3}first|first)|from\s{1,3}(?:before|"
                   r"earlier)|the\s{1,3}earlier\s{1,3}one|the\s{1,3}(?:first|original)\s{1,3}(?:list|"
                   r"results?|ones?\s{1,3}you\s{1,3}showed))\b")
_OLDEST = re.compile(r"\bvery\s{1,3}first\b|\bat\s{1,3}first\b|\boriginal\b")


def _understand(ctx: TurnContext, text: str):
    from agentpay.understanding.classifier import classify

    low = text.lower()
    if _BACK.search(low):
        back_to(ctx.state, oldest=bool(_OLDEST.search(low)))
    context = {"last_shown": ctx.last_shown, "focus": ctx.state.get("focus"),
               "currency": ctx.currency}
    text = expand_abbreviations(text)  # "blk hoodie sz M": black hoodie size M
    understanding = classify(text, context)
    reading = read(text, understanding.entities, ctx.vocab, currency=ctx.currency)
    reading.text = text
    reading.intent_source = understanding.source
    reading.intent_confidence = understanding.confidence
    return understanding, reading


def _infer_type(ctx: TurnContext, products: list[dict]) -> None:
    """A search whose words could mean several of the store's product types ("gym shoes":
    five kinds of shoe) whose results are mostly of one of them is about that type: later
    refinements ("in navy?") keep to it. Words that name no type ("a gift for my dad")
    stay words: the results of one search do not decide what the next one is about."""
    state = ctx.shopping
    if len(state.product_types) < 2 or not products:
        return  # only a choice among the types the words could mean ("gym shoes")
    types = [p.get("product_type") for p in products[:5]]
    top = types[0]
    if top and types.count(top) >= max(2, (len(types) + 1) // 2 + 1) \
            and (not state.product_types or top in state.product_types):
        state.product_types = [top]
        state.inferred_type = True


def _note_hesitation(ctx: TurnContext, intent: str, seq: int) -> None:
    signal = _HESITATION.get(intent)
    proposal = (ctx.state.get("proposal") or {}).get("type")
    if intent == "deny" and proposal == "create_checkout":
        signal = "declined_checkout"
    if intent == "remove_from_cart":
        signal = "removed_item"
    if signal:
        ctx.hesitation.append({"signal": signal, "at": ctx.now.isoformat(), "seq": seq})
        del ctx.hesitation[:-MAX_SIGNALS]


def _next_proposal(action: Action, results: list[ToolResult], ctx: TurnContext,
                   draft: str = "") -> dict | None:
    ok = {r.name: r for r in results if r.ok}
    if "cart_add" in ok or ("offer_discount" in ok and ok["offer_discount"].data.get("offered")):
        return {"type": "create_checkout"}
    if action.type in ("show_product_details", "quote_price", "check_availability",
                       "answer_question", "select_product") \
            and "product_details" in ok:
        if not ok["product_details"].data["product"].get("in_stock", True):
            return None  # never propose adding what cannot be bought
        return {"type": "add_to_cart",
                "external_id": ok["product_details"].data["external_id"]}
    search = ok.get("search_products")
    if search and search.data["count"] == 1:
        return {"type": "add_to_cart", "external_id": search.data["external_ids"][0]}
    if offline.OFFERS_A_PERSON in draft:
        # the agent could not help and offered a person: "yes please" accepts (issue 20)
        return {"type": "handoff", "reason": f"the agent could not help ({action.type}); "
                                             "the shopper accepted a person"}
    return None


def _stage_target(action: Action, results: list[ToolResult]) -> str | None:
    if action.stage is None:
        return None
    if action.steps and not any(r.ok for r in results):
        return None  # nothing happened; the conversation has not moved on
    return action.stage


def _remember_pending(ctx: TurnContext, results: list[ToolResult]) -> None:
    """After "which size?" the next message may be just "10": keep what was asked."""
    ctx.state.pop("pending", None)
    for r in results:
        if r.name != "cart_add" or r.ok or not r.error:
            continue
        details = r.error.get("details") or {}
        needs, options = None, []
        if r.error["code"] in ("needs_size", "size_unavailable"):
            needs, options = "size", details.get("sizes") or []
        elif r.error["code"] == "out_of_stock" and details.get("in_stock_sizes"):
            needs, options = "size", details["in_stock_sizes"]
        elif r.error["code"] in ("needs_color", "color_unavailable"):
            needs, options = "color", details.get("colors") or []
        if needs and options:
            pending = {"external_id": r.arguments["external_id"], "needs": needs,
                       "options": options, "quantity": r.arguments.get("quantity", 1)}
            for key in ("size", "color"):
                if key != needs and r.arguments.get(key):
                    pending[key] = r.arguments[key]
                # "do you have it in medium?" then "add 2", "navy": the size said before
                if key != needs and r.arguments.get(f"{key}_hint"):
                    pending[f"{key}_hint"] = r.arguments[f"{key}_hint"]
            ctx.state["pending"] = pending


def _names_all(phrase: str, name: str) -> bool:
    from agentpay.orchestrator.decide import _name_match

    return bool(_name_match(phrase, [{"name": name}]))


_NOT_NAME = frozenset({"the", "a", "an", "and", "with", "in", "of", "one", "please", "pls"})


def _named_one(phrase: str, products: list[dict]) -> bool:
    """Whether the shopper's words name the first product found, in stock, and not the
    next: every word of theirs is in its brand and name (a number as a whole word: "Slim
    10" is not "Slim 20000mAh")."""
    said = [w for w in re.findall(r"[a-z0-9]+", phrase.lower()) if w not in _NOT_NAME]

    def named(p: dict) -> bool:
        have = re.findall(r"[a-z0-9]+", f"{p.get('brand') or ''} {p.get('name') or ''}".lower())
        return all(w in have if w.isdigit() else any(h.startswith(w.removesuffix("s"))
                                                     for h in have) for w in said)

    return bool(said) and products[0].get("in_stock", True) and named(products[0]) \
        and not (len(products) > 1 and named(products[1]))


class Engine:
    """Runs one turn, with no transaction open: the caller claims the turn before and saves
    the outcome after (conversations.service.send_message). State changes stay in the
    TurnContext until that save."""

    def __init__(self, registry=None) -> None:
        self.registry = registry or default_registry()

    def _follow_up(self, ctx: TurnContext, action: Action, results: list[ToolResult],
                   allowed: list[str], reading: Reading) -> list[ToolResult]:
        """What a search leads to in the same turn: the product asked about answered
        about; the best match of "do you have it in walnut?" or of "the cheapest you
        have" brought into focus (and added, when that was asked); a search whose top hit
        is exactly what was named puts that product in focus ("add it")."""
        search = next((r for r in results if r.name == "search_products" and r.ok), None)
        if search is None or not search.data["products"]:
            return []
        products = search.data["products"]
        if action.type in ("search_products", "refine_search", "recommend_products"):
            _infer_type(ctx, products)
        top = next((p for p in products if p.get("in_stock", True)), products[0])
        if action.params.get("then") == "replace_in_cart":
            old = action.params["replace"]
            wanted = (action.params.get("filters") or {}).get("colors") or []
            sizes = (action.params.get("filters") or {}).get("size_keys") or []
            # "swap it for navy" in L: one that comes in navy in L, else one in navy
            others = [p for p in products if p["external_id"] != old["external_id"]
                      and p.get("in_stock", True)]
            top = next((p for p in others if available_in(p, wanted, sizes)), None) or next(
                (p for p in others if not wanted or available_in(p, wanted)), None)
            if top is None:
                return []
            ctx.focus({k: v for k, v in top.items() if k not in ("score", "matched")})
            action.type, action.stage = "add_to_cart", "consideration"
            added = self.registry.invoke(ctx, "cart_add", {
                **(action.params.get("add") or {}), "external_id": top["external_id"]},
                allowed=allowed)
            if not added.ok:
                return [added]
            return [added, self.registry.invoke(ctx, "cart_remove", old, allowed=allowed)]
        if action.params.get("then") == "add_to_cart" and action.params.get("only_if_one") \
                and len(products) > 1:
            # "need 6 pairs" over a choice: shown, and the count kept for the pick
            action.params.pop("then")
            action.intent = "product_search"
        if action.params.get("then") == "add_to_cart" and action.params.get("if_named") \
                and not _named_one(action.params["if_named"], products):
            # "I want the Zentrik Slim power bank" with two of them: shown, not bought
            action.params.pop("then")
            action.intent = "product_search"
        if action.params.get("then") == "add_to_cart":
            wanted = (action.params.get("filters") or {}).get("colors") or []
            if action.params.get("if_named"):
                top = products[0]  # the one named, not the first in stock
            top = next((p for p in products if wanted and available_in(p, wanted)), top)
            ctx.focus({k: v for k, v in top.items() if k not in ("score", "matched")})
            args = {"quantity": 1, **(action.params.get("add") or {}),
                    "external_id": top["external_id"]}
            if action.type != "select_product":
                action.type = "add_to_cart"
                action.stage = "consideration"
            return [self.registry.invoke(ctx, "cart_add", args, allowed=allowed)]
        if action.type == "select_product":
            ctx.focus({k: v for k, v in top.items() if k not in ("score", "matched")})
            if action.params.get("then") != "answer_question":
                return []
            products = [top]  # the one picked is the one asked about
        if action.params.get("focus_top"):
            ctx.focus({k: v for k, v in top.items() if k not in ("score", "matched")})
        others = products[1:]
        phrase = action.params.get("name") or ""
        exact = bool(phrase) and _names_all(phrase, products[0]["name"]) and not any(
            _names_all(phrase, p["name"]) for p in others[:1])
        if exact:
            ctx.focus({k: v for k, v in products[0].items() if k not in ("score", "matched")})
        then = action.params.get("then")
        if not then:
            return []
        if then == "compare_products":
            if not 2 <= len(products) <= 4:
                return []
            action.type, action.stage = "compare_products", "consideration"
            return [self.registry.invoke(ctx, "compare_products", {
                "external_ids": [p["external_id"] for p in products]}, allowed=allowed)]
        first = products[0]
        action.type = then
        action.stage = "consideration"
        action.reason += f"; answered about {first['external_id']}"
        if then == "answer_question" and reading.question is not None:
            action.params["question"] = {"kind": reading.question.kind,
                                         "phrase": reading.question.phrase}
            action.params["questions"] = [{"kind": q.kind, "phrase": q.phrase}
                                          for q in reading.questions]
        found = [self.registry.invoke(ctx, "product_details",
                                      {"external_id": first["external_id"]}, allowed=allowed)]
        if then == "answer_policy":  # the store's articles answer what its listing does not
            found += [self.registry.invoke(ctx, step.name, step.arguments, allowed=allowed)
                      for step in knowledge_steps(ctx, reading.text or "",
                                                  action.params.get("topic"))]
        return found

    def _play(self, ctx: TurnContext, text: str, seq: int, allowed: list[str],
              timings: dict[str, float], beside: bool = False
              ) -> tuple[Any, Reading, Action, list[ToolResult], str]:
        """One request: understood, decided, its tools run, its grounded draft written.
        `beside`: what it finds joins the list on screen (a second kind asked for)."""
        t0 = time.perf_counter()
        understanding, reading = _understand(ctx, text)
        timings["understand"] = timings.get("understand", 0.0) + (time.perf_counter() - t0) * 1000
        _note_hesitation(ctx, understanding.intent, seq)
        t1 = time.perf_counter()
        action = decide(ctx, understanding.intent, understanding.entities,
                        reading.text or text, reading)
        timings["decide"] = timings.get("decide", 0.0) + (time.perf_counter() - t1) * 1000
        if reading.any_color and not reading.colors:
            ctx.shopping.any_color = True  # "the cheapest, any colour. add 6": for the add too
        t2 = time.perf_counter()
        results: list[ToolResult] = []
        for step in action.steps:
            if step.after_ok and results and not results[-1].ok:
                continue
            if beside and step.name == "search_products":
                step.arguments["append"] = True
            results.append(self.registry.invoke(ctx, step.name, step.arguments,
                                                allowed=allowed))
        results += self._follow_up(ctx, action, results, allowed, reading)
        timings["tools"] = timings.get("tools", 0.0) + (time.perf_counter() - t2) * 1000
        _remember_pending(ctx, results)
        draft = offline.respond(action, results, ctx.agent, ctx.state,
                                ctx.conversation.get("customer"), reading=reading)
        return understanding, reading, action, results, draft

    def _edit(self, ctx: TurnContext, edit: dict, seq: int, allowed: list[str],
              timings: dict[str, float]) -> tuple[Any, Reading, Action, list[ToolResult], str]:
        """A change made with a control (the widget's Add, a cart stepper): the action is
        given, not read from the words, which only record it in the history."""
        t0 = time.perf_counter()
        action = set_line(ctx, edit)
        _note_hesitation(ctx, action.intent or "", seq)
        results = [self.registry.invoke(ctx, step.name, step.arguments, allowed=allowed)
                   for step in action.steps]
        timings["tools"] = (time.perf_counter() - t0) * 1000
        _remember_pending(ctx, results)  # "which size?" after an Add: "9" answers it
        draft = offline.respond(action, results, ctx.agent, ctx.state,
                                ctx.conversation.get("customer"))
        return _Given(action.intent or "view_cart"), Reading(), action, results, draft

    def _play_parts(self, ctx: TurnContext, parts: list[str], seq: int, allowed,
                    timings: dict[str, float], kinds: bool = False) -> list:
        """Each request of the message in turn. Parts that each picked one product ("the
        cheapest carbon pair and the cheapest aluminium pair") leave every pick on screen,
        for "go with the carbon ones" next; parts that each look for a kind (`kinds`:
        "a shampoo and a conditioner") list what they find beside each other, for "add
        the shampoo" next."""
        played, picks = [], []
        start = ctx.shopping.model_copy(deep=True) if kinds else None
        for i, part in enumerate(parts):
            if start is not None and i:
                # each kind from what was looked for before the message: the red nail
                # polish is not also the nude one just found
                ctx.shopping = start.model_copy(deep=True)
            before = ctx.state.get("last_shown")
            played.append(self._play(ctx, part, seq, allowed, timings, beside=kinds and i > 0))
            after = ctx.state.get("last_shown") or []
            if after is not before and len(after) == 1:
                picks.append(after[0])
        ids = list(dict.fromkeys(p.get("external_id") for p in picks))
        if len(ids) > 1 and not kinds:
            by_id = {p.get("external_id"): p for p in picks}
            ctx.show([by_id[i] for i in ids])
        return played

    def run(self, ctx: TurnContext, text: str, seq: int, *,
            on_delta: Callable[[str], None] | None = None,
            on_restart: Callable[[], None] | None = None,
            cart_edit: dict | None = None) -> TurnOutcome:
        """One message; several requests in it ("add 2 bags. also a cat tree under 100")
        are played in order, each seeing what the one before did, and answered together.
        With ``cart_edit`` (a cart line set by a control, see ``cart_moves.set_line``) the
        message is that change, whatever its words."""
        timings: dict[str, float] = {}
        allowed = enabled_tools(ctx.agent)
        parts = split_requests(text)
        kinds = None if cart_edit else split_colours(text, ctx.vocab) or (
            split_kinds(text, ctx.vocab, on_screen=bool(ctx.last_shown))
            if len(parts) == 1 else None)
        played = [self._edit(ctx, cart_edit, seq, allowed, timings)] if cart_edit else \
            self._play_parts(ctx, kinds or parts, seq, allowed, timings, kinds=bool(kinds))
        understanding, _, action, _, _ = played[-1]
        results = [r for p in played for r in p[3]]
        # "My cat is very big and likes to climb. I want a cat tree…": the part that asks
        # nothing of the shop is context, not a request to turn away
        before = [p for p in played[:-1] if p[2].type != "out_of_scope"]
        draft = "\n\n".join([_closing_dropped(p[4]) for p in before] + [played[-1][4]])
        entities = [e for p in played for e in p[0].entities]

        t3 = time.perf_counter()
        generated = generate(ctx, text, action, results, draft, on_delta, on_restart)
        timings["generate"] = (time.perf_counter() - t3) * 1000
        results = results + generated.extra_results

        proposal = _next_proposal(action, results, ctx, played[-1][4])
        if proposal:
            ctx.state["proposal"] = proposal
        else:
            ctx.state.pop("proposal", None)
        stage = ctx.conversation["stage"]
        for _, _, part_action, part_results, _ in played:
            stage = stages.advance(stage, _stage_target(part_action, part_results))
        if any(r.name == "cart_add" and r.ok for r in results):
            ctx.shopping.quantity = None  # the count said while looking has been bought
        ctx.shopping.save(ctx.state)
        return TurnOutcome(text=generated.text,
                           intent=action.intent or understanding.intent,
                           confidence=understanding.confidence, source=understanding.source,
                           entities=entities, action=action, results=results, stage=stage,
                           usage=generated.usage, timings_ms=timings)


def _closing_dropped(draft: str) -> str:
    """A part's reply without its closing offer ("Would you like to check out, or keep
    browsing?"): the next part's answer follows, and the last part closes."""
    m = re.search(r"(?<=[.!])\s+[^.!?\n]{3,160}\?\s*$", draft)
    return draft[:m.start()].rstrip() if m else draft


_engine: Engine | None = None


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = Engine()
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Replace the process-wide engine (None: the default); tests inject failures here."""
    global _engine
    _engine = engine
