"""The offline responder: natural replies from templates, grounded on tool results only.

Used when no model key is configured (the local default), when every provider fails, and
as the grounded draft a model rephrases. Every product name, price and link here comes
from a tool result of this turn or from the server's state; nothing is invented.
"""

from __future__ import annotations

from typing import Any

from agentpay.kit.money import format_money
from agentpay.knowledge.answers import reply as knowledge_reply
from agentpay.orchestrator.actions import Action
from agentpay.tools.products import variant_price_text
from agentpay.tools.registry import ToolResult
from agentpay.understanding import measures
from agentpay.understanding.topics import listing_sentence

# Every reply that offers a person says these words; the engine then takes the shopper's
# "yes" as accepting (a `handoff` proposal).
OFFERS_A_PERSON = "talk to a person"

_POLICY_FALLBACK = {
    "shipping": "I don't have this store's shipping details to hand",
    "returns": "I don't have this store's returns policy to hand",
    "payment": "I don't have this store's payment options to hand",
    "warranty": "I don't see a warranty on this listing or in the store's details",
    "assembly": "The listing doesn't say whether it needs assembly",
    "fit": "The listing doesn't say how it fits or whether it runs true to size",
}
# a store question no listing, policy or help article answers
_NO_DETAILS = "I don't have that in this store's details"


def _sold_out_in(p: dict, filters: dict) -> str | None:
    """"Sold out in L": a product the search kept for the size (and colour) asked, whose
    variants in it are all gone; the shopper hears it before asking for it."""
    from agentpay.orchestrator.references import available_in

    sizes = [str(z) for z in filters.get("size_keys") or []]
    if not sizes or not p.get("in_stock", True) or p.get("available") is None:
        return None
    colours = [str(c) for c in filters.get("colors") or []]
    if available_in(p, colours, sizes):
        return None
    said = " or ".join(z.upper() if len(z) <= 3 and z.isalpha() else z for z in sizes[:2])
    return f"sold out in {said}" + (" in that colour" if colours else "")


def _product_line(i: int, p: dict, filters: dict | None = None) -> str:
    bits = [f"{i}. {p['name']} — {p['price']}"]
    if p.get("compare_at"):
        bits.append(f" (was {p['compare_at']})")
    if p.get("variant_prices"):
        bits.append(f" ({variant_price_text(p)})")
    extras = []
    if p.get("colors") and len(p["colors"]) > 1:
        extras.append(", ".join(p["colors"][:4]))
    sizes = [s for s in p.get("sizes") or [] if s.lower() != "one size"]
    if sizes:
        extras.append("sizes " + ", ".join(sizes[:6]) + ("…" if len(sizes) > 6 else ""))
    if not p.get("in_stock", True):
        extras.append("out of stock")
    gone = _sold_out_in(p, filters or {})
    if gone:
        extras.append(gone)
    if extras:
        bits.append(f" · {'; '.join(extras)}")
    return "".join(bits)


def _cart_text(cart: dict) -> str:
    cur = cart["currency"]
    rows = [f"• {li['quantity']} × {li['name']}"
            + (f" (size {li['size']})" if li.get("size") else "")
            + f" — {format_money(li['unit_price_minor'] * li['quantity'], cur)}"
            for li in cart["lines"]]
    return "\n".join(rows) + f"\nSubtotal: {format_money(cart['subtotal_minor'], cur)}"


def _size_key(value: str) -> tuple:
    try:
        return (0, float(value), "")
    except ValueError:
        order = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"]
        low = value.lower()
        return (1, order.index(low) if low in order else 99, low)


def _options(values: list[str]) -> str:
    values = sorted({str(v) for v in values}, key=_size_key)
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " or " + values[-1]


def _store_fact(agent: dict, topic: str) -> str | None:
    rules = agent.get("rules") or {}
    policies = rules.get("policies") or {}
    config = agent.get("config") or {}
    for source in (policies, config.get("policies") or {}, rules, config):
        if isinstance(source, dict):
            value = source.get(topic) or source.get(f"{topic}_policy")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _search_reply(action: Action, r: ToolResult) -> str:
    items = r.data["products"]
    described = action.params.get("described") or action.params.get("query", "that")
    relaxed = r.data.get("relaxed") or []
    if not items and action.params.get("more"):
        if action.params.get("not_carried"):  # "any others?" after the closest there was
            return (f"I don't have {action.params['not_carried']}: those were the closest I "
                    "could find. Is there something else I can look for?")
        return (f"That's all I have for {described}. Want me to widen the search, or look "
                "at one of those more closely?")
    if not items and action.params.get("not_carried"):
        return (f"I couldn't find {action.params['not_carried']} in this store. Is there "
                "something else I can look for?")
    if not items:
        filters = action.params.get("filters") or {}
        narrowed = any(k in filters for k in ("price_min", "price_max", "colors", "sizes",
                                              "brands", "gender", "require", "features"))
        return (f"I couldn't find any {described} right now."
                + (" Want me to drop one of those filters, or look for something similar?"
                   if narrowed else " Could you describe it another way?"))
    lead = {"recommend_products": "Here's what I'd recommend",
            "refine_search": "Here are the closest matches"}.get(action.type,
                                                                 "Here's what I found")
    head = f"{lead}: {described}"
    if action.params.get("more"):
        head = f"Here are more: {described}"
    wished = (action.params.get("filters") or {}).get("size_wish")
    wish = measures.wish_of(wished)
    if wish is not None:
        # "the warmest sleeping bag you have": said as asked, with the figure that decided
        figure = measures.figure(items[0], wished)
        head = f"{wish.label[0].upper()}{wish.label[1:]} {described} here" + (
            f" ({figure})" if figure else "")
    if relaxed:
        head = (f"I couldn't find any with “{', '.join(relaxed)}”, so here are the closest "
                f"matches: {described}")
    elif action.params.get("not_carried"):
        head = (f"I couldn't find {action.params['not_carried']} in this store — here's "
                "the closest I have")
    if action.params.get("focus_top"):
        top = next((p for p in items if p.get("in_stock", True)), items[0])
        sort = (action.params.get("filters") or {}).get("sort")
        best = {"cheapest": "the most affordable", "most_expensive": "the top of the range",
                "newest": "the newest"}.get(sort or "", "the best match")
        head = f"{top['name']} ({top['price']}) is {best}. All the options"
    note = action.params.get("currency_note")
    if note:
        head = (f"(Our prices are in {note['store']}, so I've read your budget as "
                f"{note['store']}.) " + head)
    filters = action.params.get("filters") or {}
    listing = "\n".join(_product_line(i, p, filters) for i, p in enumerate(items, 1))
    tail = ("Would you like more details on any of these, or shall I add one to your cart?"
            if len(items) > 1 else "Shall I add it to your cart?")
    return f"{head} ({len(items)} shown):\n{listing}\n{tail}"


def _selection_reply(action: Action, results: list[ToolResult]) -> str:
    if action.params.get("scope") == "named":
        r = next((x for x in results if x.name == "product_details"), None)
        if r is None or not r.ok:
            return "Sorry, I couldn't find that product. Which one did you mean?"
        p = r.data["product"]
        colour = action.params.get("color")
        colours = {str(c).lower() for c in p.get("colors") or []}
        note = ""
        if colour and colour.lower() not in colours and colours:
            note = f" It comes in {', '.join(p['colors'])}."
        elif colour:
            note = f" I'll note {colour} for it."
        stock = "" if p.get("in_stock", True) else " It's out of stock right now, though."
        return (f"That's {p['name']} at {p['price']}"
                + (f" (was {p['compare_at']})" if p.get("compare_at") else "")
                + f".{note}{stock} Shall I add it to your cart?")
    which = "cheapest" if action.params.get("superlative") == "cheapest" else "most expensive"
    added = next((r for r in results if r.name == "cart_add"), None)
    if added is not None:
        return _added(added) if added.ok else _cart_problem(added)
    search = next((r for r in results if r.name == "search_products" and r.ok), None)
    details = next((r for r in reversed(results)  # the chosen one is read last
                    if r.name == "product_details" and r.ok), None)
    pair = compared_pair(action, results)
    if search is None and pair is not None:
        return _price_gap_reply(which, *pair)
    if search is not None:
        if not search.data["products"]:
            return (f"I couldn't find any {action.params.get('described', 'match')} in stock "
                    "right now.")
        p = next((x for x in search.data["products"] if x.get("in_stock", True)),
                 search.data["products"][0])
        scope = f"the {which} {action.params.get('described', '')} we have".replace("  ", " ")
    elif details is not None:
        p = details.data["product"]
        scope = f"the {which} of those"
    else:
        return "Which products should I compare on price?"
    return (f"{scope[0].upper()}{scope[1:]} is {p['name']} at {p['price']}"
            + (f" (was {p['compare_at']})" if p.get("compare_at") else "")
            + ". Shall I add it to your cart?")


def compared_pair(action: Action, results: list[ToolResult]) -> tuple[dict, dict] | None:
    """"Which one is cheaper and by how much": the product chosen (read last) and the one
    it is measured against (read first), or None when the turn did not ask that."""
    read = [r.data["product"] for r in results
            if r.name == "product_details" and r.ok and r.data]
    if not action.params.get("by_how_much") or len(read) < 2:
        return None
    return read[-1], read[0]


def price_gap(chosen: dict, other: dict) -> dict | None:
    """How far apart two products' prices are, as the catalog has them (None across
    currencies): "which one is cheaper and by how much"."""
    if chosen.get("currency") != other.get("currency"):
        return None
    gap = abs(int(other["price_minor"]) - int(chosen["price_minor"]))
    return {"difference_minor": gap, "currency": chosen["currency"],
            "difference": format_money(gap, chosen["currency"])}


def _price_gap_reply(which: str, chosen: dict, other: dict) -> str:
    gap = price_gap(chosen, other)
    head = (f"The {which} of those is {chosen['name']} at {chosen['price']}"
            + (f" (was {chosen['compare_at']})" if chosen.get("compare_at") else ""))
    if gap is None:
        return f"{head}. Shall I add it to your cart?"
    if gap["difference_minor"] == 0:
        return (f"{chosen['name']} and {other['name']} cost the same, {chosen['price']}. "
                "Which one would you like?")
    than = "less" if which == "cheapest" else "more"
    return (f"{head}: {gap['difference']} {than} than {other['name']} ({other['price']}). "
            "Shall I add it to your cart?")


def _added(r: ToolResult, cart: dict | None = None) -> str:
    """What went in, and the cart as it stands (`cart`: after every step of the turn)."""
    line = r.data["line"]
    cart = cart or r.data["cart"]
    cur = cart["currency"]
    qty = r.data["quantity"]
    what = f"{qty} × {line['name']}" if qty > 1 else line["name"]
    size = f" in size {line['size']}" if line.get("size") else ""
    colour = f" ({line['color']})" if line.get("color") else ""
    return (f"Done — I've added {what}{size}{colour} for "
            f"{format_money(line['unit_price_minor'] * qty, cur)}. "
            f"Your cart is now {format_money(cart['subtotal_minor'], cur)} "
            f"({cart['item_count']} item{'s' if cart['item_count'] != 1 else ''}). "
            "Would you like to check out, or keep browsing?")


def _quantity_reply(action: Action, results: list[ToolResult]) -> str:
    r = next((x for x in results if x.name in ("cart_add", "cart_remove")), None)
    if r is None:
        return "Which item should I change?"
    if not r.ok:
        return _cart_problem(r) if r.name == "cart_add" else \
            "That item isn't in your cart. Shall I show you what is?"
    cart = (results[-1] if results[-1].ok else r).data["cart"]  # after every step
    # the line changed: of that product, in the size and colour changed when they are known
    lines = [li for li in cart["lines"] if li["external_id"] == action.params.get("external_id")]
    line = next((li for li in lines if all(
        str(li.get(k) or "").casefold() == str(action.params[k]).casefold()
        for k in ("size", "color") if action.params.get(k))), lines[0] if lines else None)
    if line is None:
        return (f"I've taken it out of your cart.\n{_cart_text(cart)}" if cart["lines"]
                else "I've taken it out — your cart is empty now.")
    return (f"Done — {line['quantity']} × {line['name']} in your cart now.\n"
            f"{_cart_text(cart)}")


def _policy_from_listing(results: list[ToolResult], topic: str) -> str | None:
    """A policy sentence from the product's own listing ("Free returns within 30 days.")."""
    r = next((x for x in results if x.name == "product_details" and x.ok), None)
    if r is None:
        return None
    p = r.data["product"]
    sentence = listing_sentence(p.get("description") or "", topic)
    return f"For {p['name']}, the listing says: “{sentence}”" if sentence else None


def _from_articles(results: list[ToolResult]) -> str | None:
    """The store's own words from its help articles, quoted with the article's link."""
    r = next((x for x in results if x.name == "search_knowledge" and x.ok), None)
    return knowledge_reply(r.data) if r is not None else None


def respond(action: Action, results: list[ToolResult], agent: dict, state: dict,
            customer: dict | None = None, reading: Any = None) -> str:
    """The reply text for one decided action and its tool results."""
    name = agent.get("name") or "the shop assistant"
    personality = agent.get("personality") or {}
    by_name = {r.name: r for r in results}
    t = action.type

    if t == "greet":
        shopper = str((customer or {}).get("name") or "").strip()[:60]
        hello = f"Hi {shopper}!" if shopper else "Hi!"
        return str(personality.get("greeting") or
                   f"{hello} I'm {name}. Tell me what you're looking for and I'll find it "
                   "for you.")
    if t == "farewell":
        return "Thanks for stopping by — have a great day!"
    if t == "acknowledge_thanks":
        return "You're welcome! Anything else I can help you find?"
    if t == "confirm_proposal":
        return "Great! What would you like to do next — look for something, or see your cart?"
    if t == "acknowledge_decline":
        if action.params.get("declined") == "create_checkout":
            return ("No problem — there's no rush. Is there anything about the items that's "
                    "holding you back?")
        return "No problem. Tell me what you'd prefer and I'll look again."
    if t in ("search_products", "refine_search", "recommend_products"):
        r = by_name.get("search_products")
        if r is None or not r.ok:
            return "Sorry, I couldn't search the catalog just now. Could you try again?"
        return _search_reply(action, r)
    if t == "select_product":
        return _selection_reply(action, results)
    if t == "update_quantity":
        return _quantity_reply(action, results)
    if t == "answer_question" and action.params.get("across"):
        return _across_reply(action, results)
    if t == "answer_question":
        from agentpay.orchestrator.answers import answer
        from agentpay.understanding.reading import Question

        r = by_name.get("product_details")
        if r is None or not r.ok:
            return "Sorry, I couldn't find that product. Which one did you mean?"
        asked = action.params.get("questions") or [action.params.get("question") or {}]
        # the question's other words ("play" in "how long does it take to play?")
        context = tuple(getattr(getattr(reading, "question", None), "context", ()) or ())
        return " ".join(answer(r.data["product"], Question(q.get("kind", "yesno"),
                                                          q.get("phrase", ""), context))[0]
                        for q in asked[:3])
    if t == "quote_price" and sum(1 for x in results if x.name == "product_details"
                                  and x.ok) > 1:
        rows = [f"• {x.data['product']['name']} — {x.data['product']['price']}"
                + ("" if x.data["product"].get("in_stock", True) else " (out of stock)")
                for x in results if x.name == "product_details" and x.ok]
        return "Here are their prices:\n" + "\n".join(rows) + "\nWhich one would you like?"
    if t in ("show_product_details", "quote_price", "check_availability"):
        r = by_name.get("product_details")
        if r is None or not r.ok:
            return "Sorry, I couldn't find that product. Which one did you mean?"
        p = r.data["product"]
        if t == "quote_price":
            return (f"{p['name']} is {p['price']}"
                    + (f" (was {p['compare_at']})" if p.get("compare_at") else "")
                    + (f"; {variant_price_text(p)}" if p.get("variant_prices") else "")
                    + ". Shall I add it to your cart?")
        if t == "check_availability":
            return _availability(p, action.params)
        text = f"{p['name']} — {p['price']}"
        text += f" ({variant_price_text(p)})." if p.get("variant_prices") else "."
        if p.get("description"):
            text += f" {p['description'][:400]}"
        attrs = p.get("attributes") or {}
        facts = [f"{k.replace('_', ' ')}: {v}" for k, v in attrs.items()
                 if isinstance(v, (str, int, float)) and k not in ("product_type",)][:5]
        if facts:
            text += "\n" + "; ".join(facts) + "."
        sizes = [s for s in p.get("sizes") or [] if s.lower() != "one size"]
        if sizes:
            text += f"\nSizes: {', '.join(sizes)}."
        if len(p.get("colors") or []) > 1:
            text += f"\nColours: {', '.join(p['colors'])}."
        if not p.get("in_stock", True):
            return text + ("\nIt's out of stock right now, I'm afraid. Shall I find you "
                           "something similar?")
        return text + "\nWould you like me to add it to your cart?"
    if t == "quote_named":
        found = [x.data["products"][0] for x in results
                 if x.name == "search_products" and x.ok and x.data["products"]]
        if not found:
            return "I couldn't find those products. Could you tell me their names again?"
        rows = [f"• {p['name']} — {p['price']}" + ("" if p.get("in_stock", True)
                                                    else " (out of stock)") for p in found]
        text = "Here are their prices:\n" + "\n".join(rows)
        if len(found) > 1:
            ends = min if action.params.get("which") != "most_expensive" else max
            pick = ends(found, key=lambda p: p["price_minor"])
            word = "cheaper" if ends is min else "pricier"
            text += f"\n{pick['name']} is the {word} of the {'two' if len(found) == 2 else 'lot'}."
        return text + " Which one would you like?"
    if t == "compare_products":
        r = by_name.get("compare_products")
        if r is None or not r.ok:
            return "I couldn't pull those products up to compare. Which ones did you mean?"
        rows = []
        for p in r.data["products"]:
            attrs = p.get("attributes") or {}
            detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in attrs.items()
                               if isinstance(v, (str, int, float))
                               and k not in ("product_type",))[:160]
            rows.append(f"• {p['name']} — {p['price']}"
                        + (f" ({detail})" if detail else "")
                        + ("" if p.get("in_stock", True) else " — out of stock"))
        cheapest = min(r.data["products"], key=lambda p: p["price_minor"])
        return ("Here's how they compare:\n" + "\n".join(rows)
                + f"\n{cheapest['name']} is the most affordable. Which one suits you better?")
    if t == "add_to_cart":
        adds = [x for x in results if x.name == "cart_add"]
        if not adds:
            return "Which product would you like me to add?"
        failed = [x for x in adds if not x.ok]
        if failed and len(adds) == 1:
            return _cart_problem(failed[0])
        done = [x for x in adds if x.ok]
        text = " ".join(_added(x).split(" Your cart is now")[0] for x in done[:-1])
        if done:  # the cart as the last step left it ("make it white": after the swap)
            final = next((x.data["cart"] for x in reversed(results)
                          if x.ok and isinstance(x.data, dict) and "cart" in x.data), None)
            text = (text + " " if text else "") + _added(done[-1], final)
        if failed:
            text += " " + _cart_problem(failed[0])
        removed = next((x for x in results if x.name == "cart_remove" and x.ok), None)
        if removed is not None:  # a swap
            text = f"I've taken {removed.data['removed']['name']} out. " + text
        checkout = next((x for x in results if x.name == "create_checkout_link"), None)
        if checkout is not None:  # "add it and check me out"
            text = text.split(" Would you like to check out")[0] + "\n" + (
                _checkout_text(checkout.data) if checkout.ok else _checkout_problem(checkout))
        return text.strip()
    if t == "remove_from_cart":
        r = by_name.get("cart_remove")
        if r is None and action.params.get("empty"):
            return "Your cart is empty, so there's nothing to take out."
        if r is None or not r.ok:
            return "That item isn't in your cart. Shall I show you what is?"
        cart = r.data["cart"]
        removed = r.data["removed"]["name"]
        if not cart["lines"]:
            return f"I've taken {removed} out. Your cart is empty now."
        return f"I've taken {removed} out. Here's your cart now:\n{_cart_text(cart)}"
    if t == "show_cart":
        r = by_name.get("cart_view")
        cart = r.data["cart"] if r is not None and r.ok else None
        if not cart or not cart["lines"]:
            return "Your cart is empty. What can I help you find?"
        if action.params.get("already"):
            return (f"{action.params['already']} is already in your cart — say “add another” "
                    f"if you'd like two.\n{_cart_text(cart)}\nReady to check out?")
        return f"Here's your cart:\n{_cart_text(cart)}\nReady to check out?"
    if t == "create_checkout":
        r = by_name.get("create_checkout_link")
        if r is None:
            return "Your cart is empty — add something first and I'll get you a checkout link."
        if not r.ok:
            return _checkout_problem(r)
        return _checkout_text(r.data)
    if t == "offer_discount":
        r = by_name.get("offer_discount")
        if r is None or not r.ok:
            return ("I can only look at a discount once there's something in your cart. "
                    "What would you like?")
        d = r.data
        if not d.get("offered"):
            return ("I'm afraid I can't change the price on this one — it's already our best "
                    "price. I'm happy to find you something similar for less if you like.")
        if d["reason"] == "at_limit":
            return (f"{d['percent']:g}% off is the best I'm able to do: {d['total']} instead of "
                    f"{d['base_total']}. I've renewed it for you — shall I send the checkout "
                    "link?")
        return (f"I can offer you {d['percent']:g}% off: {d['total']} instead of "
                f"{d['base_total']}. The offer holds for a little while — shall I send the "
                "checkout link?")
    if t == "hold_price":
        return ("Let's find the right item first — once something's in your cart I can see "
                "what I can do on price.")
    if t == "answer_policy":
        topic = action.params.get("topic", "")
        fact = _store_fact(agent, topic)
        listed = _policy_from_listing(results, topic)
        if listed or fact:
            return " ".join(x for x in (listed, fact) if x) + " Anything else I can help with?"
        from_articles = _from_articles(results)
        if from_articles:
            return from_articles
        return (f"{_POLICY_FALLBACK.get(topic, _NO_DETAILS)}, "
                "so I'd rather not guess. I can pass you to someone on the team who knows — "
                "just say “talk to a person”.")
    if t == "order_support":
        order = action.params.get("order_id")
        ref = f" for order {order}" if order else ""
        return (f"I can't look up orders from this chat{ref}, but our team can. Say "
                "“talk to a person” and I'll hand this conversation over to them.")
    if t == "account_support":
        return ("I can't access accounts from this chat. Someone on the team can help — say "
                "“talk to a person” and I'll hand you over.")
    if t == "handoff_to_human":
        return ("I've flagged this conversation for a person on our team; they'll pick it up "
                "here as soon as they can. I'm still here if you want to keep browsing "
                "meanwhile.")
    if t == "handle_complaint":
        return ("I'm really sorry about that. I'd like to make it right — tell me what "
                "happened, or say “talk to a person” and I'll bring in someone from the team.")
    if t == "ask_clarification":
        return _question(action, state)
    from_articles = _from_articles(results)
    if from_articles:  # out of scope for a shop assistant, but the store's articles say
        return from_articles
    if action.params.get("reason") == "language":
        return ("Sorry — I can only chat in English at the moment. What are you looking for "
                "today?")
    return ("I'm here to help with this store's products, your cart and checkout. What are "
            "you looking for today?")


def _availability(p: dict, params: dict[str, Any]) -> str:
    size, color = params.get("size"), params.get("color")
    variants = p.get("variants") or []
    if size and variants:
        matching = [v for v in variants
                    if str(v.get("size", "")).lower() == str(size).lower()
                    and (not color or str(v.get("color", "")).lower() == str(color).lower())]
        if not matching:
            sizes = [s for s in p.get("sizes") or []]
            return (f"{p['name']} doesn't come in size {size}. It comes in "
                    f"{_options(sizes)}.")
        label = matching[0].get("size") or size  # the store's spelling ("M")
        if sum(int(v.get("stock", 0) or 0) for v in matching) > 0:
            colours = list(dict.fromkeys(str(v["color"]) for v in matching
                                         if v.get("color") and int(v.get("stock", 0) or 0) > 0))
            which = f", in {_options(colours)}" if not color and len(colours) > 1 else ""
            return (f"Yes — {p['name']} is in stock in size {label}{which}{_at(matching)}. "
                    "Shall I add it to your cart?")
        others = sorted({str(v["size"]) for v in variants
                         if int(v.get("stock", 0) or 0) > 0 and v.get("size")})
        return (f"Sorry, {p['name']} is sold out in size {label}."
                + (f" It's available in {_options(others)}." if others else ""))
    if color and variants:
        matching = [v for v in variants if str(v.get("color", "")).lower() == str(color).lower()]
        others = sorted({str(v["color"]) for v in variants
                         if v.get("color") and int(v.get("stock", 0) or 0) > 0})
        if not matching:
            return (f"{p['name']} doesn't come in {color}."
                    + (f" It's available in {_options(others)}." if others else ""))
        if sum(int(v.get("stock", 0) or 0) for v in matching) <= 0:
            return (f"Sorry, {p['name']} is sold out in {color}."
                    + (f" It's available in {_options(others)}." if others else ""))
        return (f"Yes — {p['name']} is in stock in {color}{_at(matching)}. Shall I add it to "
                "your cart?")
    if not p.get("in_stock", True):
        return f"Sorry, {p['name']} is out of stock right now."
    sizes = [s for s in p.get("sizes") or [] if s.lower() != "one size"]
    extra = f" Sizes: {', '.join(sizes)}." if sizes else ""
    return f"Yes — {p['name']} is in stock at {p['price']}.{extra} Shall I add it to your cart?"


def _at(matching: list[dict]) -> str:
    """" at $1,199.00" when the variants asked about share a price of their own."""
    prices = {v.get("price") for v in matching}
    return f" at {prices.pop()}" if len(prices) == 1 and None not in prices else ""


def _across_reply(action: Action, results: list[ToolResult]) -> str:
    """"Do any of them have pit zips?": the ones whose listing says so, by name."""
    from agentpay.orchestrator.answers import answer
    from agentpay.understanding.reading import Question

    q = action.params.get("question") or {}
    phrase = str(q.get("phrase") or "that")
    yes, no = [], []
    for r in results:
        if r.name == "product_details" and r.ok:
            p = r.data["product"]
            verdict = answer(p, Question(q.get("kind", "yesno"), phrase))[1]
            (yes if verdict else no).append(p["name"])
    has = q.get("kind") == "includes"
    if not yes:
        return (f"None of these listings say they {'have' if has else 'are'} {phrase}, so "
                "I'd rather not promise it. Want me to look for ones that do?")
    names = yes[0] if len(yes) == 1 else ", ".join(yes[:-1]) + " and " + yes[-1]
    if not no:
        return f"Yes, all of them: {names}."
    verb = ("has" if len(yes) == 1 else "have") if has else ("is" if len(yes) == 1 else "are")
    return f"Of these, {names} {verb} {phrase}."


def _cart_problem(r: ToolResult) -> str:
    code = r.error["code"] if r.error else ""
    details = (r.error or {}).get("details") or {}
    if code == "needs_size":
        return f"Which size would you like? It comes in {_options(details.get('sizes', []))}."
    if code == "needs_color":
        return (f"Which colour would you like? It comes in "
                f"{_options(details.get('colors', []))}.")
    if code == "size_unavailable":
        return f"That size isn't available. It comes in {_options(details.get('sizes', []))}."
    if code == "color_unavailable":
        return f"That colour isn't available. It comes in {_options(details.get('colors', []))}."
    if code == "out_of_stock":  # named: it may not be the product the shopper had in mind
        sizes = details.get("in_stock_sizes") or []
        said = str((r.error or {}).get("message") or "that one is out of stock")
        return (f"Sorry, {said}"
                + (f" — it's available in {_options(sizes)}." if sizes else "."))
    if code == "not_enough_stock":
        return f"Sorry, there are only {details.get('available')} left. Shall I add those?"
    if code == "quantity_limit":
        return f"Sorry — {r.error['message']}."
    if code == "invalid_quantity" or (code == "invalid_arguments" and str(
            (r.error or {}).get("message", "")).startswith("quantity")):
        return "I can only add a whole number of items, one or more. How many would you like?"
    return f"I couldn't add that: {r.error['message'] if r.error else 'unknown problem'}."


def _checkout_text(d: dict) -> str:
    text = f"Here's your secure checkout link: {d['url']}\n"
    if d.get("discount_minor"):
        text += (f"Subtotal {d['subtotal']}, your {d['discount_percent']:g}% discount "
                 f"−{d['discount']}, total {d['total']}.")
    else:
        text += f"Total: {d['total']}."
    return text + " The link is valid for a limited time."


def _checkout_problem(r: ToolResult) -> str:
    code = r.error["code"] if r.error else ""
    if code == "cart_empty":
        return "Your cart is empty — add something first and I'll get you a checkout link."
    if code == "cart_unavailable":
        return ("Some items in your cart can't be bought right now (out of stock or no "
                "longer sold). Shall I show your cart so we can fix it?")
    if code in ("payments_not_configured", "provider_not_configured"):
        # trying again would not help: the store has no way to take payment online
        return ("Sorry, this store can't take payment online yet, so I can't give you a "
                "checkout link. Your cart is kept in this conversation.")
    return "Sorry, I couldn't create the checkout link just now. Could you try again?"


def _question(action: Action, state: dict) -> str:
    q = action.question
    if q == "what_looking_for":
        return "Happy to help! What are you looking for — and is there a budget I should stay within?"
    if q == "cart_empty":
        return "Your cart is empty so far. What would you like to buy?"
    if q == "compare_which":
        return "Which products would you like me to compare? Search for a few first and I'll line them up."
    if q == "remove_which":
        return "Which item should I take out of your cart?"
    shown = state.get("last_shown") or []
    if shown:
        names = "; ".join(f"{i}. {p['name']}" for i, p in enumerate(shown[:5], 1))
        return f"Which one do you mean? {names}"
    return "Which product do you mean? Tell me what you're looking for and I'll find it."
