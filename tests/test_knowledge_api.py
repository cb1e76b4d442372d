"""The knowledge API: articles upserted by external id, listed, read and deleted, each
batch item accepted or rejected on its own, every call scoped to the caller's store."""

from __future__ import annotations

import json

import pytest

from knowledge_helpers import RETURNS, SHIPPING, article


@pytest.fixture
def inline_queue(db):
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    set_index_queue(InlineIndexQueue())
    yield
    set_index_queue(None)


def _put(client, tenant, articles):
    return client.put("/v1/agent/knowledge", headers=tenant.auth, json={"articles": articles})


def test_articles_are_created_read_listed_and_then_unchanged(client, tenant, inline_queue):
    # GIVEN two articles WHEN they are put
    response = _put(client, tenant, [RETURNS, SHIPPING])
    # THEN both are created and queued
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(a["external_id"], a["status"]) for a in body["accepted"]] == [
        ("returns", "created"), ("shipping", "created")]
    assert body["rejected"] == [] and body["queued"] == 2
    # AND each reads back as sent, indexed
    got = client.get("/v1/agent/knowledge/returns", headers=tenant.auth).json()
    assert got["title"] == "Returns & exchanges" and got["body"] == RETURNS["body"]
    assert got["url"] == RETURNS["url"] and got["tags"] == ["returns", "policy"]
    assert got["indexed"] is True
    # WHEN the same batch is put again (a retry) THEN nothing changes or is queued
    again = _put(client, tenant, [RETURNS, SHIPPING]).json()
    assert {a["status"] for a in again["accepted"]} == {"unchanged"} and again["queued"] == 0
    # AND a changed body is an update
    changed = {**SHIPPING, "body": SHIPPING["body"] + "\n\nWe also ship to Mexico."}
    assert _put(client, tenant, [changed]).json()["accepted"][0]["status"] == "updated"


def test_list_is_paged(client, tenant, inline_queue):
    _put(client, tenant, [article(f"a-{i}", f"Article {i}", f"Text number {i}.")
                          for i in range(5)])
    first = client.get("/v1/agent/knowledge?limit=2", headers=tenant.auth).json()
    assert len(first["data"]) == 2 and first["next_cursor"]
    ids = [a["external_id"] for a in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/v1/agent/knowledge?limit=2&cursor={cursor}",
                          headers=tenant.auth).json()
        ids += [a["external_id"] for a in page["data"]]
        cursor = page["next_cursor"]
    assert sorted(ids) == [f"a-{i}" for i in range(5)]
    bad = client.get("/v1/agent/knowledge?cursor=nonsense", headers=tenant.auth)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"


def test_delete_takes_the_article_and_its_passages_away(client, tenant, inline_queue, db):
    _put(client, tenant, [RETURNS])
    assert client.delete("/v1/agent/knowledge/returns", headers=tenant.auth).status_code == 204
    assert client.get("/v1/agent/knowledge/returns", headers=tenant.auth).status_code == 404
    again = client.delete("/v1/agent/knowledge/returns", headers=tenant.auth)
    assert again.status_code == 404 and again.json()["error"]["code"] == "article_not_found"
    with db.connection() as conn:
        left = conn.execute("SELECT count(*) AS n FROM knowledge_passages "
                            "WHERE organization_id = %s", (tenant.organization_id,)).fetchone()
    assert left["n"] == 0
    # putting it back revives it
    assert _put(client, tenant, [RETURNS]).json()["accepted"][0]["status"] == "created"
    assert client.get("/v1/agent/knowledge/returns", headers=tenant.auth).status_code == 200


def test_bad_items_are_rejected_one_by_one(client, tenant, inline_queue):
    items = [
        article("ok-1", "Sizing", "Our shirts run true to size."),
        article("too-big", "Huge", "word " * 21_000),  # 105,000 bytes
        {"external_id": "no-title", "body": "text"},
        {"title": "no id", "body": "text"},
        article("no-body", "Empty", ""),
        article("no-words", "Dashes", "--- *** ---"),
        article("control", "Bell", "ring \x07 ring"),
        article("bad-url", "X", "text", url="javascript:alert(1)"),
        article("bad-tags", "X", "text", tags="returns"),
        article("extra", "X", "text", author="me"),
        "not an object",
        article("ok-1", "Duplicate", "again"),
        article("ok-2", "Contact", "Write to help@shop.example."),
    ]
    response = _put(client, tenant, items)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [a["external_id"] for a in body["accepted"]] == ["ok-1", "ok-2"]
    rejected = {r["index"]: r for r in body["rejected"]}
    assert sorted(rejected) == list(range(1, 12))
    assert rejected[1]["external_id"] == "too-big"
    assert rejected[1]["errors"][0]["loc"] == ["body"]
    assert "100 KB" in rejected[1]["errors"][0]["msg"]
    assert rejected[2]["errors"][0]["loc"] == ["title"]
    assert rejected[3]["external_id"] is None
    assert rejected[11]["errors"][0]["type"] == "duplicate"
    assert client.get("/v1/agent/knowledge/too-big", headers=tenant.auth).status_code == 404


def test_an_article_of_exactly_100_kb_is_accepted(client, tenant, inline_queue):
    body = ("Shipping is free. " * 6000)[:100 * 1024]
    response = _put(client, tenant, [article("big", "Big", body)])
    assert response.json()["accepted"][0]["status"] == "created", response.text


def test_text_postgres_cannot_hold_is_that_item_s_error(client, tenant, inline_queue):
    body = {"articles": [article("bad\ud800", "x", "y"), article("nul", "x", "a\x00b"),
                         article("fine", "Fine", "All good.")]}
    response = client.put("/v1/agent/knowledge", headers={**tenant.auth,
                          "content-type": "application/json"}, content=json.dumps(body))
    assert response.status_code == 200, response.text
    assert [r["index"] for r in response.json()["rejected"]] == [0, 1]
    assert response.json()["rejected"][0]["external_id"] is None
    assert [a["external_id"] for a in response.json()["accepted"]] == ["fine"]


@pytest.mark.parametrize("body", [
    {"articles": []}, {"articles": {"a": 1}}, {"items": []}, [],
    {"articles": [{}] * 101}, {"articles": [RETURNS], "extra": 1},
])
def test_malformed_batches_are_422(client, tenant, body):
    response = client.put("/v1/agent/knowledge", headers=tenant.auth, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_a_body_that_is_not_json_is_a_4xx(client, tenant):
    response = client.put("/v1/agent/knowledge", content=b"{not json",
                          headers={**tenant.auth, "content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"]


def test_the_secret_key_is_required(client, tenant, make_agent):
    agent = make_agent(tenant)
    assert client.get("/v1/agent/knowledge").status_code == 401
    publishable = {"Authorization": f"Bearer {agent['publishable_key']}"}
    assert client.get("/v1/agent/knowledge", headers=publishable).status_code in (401, 403)
    assert client.put("/v1/agent/knowledge", headers=publishable,
                      json={"articles": [RETURNS]}).status_code in (401, 403)


def test_another_store_s_articles_answer_404(client, make_tenant, inline_queue):
    a, b = make_tenant("A"), make_tenant("B")
    _put(client, a, [RETURNS])
    assert client.get("/v1/agent/knowledge/returns", headers=b.auth).status_code == 404
    assert client.delete("/v1/agent/knowledge/returns", headers=b.auth).status_code == 404
    assert client.get("/v1/agent/knowledge", headers=b.auth).json()["data"] == []
    # the same external id in another store is that store's own article
    mine = _put(client, b, [{**RETURNS, "title": "B's returns"}]).json()
    assert mine["accepted"][0]["status"] == "created"
    assert client.get("/v1/agent/knowledge/returns", headers=a.auth).json()["title"] == \
        "Returns & exchanges"


def test_a_lost_enqueue_is_healed_by_retrying_the_put(client, tenant, db):
    from agentpay.catalog.queue import InlineIndexQueue, QueueUnavailable, set_index_queue

    class Down:
        def send(self, messages):
            raise QueueUnavailable("queue down")

    # GIVEN the queue is down WHEN articles are put THEN they are saved, and the call says
    # indexing was not queued
    set_index_queue(Down())
    try:
        response = _put(client, tenant, [RETURNS])
    finally:
        set_index_queue(None)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "index_queue_unavailable"
    assert client.get("/v1/agent/knowledge/returns", headers=tenant.auth).json()["indexed"] \
        is False
    # WHEN the PUT is retried with the queue back THEN the unchanged article is queued again
    set_index_queue(InlineIndexQueue())
    try:
        retry = _put(client, tenant, [RETURNS]).json()
    finally:
        set_index_queue(None)
    assert retry["accepted"][0]["status"] == "unchanged" and retry["queued"] == 1
    assert client.get("/v1/agent/knowledge/returns", headers=tenant.auth).json()["indexed"] \
        is True
