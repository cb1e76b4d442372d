"""Rate limits (429 + Retry-After) and faults that must give a clear error, write nothing,
and recover: the database going away mid-request."""

from __future__ import annotations

import psycopg
import pytest

from agentpay.kit.errors import RateLimited
from agentpay.kit.ratelimit import RateLimiter, reset_limiters
from conftest import bearer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills():
    clock = Clock()
    limits = RateLimiter(per_minute=6, burst=3, clock=clock)
    for _ in range(3):
        limits.hit("k")
    with pytest.raises(RateLimited) as refused:
        limits.hit("k")
    assert refused.value.retry_after == 10 and refused.value.headers == {"Retry-After": "10"}
    limits.hit("other")  # another key has its own bucket
    clock.now += 10
    limits.hit("k")


def test_zero_turns_a_limit_off():
    limits = RateLimiter(per_minute=0)
    for _ in range(1000):
        limits.hit("k")


@pytest.fixture
def tight(settings, monkeypatch):
    reset_limiters()
    monkeypatch.setattr(settings, "rate_limit_conversation_per_minute", 3)
    yield settings
    reset_limiters()


def test_a_flooded_conversation_gets_429_with_retry_after(client, tenant, make_agent,
                                                          make_conversation, tight):
    agent = make_agent(tenant)
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])
    url = f"/v1/agent/conversations/{conv_id}/messages"
    codes = [client.post(url, headers=auth, json={"content": f"hello {n}"}).status_code
             for n in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = client.post(url, headers=auth, json={"content": "one more"})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    # a retry of an earlier message is a replay, not a new message: still answered
    first = client.post(url, headers=auth, json={"content": "hello 0",
                                                 "client_message_id": "m0"})
    assert first.status_code in (201, 429)
    # another conversation is not affected
    other = make_conversation(agent)
    assert client.post(f"/v1/agent/conversations/{other['conversation']['id']}/messages",
                       headers=bearer(other["token"]),
                       json={"content": "hi"}).status_code == 201


def test_a_flooding_key_gets_429(client, tenant, settings, monkeypatch):
    reset_limiters()
    monkeypatch.setattr(settings, "rate_limit_key_per_minute", 2)
    try:
        codes = [client.get("/v1/agent/agents", headers=tenant.auth).status_code
                 for _ in range(3)]
    finally:
        reset_limiters()
    assert codes == [200, 200, 429]


def test_database_gone_mid_request_is_a_503_and_nothing_is_half_written(
        client, db, tenant, make_agent, make_conversation, monkeypatch):
    from agentpay.conversations import repository

    agent = make_agent(tenant)
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])
    real_save = repository.save_turn

    def dropped(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(repository, "save_turn", dropped)
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                           json={"content": "hello", "client_message_id": "c1"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "1"
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM messages WHERE conversation_id = %s",
                            (conv_id,)).fetchone()["n"] == 0
    # the fault clears: the same retry now succeeds, once
    monkeypatch.setattr(repository, "save_turn", real_save)
    retry = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                        json={"content": "hello", "client_message_id": "c1"})
    assert retry.status_code == 201


def test_embedder_down_during_indexing_retries_then_dlq_then_recovers(
        client, tenant, db, local_queue, drain, monkeypatch):
    """Records whose embedding fails are retried by SQS, parked in the DLQ after the
    queue's maxReceiveCount, and indexed once the provider is back and they are redriven."""
    from agentpay.embeddings import factory
    from agentpay.embeddings.base import EmbeddingError

    class Down:
        name, dimensions = "minilm-l6-v2", 384

        def embed(self, texts):
            raise EmbeddingError("provider unavailable (test)")

    real = factory.get_embedder()
    monkeypatch.setitem(factory._instances, "local", Down())
    products = [{"external_id": f"fault-{n}", "name": f"Storm Shell Jacket {n}",
                 "price": 9900 + n, "currency": "USD"} for n in range(3)]
    assert client.put("/v1/agent/products", headers=tenant.auth,
                      json={"products": products}).status_code == 200
    drain(timeout=90)
    sqs, queues = local_queue.client, local_queue.queues
    dead = sqs.receive_message(QueueUrl=queues.dlq_url, MaxNumberOfMessages=10,
                               AttributeNames=["All"], VisibilityTimeout=0)["Messages"]
    assert dead and all(int(m["Attributes"]["ApproximateReceiveCount"]) >= 5 for m in dead)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM product_embeddings "
                            "WHERE organization_id = %s", (tenant.organization_id,)
                            ).fetchone()["n"] == 0
    # the provider comes back; an operator redrives the DLQ
    monkeypatch.setitem(factory._instances, "local", real)
    for message in dead:
        sqs.send_message(QueueUrl=queues.queue_url, MessageBody=message["Body"])
        sqs.delete_message(QueueUrl=queues.dlq_url, ReceiptHandle=message["ReceiptHandle"])
    drain(timeout=90)
    hits = client.post("/v1/agent/products/search", headers=tenant.auth,
                       json={"query": "storm shell jacket", "k": 5}).json()["data"]
    assert {h["external_id"] for h in hits} == {p["external_id"] for p in products}
