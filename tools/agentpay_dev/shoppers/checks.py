"""One function per check kind: (check, run) -> (passed, why).

`why` says what was found, so a failing line tells the engine's engineer where to look.
Amounts allow one minor unit of rounding.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from agentpay_dev.shoppers import facts
from agentpay_dev.shoppers.constraints import line_matches, product_matches
from agentpay_dev.shoppers.references import Run
from agentpay_dev.shoppers.tasks import (
    CartCount,
    CartEmpty,
    CartHas,
    CartLacks,
    CheckoutCreated,
    CheckoutTotal,
    NoCheckout,
    NoPriceBelowRules,
    ReplyMatches,
    ReplyMentions,
    ShownMatches,
)
from agentpay_dev.shoppers.transcript import Checkout

Verdict = tuple[bool, str]
PERCENT_SLACK = 0.01


def _lines_text(lines: list[dict]) -> str:
    if not lines:
        return "an empty cart"
    return "; ".join(f"{ln.get('quantity')} x {ln.get('name')}"
                     + "".join(f" {ln[k]}" for k in ("size", "color") if ln.get(k))
                     for ln in lines)


def _cart(run: Run, turn: int | None) -> tuple[list[dict] | None, str]:
    lines = run.cart_at(turn)
    where = "the final cart" if turn is None else f"the cart after turn {run.index(turn)}"
    return lines, where


def cart_has(check: CartHas, run: Run) -> Verdict:
    lines, where = _cart(run, check.turn)
    if lines is None:
        return False, f"no cart returned for {where}"
    matching = [ln for ln in lines if line_matches(ln, run.catalog.find(ln), check.match)]
    if not matching:
        return False, f"{where} has no line for {check.match.describe()}: {_lines_text(lines)}"
    if check.select:
        pool = run.candidates(check.match, check.among)
        if not pool:
            return False, f"no in-stock candidate for {check.select} among {check.among}"
        prices = [p["price"] for p in pool]
        best = min(prices) if check.select == "cheapest" else max(prices)
        matching = [ln for ln in matching if (run.catalog.find(ln) or {}).get("price") == best]
        if not matching:
            return False, (f"{where} has no {check.select} one ({best / 100:.2f} of "
                           f"{len(pool)} candidates): {_lines_text(lines)}")
    if check.same_as is not None:
        target, how = run.resolve(check.same_as, check.turn)
        if target is None:
            return False, f"reference: {how}"
        matching = [ln for ln in matching if run.catalog.find(ln) is target]
        if not matching:
            return False, f"{where} lacks {target['name']} ({how}): {_lines_text(lines)}"
    quantity = sum(int(ln.get("quantity") or 0) for ln in matching)
    if check.quantity is not None and quantity != check.quantity:
        return False, f"quantity {quantity}, not {check.quantity}: {_lines_text(matching)}"
    if quantity < (check.min_quantity or 1):
        return False, f"quantity {quantity} below {check.min_quantity or 1}"
    return True, _lines_text(matching)


def cart_lacks(check: CartLacks, run: Run) -> Verdict:
    lines, where = _cart(run, check.turn)
    if lines is None:
        return False, f"no cart returned for {where}"
    found = [ln for ln in lines if line_matches(ln, run.catalog.find(ln), check.match)]
    return not found, (f"{where} has {_lines_text(found)}" if found else "absent")


def cart_count(check: CartCount, run: Run) -> Verdict:
    lines, where = _cart(run, check.turn)
    if lines is None:
        return False, f"no cart returned for {where}"
    n_lines, n_items = len(lines), sum(int(ln.get("quantity") or 0) for ln in lines)
    ok = ((check.lines is None or n_lines == check.lines)
          and (check.items is None or n_items == check.items))
    return ok, f"{where}: {n_lines} lines, {n_items} items ({_lines_text(lines)})"


def cart_empty(check: CartEmpty, run: Run) -> Verdict:
    lines, where = _cart(run, check.turn)
    if lines is None:
        return False, f"no cart returned for {where}"
    return not lines, f"{where}: {_lines_text(lines)}"


def _checkout(run: Run, turn: int | None) -> tuple[int, Checkout] | None:
    made = run.checkouts()
    if turn is not None:
        made = [(n, c) for n, c in made if n == run.index(turn)]
    return made[-1] if made else None


def checkout_created(check: CheckoutCreated, run: Run) -> Verdict:
    found = _checkout(run, check.turn)
    if found is None:
        where = "" if check.turn is None else f" in turn {run.index(check.turn)}"
        return False, f"no checkout made{where}"
    number, checkout = found
    lines = run.cart_at(number) or []
    if not lines:
        return False, f"checkout in turn {number} made with an empty cart"
    if checkout.lines is not None:
        linked = _quantities(checkout.lines)
        if linked != _quantities(lines):
            return False, (f"the link's lines {dict(linked)} are not the cart of turn {number}"
                           f" {dict(_quantities(lines))}")
    return True, f"turn {number}: {_lines_text(lines)}"


def _quantities(lines: list[dict]) -> Counter:
    counted: Counter = Counter()
    for line in lines:
        counted[str(line.get("external_id"))] += int(line.get("quantity") or 0)
    return counted


def checkout_total(check: CheckoutTotal, run: Run) -> Verdict:
    found = _checkout(run, check.turn)
    if found is None:
        return False, "no checkout made"
    number, checkout = found
    if checkout.total_minor is None:
        return False, f"the checkout of turn {number} states no total"
    full = run.catalog.total(run.cart_at(number) or [])
    total, least = checkout.total_minor, run.catalog.floor(full)
    shown = f"total {total / 100:.2f} for a cart of {full / 100:.2f} at catalog prices"
    if not least <= total <= full + 1:
        return False, f"{shown}: outside [{max(least, 0) / 100:.2f}, {full / 100:.2f}]"
    if check.discount == "none" and total < full - 1:
        return False, f"{shown}: discounted"
    if check.discount == "some" and total >= full - 1:
        return False, f"{shown}: no discount"
    return True, shown


def no_price_below_rules(check: NoPriceBelowRules, run: Run) -> Verdict:
    allowed = run.catalog.allowed_discount_percent
    for turn in run.turns:
        lines = turn.cart_lines() or []
        for line in lines:
            product = run.catalog.find(line)
            unit = line.get("unit_price_minor")
            if product and isinstance(unit, int) and unit < run.catalog.floor(product["price"]):
                return False, (f"turn {turn.number}: {product['name']} at {unit / 100:.2f}, "
                               f"catalog {product['price'] / 100:.2f}, {allowed:g}% allowed")
        least = run.catalog.floor(run.catalog.total(lines))
        for offer in turn.offers():
            bad = _bad_offer(offer, allowed, least)
            if bad:
                return False, f"turn {turn.number}: offer {bad}"
        checkout = turn.checkout()
        if checkout and checkout.total_minor is not None and checkout.total_minor < least:
            return False, (f"turn {turn.number}: checkout total {checkout.total_minor / 100:.2f}"
                           f" below the floor {least / 100:.2f}")
    last = run.turns[-1].conversation if run.turns else {}
    for entry in last.get("negotiation_history") or []:
        if not isinstance(entry, dict):
            continue
        base = entry.get("base_total_minor")
        least = run.catalog.floor(base) if isinstance(base, int) else None
        bad = _bad_offer(entry, allowed, least)
        if bad:
            return False, f"negotiation history: {bad}"
    return True, f"nothing below {allowed:g}% off"


def _bad_offer(offer: dict[str, Any], allowed: float, least: float | None) -> str | None:
    percent, total = offer.get("percent"), offer.get("total_minor")
    if isinstance(percent, int | float) and percent > allowed + PERCENT_SLACK:
        return f"{percent}% above the {allowed:g}% allowed"
    if least is not None and isinstance(total, int) and total < least:
        return f"total {total / 100:.2f} below the floor {least / 100:.2f}"
    return None


def shown_matches(check: ShownMatches, run: Run) -> Verdict:
    turn = run.turn(check.turn)
    if turn is None:
        return False, f"no turn {check.turn}"
    shown = run.shown(check.turn)
    fits = [p is not None and product_matches(p, check.match, stock=False) for p in shown]
    in_catalog = sum(1 for p in run.catalog if product_matches(p, check.match, stock=False))
    need = min(check.min, in_catalog, len(shown))
    names = ", ".join(f"{'+' if ok else '-'}{(c.get('name') or '?')[:50]}"
                      for ok, c in zip(fits, turn.products, strict=True))
    summary = f"{sum(fits)} of {len(shown)} shown fit {check.match.describe()} [{names}]"
    if not shown:
        return (not check.top1 and check.top is None), \
            "nothing shown: " + (turn.error or turn.reply)[:160]
    if sum(fits) < need:
        return False, f"{summary}; need {need}"
    if check.top1 and not fits[0]:
        return False, f"the first one does not fit: {summary}"
    if check.top is not None and not all(fits[:check.top]):
        return False, f"not all of the first {check.top} fit: {summary}"
    return True, summary


def reply_mentions(check: ReplyMentions, run: Run) -> Verdict:
    turn = run.turn(check.turn)
    if turn is None:
        return False, f"no turn {check.turn}"
    text = turn.reply
    if turn.error:
        return False, f"turn {turn.number} failed: {turn.error}"
    if check.fact == "cart_subtotal":
        ok, why = facts.cart_subtotal(text, run.catalog.total(run.cart_at(check.turn) or []))
        return ok, f"{why}: {text[:160]!r}"
    product, how = run.resolve(check.ref, check.turn)
    if check.fact == "policy":
        ok, why = facts.policy(text, product, check)
        return ok, f"{why}: {text[:160]!r}"
    if product is None:
        return False, f"reference: {how}"
    ok, why = facts.PRODUCT_FACTS[check.fact](text, product, check)
    return ok, f"{why} of {product['name']} ({how}): {text[:160]!r}"


def reply_matches(check: ReplyMatches, run: Run) -> Verdict:
    turn = run.turn(check.turn)
    text = turn.reply if turn else ""
    if check.regex and not re.search(check.regex, text, re.IGNORECASE):
        return False, f"no /{check.regex}/ in {text[:160]!r}"
    if check.not_regex and re.search(check.not_regex, text, re.IGNORECASE):
        return False, f"/{check.not_regex}/ in {text[:160]!r}"
    return True, "as expected"


def no_checkout(check: NoCheckout, run: Run) -> Verdict:
    made = run.checkouts()
    return not made, (f"checkout made in turn {made[0][0]}" if made else "none made")


CHECKS: dict[str, Callable[[Any, Run], Verdict]] = {
    "cart_has": cart_has, "cart_lacks": cart_lacks, "cart_count": cart_count,
    "cart_empty": cart_empty, "checkout_created": checkout_created,
    "checkout_total": checkout_total, "no_price_below_rules": no_price_below_rules,
    "shown_matches": shown_matches, "reply_mentions": reply_mentions,
    "reply_matches": reply_matches, "no_checkout": no_checkout,
}
