"""The judge of `agentpay bench shoppers`, on small hand-made catalogs and transcripts:
sizes, colour families, product and cart-line constraints, stock and void rules, the
cheapest selection, facts in replies, checkout totals, the task file and the client's
handling of 429s. No server, no database."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from agentpay_dev.shoppers import checks, facts
from agentpay_dev.shoppers.catalog import Catalog, allowed_discount_percent
from agentpay_dev.shoppers.client import Api, retry_after_s
from agentpay_dev.shoppers.constraints import (
    candidates,
    line_matches,
    product_matches,
    size_fits,
)
from agentpay_dev.shoppers.judge import judge, void_reason
from agentpay_dev.shoppers.references import Run
from agentpay_dev.shoppers.runner import Credentials, run_task
from agentpay_dev.shoppers.tasks import Match, Task, TaskFileError, load_tasks
from agentpay_dev.shoppers.transcript import Turn
from agentpay_dev.shoppers.vocabulary import colour_fits

ROOT = Path(__file__).resolve().parent.parent
SHARED_TASKS = ROOT.parent / "shared" / "shopper-tasks" / "tasks.jsonl"


def product(external_id: str, name: str, price: int, *, product_type: str = "Hoodie",
            variants: list[tuple[str | None, str | None, int]] = (("Black", "M", 5),),
            active: bool = True, brand: str = "Loomwell", description: str = "",
            **attributes) -> dict:
    """A catalog record as `GET /v1/agent/products` returns it; variants are
    (colour, size, stock)."""
    rows = [{"sku": f"{external_id}-{i}", "color": c, "size": s, "stock": n}
            for i, (c, s, n) in enumerate(variants)]
    return {"id": f"id-{external_id}", "external_id": external_id, "name": name,
            "description": description, "price": price, "currency": "USD",
            "brand": brand, "category": "Apparel", "active": active,
            "in_stock": any(n > 0 for _, _, n in variants),
            "attributes": {"product_type": product_type, **attributes}, "variants": rows}


def line(p: dict, quantity: int = 1, size: str | None = None, color: str | None = None,
         unit: int | None = None) -> dict:
    return {"product_id": p["id"], "external_id": p["external_id"], "name": p["name"],
            "quantity": quantity, "size": size, "color": color,
            "unit_price_minor": p["price"] if unit is None else unit}


def turn(number: int, *, shown: list[dict] = (), cart: list[dict] | None = None,
         reply: str = "", tool_calls: list[dict] = (), conversation: dict | None = None) -> Turn:
    return Turn(number, f"turn {number}", status=201, reply=reply,
                products=[{"external_id": p["external_id"], "name": p["name"]} for p in shown],
                cart=None if cart is None else {"lines": cart},
                conversation=conversation or {}, tool_calls=list(tool_calls))


NAVY_HOODIE = product("H1", "Campus Hoodie, Navy", 4500,
                      variants=[("Navy", "M", 3), ("Navy", "L", 0)], gender="men")
CHARCOAL_HOODIE = product("H2", "Weekender Hoodie, Charcoal", 3900,
                          variants=[("Charcoal", "S", 2), ("Charcoal", "M", 0)], gender="women")
CHEAP_HOODIE = product("H3", "Everyday Hoodie, Black", 2900,
                       variants=[("Black", "M", 1), ("Black", "XL", 4)], gender="men")
RETIRED_HOODIE = product("H4", "Heritage Hoodie, Cobalt", 1900,
                         variants=[("Cobalt", "M", 9)], active=False)
MUG = product("M1", "Daybreak Mug, 16 oz, Cream", 1299, product_type="Coffee Mug",
              variants=[("Cream", "16 oz", 8)], material="stoneware")
JACKET = product("J1", "Stormline Rain Jacket", 12000, product_type="Rain Jacket",
                 variants=[("Black", "S", 1), ("Black", "M", 1), ("Black", "L", 0),
                           ("Sand", "M", 2)],
                 description="A fully taped shell. Free returns within 30 days.",
                 waterproof=True, length_ft=3)
CATALOG = Catalog([NAVY_HOODIE, CHARCOAL_HOODIE, CHEAP_HOODIE, RETIRED_HOODIE, MUG, JACKET])


def task(checks: list[dict], turns: int = 3) -> Task:
    return Task.model_validate({"id": "t", "goal": "g", "turns": ["x"] * turns,
                                "checks": checks})


# ---------------------------------------------------------------- sizes and colours

@pytest.mark.parametrize(("have", "want"), [
    ("M", "medium"), ("M", "m"), ("medium", "M"), ("XL", "extra large"), ("XS", "x-small"),
    ("XXL", "2XL"), ("10.5", "10.5"), ("13 in.", "13 in"), ("13 in.", "13 IN."),
    ("1,200 Pieces", "1200 pieces"), ("Queen", "queen"), ("One Size", "one-size"),
    ("L", ["S", "L"]),
])
def test_sizes_written_either_way_are_one(have, want):
    assert size_fits(have, want)


@pytest.mark.parametrize(("have", "want"), [
    ("M", "L"), ("S", "XS"), ("10.5", "10"), ("10", "10.5"), ("13 in.", "15 in."),
    ("Queen", "King"), (None, "M"), ("XL", "XXL"),
])
def test_different_sizes_differ(have, want):
    assert not size_fits(have, want)


@pytest.mark.parametrize(("name", "word"), [
    ("Navy", "blue"), ("Slate Blue", "blue"), ("Charcoal", "grey"), ("Charcoal", "gray"),
    ("Heather Gray", "grey"), ("Cognac", "brown"), ("Navy", "navy"), ("Matte Black", "black"),
    ("Dusty Blue", "blue"), ("Multicolor", "multi"), ("Burgundy", "red"), ("Sage", "green"),
])
def test_a_colour_word_finds_its_names_and_family(name, word):
    assert colour_fits(name, word)


@pytest.mark.parametrize(("name", "word"), [
    ("Navy", "black"), ("Sky Blue", "navy"), ("Rosewood", "rose"), ("Charcoal", "black"),
    ("Cream", "blue"), (None, "blue"), ("Olive", "grey"),
])
def test_a_colour_word_finds_nothing_else(name, word):
    assert not colour_fits(name, word)


# ---------------------------------------------------------------- products and stock

def test_a_product_matches_through_one_variant_in_the_asked_size_and_colour():
    # GIVEN a navy hoodie in stock in M, sold out in L
    m_navy = Match(product_type="hoodie", color="blue", size="medium")
    l_navy = Match(product_type="Hoodie", color="navy", size="L")
    # THEN M is buyable; L is sold as such but not buyable
    assert product_matches(NAVY_HOODIE, m_navy, stock=True)
    assert not product_matches(NAVY_HOODIE, l_navy, stock=True)
    assert product_matches(NAVY_HOODIE, l_navy, stock=False)
    # AND size and colour must hold in the same variant (no sand jacket in S)
    assert not product_matches(JACKET, Match(color="sand", size="S"), stock=False)
    assert product_matches(JACKET, Match(color="sand", size="M"), stock=True)


def test_product_keys_all_hold():
    assert product_matches(NAVY_HOODIE, Match(gender="men", max_price_minor=4500,
                                              brand=["Loomwell", "Threadgood"]), stock=True)
    assert not product_matches(NAVY_HOODIE, Match(max_price_minor=4499), stock=True)
    assert not product_matches(NAVY_HOODIE, Match(min_price_minor=4501), stock=True)
    assert not product_matches(NAVY_HOODIE, Match(gender="women"), stock=True)
    assert not product_matches(NAVY_HOODIE, Match(name_regex="weekender"), stock=True)
    # text_regex reads the attributes that hold: the jacket's `waterproof` flag
    assert product_matches(JACKET, Match(text_regex=r"\bwaterproof"), stock=True)
    assert not product_matches(NAVY_HOODIE, Match(text_regex=r"\bwaterproof"), stock=True)
    assert product_matches(JACKET, Match(attrs={"length_ft": 3.0}), stock=True)
    assert not product_matches(JACKET, Match(attrs={"length_ft": 4}), stock=True)


def test_an_inactive_product_never_matches():
    assert not product_matches(RETIRED_HOODIE, Match(color="blue"), stock=False)
    assert RETIRED_HOODIE not in candidates(CATALOG, Match(product_type="Hoodie"))


def test_a_cart_line_is_judged_on_what_was_bought():
    # the line's own size and colour, not the product's other variants
    assert line_matches(line(JACKET, size="M", color="Sand"), JACKET, Match(color="beige"))
    assert not line_matches(line(JACKET, size="M", color="Black"), JACKET, Match(color="beige"))
    assert not line_matches(line(JACKET, size="S", color="Black"), JACKET, Match(size="M"))
    # a single-size, single-colour product's line stands for its only size and colour
    assert line_matches(line(MUG), MUG, Match(size="16 oz", color="white"))
    # a line without a size of a product in several sizes has no size
    assert not line_matches(line(JACKET, color="Black"), JACKET, Match(size="M"))


# ---------------------------------------------------------------- void rules

def test_a_task_is_void_when_no_in_stock_product_meets_a_target():
    # the only charcoal M hoodie is sold out
    sold_out = task([{"kind": "cart_has", "match": {"color": "charcoal", "size": "M"}}])
    assert "no in-stock product" in void_reason(sold_out, CATALOG)
    # a shown_matches target counts too, and so does a reference into the catalog
    assert void_reason(task([{"kind": "shown_matches", "turn": 1,
                              "match": {"color": "cobalt"}}]), CATALOG)
    assert void_reason(task([{"kind": "reply_mentions", "turn": 1, "fact": "price",
                              "ref": {"select": "cheapest",
                                      "match": {"product_type": "Sofa"}}}]), CATALOG)
    # but not a reference into what a turn showed, nor cart_lacks
    assert void_reason(task([{"kind": "reply_mentions", "turn": 1, "fact": "price",
                              "ref": {"select": "cheapest", "match": {"product_type": "Sofa"},
                                      "among": {"shown": 1}}},
                             {"kind": "cart_lacks", "match": {"product_type": "Sofa"}}]),
                       CATALOG) is None
    assert void_reason(task([{"kind": "cart_has", "match": {"color": "grey", "size": "S"}}]),
                       CATALOG) is None


# ---------------------------------------------------------------- cheapest and references

def test_the_cheapest_is_judged_over_what_was_shown_in_stock():
    shown = [NAVY_HOODIE, CHARCOAL_HOODIE, CHEAP_HOODIE]
    check = task([{"kind": "cart_has", "match": {"product_type": "Hoodie", "size": "M"},
                   "select": "cheapest", "among": {"shown": 1}}]).checks[0]
    # the charcoal one is cheaper than the navy one but sold out in M: the black one is it
    ok_run = Run(CATALOG, [turn(1, shown=shown), turn(2, cart=[line(CHEAP_HOODIE, size="M")])])
    assert checks.cart_has(check, ok_run)[0]
    bad_run = Run(CATALOG, [turn(1, shown=shown), turn(2, cart=[line(NAVY_HOODIE, size="M")])])
    assert not checks.cart_has(check, bad_run)[0]
    # among the first two shown only, the navy one is the cheapest in stock in M
    top2 = task([{"kind": "cart_has", "match": {"product_type": "Hoodie", "size": "M"},
                  "select": "cheapest", "among": {"shown": 1, "top": 2}}]).checks[0]
    assert checks.cart_has(top2, bad_run)[0]


def test_most_expensive_over_the_catalog_and_ties_pass():
    twin = product("H5", "Campus Hoodie, Black", 4500, variants=[("Black", "M", 1)])
    catalog = Catalog([NAVY_HOODIE, CHEAP_HOODIE, twin])
    check = task([{"kind": "cart_has", "match": {"product_type": "Hoodie"},
                   "select": "most_expensive"}]).checks[0]
    assert checks.cart_has(check, Run(catalog, [turn(1, cart=[line(twin, size="M")])]))[0]
    assert not checks.cart_has(check, Run(catalog, [turn(1, cart=[line(CHEAP_HOODIE)])]))[0]


def test_quantity_is_summed_over_matching_lines_and_same_as_names_the_product():
    run = Run(CATALOG, [turn(1, shown=[MUG, NAVY_HOODIE]),
                        turn(2, cart=[line(NAVY_HOODIE, 2, "M", "Navy"),
                                      line(NAVY_HOODIE, 1, "L", "Navy"), line(MUG)])])
    three = task([{"kind": "cart_has", "match": {"product_type": "Hoodie"}, "quantity": 3,
                   "same_as": {"shown": 1, "rank": 2}}]).checks[0]
    assert checks.cart_has(three, run)[0]
    wrong_rank = task([{"kind": "cart_has", "match": {"product_type": "Hoodie"},
                        "same_as": {"shown": 1, "rank": 1}}]).checks[0]
    assert not checks.cart_has(wrong_rank, run)[0]
    two = task([{"kind": "cart_has", "match": {"size": "M", "color": "navy"},
                 "quantity": 3}]).checks[0]
    assert not checks.cart_has(two, run)[0]
    counted = task([{"kind": "cart_count", "lines": 3, "items": 4}]).checks[0]
    assert checks.cart_count(counted, run)[0]


def test_the_final_cart_is_the_last_one_returned_and_a_turn_can_be_named():
    run = Run(CATALOG, [turn(1, cart=[line(MUG)]), turn(2, cart=[]), turn(3)])
    assert checks.cart_empty(task([{"kind": "cart_empty"}]).checks[0], run)[0]
    assert not checks.cart_empty(task([{"kind": "cart_empty", "turn": 1}]).checks[0], run)[0]
    assert checks.cart_has(task([{"kind": "cart_has", "match": {"product_type": "coffee mug"},
                                  "turn": -3}]).checks[0], run)[0]


# ---------------------------------------------------------------- shown_matches

def test_shown_matches_needs_the_first_and_enough_of_the_rest():
    check = task([{"kind": "shown_matches", "turn": 1,
                   "match": {"product_type": "Hoodie", "color": "blue"}, "min": 3}]).checks[0]
    # only one blue hoodie is active in the catalog, so one is enough; sold out is fine
    assert checks.shown_matches(check, Run(CATALOG, [turn(1, shown=[NAVY_HOODIE, MUG])]))[0]
    assert not checks.shown_matches(check, Run(CATALOG, [turn(1, shown=[MUG, NAVY_HOODIE])]))[0]
    assert not checks.shown_matches(check, Run(CATALOG, [turn(1, shown=[])]))[0]
    greys = task([{"kind": "shown_matches", "turn": 1,
                   "match": {"product_type": "Hoodie"}, "min": 2}]).checks[0]
    assert not checks.shown_matches(greys, Run(CATALOG, [turn(1, shown=[NAVY_HOODIE, MUG])]))[0]


# ---------------------------------------------------------------- facts in replies

@pytest.mark.parametrize(("minor", "text", "said"), [
    (7995, "It's $79.95 today.", True), (7995, "only 79.95", True),
    (8000, "That one is $80.", True), (8000, "it costs $80.00", True),
    (8000, "it costs $80.50", False), (7995, "$179.95", False), (129900, "$1,299.00", True),
    (129900, "$1299", True), (129900, "$1,299.99", False), (1299, "12.99 USD", True),
])
def test_money_is_found_however_it_is_written(minor, text, said):
    assert facts.mentions_money(text, minor) is said


def test_sizes_and_colours_in_stock_must_be_named():
    sizes = task([{"kind": "reply_mentions", "turn": 1, "fact": "sizes",
                   "ref": {"shown": 1, "rank": 1}}]).checks[0]
    # the jacket is in stock in S and M (L is sold out): both must be named
    assert facts.sizes("It comes in small and M.", JACKET, sizes)[0]
    assert not facts.sizes("I'm sure it comes in S.", JACKET, sizes)[0]  # "I'm" holds no M
    colours = task([{"kind": "reply_mentions", "turn": 1, "fact": "colors",
                     "ref": {"shown": 1, "rank": 1}}]).checks[0]
    assert facts.colors("Black or sand.", JACKET, colours)[0]
    assert not facts.colors("Black only.", JACKET, colours)[0]


@pytest.mark.parametrize(("text", "said"), [
    ("Yes, it's waterproof.", True), ("It is fully waterproof with taped seams.", True),
    ("It's not waterproof.", False), ("No, sorry.", False), ("It is water resistant.", False),
])
def test_a_true_yes_no_attribute_needs_a_yes(text, said):
    check = task([{"kind": "reply_mentions", "turn": 1, "fact": "attr",
                   "ref": {"shown": 1, "rank": 1}, "attr": "waterproof"}]).checks[0]
    assert facts.attr(text, JACKET, check)[0] is said


@pytest.mark.parametrize(("text", "said"), [
    ("No, it isn't waterproof.", True), ("It's not waterproof.", True),
    ("Yes, waterproof!", False), ("It is waterproof.", False),
])
def test_a_false_yes_no_attribute_needs_a_negation(text, said):
    check = task([{"kind": "reply_mentions", "turn": 1, "fact": "attr",
                   "ref": {"shown": 1, "rank": 1}, "attr": "waterproof"}]).checks[0]
    assert facts.attr(text, NAVY_HOODIE, check)[0] is said


@pytest.mark.parametrize(("text", "said"), [
    ("The listing doesn't say it's water-resistant.", True), ("No.", True),
    ("Yes, it's water resistant.", False)])
def test_an_attribute_word_is_a_pattern_as_in_the_shared_tasks(text, said):
    check = task([{"kind": "reply_mentions", "turn": 1, "fact": "attr",
                   "ref": {"shown": 1, "rank": 1}, "attr": "water_resistant",
                   "word": "water.resist"}]).checks[0]
    assert facts.attr(text, MUG, check)[0] is said


def test_a_policy_answer_carries_the_listing_s_key_or_at_least_answers():
    check = task([{"kind": "reply_mentions", "turn": 1, "fact": "policy",
                   "ref": {"shown": 1, "rank": 1}, "topic": "return|refund",
                   "key": r"\d+ days"}]).checks[0]
    assert facts.policy("You can return it within 30 days.", JACKET, check)[0]
    assert not facts.policy("You can return it within 14 days.", JACKET, check)[0]
    # no sentence on returns in the mug's listing: an honest answer passes, a list fails
    assert facts.policy("I don't have the return policy for that one.", MUG, check)[0]
    assert not facts.policy("Here's what I found for “returns”:\n1. Mug", MUG, check)[0]
    assert not facts.policy("Which one do you mean?", MUG, check)[0]


# ---------------------------------------------------------------- checkout and money rules

def _link(lines: list[dict], total: int) -> str:
    payload = {"lines": [{"external_id": ln["external_id"], "quantity": ln["quantity"]}
                         for ln in lines], "total_minor": total}
    token = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"http://127.0.0.1:8000/checkout/{token}.c2lnbmF0dXJl"


def test_checkout_total_lies_within_the_allowed_discount():
    cart = [line(JACKET, 2, "M", "Black")]  # 240.00 at catalog prices, 10 % allowed
    total = task([{"kind": "checkout_total"}]).checks[0]
    for amount, ok in ((24000, True), (21600, True), (21599, True), (21500, False),
                       (24100, False)):
        run = Run(CATALOG, [turn(1, cart=cart, reply="Pay here: " + _link(cart, amount))])
        assert checks.checkout_total(total, run)[0] is ok, amount
    some = task([{"kind": "checkout_total", "discount": "some"}]).checks[0]
    assert not checks.checkout_total(some, Run(CATALOG, [turn(1, cart=cart,
                                                              reply=_link(cart, 24000))]))[0]


def test_a_checkout_link_must_carry_the_cart_it_was_made_from():
    cart = [line(MUG, 2)]
    created = task([{"kind": "checkout_created"}]).checks[0]
    assert checks.checkout_created(created, Run(CATALOG, [turn(1, cart=cart,
                                                                reply=_link(cart, 2598))]))[0]
    other = [line(MUG, 3)]
    assert not checks.checkout_created(created, Run(CATALOG, [
        turn(1, cart=cart, reply=_link(other, 3897))]))[0]
    assert not checks.checkout_created(created, Run(CATALOG, [turn(1, cart=[], reply=_link(
        cart, 2598))]))[0]
    # a successful tool call counts even without a link in the text
    tool = {"name": "create_checkout_link", "ok": True, "result": {"total_minor": 2598}}
    run = Run(CATALOG, [turn(1, cart=cart, tool_calls=[tool])])
    assert checks.checkout_created(created, run)[0]
    assert not checks.no_checkout(task([{"kind": "no_checkout"}]).checks[0], run)[0]


def test_no_price_below_the_rules():
    rule = task([{"kind": "no_price_below_rules"}]).checks[0]
    fair = {"name": "offer_discount", "ok": True, "result": {"percent": 10, "total_minor": 1169}}
    greedy = {"name": "offer_discount", "ok": True, "result": {"percent": 15,
                                                               "total_minor": 1104}}
    assert checks.no_price_below_rules(rule, Run(CATALOG, [
        turn(1, cart=[line(MUG)], tool_calls=[fair])]))[0]
    assert not checks.no_price_below_rules(rule, Run(CATALOG, [
        turn(1, cart=[line(MUG)], tool_calls=[greedy])]))[0]
    assert not checks.no_price_below_rules(rule, Run(CATALOG, [
        turn(1, cart=[line(MUG, unit=1000)])]))[0]
    history = {"negotiation_history": [{"kind": "offer", "percent": 30}]}
    assert not checks.no_price_below_rules(rule, Run(CATALOG, [
        turn(1, cart=[line(MUG)], conversation=history)]))[0]


@pytest.mark.parametrize(("rules", "allowed"), [
    ({}, 10), ({"max_discount_percent": 15}, 15),
    ({"max_discount_percent": 20, "min_price_floor_percent": 90}, 10),
    ({"min_price_floor_percent": 95}, 5), ({"max_discount_percent": 0}, 0),
])
def test_the_allowed_discount(rules, allowed):
    assert allowed_discount_percent(rules) == allowed


# ---------------------------------------------------------------- tasks and a whole judgement

def test_a_task_passes_only_when_every_check_passes():
    t = task([{"kind": "shown_matches", "turn": 1, "match": {"product_type": "Coffee Mug"}},
              {"kind": "cart_has", "match": {"product_type": "Coffee Mug"}, "quantity": 2}], 2)
    good = judge(t, [turn(1, shown=[MUG]), turn(2, cart=[line(MUG, 2)])], CATALOG)
    assert good.status == "pass" and good.line() == "PASS  t  (2/2)"
    bad = judge(t, [turn(1, shown=[MUG]), turn(2, cart=[line(MUG, 1)])], CATALOG)
    assert bad.status == "fail" and bad.line().startswith("FAIL  t  (1/2) cart_has: quantity 1")


def test_the_task_file_is_checked_before_anything_runs(tmp_path):
    good = {"id": "ok", "goal": "g", "turns": ["hi"], "checks": [{"kind": "no_checkout"}]}
    path = tmp_path / "tasks.jsonl"
    for broken, error in (
            ({**good, "checks": [{"kind": "cart_empty", "turn": 2}]}, "names turn 2 of 1"),
            ({**good, "checks": [{"kind": "cart_has", "match": {"colour": "red"}}]}, "colour"),
            ({**good, "checks": [{"kind": "cart_hass"}]}, "cart_hass"),
            ({**good, "checks": [{"kind": "shown_matches", "turn": 1,
                                  "match": {"name_regex": "(("}}]}, "not a regex")):
        path.write_text(json.dumps(good) + "\n" + json.dumps(broken) + "\n")
        with pytest.raises(TaskFileError, match=error):
            load_tasks(path)
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "id": "two"}) + "\n")
    assert [t.id for t in load_tasks(path, {"two"})] == ["two"]


@pytest.mark.skipif(not SHARED_TASKS.exists(), reason="no ../shared/shopper-tasks here")
def test_the_shared_task_file_reads():
    assert len(load_tasks(SHARED_TASKS)) == 24


# ---------------------------------------------------------------- the client and the runner

class _Shop(BaseHTTPRequestHandler):
    """Starts a conversation; answers its first message with a 429, then for real."""

    sent: ClassVar[list[dict]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/v1/agent/conversations":
            return self._json(201, {"conversation": {"id": "c1"}, "token": "ap_ct_x"})
        type(self).sent.append(body)
        if len(type(self).sent) == 1:
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return None
        return self._json(201, {"reply": {"content": f"echo {body['content']}"},
                                "products": [], "cart": {"lines": []}, "conversation": {}})

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_429_is_waited_out_and_the_turn_sent_again_with_the_same_id():
    _Shop.sent = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    waits: list[float] = []
    try:
        api = Api(f"http://127.0.0.1:{server.server_port}", sleep=waits.append)
        turns = run_task(api, Credentials("sk", "agent", "pk"),
                         task([{"kind": "no_checkout"}], 2))
    finally:
        server.shutdown()
    assert [t.reply for t in turns] == ["echo x", "echo x"]
    assert api.rate_limited == 1 and waits == [retry_after_s("0")]
    ids = [body["client_message_id"] for body in _Shop.sent]
    assert ids[0] == ids[1] != ids[2]  # the retry replays; the next turn is new
