"""A reply sent again shows the cards it showed the first time (a retried message, a
reloaded widget's history: tests/test_handlers.py), read from the catalog as it is now."""

from __future__ import annotations

from agentpay.orchestrator.cards import shown_ids
from conftest import bearer

TRAIL = {"external_id": "shoe-trail", "name": "Trail Running Shoe", "price": 11900,
         "currency": "USD", "category": "Shoes"}
ROAD = {"external_id": "shoe-road", "name": "Road Running Shoe", "price": 9900,
        "currency": "USD", "category": "Shoes"}
MUG = {"external_id": "mug-1", "name": "Stoneware Coffee Mug", "price": 1800,
       "currency": "USD", "category": "Kitchen"}


def _send(client, conv: dict, body: dict):
    cid = conv["conversation"]["id"]
    return client.post(f"/v1/agent/conversations/{cid}/messages", json=body,
                       headers=bearer(conv["token"]))


def test_a_retried_message_gets_its_reply_s_cards_again(client, make_store,
                                                         make_conversation):
    # GIVEN a shopper whose search showed cards
    tenant, agent = make_store("Replay Cards", [TRAIL, ROAD, MUG])
    conv = make_conversation(agent)
    body = {"content": "do you have running shoes?", "client_message_id": "m-1"}
    first = _send(client, conv, body).json()
    shown = [p["external_id"] for p in first["products"]]
    assert set(shown) == {"shoe-trail", "shoe-road"}, first["reply"]["content"]
    # WHEN the store changes a price and the shopper's client sends the message again
    changed = {**ROAD, "price": 8900}
    assert client.put("/v1/agent/products", json={"products": [changed, TRAIL, MUG]},
                      headers=tenant.auth).status_code == 200
    retry = _send(client, conv, body)
    # THEN the replay has the same cards, in the same order, at the price charged now,
    # and the text a client with cards shows
    assert retry.status_code == 200 and retry.json()["replayed"] is True
    again = retry.json()
    assert [p["external_id"] for p in again["products"]] == shown
    road = next(p for p in again["products"] if p["external_id"] == "shoe-road")
    assert road["price_minor"] == 8900 and road["price"] == "$89.00"
    assert again["reply_with_cards"] == first["reply_with_cards"]
    assert again["reply_with_cards"] != again["reply"]["content"]


def test_a_product_no_longer_sold_has_no_card_in_a_replay(client, make_store,
                                                          make_conversation):
    tenant, agent = make_store("Replay Gone", [TRAIL, ROAD, MUG])
    conv = make_conversation(agent)
    body = {"content": "do you have running shoes?", "client_message_id": "m-2"}
    assert len(_send(client, conv, body).json()["products"]) == 2
    assert client.delete("/v1/agent/products/shoe-trail",
                         headers=tenant.auth).status_code in (200, 204)
    again = _send(client, conv, body).json()
    assert [p["external_id"] for p in again["products"]] == ["shoe-road"]


def _record(name: str, ok: bool = True, **result) -> dict:
    return {"name": name, "arguments": {}, "ok": ok, "ms": 1.0, "caller": "engine",
            **({"result": result} if result else {})}


def test_the_cards_of_a_stored_reply_are_its_last_listing_or_product():
    action = {"action": {"type": "search"}}
    search = _record("search_products", count=2, external_ids=["a", "b"])
    details = _record("product_details", external_id="c")
    added = _record("cart_add", external_id="a", quantity=1)
    failed = _record("compare_products", ok=False)
    assert shown_ids([action, search]) == ["a", "b"]
    # the last list or product shown, as the live reply picks it; a cart change shows none
    assert shown_ids([action, search, details]) == ["c"]
    assert shown_ids([action, details, search, added, failed]) == ["a", "b"]
    assert shown_ids([action, added]) == []
    # a search that found nothing shows nothing, even after an earlier listing
    assert shown_ids([action, search, _record("search_products", count=0,
                                              external_ids=[])]) == []
    assert shown_ids([]) == [] and shown_ids([action, "junk", {"name": 3}]) == []


def test_products_looked_up_beside_the_ones_before_are_shown_with_them():
    action = {"action": {"type": "quote_named"}}
    first = _record("search_products", count=1, external_ids=["a"])
    second = {**_record("search_products", count=1, external_ids=["b"]),
              "arguments": {"append": True}}
    empty = {**_record("search_products", count=0, external_ids=[]),
             "arguments": {"append": True}}
    assert shown_ids([action, first, second]) == ["a", "b"]
    assert shown_ids([action, first, second, empty]) == ["a", "b"]
    assert shown_ids([action, second]) == ["b"]
