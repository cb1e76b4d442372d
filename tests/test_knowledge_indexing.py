"""Knowledge indexing: articles cut into passages through the catalog's queue and
handler, idempotently, with poison messages parked in the DLQ."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import load_handler
from knowledge_helpers import RETURNS, SHIPPING


def _passages(db, tenant) -> list[dict]:
    with db.connection() as conn:
        return conn.execute(
            """SELECT a.external_id, p.ordinal, p.heading, p.body, p.model
                 FROM knowledge_passages p JOIN knowledge_articles a ON a.id = p.article_id
                WHERE p.organization_id = %s ORDER BY a.external_id, p.ordinal""",
            (tenant.organization_id,)).fetchall()


def test_put_then_the_queue_indexes_passages_by_heading(client, tenant, local_queue, drain,
                                                       db):
    # GIVEN two articles put through the API, queued as one `knowledge` message
    response = client.put("/v1/agent/knowledge", headers=tenant.auth,
                          json={"articles": [RETURNS, SHIPPING]})
    assert response.json()["queued"] == 2
    assert local_queue.outstanding() == 1
    assert _passages(db, tenant) == []
    # WHEN the index_products handler drains the queue
    drain()
    # THEN each heading's paragraphs are a passage, named by the heading path, in plain text
    rows = _passages(db, tenant)
    assert [(r["external_id"], r["heading"]) for r in rows] == [
        ("returns", "Returns & exchanges › Returns"),
        ("returns", "Returns & exchanges › Returns › Exchanges"),
        ("returns", "Returns & exchanges › Returns › Final sale"),
        ("shipping", "Shipping & delivery › Where we ship"),
        ("shipping", "Shipping & delivery › How fast"),
    ]
    assert rows[0]["body"].startswith("You can return unworn items within 30 days")
    assert client.get("/v1/agent/knowledge/shipping", headers=tenant.auth).json()["indexed"]


def test_redelivery_and_unchanged_articles_are_idempotent(client, tenant, db):
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue
    from agentpay.embeddings import get_embedder
    from agentpay.knowledge.indexing import KnowledgeIndexer, KnowledgeMessage

    set_index_queue(InlineIndexQueue())
    try:
        ids = [a["id"] for a in client.put("/v1/agent/knowledge", headers=tenant.auth,
                                           json={"articles": [RETURNS, SHIPPING]}
                                           ).json()["accepted"]]
    finally:
        set_index_queue(None)
    before = _passages(db, tenant)
    # WHEN the same message is delivered twice more
    message = KnowledgeMessage(type="knowledge", organization_id=tenant.organization_id,
                               article_ids=ids)
    indexer = KnowledgeIndexer(db, get_embedder())
    first, second = indexer.handle(message), indexer.handle(message)
    # THEN nothing is embedded or rewritten
    assert (first.unchanged, first.embedded, first.articles) == (2, 0, 0)
    assert (second.unchanged, second.embedded, second.articles) == (2, 0, 0)
    assert _passages(db, tenant) == before
    # AND a forced rebuild remakes the same passages from the embedding cache
    forced = indexer.handle(KnowledgeMessage(type="knowledge",
                                             organization_id=tenant.organization_id,
                                             force=True))
    assert forced.articles == 2 and forced.embedded == 0 and forced.cached == len(before)
    assert _passages(db, tenant) == before


def test_an_article_changed_while_it_was_embedded_is_left_for_its_own_message(
        client, tenant, db):
    from agentpay.catalog.queue import set_index_queue
    from agentpay.embeddings import get_embedder
    from agentpay.knowledge.indexing import KnowledgeIndexer, KnowledgeMessage

    class Held:
        def __init__(self) -> None:
            self.messages: list[dict] = []

        def send(self, messages):
            self.messages += messages

    held = Held()
    set_index_queue(held)
    # text no other test has embedded, so the embedder is called for it
    first = {**RETURNS, "body": RETURNS["body"] + f"\n\nStore {tenant.organization_id}."}
    try:
        client.put("/v1/agent/knowledge", headers=tenant.auth, json={"articles": [first]})
        embedder = get_embedder()

        class ChangingEmbedder:
            name = embedder.name

            def embed(self, texts):
                # the store edits the article while its old text is being embedded
                client.put("/v1/agent/knowledge", headers=tenant.auth,
                           json={"articles": [{**RETURNS, "body": "Returns: 60 days."}]})
                return embedder.embed(texts)

        report = KnowledgeIndexer(db, ChangingEmbedder()).handle(
            KnowledgeMessage.model_validate(held.messages[0]))
    finally:
        set_index_queue(None)
    # THEN the old text was not indexed over the new one; the new one's message is queued
    assert report.articles == 0 and _passages(db, tenant) == []
    assert len(held.messages) == 2
    KnowledgeIndexer(db, embedder).handle(KnowledgeMessage.model_validate(held.messages[1]))
    assert [r["body"] for r in _passages(db, tenant)] == ["Returns: 60 days."]


def test_poison_knowledge_messages_fail_alone_and_end_in_the_dlq(client, tenant, local_queue,
                                                                drain, db):
    # GIVEN two poison records (not JSON; a knowledge message naming no store) beside a
    # good PUT
    sqs = local_queue.client
    poison = ['{"type": "knowledge", "organization_id": "not-a-uuid"}', "{not json"]
    for body in poison:
        sqs.send_message(QueueUrl=local_queue.queues.queue_url, MessageBody=body)
    client.put("/v1/agent/knowledge", headers=tenant.auth, json={"articles": [SHIPPING]})
    # WHEN the poller keeps receiving until the queue is empty
    drain(timeout=60)
    # THEN the good article is indexed and the poison ones sit in the DLQ
    assert {r["external_id"] for r in _passages(db, tenant)} == {"shipping"}
    dead = []
    for _ in range(5):
        dead += sqs.receive_message(QueueUrl=local_queue.queues.dlq_url,
                                    MaxNumberOfMessages=10).get("Messages", [])
        if len(dead) >= 2:
            break
    assert sorted(m["Body"] for m in dead) == sorted(poison)


def test_the_handler_reports_only_the_bad_knowledge_record(tenant, db, lambda_context):
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    set_index_queue(InlineIndexQueue())
    handler = load_handler("index_products").handler
    event = json.loads(Path("events/sqs_index_products.json").read_text())
    event["Records"][0]["body"] = json.dumps({"type": "knowledge",
                                              "organization_id": tenant.organization_id})
    event["Records"][1]["body"] = json.dumps({"type": "knowledge", "article_ids": ["x"]})
    try:
        response = handler(event, lambda_context)
    finally:
        set_index_queue(None)
    assert response == {"batchItemFailures": [
        {"itemIdentifier": event["Records"][1]["messageId"]}]}
