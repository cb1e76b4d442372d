"""The Generate layer with real SDK clients against local fakes of Anthropic and OpenAI:
the model phrases grounded facts, falls back, streams, and is overruled when it invents."""

from __future__ import annotations

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
def chat(client, make_tenant, make_agent, make_conversation):
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    tenant = make_tenant("LLM Store")
    set_index_queue(InlineIndexQueue())
    try:
        assert client.put("/v1/agent/products", json={"products": CATALOG},
                          headers=tenant.auth).status_code == 200
    finally:
        set_index_queue(None)
    agent = make_agent(tenant, name="Juniper", personality={"tone": "warm"},
                       rules={"max_discount_percent": 10})
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
    with db.transaction() as conn:
        exchange = service.send_message(conn, conv["organization_id"], conv["id"],
                                        MessageCreate(content="backpacking tent"),
                                        get_settings(), on_delta=deltas.append)
    assert "".join(deltas) == exchange["reply"]["content"]
    assert len(deltas) >= 3
