"""Human handoff that reaches a person (issue 20, item 2): the store's signed webhook,
retried with backoff; operators' messages to the shopper's tabs; the agent quiet while a
person holds the conversation; release; tenant isolation and bad input."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import bearer

PRODUCTS = [{"external_id": "sock-1", "name": "Merino Wool Socks", "price": 1800,
             "currency": "USD"},
            {"external_id": "mug-1", "name": "Stoneware Coffee Mug", "price": 2200,
             "currency": "USD"}]
SECRET_KEY_BYTES = b"k" * 32
SECRET = "whsec_" + base64.b64encode(SECRET_KEY_BYTES).decode()


# ---------------------------------------------------------------- a store's receiver


class Receiver:
    """A local HTTP endpoint that answers with the next planned status and keeps what it
    got."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"])).decode()
                receiver.requests.append({"headers": {k.lower(): v for k, v in
                                                      self.headers.items()},
                                          "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # polled every 50 ms, not 0.5 s: each shutdown() waits out one poll
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/agentpay"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None) -> Receiver:
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def verify_standard_webhook(secret: str, headers: dict, body: str,
                            tolerance_s: int = 300) -> dict:
    """An independent Standard Webhooks verifier (as a store would write it from the spec):
    HMAC-SHA256 over "id.timestamp.body" with the base64 key after whsec_, compared in
    constant time with each "v1,<base64>" in webhook-signature; the timestamp within the
    tolerance."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    assert abs(time.time() - int(ts)) <= tolerance_s, "timestamp outside the tolerance"
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{ts}.{body}".encode(), hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in headers["webhook-signature"].split(" ")
             if s.startswith("v1,")]
    assert any(hmac.compare_digest(expected, g) for g in given), "bad signature"
    return json.loads(body)


# ---------------------------------------------------------------- nudges and tabs


class Nudges:
    """The webhook queue in tests: remembers nudges; the test sends when it chooses."""

    def __init__(self) -> None:
        self.ids: list[uuid.UUID] = []

    def nudge(self, delivery_id) -> None:
        self.ids.append(delivery_id)


@pytest.fixture
def nudges():
    from agentpay.webhooks.queue import set_webhook_queue

    queue = Nudges()
    set_webhook_queue(queue)
    yield queue
    set_webhook_queue(None)


class FakeConnections:
    """API Gateway's @connections API as boto3 shows it: posts are kept per connection."""

    class exceptions:
        class GoneException(Exception):
            pass

    def __init__(self) -> None:
        self.frames: dict[str, list[dict]] = {}
        self.gone: set[str] = set()

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        if ConnectionId in self.gone:
            raise self.exceptions.GoneException()
        self.frames.setdefault(ConnectionId, []).append(json.loads(Data))

    def delete_connection(self, ConnectionId: str) -> None:
        self.gone.add(ConnectionId)

    def types(self, connection_id: str) -> list[str]:
        return [f["type"] for f in self.frames.get(connection_id, [])]


@pytest.fixture
def tabs():
    from agentpay.handoff import tabs as handoff_tabs
    from agentpay.realtime.broadcast import Broadcaster

    fake = FakeConnections()
    handoff_tabs.set_broadcaster(Broadcaster(fake, workers=1))
    yield fake
    handoff_tabs.set_broadcaster(None)


def open_tab(db, token: str) -> str:
    """A shopper's browser tab: a WebSocket connection recorded by the real $connect."""
    from agentpay.realtime.service import connect

    connection_id = f"c{uuid.uuid4().hex[:12]}="
    assert connect(db, connection_id, token).status_code == 200
    return connection_id


# ---------------------------------------------------------------- helpers


@pytest.fixture
def store(make_store):
    tenant, agent = make_store("Handoff Store", PRODUCTS)
    return tenant, agent


def set_webhooks(client, tenant, url: str, secret: str | None = SECRET):
    body = {"url": url} if secret is None else {"url": url, "secret": secret}
    return client.patch("/v1/agent/organization", json={"webhooks": body},
                        headers=tenant.auth)


def say(client, conv: dict, text: str, **extra):
    cid = conv["conversation"]["id"]
    return client.post(f"/v1/agent/conversations/{cid}/messages",
                       json={"content": text, **extra}, headers=bearer(conv["token"]))


def operator_says(client, tenant, conv_id: str, text: str, **extra):
    return client.post(f"/v1/agent/conversations/{conv_id}/operator-messages",
                       json={"content": text, **extra}, headers=tenant.auth)


def hand_off(client, conv: dict) -> dict:
    response = say(client, conv, "can I talk to a person please?")
    assert response.status_code == 201, response.text
    assert response.json()["conversation"]["status"] == "handoff"
    return response.json()


def deliveries(db, conversation_id: str) -> list[dict]:
    with db.connection() as conn:
        return conn.execute(
            """SELECT id, status, attempts, next_attempt_at - now() AS wait, last_status,
                      last_error, body FROM webhook_deliveries
                WHERE conversation_id = %s ORDER BY created_at""",
            (conversation_id,)).fetchall()


def make_due(db, conversation_id: str) -> None:
    """Time passes: the backoff of every pending delivery of the conversation is over."""
    with db.connection() as conn:
        conn.execute("UPDATE webhook_deliveries SET next_attempt_at = now() "
                     "WHERE conversation_id = %s", (conversation_id,))


def send_due(db, settings, ids=None):
    from agentpay.webhooks.service import deliver

    return deliver(db, settings, ids)


# ---------------------------------------------------------------- settings


def test_webhook_settings_are_validated_and_the_secret_is_write_only(client, db, store,
                                                                     receiver, settings):
    tenant, _ = store
    hook = receiver()
    # WHEN the store sets its endpoint and secret
    response = set_webhooks(client, tenant, hook.url)
    # THEN the URL and a fingerprint come back, never the secret
    assert response.status_code == 200, response.text
    assert response.json()["webhooks"] == {
        "url": hook.url, "secret_set": True,
        "secret_fingerprint": hashlib.sha256(SECRET.encode()).hexdigest()[:12]}
    got = client.get("/v1/agent/organization", headers=tenant.auth)
    assert got.json()["webhooks"]["secret_set"] is True
    for text in (response.text, got.text):
        assert SECRET not in text and SECRET[6:] not in text
    # AND the settings history records the change without it
    with db.connection() as conn:
        history = conn.execute(
            "SELECT settings_before::text || settings_after::text AS t "
            "FROM organization_settings_history WHERE organization_id = %s",
            (tenant.organization_id,)).fetchall()
    assert history and all(SECRET[6:] not in row["t"] for row in history)
    # AND a new URL without a secret keeps the one set
    moved = set_webhooks(client, tenant, hook.url + "/v2", secret=None)
    assert moved.status_code == 200, moved.text
    with db.connection() as conn:
        row = conn.execute("SELECT url, secret_sealed FROM webhook_endpoints "
                           "WHERE organization_id = %s", (tenant.organization_id,)).fetchone()
    assert row["url"] == hook.url + "/v2"
    # (sealed at rest: tests/test_webhook_secrets_sealed.py)
    from agentpay.kit.sealing import get_sealer

    assert SECRET[6:] not in row["secret_sealed"]
    assert get_sealer(settings).open(row["secret_sealed"], tenant.organization_id) == SECRET
    # AND null removes the endpoint
    removed = client.patch("/v1/agent/organization", json={"webhooks": None},
                           headers=tenant.auth)
    assert removed.status_code == 200 and removed.json()["webhooks"] is None


@pytest.mark.parametrize(("webhooks", "code"), [
    ({"url": "ftp://example.com/hook", "secret": SECRET}, "invalid_webhook_url"),
    ({"url": "https:///no-host", "secret": SECRET}, "invalid_webhook_url"),
    ({"url": "https://user:pw@example.com/hook", "secret": SECRET}, "invalid_webhook_url"),
    ({"url": "https://example.com/a b", "secret": SECRET}, "invalid_webhook_url"),
    ({"url": "https://example.com:99999/hook", "secret": SECRET}, "invalid_webhook_url"),
    ({"url": "not a url", "secret": SECRET}, "invalid_webhook_url"),
    ({"url": "https://example.com/hook", "secret": "hunter2"}, "invalid_webhook_secret"),
    ({"url": "https://example.com/hook", "secret": "whsec_!!notbase64"},
     "invalid_webhook_secret"),
    ({"url": "https://example.com/hook", "secret": "whsec_" + base64.b64encode(
        b"short").decode()}, "invalid_webhook_secret"),
    ({"url": "https://example.com/hook"}, "webhook_secret_required"),
    ({"url": "https://example.com/hook", "secret": SECRET, "events": ["x"]},
     "validation_error"),
    ({"secret": SECRET}, "validation_error"),
])
def test_bad_webhook_settings_are_refused_with_a_code(client, make_tenant, webhooks, code):
    tenant = make_tenant("Bad Hooks")
    response = client.patch("/v1/agent/organization", json={"webhooks": webhooks},
                            headers=tenant.auth)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert SECRET[6:] not in response.text


def test_production_refuses_plain_http_and_private_webhook_addresses(client, make_tenant,
                                                                     settings, monkeypatch):
    monkeypatch.setattr(settings, "env", "production")
    tenant = make_tenant("Prod Hooks")
    for url in ("http://example.com/hook", "https://127.0.0.1/hook",
                "https://10.0.0.5/hook", "https://localhost/hook"):
        response = set_webhooks(client, tenant, url)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["code"] == "invalid_webhook_url"
    # and at send time, a name that resolves to a private address is not called
    from agentpay.webhooks.sender import post

    answer = post("https://localhost:9/hook", "{}", {}, public_only=True)
    assert not answer.ok and answer.status is None and "non-public" in answer.error


# ---------------------------------------------------------------- the webhook


def test_a_handoff_sends_the_store_a_signed_webhook(client, db, settings, store,
                                                    make_conversation, receiver, nudges):
    tenant, agent = store
    hook = receiver()
    assert set_webhooks(client, tenant, hook.url).status_code == 200
    conv = make_conversation(agent, session_id="visitor-77", customer={"name": "Ada"})
    say(client, conv, "hi, do you have wool socks?")
    # WHEN the shopper asks for a person
    exchange = hand_off(client, conv)
    cid = conv["conversation"]["id"]
    # THEN one delivery was written with the save, and the sender was nudged after commit
    rows = deliveries(db, cid)
    assert len(rows) == 1 and rows[0]["status"] == "pending"
    assert nudges.ids == [rows[0]["id"]]
    # WHEN the sender runs
    report = send_due(db, settings, nudges.ids)
    # THEN the store got one POST that verifies under the Standard Webhooks spec
    assert report.delivered == 1
    assert len(hook.requests) == 1
    request = hook.requests[0]
    assert request["path"] == "/hooks/agentpay"
    assert request["headers"]["webhook-id"] == f"msg_{rows[0]['id'].hex}"
    assert request["headers"]["content-type"] == "application/json"
    payload = verify_standard_webhook(SECRET, request["headers"], request["body"])
    assert payload["type"] == "conversation.handoff"
    assert payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["conversation_id"] == cid and data["agent_id"] == agent["id"]
    assert data["session_id"] == "visitor-77" and data["customer"] == {"name": "Ada"}
    assert data["shopper_message"] == "can I talk to a person please?"
    assert data["reason"]
    assert [m["role"] for m in data["recent_messages"]][-2:] == ["user", "assistant"]
    assert data["recent_messages"][-1]["content"] == exchange["reply"]["content"]
    assert data["links"]["operator_messages"].endswith(f"/v1/agent/conversations/{cid}/"
                                                       "operator-messages")
    # AND the row says delivered; a second run sends nothing more
    assert deliveries(db, cid)[0]["status"] == "delivered"
    assert send_due(db, settings).delivered == 0 and len(hook.requests) == 1
    # AND a tampered body does not verify
    with pytest.raises(AssertionError, match="bad signature"):
        verify_standard_webhook(SECRET, request["headers"], request["body"] + " ")


def test_the_default_queue_delivers_from_this_process_right_after_the_turn(
        client, db, store, make_conversation, receiver):
    from agentpay.webhooks.queue import ThreadWebhookQueue, set_webhook_queue

    tenant, agent = store
    hook = receiver()
    set_webhooks(client, tenant, hook.url)
    set_webhook_queue(ThreadWebhookQueue())
    try:
        conv = make_conversation(agent)
        hand_off(client, conv)
        deadline = time.monotonic() + 10
        while not hook.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        set_webhook_queue(None)
    assert len(hook.requests) == 1
    verify_standard_webhook(SECRET, hook.requests[0]["headers"], hook.requests[0]["body"])


def test_a_failing_receiver_is_retried_with_backoff_and_the_same_webhook_id(
        client, db, settings, store, make_conversation, receiver, nudges):
    tenant, agent = store
    hook = receiver([500, 503, 200])
    set_webhooks(client, tenant, hook.url)
    conv = make_conversation(agent)
    hand_off(client, conv)
    cid = conv["conversation"]["id"]
    # WHEN the first attempt gets a 500
    assert send_due(db, settings, nudges.ids).retrying == 1
    # THEN the row waits about 5 s before its next attempt, and is not sent before
    row = deliveries(db, cid)[0]
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_status"] == 500
    assert 3 <= row["wait"].total_seconds() <= 5
    # (counting this test's deliveries only: another test's may come due meanwhile)
    assert send_due(db, settings, nudges.ids).retrying == 0 and len(hook.requests) == 1
    # WHEN time passes and the second attempt gets a 503: the wait grows
    make_due(db, cid)
    assert send_due(db, settings, nudges.ids).retrying == 1
    row = deliveries(db, cid)[0]
    assert row["attempts"] == 2 and row["last_status"] == 503
    assert 25 <= row["wait"].total_seconds() <= 30
    # WHEN the third attempt succeeds
    make_due(db, cid)
    assert send_due(db, settings).delivered == 1
    assert deliveries(db, cid)[0]["status"] == "delivered"
    # THEN every attempt carried the same webhook-id and body, each validly signed
    assert len(hook.requests) == 3
    assert len({r["headers"]["webhook-id"] for r in hook.requests}) == 1
    assert len({r["body"] for r in hook.requests}) == 1
    for r in hook.requests:
        verify_standard_webhook(SECRET, r["headers"], r["body"])


def test_a_receiver_that_never_answers_2xx_is_given_up_after_the_last_attempt(
        client, db, settings, store, make_conversation, receiver, nudges):
    from agentpay.webhooks.service import BACKOFF_SECONDS

    tenant, agent = store
    attempts = len(BACKOFF_SECONDS) + 1
    hook = receiver([410] * attempts)
    set_webhooks(client, tenant, hook.url)
    conv = make_conversation(agent)
    hand_off(client, conv)
    cid = conv["conversation"]["id"]
    for _ in range(attempts):
        make_due(db, cid)
        send_due(db, settings)
    row = deliveries(db, cid)[0]
    assert row["status"] == "failed" and row["attempts"] == attempts
    make_due(db, cid)
    assert send_due(db, settings).delivered == 0 and len(hook.requests) == attempts


def test_the_deliver_function_takes_sqs_nudges_and_scheduled_sweeps(
        client, db, store, make_conversation, receiver, lambda_context):
    import boto3
    from moto import mock_aws

    from agentpay.webhooks.queue import SqsWebhookQueue, set_webhook_queue
    from conftest import load_handler

    tenant, agent = store
    hook = receiver([500, 200])
    set_webhooks(client, tenant, hook.url)
    handler = load_handler("deliver_webhooks").handler
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="agentpay-webhooks")["QueueUrl"]
        set_webhook_queue(SqsWebhookQueue(sqs, url))
        try:
            conv = make_conversation(agent)
            hand_off(client, conv)
        finally:
            set_webhook_queue(None)
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 1
    event = {"Records": [{"messageId": m["MessageId"], "body": m["Body"],
                          "eventSource": "aws:sqs"} for m in got]
             + [{"messageId": "junk", "body": "not json", "eventSource": "aws:sqs"}]}
    # WHEN the nudge arrives and the receiver fails: the row is rescheduled, the
    # message consumed (the row, not SQS, owns the retries)
    assert handler(event, lambda_context) == {"batchItemFailures": []}
    cid = conv["conversation"]["id"]
    assert deliveries(db, cid)[0]["status"] == "pending"
    # WHEN the schedule runs after the backoff
    make_due(db, cid)
    scheduled = {"version": "0", "source": "aws.scheduler", "detail-type":
                 "Scheduled Event", "detail": {}}
    result = handler(scheduled, lambda_context)
    assert result["swept"]["delivered"] >= 1
    assert deliveries(db, cid)[0]["status"] == "delivered"
    assert len(hook.requests) == 2


def test_no_endpoint_no_delivery_but_the_handoff_stands(client, db, make_store,
                                                        make_conversation, nudges):
    _, agent = make_store("No Hooks", PRODUCTS)
    conv = make_conversation(agent)
    hand_off(client, conv)
    assert deliveries(db, conv["conversation"]["id"]) == []


# ---------------------------------------------------------------- operators and tabs


def test_an_operator_message_reaches_every_tab_and_the_transcript(
        client, db, store, make_conversation, tabs, nudges):
    tenant, agent = store
    conv = make_conversation(agent)
    cid, token = conv["conversation"]["id"], conv["token"]
    hand_off(client, conv)
    first_tab, second_tab = open_tab(db, token), open_tab(db, token)
    # WHEN a person on the team replies
    response = operator_says(client, tenant, cid, "Hi, I'm Sam from the team. How can I help?",
                             client_message_id="op-1")
    # THEN it is stored as the operator's, and both tabs got it
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["message"]["role"] == "operator" and body["replayed"] is False
    assert body["conversation"]["status"] == "handoff" and body["delivered_to"] == 2
    for tab in (first_tab, second_tab):
        frame = tabs.frames[tab][-1]
        assert frame["type"] == "operator_message" and frame["status"] == "handoff"
        assert frame["message"]["id"] == body["message"]["id"]
        assert frame["message"]["content"].startswith("Hi, I'm Sam")
    # AND the shopper's transcript (HTTP, with the conversation token) shows it in order
    history = client.get(f"/v1/agent/conversations/{cid}/messages",
                         headers=bearer(token)).json()["data"]
    assert [m["role"] for m in history][-1] == "operator"
    assert [m["seq"] for m in history] == list(range(1, len(history) + 1))
    # AND a resumed tab replays it as an operator message
    from agentpay.realtime.broadcast import Broadcaster
    from agentpay.realtime.service import handle_frame

    fake = FakeConnections()
    handle_frame(db, Broadcaster(fake, workers=1), _settings(), first_tab,
                 json.dumps({"action": "resume", "after_seq": 0}))
    assert "operator_message" in fake.types(first_tab)
    # WHEN the operator's client retries the same message: the same one comes back
    again = operator_says(client, tenant, cid, "Hi, I'm Sam from the team. How can I help?",
                          client_message_id="op-1")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["message"]["id"] == body["message"]["id"]
    # AND the same id with other words is refused
    reused = operator_says(client, tenant, cid, "something else", client_message_id="op-1")
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    history = client.get(f"/v1/agent/conversations/{cid}/messages",
                         headers=bearer(token)).json()["data"]
    assert sum(m["role"] == "operator" for m in history) == 1


def _settings():
    from agentpay.config import get_settings

    return get_settings()


def test_the_agent_is_quiet_while_a_person_holds_it_and_answers_after_release(
        client, db, store, make_conversation, tabs, nudges):
    from agentpay.realtime.broadcast import Broadcaster
    from agentpay.realtime.service import handle_frame

    tenant, agent = store
    conv = make_conversation(agent)
    cid, token = conv["conversation"]["id"], conv["token"]
    say(client, conv, "do you have wool socks?")
    hand_off(client, conv)  # the agent's reply here is its one acknowledgement
    operator_says(client, tenant, cid, "Hello! Sam here.")
    # WHEN the shopper writes over HTTP while a person holds the conversation
    held = say(client, conv, "great, is the mug dishwasher safe?", client_message_id="s-9")
    # THEN the message is kept and the agent does not answer
    assert held.status_code == 201, held.text
    assert held.json()["reply"] is None and held.json()["held"] is True
    assert held.json()["conversation"]["status"] == "handoff"
    # AND a retry of it is a replay, still with no reply
    again = say(client, conv, "great, is the mug dishwasher safe?", client_message_id="s-9")
    assert again.status_code == 200 and again.json()["reply"] is None
    # WHEN the shopper writes over the WebSocket: the tabs see the message, no reply
    fake = FakeConnections()
    tab = open_tab(db, token)
    handle_frame(db, Broadcaster(fake, workers=1), _settings(), tab,
                 json.dumps({"action": "message", "content": "hello?"}))
    assert "user_message" in fake.types(tab)
    assert "agent_message" not in fake.types(tab)
    assert fake.frames[tab][-1] == {"type": "conversation_status", "status": "handoff"}
    history = client.get(f"/v1/agent/conversations/{cid}/messages",
                         headers=bearer(token)).json()["data"]
    roles = [m["role"] for m in history]
    assert roles == ["user", "assistant", "user", "assistant", "operator", "user", "user"]
    # WHEN the operator releases the conversation
    released = client.post(f"/v1/agent/conversations/{cid}/release", headers=tenant.auth)
    assert released.status_code == 200, released.text
    assert released.json()["released"] is True
    assert released.json()["conversation"]["status"] == "active"
    assert tabs.frames[tab][-1] == {"type": "conversation_status", "status": "active"}
    # THEN the agent answers again, with the history intact
    answered = say(client, conv, "show me the wool socks")
    assert answered.status_code == 201, answered.text
    assert answered.json()["reply"]["role"] == "assistant"
    assert "Merino" in answered.json()["reply"]["content"]
    history = client.get(f"/v1/agent/conversations/{cid}/messages",
                         headers=bearer(token)).json()["data"]
    assert [m["role"] for m in history][:7] == roles and len(history) == 9
    # AND a repeated release changes nothing
    twice = client.post(f"/v1/agent/conversations/{cid}/release", headers=tenant.auth)
    assert twice.status_code == 200 and twice.json()["released"] is False


def test_an_operator_can_take_over_a_conversation_the_agent_holds(
        client, db, store, make_conversation, nudges):
    tenant, agent = store
    conv = make_conversation(agent)
    cid = conv["conversation"]["id"]
    say(client, conv, "hi")
    response = operator_says(client, tenant, cid, "Hi, I'm watching this one — ask away!")
    assert response.status_code == 201, response.text
    assert response.json()["conversation"]["status"] == "handoff"
    assert say(client, conv, "thanks!").json()["reply"] is None
    # an operator's takeover is not the shopper asking: no webhook
    assert deliveries(db, cid) == []


def test_an_operator_waits_for_a_reply_being_written(client, db, store, make_conversation):
    tenant, agent = store
    conv = make_conversation(agent)
    cid = conv["conversation"]["id"]
    with db.connection() as conn:  # a turn in flight holds the lease
        conn.execute("UPDATE conversations SET turn_id = gen_random_uuid(), "
                     "turn_expires_at = now() + interval '20 seconds' WHERE id = %s", (cid,))
    try:
        response = operator_says(client, tenant, cid, "Hi there")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "conversation_busy"
        assert response.headers["retry-after"] == "1"
        released = client.post(f"/v1/agent/conversations/{cid}/release", headers=tenant.auth)
        assert released.status_code == 200 and released.json()["released"] is False
    finally:
        with db.connection() as conn:
            conn.execute("UPDATE conversations SET turn_id = NULL, turn_expires_at = NULL "
                         "WHERE id = %s", (cid,))


# ---------------------------------------------------------------- isolation, bad input


def test_another_stores_conversations_and_webhooks_are_not_reachable(
        client, db, settings, make_store, make_conversation, receiver, nudges, tabs):
    tenant_a, agent_a = make_store("Store A hooks", PRODUCTS)
    tenant_b, _ = make_store("Store B hooks", PRODUCTS)
    hook_a, hook_b = receiver(), receiver()
    set_webhooks(client, tenant_a, hook_a.url)
    set_webhooks(client, tenant_b, hook_b.url,
                 secret="whsec_" + base64.b64encode(b"b" * 32).decode())
    conv_a = make_conversation(agent_a)
    cid_a = conv_a["conversation"]["id"]
    tab_a = open_tab(db, conv_a["token"])
    hand_off(client, conv_a)
    # store B's key on store A's conversation: 404, nothing written, nothing posted
    for path in (f"/v1/agent/conversations/{cid_a}/operator-messages",
                 f"/v1/agent/conversations/{cid_a}/release"):
        body = {"content": "I am store B"} if path.endswith("messages") else None
        response = client.post(path, json=body, headers=tenant_b.auth)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "conversation_not_found"
    assert "operator_message" not in tabs.types(tab_a)
    history = client.get(f"/v1/agent/conversations/{cid_a}/messages",
                         headers=tenant_a.auth).json()["data"]
    assert all(m["content"] != "I am store B" for m in history)
    assert client.get(f"/v1/agent/conversations/{cid_a}",
                      headers=tenant_a.auth).json()["status"] == "handoff"
    # store A's handoff goes to store A's endpoint only, signed with A's secret
    send_due(db, settings)
    assert len(hook_a.requests) == 1 and hook_b.requests == []
    verify_standard_webhook(SECRET, hook_a.requests[0]["headers"], hook_a.requests[0]["body"])
    # and B's view of its organization says nothing of A's endpoint
    b_view = client.get("/v1/agent/organization", headers=tenant_b.auth).json()["webhooks"]
    assert b_view["url"] == hook_b.url
    # a shopper's credentials cannot post as an operator
    for credential in (conv_a["token"], agent_a["publishable_key"]):
        response = client.post(f"/v1/agent/conversations/{cid_a}/operator-messages",
                               json={"content": "hi"}, headers=bearer(credential))
        assert response.status_code in (401, 403), response.text


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"content": ""}, 422, "empty_content"),
    ({"content": "   \n "}, 422, "empty_content"),
    ({"content": "x" * 4001}, 422, "content_too_long"),
    ({"content": "a\x00b"}, 422, "invalid_content"),
    ({}, 422, "validation_error"),
    ({"content": 42}, 422, "validation_error"),
    ({"content": "hi", "role": "assistant"}, 422, "validation_error"),
    ({"content": "hi", "client_message_id": ""}, 422, "validation_error"),
    ({"content": "hi", "client_message_id": "x" * 129}, 422, "validation_error"),
])
def test_bad_operator_messages_are_refused_with_a_code(client, store, make_conversation,
                                                       body, status, code):
    tenant, agent = store
    cid = make_conversation(agent)["conversation"]["id"]
    response = client.post(f"/v1/agent/conversations/{cid}/operator-messages", json=body,
                           headers=tenant.auth)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_unknown_or_malformed_ids_and_closed_conversations(client, db, store,
                                                           make_conversation):
    tenant, agent = store
    unknown = str(uuid.uuid4())
    for path in (f"/v1/agent/conversations/{unknown}/operator-messages",
                 f"/v1/agent/conversations/{unknown}/release"):
        response = client.post(path, json={"content": "hi"}, headers=tenant.auth)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "conversation_not_found"
    malformed = client.post("/v1/agent/conversations/not-a-uuid/operator-messages",
                            json={"content": "hi"}, headers=tenant.auth)
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "validation_error"
    cid = make_conversation(agent)["conversation"]["id"]
    with db.connection() as conn:
        conn.execute("UPDATE conversations SET status = 'completed' WHERE id = %s", (cid,))
    for path in (f"/v1/agent/conversations/{cid}/operator-messages",
                 f"/v1/agent/conversations/{cid}/release"):
        response = client.post(path, json={"content": "hi"}, headers=tenant.auth)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "conversation_closed"


def test_openapi_documents_the_operator_endpoints_and_webhook_settings(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/agent/conversations/{conversation_id}/operator-messages" in spec["paths"]
    assert "/v1/agent/conversations/{conversation_id}/release" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert set(schemas["WebhooksIn"]["properties"]) == {"url", "secret"}
    assert "secret" not in schemas["WebhooksOut"]["properties"]
    assert "operator" in json.dumps(schemas["MessageOut"]["properties"]["role"])


@pytest.mark.parametrize("question", ["what is your warranty policy?",
                                      "where is my order #12345?"])
def test_when_the_agent_cannot_answer_a_yes_to_its_offer_hands_over(
        client, db, settings, store, make_conversation, receiver, nudges, question):
    tenant, agent = store
    hook = receiver()
    set_webhooks(client, tenant, hook.url)
    conv = make_conversation(agent)
    # GIVEN the agent could not answer and offered a person
    offered = say(client, conv, question).json()
    assert "talk to a person" in offered["reply"]["content"]
    assert offered["conversation"]["status"] == "active"
    # WHEN the shopper accepts
    accepted = say(client, conv, "yes please")
    # THEN the conversation goes to a person and the store is told
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["conversation"]["status"] == "handoff"
    send_due(db, settings, nudges.ids)
    payload = verify_standard_webhook(SECRET, hook.requests[0]["headers"],
                                      hook.requests[0]["body"])
    assert payload["data"]["shopper_message"] == "yes please"
    assert "accepted a person" in payload["data"]["reason"]


def test_a_yes_to_something_else_does_not_hand_over(client, store, make_conversation):
    _, agent = store
    conv = make_conversation(agent)
    say(client, conv, "show me wool socks")
    answered = say(client, conv, "yes")
    assert answered.json()["conversation"]["status"] == "active"


@pytest.mark.parametrize(("said", "accepts"), [
    ("yes please", True), ("Yes, please.", True), ("ok go ahead", True), ("sure!", True),
    ("that would be great", True), ("message 1", False), ("no", False),
    ("yes I want a refund for order 5", False), ("ok show me socks", False)])
def test_only_a_plain_yes_accepts_the_offer_of_a_person(said, accepts):
    # handing over silences the agent: a misread "yes" must not do it
    from agentpay.orchestrator.decide import _accepts_a_person

    assert _accepts_a_person(said) is accepts


def test_the_sample_events_drive_the_deliver_function(db, lambda_context):
    # GIVEN the real-shaped events of events/  WHEN the handler gets them
    from conftest import load_event, load_handler

    handler = load_handler("deliver_webhooks").handler
    # THEN a nudge for a row that does not exist (or is not due) does nothing and fails
    # nothing, and a scheduled sweep reports what it did
    assert handler(load_event("sqs_deliver_webhooks.json"), lambda_context) == {
        "batchItemFailures": []}
    swept = handler(load_event("schedule_deliver_webhooks.json"), lambda_context)
    assert set(swept["swept"]) == {"delivered", "retrying", "failed"}


def test_a_store_reads_its_own_deliveries_only(client, db, settings, make_store,
                                               make_conversation, receiver, nudges):
    tenant_a, agent_a = make_store("Deliveries A", PRODUCTS)
    tenant_b, _ = make_store("Deliveries B", PRODUCTS)
    hook = receiver([500])
    set_webhooks(client, tenant_a, hook.url)
    conv = make_conversation(agent_a)
    cid = conv["conversation"]["id"]
    hand_off(client, conv)
    send_due(db, settings)
    mine = client.get(f"/v1/agent/webhooks/deliveries?conversation_id={cid}",
                      headers=tenant_a.auth)
    assert mine.status_code == 200, mine.text
    [row] = mine.json()["data"]
    assert row["webhook_id"] == hook.requests[0]["headers"]["webhook-id"]
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_status"] == 500
    assert "body" not in row
    theirs = client.get(f"/v1/agent/webhooks/deliveries?conversation_id={cid}",
                        headers=tenant_b.auth)
    assert theirs.status_code == 200 and theirs.json()["data"] == []
    bad = client.get("/v1/agent/webhooks/deliveries?limit=0", headers=tenant_a.auth)
    assert bad.status_code == 422


def test_production_webhooks_use_the_https_port(client, make_tenant, settings, monkeypatch):
    # the functions may only reach the internet on 443 (template.yaml's security group)
    monkeypatch.setattr(settings, "env", "production")
    tenant = make_tenant("Port Hooks")
    response = set_webhooks(client, tenant, "https://hooks.example.com:8443/agentpay")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_webhook_url"


def test_after_release_the_model_sees_what_the_team_said():
    # GIVEN a history with a person's reply in it  WHEN the model's messages are built
    from types import SimpleNamespace

    from agentpay.orchestrator.generate import OPERATOR_PREFIX, _messages

    history = [{"role": "user", "content": "where is my parcel?"},
               {"role": "assistant", "content": "Someone from the team will reply here."},
               {"role": "operator", "content": "It ships tomorrow; sorry for the wait!"},
               {"role": "user", "content": "thanks"}]
    messages = _messages(SimpleNamespace(history=history), "anything else?", {}, "Sure.")
    # THEN the team's words are in the agent's side of the history, marked as the team's
    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert (OPERATOR_PREFIX + "It ships tomorrow; sorry for the wait!") in messages[1].content
