"""Rate limits (429 + Retry-After) and faults that must give a clear error, write nothing,
and recover: the database going away mid-request."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from agentpay.kit.errors import RateLimited
from agentpay.limits import repository as limits_repo
from agentpay.limits.repository import Bucket
from agentpay.limits.service import check, credential_buckets
from conftest import bearer


def _later(db, key: str, seconds: int) -> None:
    """The database's clock moves on for one bucket (its last take was earlier)."""
    with db.connection() as conn:
        conn.execute("UPDATE rate_buckets SET at = at - make_interval(secs => %s)"
                     " WHERE key = %s", (seconds, key))


def _take(db, *buckets: Bucket):
    with db.connection() as conn:
        return limits_repo.take(conn, buckets)


def test_bucket_allows_a_burst_then_refills(db):
    # GIVEN a bucket of 3 a minute (a burst of 3, then one every 20 s)
    bucket = Bucket(f"test:{uuid.uuid4()}", per_minute=3)
    for _ in range(3):
        check(_take(db, bucket))
    # WHEN a fourth take comes at once THEN it is refused with the wait for one token
    with pytest.raises(RateLimited) as refused:
        check(_take(db, bucket))
    assert refused.value.retry_after == 20 and refused.value.headers == {"Retry-After": "20"}
    check(_take(db, Bucket(f"test:{uuid.uuid4()}", per_minute=3)))  # another key: its own
    # AND a refusal took nothing: 20 s later exactly one more is granted
    _later(db, bucket.key, 20)
    check(_take(db, bucket))
    with pytest.raises(RateLimited):
        check(_take(db, bucket))


def test_a_later_bucket_is_not_spent_when_an_earlier_one_refuses(db):
    first = Bucket(f"test:{uuid.uuid4()}", per_minute=1)
    second = Bucket(f"test:{uuid.uuid4()}", per_minute=5)
    assert [t.granted for t in _take(db, first, second)] == [True, True]
    assert [t.granted for t in _take(db, first, second)] == [False, None]
    with db.connection() as conn:
        tokens = conn.execute("SELECT tokens FROM rate_buckets WHERE key = %s",
                              (second.key,)).fetchone()["tokens"]
    assert tokens == pytest.approx(4, abs=0.1)


def test_idle_buckets_are_deleted_as_conversations_start(db, client, tenant, make_agent,
                                                       monkeypatch):
    from agentpay.limits import service as limits_service

    # GIVEN a bucket idle for an hour (full again: the same as no row) and a busy one
    idle, busy = (Bucket(f"test:{uuid.uuid4()}", per_minute=3) for _ in range(2))
    _take(db, idle)
    _take(db, busy)
    _later(db, idle.key, 3600)
    # WHEN a conversation starts, on the start that tidies (one in TIDY_EVERY)
    monkeypatch.setattr(limits_service, "TIDY_EVERY", 1)
    agent = make_agent(tenant)
    assert client.post("/v1/agent/conversations", headers=tenant.auth,
                       json={"agent_id": agent["id"]}).status_code == 201
    # THEN the idle bucket is gone and the busy one kept
    with db.connection() as conn:
        keys = {r["key"] for r in conn.execute(
            "SELECT key FROM rate_buckets WHERE key = ANY(%s)", ([idle.key, busy.key],))}
    assert keys == {busy.key}


def test_zero_turns_a_limit_off(settings, monkeypatch):
    monkeypatch.setattr(settings, "rate_limit_key_per_minute", 0)
    assert credential_buckets("ab" * 32, settings) == []


@pytest.fixture
def tight(settings, monkeypatch):
    monkeypatch.setattr(settings, "rate_limit_conversation_per_minute", 3)
    return settings


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
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
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
    monkeypatch.setattr(settings, "rate_limit_key_per_minute", 2)
    codes = [client.get("/v1/agent/agents", headers=tenant.auth).status_code
             for _ in range(3)]
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
