"""Catalog end to end: PUT → SQS → index_products handler → searchable, with bad items,
poison messages, redelivery, deletes and tenant isolation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog_helpers import SHOES, product
from conftest import load_handler


def _search(client, tenant, query, **body):
    response = client.post("/v1/agent/products/search", headers=tenant.auth,
                           json={"query": query, **body})
    assert response.status_code == 200, response.text
    return [hit["external_id"] for hit in response.json()["data"]]


def test_put_then_index_makes_products_searchable(client, tenant, local_queue, drain):
    # GIVEN a batch of products
    response = client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    # THEN all are accepted and queued, not yet indexed
    assert response.status_code == 200
    body = response.json()
    assert [a["status"] for a in body["accepted"]] == ["created"] * len(SHOES)
    assert body["rejected"] == [] and body["queued"] == len(SHOES)
    assert local_queue.outstanding() == 1  # grouped: one message for the batch
    # WHEN the indexing handler drains the queue
    drain()
    # THEN they are found by meaning, by words and despite typos
    assert _search(client, tenant, "running shoes")[:2] == ["shoe-1", "shoe-2"] or \
        _search(client, tenant, "running shoes")[:2] == ["shoe-2", "shoe-1"]
    assert _search(client, tenant, "tent")[0] == "tent-1"
    assert _search(client, tenant, "runnning shoe")[0] in {"shoe-1", "shoe-2"}
    assert _search(client, tenant, "coffee cup")[0] == "mug-1"


def test_bad_items_are_reported_and_good_ones_kept(client, tenant, local_queue, drain):
    items = [
        product("ok-1", "Linen Throw Pillow"),
        {"external_id": "bad-price", "name": "Cheap", "price": 19.99, "currency": "USD"},
        {"external_id": "bad-currency", "name": "X", "price": 100, "currency": "DOLLARS"},
        {"external_id": "neg", "name": "X", "price": -1, "currency": "USD"},
        {"name": "no id", "price": 100, "currency": "USD"},
        "not an object",
        product("ok-1", "Duplicate in batch"),
        product("bad-url", "X", url="javascript:alert(1)"),
        product("ok-2", "Wool Throw Blanket"),
    ]
    response = client.put("/v1/agent/products", headers=tenant.auth, json={"products": items})
    assert response.status_code == 200
    body = response.json()
    assert [a["external_id"] for a in body["accepted"]] == ["ok-1", "ok-2"]
    rejected = {r["index"]: r for r in body["rejected"]}
    assert sorted(rejected) == [1, 2, 3, 4, 5, 6, 7]
    assert rejected[1]["external_id"] == "bad-price"
    assert rejected[1]["errors"][0]["loc"] == ["price"]
    assert rejected[6]["errors"][0]["type"] == "duplicate"
    drain()
    assert client.get("/v1/agent/products/ok-2", headers=tenant.auth).status_code == 200
    assert client.get("/v1/agent/products/bad-price", headers=tenant.auth).status_code == 404


@pytest.mark.parametrize("body", [
    {"products": []}, {"products": {"a": 1}}, {"items": []}, {"products": [{}] * 1001}, [],
])
def test_malformed_batches_are_422(client, tenant, body):
    response = client.put("/v1/agent/products", headers=tenant.auth, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_unchanged_products_are_not_requeued_and_price_changes_skip_the_embedder(
        client, tenant, local_queue, drain, db):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    again = client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    assert {a["status"] for a in again.json()["accepted"]} == {"unchanged"}
    assert again.json()["queued"] == 0
    # a price change is re-queued, re-filtered, but its text is not embedded again
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) AS n FROM embedding_cache").fetchone()["n"]
    cheaper = [{**SHOES[0], "price": 5000}]
    assert client.put("/v1/agent/products", headers=tenant.auth,
                      json={"products": cheaper}).json()["accepted"][0]["status"] == "updated"
    drain()
    with db.connection() as conn:
        after = conn.execute("SELECT count(*) AS n FROM embedding_cache").fetchone()["n"]
    assert after == before
    hits = _search(client, tenant, "running shoe", filters={"price_max": 6000})
    assert hits[0] == "shoe-1" and "shoe-2" not in hits


def test_delete_and_deactivate_leave_search_at_once(client, tenant, local_queue, drain):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    assert client.delete("/v1/agent/products/tent-1", headers=tenant.auth).status_code == 204
    assert "tent-1" not in _search(client, tenant, "tent")
    assert client.get("/v1/agent/products/tent-1", headers=tenant.auth).status_code == 404
    assert client.delete("/v1/agent/products/tent-1", headers=tenant.auth).status_code == 404
    inactive = [{**SHOES[3], "active": False}]
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": inactive})
    assert "lamp-1" not in _search(client, tenant, "desk lamp")
    # putting it back revives it
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": [SHOES[4]]})
    drain()
    assert _search(client, tenant, "tent")[0] == "tent-1"


def test_search_never_crosses_organizations(client, make_tenant, local_queue, drain):
    a, b = make_tenant("A"), make_tenant("B")
    client.put("/v1/agent/products", headers=a.auth, json={"products": SHOES})
    client.put("/v1/agent/products", headers=b.auth,
               json={"products": [product("b-1", "Running Shoe Deluxe")]})
    drain()
    assert _search(client, b, "running shoe") == ["b-1"]
    assert "b-1" not in _search(client, a, "running shoe")
    assert client.get("/v1/agent/products/shoe-1", headers=b.auth).status_code == 404
    assert client.delete("/v1/agent/products/shoe-1", headers=b.auth).status_code == 404


def test_structured_filters(client, tenant, local_queue, drain):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    drain()
    assert _search(client, tenant, "running shoe", filters={"colors": ["red"]}) == ["shoe-2"]
    assert _search(client, tenant, "running shoe", filters={"in_stock": True}) == ["shoe-1"]
    assert _search(client, tenant, "shoe", filters={"price_min": 10000}) == ["shoe-1"]
    assert _search(client, tenant, "desk lamp", filters={"category": "lighting"}) == ["lamp-1"]
    assert _search(client, tenant, "desk lamp", filters={"category": "kitchen"}) == []
    assert _search(client, tenant, "shoe", filters={"sizes": ["9"]}) == ["shoe-1"]


def test_list_products_is_paged(client, tenant, local_queue):
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    first = client.get("/v1/agent/products?limit=3", headers=tenant.auth).json()
    assert len(first["data"]) == 3 and first["next_cursor"]
    rest = client.get(f"/v1/agent/products?limit=3&cursor={first['next_cursor']}",
                      headers=tenant.auth).json()
    ids = [p["external_id"] for p in first["data"] + rest["data"]]
    assert sorted(ids) == sorted(p["external_id"] for p in SHOES)
    assert first["data"][0]["price"] > 0


def test_poison_message_fails_alone_and_ends_in_the_dlq(client, tenant, local_queue, drain):
    # GIVEN a poison record between good ones
    sqs = local_queue.client
    sqs.send_message(QueueUrl=local_queue.queues.queue_url, MessageBody="{not json")
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES[:2]})
    # WHEN the poller keeps receiving until the queue is empty
    drain(timeout=60)
    # THEN the good products are searchable and the poison one sits in the DLQ
    assert set(_search(client, tenant, "running shoe")) == {"shoe-1", "shoe-2"}
    dead = sqs.receive_message(QueueUrl=local_queue.queues.dlq_url, MaxNumberOfMessages=10,
                               AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in dead] == ["{not json"]
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 5


def test_partial_batch_response_names_only_the_bad_record(tenant, db, lambda_context):
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    set_index_queue(InlineIndexQueue())
    handler = load_handler("index_products").handler
    event = json.loads(Path("events/sqs_index_products.json").read_text())
    event["Records"][0]["body"] = json.dumps({"type": "organization",
                                              "organization_id": tenant.organization_id})
    event["Records"][1]["body"] = json.dumps({"type": "product"})  # no ids: invalid
    response = handler(event, lambda_context)
    assert response == {"batchItemFailures": [
        {"itemIdentifier": event["Records"][1]["messageId"]}]}
    set_index_queue(None)


def test_redelivery_is_idempotent(client, tenant, local_queue, db, lambda_context):
    from agentpay.catalog.indexing import Indexer, IndexMessage
    from agentpay.embeddings import get_embedder

    client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    ids = [a["id"] for a in client.put("/v1/agent/products", headers=tenant.auth,
                                       json={"products": SHOES}).json()["accepted"]]
    message = IndexMessage(type="products", organization_id=tenant.organization_id,
                           product_ids=ids)
    indexer = Indexer(db, get_embedder())
    first, second = indexer.handle(message), indexer.handle(message)
    assert first.embedded + first.cached == len(SHOES)
    assert (second.embedded, second.cached, second.unchanged) == (0, 0, len(SHOES))
    with db.connection() as conn:
        n = conn.execute("SELECT count(*) AS n FROM product_embeddings WHERE organization_id = %s",
                         (tenant.organization_id,)).fetchone()["n"]
    assert n == len(SHOES)


def test_identical_texts_are_embedded_once(tenant, db, client, local_queue, drain):
    from agentpay.catalog.indexing import embedding_text, text_hash
    from agentpay.embeddings import get_embedder

    twins = [product("twin-a", "Oak Side Table"), product("twin-b", "Oak Side Table")]
    client.put("/v1/agent/products", headers=tenant.auth, json={"products": twins})
    drain()
    model = get_embedder().name
    digest = text_hash(model, embedding_text({"name": "Oak Side Table", "colors": []}))
    with db.connection() as conn:
        rows = conn.execute("SELECT count(*) AS n FROM embedding_cache WHERE text_hash = %s",
                            (digest,)).fetchone()
        vectors = conn.execute(
            "SELECT count(DISTINCT e.content_hash) AS n FROM product_embeddings e JOIN products p"
            " ON p.id = e.product_id WHERE p.external_id LIKE 'twin-%%' AND p.organization_id = %s",
            (tenant.organization_id,)).fetchone()
    assert rows["n"] == 1 and vectors["n"] == 1


def test_lost_enqueue_is_healed_by_retrying_the_put(client, tenant, local_queue, drain):
    from agentpay.catalog.queue import QueueUnavailable, get_index_queue, set_index_queue

    class Down:
        def send(self, messages):
            raise QueueUnavailable("queue is down")

    working = get_index_queue()
    set_index_queue(Down())
    response = client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "index_queue_unavailable"
    assert len(response.json()["error"]["details"]["accepted"]) == len(SHOES)
    set_index_queue(working)
    retry = client.put("/v1/agent/products", headers=tenant.auth, json={"products": SHOES})
    assert {a["status"] for a in retry.json()["accepted"]} == {"unchanged"}
    assert retry.json()["queued"] == len(SHOES)
    drain()
    assert _search(client, tenant, "tent")[0] == "tent-1"
