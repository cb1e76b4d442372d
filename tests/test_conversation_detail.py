"""What the dashboard shows of a conversation besides its messages (issue 20): the
products the agent showed by name, price and picture (the transcript's tool calls name
them by id only), the cart with sizes and colours, the offers made and the checkout link,
all read from the conversation's own store."""

from __future__ import annotations

import pytest

from conftest import bearer

TEE = {"external_id": "tee-1", "name": "Organic Cotton Tee", "price": 2500, "currency": "USD",
       "image_url": "https://img.example.com/tee.jpg", "url": "https://shop.example.com/tee",
       "variants": [{"sku": "tee-m-navy", "size": "M", "color": "Navy", "stock": 5},
                    {"sku": "tee-l-navy", "size": "L", "color": "Navy", "stock": 5}]}
MUG = {"external_id": "mug-1", "name": "Stoneware Coffee Mug", "price": 1800,
       "currency": "USD"}
RULES = {"max_discount_percent": 15}


def say(client, conv: dict, text: str) -> dict:
    cid = conv["conversation"]["id"]
    response = client.post(f"/v1/agent/conversations/{cid}/messages", json={"content": text},
                           headers=bearer(conv["token"]))
    assert response.status_code == 201, response.text
    return response.json()


def operator(client, tenant) -> dict:
    token = client.post("/v1/agent/operator-tokens", headers=tenant.auth).json()["token"]
    return bearer(token)


def shop(client, conv: dict) -> None:
    """A shopper looks, puts a navy tee in M in the cart, haggles, and asks to pay."""
    say(client, conv, "do you have an organic cotton tee?")
    added = say(client, conv, "add the tee in size M, navy, to my cart")
    assert added["cart"]["item_count"] == 1, added["reply"]["content"]
    say(client, conv, "that's a bit expensive, can you do better on the price?")
    paying = say(client, conv, "ok, checkout please")
    assert paying["conversation"]["context"].get("checkout"), paying["reply"]["content"]


def test_the_conversation_names_its_products_cart_offers_and_checkout(
        client, make_store, make_conversation):
    # GIVEN a shopper who looked, chose a size and colour, was offered a discount and
    # got a checkout link
    tenant, agent = make_store("Detail Store", [TEE, MUG], rules=RULES)
    conv = make_conversation(agent)
    shop(client, conv)
    cid = conv["conversation"]["id"]
    # WHEN the dashboard reads the conversation with an operator token
    response = client.get(f"/v1/agent/conversations/{cid}", headers=operator(client, tenant))
    assert response.status_code == 200, response.text
    body = response.json()
    # THEN every product id of the transcript's tool calls has its card
    messages = client.get(f"/v1/agent/conversations/{cid}/messages",
                          headers=tenant.auth).json()["data"]
    named = {i for m in messages for call in m["tool_calls"] if call.get("name") in (
        "search_products", "cart_add") for i in (call.get("result") or {}).get(
        "external_ids", [(call.get("result") or {}).get("external_id")]) if i}
    assert "tee-1" in named
    cards = {p["external_id"]: p for p in body["products"]}
    assert named <= set(cards)
    assert cards["tee-1"] == {
        "external_id": "tee-1", "name": "Organic Cotton Tee", "brand": None,
        "price_minor": 2500, "currency": "USD", "price": "$25.00",
        "image_url": "https://img.example.com/tee.jpg", "url": "https://shop.example.com/tee",
        "in_stock": True, "available": True}
    # AND the cart, with the size and colour, the line total and the subtotal
    assert body["cart"]["item_count"] == 1 and body["cart"]["subtotal_minor"] == 2500
    [line] = body["cart"]["lines"]
    assert (line["name"], line["quantity"], line["size"], line["color"],
            line["line_total_minor"]) == ("Organic Cotton Tee", 1, "M", "Navy", 2500)
    # AND the offer made, and the checkout link sent with it
    [offer] = body["offers"]
    assert offer["percent"] > 0 and offer["expired"] is False
    assert offer["total_minor"] == 2500 - offer["discount_minor"]
    checkout = body["checkout"]
    assert checkout["status"] == "open" and "/checkout/" in checkout["url"]
    assert checkout["total_minor"] == offer["total_minor"]
    assert checkout["offer_id"] == offer["id"]
    assert [(li["external_id"], li["quantity"]) for li in checkout["lines"]] == [("tee-1", 1)]
    # AND the fields the conversation had are all kept
    assert {"id", "status", "stage", "context", "negotiation_history", "message_count",
            "customer"} <= set(body)
    assert body["context"]["checkout"]["id"] == checkout["id"]
    # WHEN the shopper pays THEN the checkout says so
    path = "/checkout/" + checkout["url"].split("/checkout/")[1]
    assert client.post(path + "/pay").status_code == 200
    paid = client.get(f"/v1/agent/conversations/{cid}", headers=tenant.auth).json()
    assert paid["checkout"]["status"] == "paid"
    # AND by session id the same view is given
    by_session = client.get(f"/v1/agent/conversations/session/"
                            f"{conv['conversation']['session_id']}", headers=tenant.auth)
    assert by_session.json()["products"] == paid["products"]


def test_products_come_from_the_conversations_own_store(client, make_store,
                                                        make_conversation):
    # GIVEN two stores that both sell a "tee-1", at different names and prices
    tenant_a, agent_a = make_store("Detail A", [TEE, MUG], rules=RULES)
    other = {**TEE, "name": "Store B's Secret Tee", "price": 99900,
             "image_url": "https://b.example.com/secret.jpg"}
    tenant_b, _ = make_store("Detail B", [other])
    conv = make_conversation(agent_a)
    say(client, conv, "do you have an organic cotton tee?")
    cid = conv["conversation"]["id"]
    # WHEN store A's dashboard reads its conversation
    body = client.get(f"/v1/agent/conversations/{cid}",
                      headers=operator(client, tenant_a)).json()
    # THEN the card is A's product, never B's
    tee = next(p for p in body["products"] if p["external_id"] == "tee-1")
    assert tee["name"] == "Organic Cotton Tee" and tee["price_minor"] == 2500
    assert "Secret" not in str(body) and "99900" not in str(body)
    # AND store B cannot read A's conversation at all
    b_auth = operator(client, tenant_b)
    for path in (f"/v1/agent/conversations/{cid}",
                 f"/v1/agent/conversations/session/{conv['conversation']['session_id']}"):
        response = client.get(path, headers=b_auth)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "conversation_not_found"


def test_a_product_deleted_since_keeps_its_card_marked_unavailable(
        client, make_store, make_conversation):
    tenant, agent = make_store("Detail Deleted", [TEE, MUG], rules=RULES)
    conv = make_conversation(agent)
    say(client, conv, "do you have an organic cotton tee?")
    say(client, conv, "add the tee in size M, navy, to my cart")
    assert client.delete("/v1/agent/products/tee-1", headers=tenant.auth).status_code in (
        200, 204)
    cid = conv["conversation"]["id"]
    body = client.get(f"/v1/agent/conversations/{cid}", headers=tenant.auth).json()
    tee = next(p for p in body["products"] if p["external_id"] == "tee-1")
    assert tee["name"] == "Organic Cotton Tee" and tee["available"] is False


def test_a_conversation_with_nothing_shown_has_empty_facts(client, make_store,
                                                           make_conversation):
    tenant, agent = make_store("Detail Empty", [MUG])
    conv = make_conversation(agent)
    say(client, conv, "hello")
    body = client.get(f"/v1/agent/conversations/{conv['conversation']['id']}",
                      headers=tenant.auth).json()
    assert body["products"] == [] and body["offers"] == [] and body["checkout"] is None
    assert body["cart"] == {"lines": [], "item_count": 0, "subtotal_minor": 0,
                            "currency": None}


@pytest.mark.parametrize(("path", "status"), [
    ("/v1/agent/conversations/not-a-uuid", 422),
    ("/v1/agent/conversations/6f1c2a52-0b7e-4c51-9d3e-2a8f0c4b7e19", 404),  # no one's
    ("/v1/agent/conversations/session/bad%20id", 422),
    ("/v1/agent/conversations/session/nobody-here", 404),
])
def test_bad_or_unknown_ids_are_4xx_with_a_code(client, make_store, path, status):
    tenant, _ = make_store("Detail Bad", [MUG])
    response = client.get(path, headers=operator(client, tenant))
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"]


def test_only_product_tools_name_products():
    from agentpay.conversations.detail import MAX_PRODUCTS, referenced_ids

    calls = [[{"action": {"type": "search_products"}},
              {"name": "search_products", "result": {"external_ids": ["a", "b"]}}],
             # a help article's id is no product's
             [{"name": "search_knowledge", "result": {"external_ids": ["returns"]}}],
             [{"name": "cart_add", "arguments": {"external_id": "b"},
               "result": {"external_id": "b"}},
              {"name": "compare_products", "arguments": {"external_ids": ["c", 7, None]}},
              "junk", None]]
    context = {"last_shown": [{"external_id": "d"}, "junk"], "focus": {"external_id": "a"},
               "cart": {"lines": [{"external_id": "e"}]}}
    assert referenced_ids(calls, context) == ["b", "c", "d", "a", "e"]
    many = [[{"name": "search_products", "result": {"external_ids": [f"p{i}"]}}]
            for i in range(MAX_PRODUCTS + 50)]
    kept = referenced_ids(many, {})
    assert len(kept) == MAX_PRODUCTS and kept[-1] == f"p{MAX_PRODUCTS + 49}"
