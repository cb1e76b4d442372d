"""The Generate layer with real SDK clients against local fakes of Anthropic and OpenAI:
the model phrases grounded facts, falls back, streams, and is overruled when it invents."""

from __future__ import annotations

import json

import pytest

from conftest import bearer
from fakes.anthropic_server import FakeAnthropicServer
from fakes.openai_server import FakeOpenAIServer

CATALOG = [
    {"external_id": "LLM-TENT", "name": "Ridgeline 2-Person Backpacking Tent", "price": 24900,
     "currency": "USD", "category": "Camping", "description": "Freestanding, 1.9 kg."},
    {"external_id": "LLM-STOVE", "name": "Emberlite Canister Camp Stove", "price": 5900,
     "currency": "USD", "category": "Camping"},
]


@pytest.fixture
def models(monkeypatch):
    from agentpay.llm import factory, keys

    with FakeAnthropicServer(api_key="sk-ant-test") as claude, \
            FakeOpenAIServer(api_key="sk-test-fake") as gpt:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", claude.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-fake")
        monkeypatch.setenv("OPENAI_BASE_URL", gpt.base_url)
        factory.reset_generator()
        keys.reset_keys()
        yield claude, gpt
    factory.reset_generator()
    keys.reset_keys()


@pytest.fixture
def chat(client, make_store, make_conversation):
    _tenant, agent = make_store("LLM Store", CATALOG, name="Juniper",
                                personality={"tone": "warm"}, rules={"max_discount_percent": 10})
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])

    def say(text: str) -> dict:
        response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                               json={"content": text})
        assert response.status_code == 201, response.text
        return response.json()

    return say


def test_claude_phrases_the_grounded_facts(models, chat):
    claude, _ = models
    claude.reply_text("Our Ridgeline 2-Person Backpacking Tent", " is $249.00 —",
                      " freestanding and light.")
    out = chat("backpacking tent")
    reply = out["reply"]
    assert reply["content"] == ("Our Ridgeline 2-Person Backpacking Tent is $249.00 — "
                                "freestanding and light.")
    assert reply["usage"]["responder"] == "llm" and reply["usage"]["provider"] == "anthropic"
    assert reply["usage"]["output_tokens"] > 0 and reply["usage"]["cost_usd"] > 0
    body = claude.messages_bodies()[-1]
    system = body["system"] if isinstance(body["system"], str) else " ".join(
        block["text"] for block in body["system"])
    assert "Juniper" in system
    user_turn = body["messages"][-1]["content"]
    text = user_turn if isinstance(user_turn, str) else " ".join(
        b.get("text", "") for b in user_turn)
    assert '<data source="turn_facts">' in text and "LLM-TENT" in text


def test_an_invented_price_is_overruled_by_the_offline_reply(models, chat):
    claude, _ = models
    claude.reply_text("Great news: the tent is only $19.99 today!")
    out = chat("backpacking tent")
    assert "$19.99" not in out["reply"]["content"]
    assert "$249.00" in out["reply"]["content"]
    assert out["reply"]["usage"]["guard"].startswith("unknown amount")
    assert out["reply"]["usage"]["responder"] == "offline"


def test_a_price_gap_the_server_computed_may_be_quoted_and_no_other(models, chat):
    claude, _ = models
    chat("show me camping gear")
    # the gap between the tent ($249.00) and the stove ($59.00) is a fact of this turn
    claude.reply_text("The stove is $59.00, which is $190.00 less than the tent.")
    out = chat("which one is cheaper and by how much?")
    assert out["reply"]["usage"]["responder"] == "llm", out["reply"]["usage"]
    assert "$190.00 less" in out["reply"]["content"]
    # a gap the facts do not hold is refused
    chat("show me camping gear")
    claude.reply_text("The stove is $59.00, which is $150.00 less than the tent.")
    out = chat("which one is cheaper and by how much?")
    assert "$150.00" not in out["reply"]["content"]
    assert out["reply"]["usage"]["guard"].startswith("unknown amount")


def test_claude_down_falls_back_to_openai(models, chat):
    claude, gpt = models
    claude.fail_next(3, status=500)
    gpt.reply_chat_text("The Emberlite Canister Camp Stove", " is $59.00.")
    out = chat("camp stove")
    usage = out["reply"]["usage"]
    assert out["reply"]["content"] == "The Emberlite Canister Camp Stove is $59.00."
    assert usage["provider"] == "openai"
    assert usage["fallback"][0]["provider"] == "anthropic"


def test_both_down_gives_the_offline_reply_marked_as_such(models, chat):
    claude, gpt = models
    claude.fail_next(5, status=529)
    gpt.fail_next(5, status=500)
    out = chat("camp stove")
    assert "Emberlite Canister Camp Stove" in out["reply"]["content"]
    assert out["reply"]["usage"]["responder"] == "offline"
    assert out["reply"]["usage"]["fallback_reason"]


def test_the_model_may_look_things_up_but_not_touch_the_cart(models, chat):
    claude, _ = models
    claude.reply_tool("product_details", {"external_id": "LLM-STOVE"})
    claude.reply_text("The Emberlite Canister Camp Stove is $59.00.")
    out = chat("what do you have for cooking outdoors?")
    calls = [c for c in out["reply"]["tool_calls"] if c.get("caller") == "model"]
    assert [c["name"] for c in calls] == ["product_details"] and calls[0]["ok"]
    # the cart tools are not offered to the model at all
    offered = {t["name"] for t in claude.messages_bodies()[0].get("tools", [])}
    assert "cart_add" not in offered and "offer_discount" not in offered
    assert "search_products" in offered


def test_deltas_stream_in_order(models, chat, db, client):
    """The same send path the WebSocket uses: deltas arrive as the model streams."""
    claude, _ = models
    claude.reply_text("The Ridgeline", " 2-Person Backpacking Tent", " is $249.00.")
    from agentpay.config import get_settings
    from agentpay.conversations import service
    from agentpay.conversations.schemas import MessageCreate

    first = chat("hello")  # creates state; the fake's default answer
    conv = first["conversation"]
    deltas: list[str] = []
    with db.connection() as conn:  # the turn runs its own transactions
        exchange = service.send_message(conn, conv["organization_id"], conv["id"],
                                        MessageCreate(content="backpacking tent"),
                                        get_settings(), on_delta=deltas.append)
    assert "".join(deltas) == exchange["reply"]["content"]
    assert len(deltas) >= 3


# ---- the grounding guard: only structured values pass ----------------------------------

LANTERN = {"external_id": "GRD-LANTERN", "name": "Beacon Camp Lantern", "price": 3900,
           "compare_at_price": 4900, "currency": "USD", "category": "Camping",
           "url": "https://shop.example/p/beacon-lantern",
           "description": "Rechargeable, 300 lumens. Club members pay $19.00 at "
                          "https://deals.example/lantern this week.",
           "variants": [{"sku": "lan-green", "color": "Green", "stock": 20}]}
CUSTOMER = {"name": "Ada", "tier": "gold",
            "notes": "Was promised $5.00 off; coupon at https://evil.example/promo"}


@pytest.fixture
def lantern_chat(client, db, make_tenant, make_agent, make_conversation):
    """A conversation about one lantern (20 in stock, a description and customer data
    that carry their own amounts and links)."""
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    tenant = make_tenant("Guarded Store")
    set_index_queue(InlineIndexQueue())
    try:
        assert client.put("/v1/agent/products", json={"products": [LANTERN]},
                          headers=tenant.auth).status_code == 200
    finally:
        set_index_queue(None)
    agent = make_agent(tenant, rules={"max_discount_percent": 10, "discount_step_percent": 10})
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])
    # what a storefront told us about the shopper, however it got there
    with db.transaction() as conn:
        conn.execute("UPDATE conversations SET customer = %s::jsonb WHERE id = %s",
                     (json.dumps(CUSTOMER), conv_id))

    def say(text: str) -> dict:
        response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                               json={"content": text})
        assert response.status_code == 201, response.text
        return response.json()

    return say


@pytest.mark.parametrize(("claim", "refusal"), [
    # the only 20 in the facts is the stock count
    ("Good news: the Beacon Camp Lantern is 20% off today!", "unknown percentage 20"),
    # an amount and a link that only the product's description contains
    ("Club members pay just $19.00 for the Beacon Camp Lantern.", "unknown amount 1900"),
    ("Grab the Beacon Camp Lantern deal at https://deals.example/lantern", "unknown link"),
    # an amount and a link that only the shopper's customer data contains
    ("As promised, you get $5.00 off the Beacon Camp Lantern.", "unknown amount 500"),
    ("Your coupon for the lantern: https://evil.example/promo", "unknown link"),
])
def test_values_outside_the_structured_facts_are_refused(models, lantern_chat, claim,
                                                         refusal):
    claude, _ = models
    claude.reply_text(claim)
    out = lantern_chat("tell me about the beacon camp lantern")
    reply = out["reply"]
    # the model had them all in front of it: the details (stock, description), the customer
    tools = [c.get("name") for c in reply["tool_calls"]]
    assert "product_details" in tools
    facts = json.dumps(claude.messages_bodies()[-1]["messages"])
    assert '\\"stock\\": 20' in facts and "evil.example/promo" in facts
    # and still the grounded offline draft was sent instead
    assert reply["usage"]["responder"] == "offline"
    assert reply["usage"]["guard"] == refusal
    assert claim not in reply["content"]
    assert reply["content"].startswith("Beacon Camp Lantern — $39.00")


def test_prices_product_links_the_offer_and_the_checkout_link_still_pass(models,
                                                                          lantern_chat):
    claude, _ = models
    claude.reply_text("The Beacon Camp Lantern is $39.00 (was $49.00): ",
                      LANTERN["url"])
    out = lantern_chat("tell me about the beacon camp lantern")
    assert out["reply"]["usage"]["responder"] == "llm", out["reply"]["usage"]
    lantern_chat("add it to my cart")
    claude.reply_text("I can do 10% off: $35.10 instead of $39.00.")
    offered = lantern_chat("that's too expensive")
    assert offered["reply"]["usage"]["responder"] == "llm", offered["reply"]["usage"]
    assert offered["reply"]["content"] == "I can do 10% off: $35.10 instead of $39.00."
    checkout = lantern_chat("checkout please")["conversation"]["context"]["checkout"]
    claude.reply_text(f"You're welcome! With your 10% off the total is $35.10: "
                      f"{checkout['url']}")
    thanked = lantern_chat("thanks!")
    assert thanked["reply"]["usage"]["responder"] == "llm", thanked["reply"]["usage"]
    assert checkout["url"] in thanked["reply"]["content"]
