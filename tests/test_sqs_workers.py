"""Concurrent index consumers: separate processes running the real handler, as Lambda's
event source mapping runs several execution environments over one queue."""

from __future__ import annotations

import json

import pytest

from catalog_helpers import product


def _indexed(db, tenant) -> int:
    with db.connection() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM product_embeddings WHERE organization_id = %s",
            (tenant.organization_id,)).fetchone()["n"]


def test_two_consumer_processes_drain_a_queue_of_several_batches(client, tenant, local_queue,
                                                                  db):
    from agentpay_dev.localstack.sqs_workers import drain_queue

    # GIVEN 24 products and 25 messages on the queue (the PUT's, plus one per product as a
    # re-index would send): three batches of ten
    items = [product(f"shelf-{i}", f"Walnut Wall Shelf No. {i}") for i in range(24)]
    body = client.put("/v1/agent/products", headers=tenant.auth,
                      json={"products": items}).json()
    ids = [a["id"] for a in body["accepted"]]
    for product_id in ids:
        local_queue.client.send_message(QueueUrl=local_queue.queues.queue_url,
                                        MessageBody=json.dumps({
                                            "type": "product", "product_id": product_id,
                                            "organization_id": str(tenant.organization_id)}))

    # WHEN two consumer processes drain it
    consumers = drain_queue(local_queue.queues, messages=len(ids) + 1, workers=2)

    # THEN both ran, everything is indexed once, nothing is left or dead
    assert consumers == 2
    assert _indexed(db, tenant) == len(items)
    assert local_queue.outstanding() == 0
    dead = local_queue.client.get_queue_attributes(
        QueueUrl=local_queue.queues.dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert dead["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_one_batch_is_drained_in_process(client, tenant, local_queue, db):
    from agentpay_dev.localstack.sqs_workers import drain_queue

    # GIVEN one message (one PUT)
    client.put("/v1/agent/products", headers=tenant.auth,
               json={"products": [product("lamp-1", "Brass Desk Lamp")]})

    # WHEN drained with up to four consumers, THEN one suffices and the product is indexed
    assert drain_queue(local_queue.queues, messages=1, workers=4) == 1
    assert _indexed(db, tenant) == 1


def test_a_worker_that_cannot_start_is_reported(local_queue):
    from agentpay_dev.localstack.sqs_workers import WorkerPool

    # GIVEN a function that does not exist, WHEN its pool starts, THEN a clear error
    with pytest.raises(RuntimeError, match="did not start"):
        WorkerPool(local_queue.queues, "no_such_function", count=1, ready_timeout=60).start()
