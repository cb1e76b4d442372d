"""What the engine does to the cart: add what was picked (one, several, "one of each", a
product named closely enough), change a quantity ("make it 3"), an option ("no wait, 9.5")
or the product itself ("I meant the steel one"), answer "which size?", and take out."""

from __future__ import annotations

import re
from dataclasses import replace

from agentpay.orchestrator import cart
from agentpay.orchestrator.actions import Action, ToolStep
from agentpay.orchestrator.buying import add_options, count_of
from agentpay.orchestrator.context import TurnContext
from agentpay.orchestrator.references import (
    Targets,
    describes,
    descriptor_words,
    lacks_colour,
    resolve,
)
from agentpay.orchestrator.searching import (
    ask_which,
    search_for_pick,
    search_from_state,
    select_from_catalog,
)
from agentpay.understanding.lexicon import colour_key, size_key
from agentpay.understanding.reading import Reading

# --------------------------------------------------------------------------------------
# The cart
# --------------------------------------------------------------------------------------





def _sizes_said(reading: Reading) -> list[str]:
    """The sizes said, a measure read in two units ("6 foot": 6 ft and 72 in) once."""
    units = [k.split(" ", 1)[1] for k in reading.sizes
             if re.fullmatch(r"\d{1,6}(?:\.\d{1,3})? [a-z]{1,8}", k)]
    if len(units) == len(reading.sizes) > 1 and len(set(units)) == len(units):
        return reading.sizes[:1]
    return reading.sizes


def add(ctx: TurnContext, products: list[dict], entities: list[dict], reading: Reading,
         targets: Targets | None = None, reason: str = "shopper wants it in the cart") -> Action:
    qty = count_of(entities, reading, ctx)
    color = targets.color if targets else None
    if len(products) == 1 and (len(reading.colors) > 1 or len(_sizes_said(reading)) > 1) \
            and not re.search(r"\bor\b", reading.text, re.IGNORECASE):
        # "add plum and crimson, one of each": a line for each colour (or size) said
        colours: list[str | None] = list(reading.colors[:4]) or [None]
        sizes: list[str | None] = list(_sizes_said(reading)[:4]) or [None]
        pairs = list(zip(colours, sizes)) if len(colours) == len(sizes) else [
            (c, z) for c in colours for z in sizes][:4]
        steps = [ToolStep("cart_add", {"external_id": products[0]["external_id"],
                                       "quantity": qty, **add_options(ctx, replace(
                                           reading, colors=[c] if c else [],
                                           sizes=[z] if z else []), c)})
                 for c, z in pairs]
        return Action("add_to_cart", reason + " (each option said)", steps=steps,
                      stage="consideration")
    if targets is not None and targets.how == "several":
        steps = [ToolStep("cart_add", {"external_id": p["external_id"], "quantity": qty,
                                       **add_options(ctx, replace(reading, colors=[c] if c
                                                                  else []), c)})
                 for p, c in zip(products[:4], targets.colors)]
        return Action("add_to_cart", reason + " (each one named)", steps=steps,
                      stage="consideration")
    steps = [ToolStep("cart_add", {"external_id": p["external_id"], "quantity": qty,
                                   **add_options(ctx, reading, color)})
             for p in products[:3]]
    return Action("add_to_cart", reason, steps=steps, stage="consideration")


def cart_target(ctx: TurnContext, entities: list[dict], reading: Reading,
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


def change_quantity(ctx: TurnContext, entities: list[dict], reading: Reading,
                     text: str) -> Action | None:
    line = cart_target(ctx, entities, reading, text)
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


def _same_line(line: dict, edit: dict) -> bool:
    def same(a, b) -> bool:
        return str(a or "").casefold() == str(b or "").casefold()
    return line["external_id"] == edit["external_id"] and same(line.get("size"), edit.get(
        "size")) and same(line.get("color"), edit.get("color"))


def set_line(ctx: TurnContext, edit: dict) -> Action:
    """A cart line set to a quantity by a control, not by words (the widget's Add, a
    stepper, Remove): ``edit`` names the product, the line's size and colour, and the new
    quantity (0 takes the line out). Played as the cart tools, so stock, limits and
    catalog prices hold as they do for a message."""
    line = next((li for li in cart.lines(ctx.state) if _same_line(li, edit)), None)
    current = int(line["quantity"]) if line else 0
    value = int(edit["quantity"])
    which = {"external_id": edit["external_id"],
             **{k: (line or edit)[k] for k in ("size", "color") if (line or edit).get(k)}}
    if value == current:
        return Action("show_cart", "the cart panel asked for the quantity it has",
                      steps=[ToolStep("cart_view", {})], intent="view_cart")
    if current == 0:
        return Action("add_to_cart", f"{edit['external_id']} added from a card",
                      steps=[ToolStep("cart_add", {**which, "quantity": value})],
                      stage="consideration", intent="add_to_cart")
    if value == 0:
        return Action("remove_from_cart", f"{edit['external_id']} removed in the cart panel",
                      steps=[ToolStep("cart_remove", which)], intent="remove_from_cart")
    step = ToolStep("cart_add", {**which, "quantity": value - current}) if value > current \
        else ToolStep("cart_remove", {**which, "quantity": current - value})
    return Action("update_quantity", f"quantity of {edit['external_id']} set to {value} in "
                  "the cart panel", steps=[step], stage="consideration",
                  params={"quantity": value, **which},
                  intent="add_to_cart" if value > current else "remove_from_cart")


CORRECTION = re.compile(
    r"(?:^|\W)no\s{0,2},|\b(?:no\s{1,3}wait|wait|sorry|oops|ugh|i\s{1,3}meant|meant|actually|instead|rather|"
    r"not\s{1,3}(?:the\s{1,3})?[a-z]{3,15}\s{0,3}[.,;!]|"
    r"change\s{1,3}(?:it|that|them|the\s{1,3}[a-z]{1,20})\s{1,3}to|make\s{1,3}(?:it|that|them)\s{1,3}"
    r"(?:a|an|the|in|size)|swap|switch|not\s{1,3}(?:size\s{1,3})?[a-z0-9.]{1,12}\s{0,3}$|"
    r"go\s{1,3}(?:up|down)|size\s{1,3}(?:up|down)|on\s{1,3}second\s{1,3}thoughts?)\b",
    re.IGNORECASE)


SWAP = re.compile(r"\b(?:instead|swap|switch|change\s{1,3}(?:it|that|them)\s{1,3}to|i\s{1,3}meant|"
                   r"meant\s{1,3}the|rather\s{1,3}(?:have|the)|not\s{1,3}th(?:at|e)\s{1,3}one)\b",
                   re.IGNORECASE)


def swap(ctx: TurnContext, entities: list[dict], reading: Reading, text: str,
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
    action = search_from_state(ctx, pick)
    if action.type == "ask_clarification":
        return None
    options = {k: line[k] for k in ("size", "color") if line.get(k)}
    add = {"quantity": int(line["quantity"]), **add_options(ctx, reading)}
    if "size" not in add and options.get("size"):
        add["size_hint"] = [options["size"]]
    if "color" not in add and options.get("color"):
        add["color_hint"] = [options["color"]]
    action.params.update(then="replace_in_cart", focus_top=True, add=add,
                         replace={"external_id": line["external_id"],
                                  "quantity": int(line["quantity"])})
    action.intent = "add_to_cart"
    return action


def _same_kind_in(ctx: TurnContext, reading: Reading, line: dict, new: dict) -> Action | None:
    pick = replace(reading, superlative=None, colors=[new["color"]],
                   sizes=[size_key(str(new["size"]))] if new.get("size") else reading.sizes)
    action = search_from_state(ctx, pick)
    if action.type == "ask_clarification":
        return None
    add = {"quantity": int(line["quantity"]), "color": new["color"]}
    if new.get("size"):
        add["size"] = new["size"]
    action.params.update(then="replace_in_cart", focus_top=True, add=add,
                         replace={"external_id": line["external_id"],
                                  "quantity": int(line["quantity"])})
    action.intent = "add_to_cart"
    return action


def change_option(ctx: TurnContext, entities: list[dict], reading: Reading,
                   text: str) -> Action | None:
    """"No wait, 9.5 not 9", "make it a large", "can I get it in blue instead": the cart
    line in question, taken out and put back in the new size or colour."""
    line = cart_target(ctx, entities, reading, text)
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
    known = next((p for p in [ctx.state.get("focus") or {}, *ctx.last_shown]
                  if p.get("external_id") == line["external_id"]), {})
    colours = [str(c).lower() for c in known.get("colors") or []]
    if new.get("color") != options.get("color") and colours and not any(
            c in colours for c in ctx.vocab.colour_labels(new["color"])):
        # "make it white instead" of a tee that only comes in navy: the same kind in white
        return _same_kind_in(ctx, reading, line, new)
    qty = int(line["quantity"])
    # the new line first: the old one goes only once it is in (a colour the product lacks
    # leaves the cart as it was)
    return Action("update_quantity", f"{line['external_id']} changed to {new}",
                  steps=[ToolStep("cart_add", {"external_id": line["external_id"],
                                               "quantity": qty, **new}),
                         ToolStep("cart_remove", {"external_id": line["external_id"],
                                                  "quantity": qty, **options}, after_ok=True)],
                  stage="consideration", intent="add_to_cart",
                  params={"quantity": qty, "external_id": line["external_id"],
                          "changed": True})


def pending_answer(ctx: TurnContext, intent: str, reading: Reading,
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
    # "put 3 in the cart, size L": a count said with the answer is the count
    args = {"external_id": pending["external_id"],
            "quantity": reading.count or pending.get("quantity", 1),
            pending["needs"]: chosen}
    for key in ("size", "color", "size_hint", "color_hint"):
        if not key.startswith(pending["needs"]) and pending.get(key):
            args[key] = pending[key]
    return Action("add_to_cart", f"answer to which {pending['needs']}",
                  steps=[ToolStep("cart_add", args)], stage="consideration")


def add_to_cart(ctx: TurnContext, entities: list[dict], text: str, reading: Reading,
                 proposal: dict) -> Action:
    lines = cart.lines(ctx.state)
    if (not any(e.get("type") == "reference" for e in entities) and not reading.types and len(lines) == 1
            and re.search(r"\bmore\b|\banother\b", text, re.IGNORECASE)):
        line = lines[0]
        args = {"external_id": line["external_id"], "quantity": count_of(entities, reading, ctx)}
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
            return select_from_catalog(ctx, reading, add=True, entities=entities)
        action = search_from_state(ctx, reading)  # "add a headlamp": find one first
        if specific(ctx, reading) and action.type != "ask_clarification":
            # "add the red Gritmaster 20 oz fiberglass hammer": named closely enough to buy
            action.params.update(then="add_to_cart", focus_top=True,
                                 add={"quantity": count_of(entities, reading, ctx),
                                      **add_options(ctx, reading)})
            action.intent = "add_to_cart"
        return action
    if EACH.search(text) and len(ctx.last_shown) >= 2 and targets.how in (
            "first", "all", "focus", "none"):
        return add(ctx, ctx.last_shown[:4], entities, reading, targets,
                    reason="one of each shown")
    if targets.how == "unmatched":
        return search_for_pick(ctx, reading, entities, add=True)
    if targets.how == "none":
        if proposal.get("type") == "add_to_cart":
            return add(ctx, [{"external_id": proposal["external_id"]}], entities, reading)
        return ask_which(ctx, "add_to_cart")
    products = targets.products if targets.how in ("ordinal", "superlative", "several") \
        else targets.products[:1]
    last = lines[-1]["external_id"] if lines else None
    if (targets.how == "focus" or (targets.how in ("name", "descriptor")
                                   and products[0]["external_id"] == last)) \
            and not reading.count \
            and not re.search(r"\b(?:another|more|again|too|also|as\s{1,3}well|second|extra)\b",
                              text, re.IGNORECASE):
        # "add it" / "yes add the leash" right after it went in: once is what was meant
        line = next((li for li in lines if li["external_id"] == products[0]["external_id"]),
                    None)
        if line is not None:
            return Action("show_cart", f"{line['external_id']} is already in the cart",
                          steps=[ToolStep("cart_view", {})],
                          params={"already": line["name"]})
    if targets.how in ("focus", "first") and reading.colors and len(products) == 1 and \
            lacks_colour(products[0], reading.colors[0], ctx.vocab):
        # "ok then charcoal in M" when the one in view is only black: the same kind in
        # charcoal, found and bought
        pick = replace(reading, superlative=None)
        action = search_from_state(ctx, pick)
        if action.type != "ask_clarification":
            action.params.update(then="add_to_cart", focus_top=True,
                                 add={"quantity": count_of(entities, reading, ctx),
                                      **add_options(ctx, reading)})
            action.intent = "add_to_cart"
            return action
    if targets.how == "all":  # "add them", "6 of those" with a list: the top match
        products = targets.products[:1]
        if not products:
            return ask_which(ctx, "add_to_cart")
    action = add(ctx, products, entities, reading, targets)
    if CHECKOUT_TOO.search(text):  # "fine, add it and check me out"
        action.steps.append(ToolStep("create_checkout_link", {}))
        action.params["checkout"] = True
        action.stage = "checkout"
    return action


CHECKOUT_TOO = re.compile(r"\b(?:check\s{1,3}(?:me\s{1,3})?out|checkout|pay\s{1,3}now|ready\s{1,3}to\s{1,3}pay)\b",
                           re.IGNORECASE)
EACH = re.compile(r"\b(?:one\s{1,3}of\s{1,3}each|(?:both|all)\s{1,3}of\s{1,3}(?:them|those|these)|"
                   r"each\s{1,3}of\s{1,3}(?:them|those|these)|add\s{1,3}both|both\s{1,3}please)\b",
                   re.IGNORECASE)


def specific(ctx: TurnContext, reading: Reading) -> bool:
    """Said closely enough to buy without seeing a list: a brand, the store's own name
    words, or a colour or size with the product."""
    named = [w for m in reading.modifiers for w in m.split()
             if len(w) > 2 and ctx.vocab.has_word(w)]
    return bool(reading.brands or named or reading.colors or reading.sizes or reading.count)


# "actually remove it, I'll keep using my old one": the pronoun is what goes; the rest is why
_REMOVE_IT = re.compile(r"\b(?:(?:remove|delete|drop|cancel|ditch|lose)\s{1,3}(?:it|that|this|them|"
                        r"those|these)|take\s{1,3}(?:it|that|this|them|those|these)\s{1,3}(?:out|"
                        r"off|away))\b(?=\s{0,3}(?:[,.!?;]|$|please\b|pls\b|from\b|out\b|off\b|too\b|now\b|"
                        r"and\b|again\b|actually\b|after\s{1,3}all\b))",
                        re.IGNORECASE)


def remove(ctx: TurnContext, entities: list[dict], text: str, reading: Reading) -> Action:
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
    if targets.how == "several":  # "take the rope one and the squeaky one out"
        return Action("remove_from_cart", "shopper takes each named out",
                      steps=[ToolStep("cart_remove", {"external_id": p["external_id"]})
                             for p in targets.products[:4]], stage="consideration")
    if targets.how in ("ordinal", "descriptor", "name", "superlative"):
        chosen = targets.products
    elif [w for w in reading.words if ctx.vocab.has_word(w)] and not _REMOVE_IT.search(text):
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
