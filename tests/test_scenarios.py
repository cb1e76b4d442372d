"""Multi-turn conversations replayed offline through the HTTP API.

Each ``tests/scenarios/*.json`` file is one conversation (format: scenarios/README.md).
The store catalog (``scenarios/catalog.jsonl``) is loaded once per session; each scenario
gets its own agent and conversation. After every turn two invariants hold whatever the
scenario expects: every money amount in the reply is a catalog price (× a quantity), a
cart or line total, or an offer/checkout amount recorded in that response; and no
recorded discount exceeds the agent's ``max_discount_percent``.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import bearer

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
CATALOG = SCENARIOS / "catalog.jsonl"
FILES = sorted(SCENARIOS.glob("*.json"))
MAX_QUANTITY = 25  # the default max_quantity_per_line

DEFAULT_AGENT: dict[str, Any] = {
    "name": "Nora",
    "personality": {"tone": "friendly"},
    "rules": {
        "max_discount_percent": 15,
        "discount_step_percent": 5,
        "policies": {
            "returns": "You can return unworn items within 30 days for a full refund; "
                       "return shipping is free.",
            "payment": "We accept Visa, Mastercard, American Express, PayPal and Apple Pay.",
        },
    },
}

# "$129.00", "$1,299.00", "US$5", "129.00 USD", "12 dollars"
_SYMBOL_AMOUNT = re.compile(r"(?:US\$|CA\$|A\$|[$€£¥₹])\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
_CODE_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?:USD|EUR|GBP|"
                          r"dollars?|euros?|pounds?)\b", re.IGNORECASE)
# "15% off", "your 10% discount", "20 percent off" (not "100% merino")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|percent\b)\s?(?:off\b|discount\b)", re.IGNORECASE)
_CHECKOUT_URL = re.compile(r"https?://[^\s<>\"']+/checkout/[^\s<>\"']+")
_DATA_TOTAL = re.compile(r'data-total="(\d+)"')


def amounts_in(text: str) -> list[int]:
    found = [m.group(1) for m in _SYMBOL_AMOUNT.finditer(text)]
    found += [m.group(1) for m in _CODE_AMOUNT.finditer(text)]
    return [round(float(n.replace(",", "")) * 100) for n in found]


def percents_in(text: str) -> list[float]:
    return [float(m.group(1)) for m in _PERCENT.finditer(text)]


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------------------
# The store: one tenant and the catalog, loaded once
# --------------------------------------------------------------------------------------

@dataclass
class Store:
    auth: dict
    catalog: list[dict]

    @property
    def active(self) -> list[dict]:
        return [p for p in self.catalog if p.get("active", True)]

    def catalog_amounts(self) -> set[int]:
        """Prices (and "was" prices) of sellable products, times any cart quantity."""
        out: set[int] = set()
        for p in self.active:
            for q in range(1, MAX_QUANTITY + 1):
                out.add(p["price"] * q)
            if p.get("compare_at_price"):
                out.add(p["compare_at_price"])
        return out


@pytest.fixture(scope="session")
def scenario_store(app, db):
    from fastapi.testclient import TestClient

    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue
    from agentpay.organizations.service import create_organization

    catalog = [json.loads(line) for line in CATALOG.read_text().splitlines() if line.strip()]
    with db.transaction() as conn:
        _org, key = create_organization(conn, "Northtrail Outfitters (scenarios)")
    auth = bearer(key.secret)
    set_index_queue(InlineIndexQueue())  # searchable when the PUT returns
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.put("/v1/agent/products", headers=auth,
                                  json={"products": catalog})
    finally:
        set_index_queue(None)
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == [], response.text
    return Store(auth, catalog)


# --------------------------------------------------------------------------------------
# One conversation
# --------------------------------------------------------------------------------------

@dataclass
class Replay:
    store: Store
    client: Any
    scenario: dict
    agent: dict = field(default_factory=dict)
    conversation_id: str = ""
    token: str = ""
    transcript: list[str] = field(default_factory=list)
    bodies: list[dict] = field(default_factory=list)

    @property
    def max_discount(self) -> float:
        return float((self.agent.get("rules") or {}).get("max_discount_percent", 10))

    def start(self) -> None:
        client = self.client
        body = _merge(DEFAULT_AGENT, self.scenario.get("agent") or {})
        response = client.post("/v1/agent/agents", json=body, headers=self.store.auth)
        assert response.status_code == 201, response.text
        self.agent = response.json()
        response = client.post("/v1/agent/conversations", json={},
                               headers=bearer(self.agent["publishable_key"]))
        assert response.status_code == 201, response.text
        self.conversation_id = response.json()["conversation"]["id"]
        self.token = response.json()["token"]

    def fail(self, n: int, message: str) -> None:
        transcript = "\n".join(self.transcript)
        pytest.fail(f"{self.scenario['name']}: turn {n}: {message}\n"
                    f"---- transcript so far ----\n{transcript}", pytrace=False)

    def send(self, n: int, turn: dict) -> tuple[int, dict]:
        payload: dict[str, Any] = {"content": turn["say"]}
        if turn.get("client_message_id"):
            payload["client_message_id"] = turn["client_message_id"]
        response = self.client.post(
            f"/v1/agent/conversations/{self.conversation_id}/messages",
            json=payload, headers=bearer(self.token))
        try:
            body = response.json()
        except ValueError:
            body = {"raw": response.text}
        self.transcript.append(_describe(n, turn["say"], response.status_code, body))
        return response.status_code, body

    # ---- invariants, after every turn --------------------------------------------------

    def allowed_amounts(self, body: dict) -> set[int]:
        allowed = self.store.catalog_amounts()
        cart = body.get("cart") or {}
        allowed.add(int(cart.get("subtotal_minor") or 0))
        for line in cart.get("lines") or []:
            allowed.add(int(line["unit_price_minor"]) * int(line["quantity"]))
        conversation = body.get("conversation") or {}
        for item in conversation.get("negotiation_history") or []:
            for key in ("base_total_minor", "discount_minor", "total_minor"):
                if isinstance(item.get(key), int):
                    allowed.add(item[key])
        checkout = (conversation.get("context") or {}).get("checkout") or {}
        if isinstance(checkout.get("total_minor"), int):
            allowed.add(checkout["total_minor"])
        state = body.get("state") or {}
        for key in ("price_min", "price_max"):  # the shopper's own budget, said back
            if isinstance(state.get(key), int):
                allowed.add(state[key])
        for call in (body.get("reply") or {}).get("tool_calls") or []:
            result = call.get("result") or {}
            for key in ("subtotal_minor", "discount_minor", "total_minor"):
                if isinstance(result.get(key), int):
                    allowed.add(result[key])
        return allowed

    def check_invariants(self, n: int, body: dict) -> None:
        reply = (body.get("reply") or {}).get("content") or ""
        allowed = self.allowed_amounts(body)
        stray = [a for a in amounts_in(reply) if a not in allowed]
        if stray:
            self.fail(n, f"reply quotes amounts that match no catalog price, cart total or "
                         f"recorded offer/checkout: {[f'{a / 100:.2f}' for a in stray]}")
        cap = self.max_discount
        conversation = body.get("conversation") or {}
        for item in conversation.get("negotiation_history") or []:
            if item.get("kind") != "offer":
                continue
            if float(item["percent"]) > cap:
                self.fail(n, f"offer of {item['percent']}% exceeds the cap of {cap}%")
            if item["discount_minor"] > item["base_total_minor"] * cap / 100:
                self.fail(n, f"offer discount {item['discount_minor']} exceeds {cap}% of "
                             f"{item['base_total_minor']}")
        for call in (body.get("reply") or {}).get("tool_calls") or []:
            result = call.get("result") or {}
            if (call.get("name") == "create_checkout_link" and call.get("ok")
                    and result["discount_minor"] > result["subtotal_minor"] * cap / 100):
                self.fail(n, f"checkout discount {result['discount_minor']} exceeds "
                             f"{cap}% of {result['subtotal_minor']}")
        over = [p for p in percents_in(reply) if p > cap]
        if over:
            self.fail(n, f"reply mentions {over}% with a cap of {cap}%")

    # ---- the scenario's expectations ---------------------------------------------------

    def check_expectations(self, n: int, status: int, body: dict, expect: dict) -> None:
        want_status = expect.get("http_status", 200 if expect.get("replayed") else 201)
        if status != want_status:
            self.fail(n, f"HTTP {status}, expected {want_status}: {body}")
        message = body["message"]
        reply = body["reply"] or {}  # none while a person holds the conversation
        conversation = body["conversation"]
        calls = reply.get("tool_calls") or []
        action = next((c["action"] for c in calls if "action" in c), {})
        tools = [c for c in calls if "name" in c]
        text = reply.get("content") or ""

        def check(ok: bool, what: str) -> None:
            if not ok:
                self.fail(n, what)

        if "intent" in expect:
            wanted = expect["intent"]
            wanted = wanted if isinstance(wanted, list) else [wanted]
            check(message.get("intent") in wanted,
                  f"intent {message.get('intent')!r}, expected one of {wanted}")
        if "action" in expect:
            wanted = expect["action"]
            wanted = wanted if isinstance(wanted, list) else [wanted]
            check(action.get("type") in wanted,
                  f"action {action.get('type')!r}, expected one of {wanted}")
        if "question" in expect:
            check(action.get("question") == expect["question"],
                  f"question {action.get('question')!r}, expected {expect['question']!r}")
        if "tools" in expect:
            names = [c["name"] for c in tools]
            check(names == expect["tools"], f"tools {names}, expected {expect['tools']}")
        if "tool_ok" in expect:
            wanted = expect["tool_ok"]
            if isinstance(wanted, list):
                got = [c["ok"] for c in tools]
                check(got == wanted, f"tool ok flags {got}, expected {wanted}")
            else:
                for name, ok in wanted.items():
                    got = [c["ok"] for c in tools if c["name"] == name]
                    check(got and all(g == ok for g in got),
                          f"tool {name} ok={got}, expected {ok}")
        if "tool_args" in expect:
            for name, wanted in expect["tool_args"].items():
                got = next((c.get("arguments") or {} for c in tools if c["name"] == name), None)
                check(got is not None and all(got.get(k) == v for k, v in wanted.items()),
                      f"tool {name} arguments {got}, expected to include {wanted}")
        if "tool_error" in expect:
            codes = {c["name"]: (c.get("error") or {}).get("code") for c in tools}
            for name, code in expect["tool_error"].items():
                check(codes.get(name) == code,
                      f"tool {name} error {codes.get(name)!r}, expected {code!r}")
        if "stage" in expect:
            check(conversation["stage"] == expect["stage"],
                  f"stage {conversation['stage']!r}, expected {expect['stage']!r}")
        if "held" in expect:
            check(body.get("held", False) == expect["held"]
                  and (body["reply"] is None) == expect["held"],
                  f"held {body.get('held')!r} with reply {body['reply']!r}, expected "
                  f"held {expect['held']!r}")
        if "status" in expect:
            check(conversation["status"] == expect["status"],
                  f"status {conversation['status']!r}, expected {expect['status']!r}")
        if "entities" in expect:
            got = {(e["type"], str(e["value"]).lower()) for e in message.get("entities") or []}
            for kind, value in expect["entities"].items():
                check((kind, str(value).lower()) in got,
                      f"entity {kind}={value!r} missing from {sorted(got)}")
        for needle in expect.get("reply_contains") or []:
            check(needle.lower() in text.lower(), f"reply lacks {needle!r}: {text!r}")
        for needle in expect.get("reply_not_contains") or []:
            check(needle.lower() not in text.lower(), f"reply has {needle!r}: {text!r}")
        shown = [p["external_id"] for p in body.get("products") or []]
        for eid in expect.get("products_include") or []:
            check(eid in shown, f"products {shown} lack {eid}")
        for eid in expect.get("products_exclude") or []:
            check(eid not in shown, f"products {shown} include {eid}")
        if "products_first" in expect:
            check(shown[:1] == [expect["products_first"]],
                  f"first product {shown[:1]}, expected {expect['products_first']}")
        if "products_count" in expect:
            check(len(shown) == expect["products_count"],
                  f"{len(shown)} products shown, expected {expect['products_count']}")
        cart = body.get("cart") or {}
        if "cart" in expect:
            lines = cart.get("lines") or []
            got = [{k: line.get(k) for k in ("external_id", "quantity", "size")}
                   | ({"color": str(line.get("color") or "").lower()} if "color" in w else {})
                   for line, w in zip(lines, expect["cart"] + [{}] * len(lines))]
            wanted = [{"external_id": w["external_id"], "quantity": w.get("quantity", 1),
                       "size": w.get("size")} | ({"color": w["color"]} if "color" in w else {})
                      for w in expect["cart"]]
            check(got == wanted, f"cart {got}, expected {wanted}")
        if "cart_subtotal" in expect:
            check(cart.get("subtotal_minor") == expect["cart_subtotal"],
                  f"cart subtotal {cart.get('subtotal_minor')}, expected "
                  f"{expect['cart_subtotal']}")
        if "discount_percent_at_most" in expect:
            limit = float(expect["discount_percent_at_most"])
            offers = [h for h in conversation.get("negotiation_history") or []
                      if h.get("kind") == "offer"]
            check(all(float(o["percent"]) <= limit for o in offers),
                  f"offers {[o['percent'] for o in offers]} exceed {limit}%")
            check(all(p <= limit for p in percents_in(text)),
                  f"reply mentions more than {limit}%: {text!r}")
        if "offers" in expect:
            got = [float(h["percent"]) for h in conversation.get("negotiation_history") or []
                   if h.get("kind") == "offer"]
            check(got == [float(x) for x in expect["offers"]],
                  f"offers {got}, expected {expect['offers']}")
        if "checkout_total" in expect:
            self.check_checkout(n, body, text, int(expect["checkout_total"]))
        if "replayed" in expect:
            check(bool(body.get("replayed")) == expect["replayed"],
                  f"replayed {body.get('replayed')}, expected {expect['replayed']}")
        if "same_reply_as_turn" in expect:
            earlier = self.bodies[expect["same_reply_as_turn"] - 1]
            check(reply["id"] == earlier["reply"]["id"]
                  and text == earlier["reply"]["content"],
                  f"reply differs from turn {expect['same_reply_as_turn']}'s")
        if "message_count" in expect:
            check(conversation["message_count"] == expect["message_count"],
                  f"message_count {conversation['message_count']}, expected "
                  f"{expect['message_count']}")

    def check_checkout(self, n: int, body: dict, text: str, total: int) -> None:
        checkout = (body["conversation"].get("context") or {}).get("checkout") or {}
        url = checkout.get("url")
        in_reply = _CHECKOUT_URL.findall(text)
        if not url or url not in [u.rstrip(".,;:!?") for u in in_reply]:
            self.fail(n, f"checkout link {url!r} is not in the reply: {text!r}")
        parts = urlsplit(url)
        page = self.client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if page.status_code != 200:
            self.fail(n, f"checkout page: HTTP {page.status_code}: {page.text[:300]}")
        found = _DATA_TOTAL.search(page.text)
        if not found or int(found.group(1)) != total:
            self.fail(n, f"checkout page total {found and found.group(1)}, expected {total}")
        if checkout.get("total_minor") != total:
            self.fail(n, f"context.checkout total {checkout.get('total_minor')}, "
                         f"expected {total}")


def _describe(n: int, said: str, status: int, body: dict) -> str:
    if "reply" not in body:
        return f"[{n}] shopper: {said}\n    HTTP {status}: {json.dumps(body)[:600]}"
    message, reply, conversation = body["message"], body["reply"] or {}, body["conversation"]
    calls = reply.get("tool_calls") or []
    action = next((c["action"] for c in calls if "action" in c), {})
    tools = ", ".join(
        f"{c['name']}({json.dumps(c.get('arguments'), sort_keys=True)})"
        + ("" if c["ok"] else f" -> {(c.get('error') or {}).get('code')}")
        for c in calls if "name" in c) or "-"
    entities = ", ".join(f"{e['type']}={e.get('value')!r}" for e in message.get("entities") or [])
    cart = body.get("cart") or {}
    lines = "; ".join(f"{li['quantity']}x {li['external_id']}"
                      + (f" size {li['size']}" if li.get("size") else "")
                      for li in cart.get("lines") or []) or "empty"
    offers = [h.get("percent") for h in conversation.get("negotiation_history") or []
              if h.get("kind") == "offer"]
    shown = [p["external_id"] for p in body.get("products") or []]
    reply_text = (reply.get("content") or "").replace("\n", "\n        ")
    return (f"[{n}] shopper: {said}\n"
            f"    HTTP {status}{' (replayed)' if body.get('replayed') else ''} | intent "
            f"{message.get('intent')} ({message.get('intent_source')}, "
            f"{message.get('intent_confidence')}) | entities [{entities}]\n"
            f"    action {action.get('type')} ({action.get('reason')}) | tools {tools}\n"
            f"    stage {conversation['stage']} | status {conversation['status']} | cart "
            f"{lines} = {cart.get('subtotal_minor')} | offers {offers} | shown {shown}\n"
            f"    agent: {reply_text}")


def _params():
    out = []
    for path in FILES:
        scenario = json.loads(path.read_text())
        marks = [pytest.mark.xfail(reason=scenario["xfail"], strict=True)] \
            if scenario.get("xfail") else []
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out


@pytest.mark.parametrize("path", _params())
def test_scenario(path: Path, scenario_store: Store, client) -> None:
    scenario = json.loads(path.read_text())
    replay = Replay(scenario_store, client, scenario)
    replay.start()
    for n, turn in enumerate(scenario["turns"], 1):
        status, body = replay.send(n, turn)
        replay.bodies.append(body)
        if status >= 500:
            replay.fail(n, f"HTTP {status}")
        if "reply" in body:
            replay.check_invariants(n, body)
        replay.check_expectations(n, status, body, turn.get("expect") or {})
    if os.environ.get("SCENARIO_TRANSCRIPTS"):
        print("\n".join(replay.transcript))


def test_scenario_files_are_well_formed() -> None:
    """Enough scenarios, each with a name and turns, and expectation keys the runner knows."""
    known = {"intent", "action", "question", "tools", "tool_ok", "tool_args", "tool_error", "stage",
             "status", "entities", "reply_contains", "reply_not_contains",
             "products_include", "products_exclude", "products_first", "products_count",
             "cart", "cart_subtotal", "discount_percent_at_most", "offers", "checkout_total",
             "replayed", "same_reply_as_turn", "message_count", "http_status", "held"}
    assert len(FILES) >= 22
    for path in FILES:
        scenario = json.loads(path.read_text())
        assert set(scenario) <= {"name", "agent", "turns", "xfail", "notes"}, path.name
        assert scenario["name"] and scenario["turns"], path.name
        for turn in scenario["turns"]:
            assert set(turn) <= {"say", "client_message_id", "expect"}, path.name
            assert set(turn.get("expect") or {}) <= known, (path.name, turn)


def test_the_price_check_catches_stray_amounts_and_deep_discounts() -> None:
    """The invariant checker itself: a made-up price or an over-cap offer fails the turn."""
    assert amounts_in("was $1,299.00, now $129.00 or 15.50 USD") == [129900, 12900, 1550]
    assert percents_in("15% off, your 10% discount, 100% merino wool") == [15.0, 10.0]
    store = Store({}, [{"external_id": "X", "price": 12900, "currency": "USD"},
                             {"external_id": "Y", "price": 5000, "currency": "USD",
                              "active": False}])
    replay = Replay(store, None, {"name": "checker"}, agent={"rules": {"max_discount_percent": 10}})

    def body(text: str, history: list | None = None) -> dict:
        return {"reply": {"content": text, "tool_calls": []}, "cart": {},
                "conversation": {"negotiation_history": history or [], "context": {}}}

    replay.check_invariants(1, body("It's $129.00; two are $258.00."))
    offer = {"kind": "offer", "percent": 10, "base_total_minor": 12900,
             "discount_minor": 1290, "total_minor": 11610}
    replay.check_invariants(1, body("10% off: $116.10 instead of $129.00", [offer]))
    for bad in (body("It's $119.00"), body("It's $50.00"), body("I can do 20% off"),
                body("ok", [{**offer, "percent": 25, "discount_minor": 3225}])):
        with pytest.raises(pytest.fail.Exception):
            replay.check_invariants(1, bad)
