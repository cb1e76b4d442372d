"""A turn in two short transactions (issue 19, item 4): no lock, no transaction and no
pinned connection while a model or a payment provider is called; a second tab is told
409 conversation_busy at once; a turn overtaken by a newer state saves nothing; a failed
turn leaves nothing; every call out ends within the turn's deadline; a checkout's row is
committed before its provider is called, and a paid webhook for an unknown checkout is
not acknowledged; streamed text the guard would refuse never reaches the shopper.

The model and the payment provider are fakes that stall on command (each gives up after
STALL_LIMIT seconds, so that on code which still waits the tests fail, not hang).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from conftest import bearer

STALL_LIMIT = 8.0
CATALOG = [
    {"external_id": "TT-LAMP", "name": "Halden Brass Desk Lamp", "price": 8900,
     "currency": "USD", "category": "Lighting"},
    {"external_id": "TT-TENT", "name": "Ridgeline 2-Person Backpacking Tent", "price": 24900,
     "currency": "USD", "category": "Camping"},
]


class FakeModel:
    """A model provider: by default unavailable (the offline reply answers); when told,
    it streams `pieces`, after stalling until released if `stall` is set (`started`
    says a stalled call has begun)."""

    name = "anthropic"
    model = "fake-model"

    def __init__(self) -> None:
        self.pieces: list[str] | None = None
        self.stall = False
        self.started = threading.Event()
        self.release = threading.Event()

    async def stream(self, request):
        from agentpay.llm.base import Final, GenerationResult, LLMError, TextDelta, Usage

        if self.stall:
            self.started.set()  # a stalled call has started
            waited = 0.0
            while not self.release.is_set() and waited < STALL_LIMIT:
                await asyncio.sleep(0.01)
                waited += 0.01
        if self.pieces is None:
            raise LLMError(self.name, "connection", "no model in this test")
        for piece in self.pieces:
            yield TextDelta(piece)
        yield Final(GenerationResult(
            text="".join(self.pieces), provider=self.name, model=self.model,
            usage=Usage(input_tokens=10, output_tokens=10), cost_usd=0.0, tool_calls=[],
            stop_reason="end_turn", latency_ms=1.0, failures=[]))


@pytest.fixture
def model(monkeypatch):
    from agentpay.llm import factory

    fake = FakeModel()
    monkeypatch.setattr(factory, "get_generator", lambda: fake)
    yield fake
    fake.release.set()


@pytest.fixture
def shop(client, make_tenant, make_agent, make_conversation):
    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

    tenant = make_tenant("Turn Store")
    set_index_queue(InlineIndexQueue())
    try:
        assert client.put("/v1/agent/products", json={"products": CATALOG},
                          headers=tenant.auth).status_code == 200
    finally:
        set_index_queue(None)
    agent = make_agent(tenant, rules={"max_discount_percent": 10})
    return tenant, agent


class Chat:
    """One conversation over HTTP; `send` may run on another thread (own client)."""

    def __init__(self, app, created: dict) -> None:
        from fastapi.testclient import TestClient

        self.app = app
        self.id = created["conversation"]["id"]
        self.org = created["conversation"]["organization_id"]
        self.auth = bearer(created["token"])
        self.url = f"/v1/agent/conversations/{self.id}/messages"
        self.client = TestClient(app, raise_server_exceptions=False)

    def send(self, text: str, client_message_id: str | None = None):
        body: dict[str, Any] = {"content": text}
        if client_message_id:
            body["client_message_id"] = client_message_id
        return self.client.post(self.url, headers=self.auth, json=body)

    def say(self, text: str) -> dict:
        response = self.send(text)
        assert response.status_code == 201, response.text
        return response.json()

    def in_background(self, text: str, client_message_id: str | None = None) -> Background:
        from fastapi.testclient import TestClient

        other = TestClient(self.app, raise_server_exceptions=False)
        body: dict[str, Any] = {"content": text}
        if client_message_id:
            body["client_message_id"] = client_message_id
        return Background(lambda: other.post(self.url, headers=self.auth, json=body))


class Background:
    def __init__(self, call: Callable[[], Any]) -> None:
        self.outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                self.outcome["value"] = call()
            except Exception as exc:  # noqa: BLE001 - re-raised on the test's thread
                self.outcome["error"] = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def result(self, seconds: float = 30.0) -> Any:
        self.thread.join(seconds)
        assert not self.thread.is_alive(), f"still running after {seconds} s"
        if "error" in self.outcome:
            raise self.outcome["error"]
        return self.outcome["value"]


@pytest.fixture
def chat(app, shop, make_conversation):
    _tenant, agent = shop
    return Chat(app, make_conversation(agent))


def _row(db, conversation_id: str) -> dict:
    with db.connection() as conn:
        return conn.execute(
            """SELECT status, stage, message_count, version, turn_id, context,
                      (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS stored
                 FROM conversations c WHERE id = %s""", (conversation_id,)).fetchone()


def _lockable(db, conversation_id: str) -> bool:
    """Whether another connection can lock the conversation's row right now."""
    with db.connection() as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT 1 FROM conversations WHERE id = %s FOR UPDATE NOWAIT",
                             (conversation_id,))
            return True
        except psycopg.errors.LockNotAvailable:
            return False


def _waited(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


# --------------------------------------------------------------------------------------
# The lock and the lease
# --------------------------------------------------------------------------------------

def test_a_stalled_model_holds_no_lock_and_a_second_message_is_busy_at_once(db, model,
                                                                           chat):
    # GIVEN a turn whose model has not answered yet
    model.stall, model.pieces = True, ["Happy to help."]
    first = chat.in_background("hello there")
    assert model.started.wait(10)
    # THEN the conversation's row is not locked: another connection locks it at once
    assert _lockable(db, chat.id)
    # AND no transaction is open on the turn's behalf (no RDS Proxy connection pinned)
    with db.connection() as conn:
        idle = conn.execute(
            """SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND state LIKE 'idle in transaction%%'
                  AND pid <> pg_backend_pid()""").fetchone()["n"]
    assert idle == 0
    # WHEN a second tab sends a message meanwhile
    second, seconds = _waited(lambda: chat.send("is anyone there?"))
    # THEN it is told at once that the conversation is busy, with a code and a retry hint
    assert second.status_code == 409, second.text
    assert second.json()["error"]["code"] == "conversation_busy"
    assert second.headers["Retry-After"] == "1"
    assert seconds < 2.5
    # AND the first turn, released, is answered and saved; the refused message is not
    model.release.set()
    response = first.result()
    assert response.status_code == 201, response.text
    assert response.json()["reply"]["content"] == "Happy to help."
    row = _row(db, chat.id)
    assert (row["message_count"], row["stored"], row["version"], row["turn_id"]) == (
        2, 2, 1, None)


def test_a_retry_while_its_turn_runs_is_busy_then_replays(db, model, chat):
    # GIVEN a message whose turn is running
    model.stall, model.pieces = True, ["Happy to help."]
    first = chat.in_background("hello there", "m-1")
    assert model.started.wait(10)
    # WHEN the client retries it (same client_message_id) THEN it is busy, not run twice
    retry = chat.send("hello there", "m-1")
    assert retry.status_code == 409 and retry.json()["error"]["code"] == "conversation_busy"
    model.release.set()
    assert first.result().status_code == 201
    # AND once answered, the retry replays the answer
    again = chat.send("hello there", "m-1")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["reply"]["content"] == "Happy to help."
    assert _row(db, chat.id)["stored"] == 2


def test_a_lock_held_elsewhere_gives_409_busy_after_the_lock_timeout(db, database_url,
                                                                     model, chat, settings,
                                                                     monkeypatch):
    # GIVEN another transaction holding the conversation's row (an operator's write, a
    # webhook), longer than a turn may wait for it
    monkeypatch.setattr(settings, "turn_lock_timeout_ms", 300)
    with psycopg.connect(database_url) as holder:
        holder.execute("SELECT 1 FROM conversations WHERE id = %s FOR UPDATE", (chat.id,))
        releaser = threading.Timer(STALL_LIMIT, holder.rollback)
        releaser.start()
        try:
            # WHEN a message comes
            response, seconds = _waited(lambda: chat.send("hello"))
        finally:
            releaser.cancel()
            holder.rollback()
    # THEN it is answered 409 conversation_busy after the lock timeout, not a 503
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "conversation_busy"
    assert seconds < 2.5
    # AND nothing of it was recorded; the next message goes through
    assert _row(db, chat.id)["stored"] == 0
    assert chat.send("hello").status_code == 201


def test_an_expired_lease_is_cleared_by_the_next_turn(db, model, chat, settings):
    from agentpay.conversations import repository

    # GIVEN a turn whose function was stopped after its claim: its message is recorded,
    # its lease taken, and nothing more
    org, conv = uuid.UUID(chat.org), uuid.UUID(chat.id)
    with db.connection() as conn, conn.transaction():
        dead = repository.read_message(repository.begin_turn(
            conn, org, conv, uuid.uuid4(), "hello?", "lost-1", 60))
    # WHILE its lease runs, the conversation is busy
    assert chat.send("anyone?").json()["error"]["code"] == "conversation_busy"
    # WHEN the lease has expired
    with db.connection() as conn:
        conn.execute("UPDATE conversations SET turn_expires_at = now() - interval '1 second'"
                     " WHERE id = %s", (chat.id,))
    # THEN the next message is answered; the dead turn's message is gone, seqs follow on
    out = chat.say("anyone?")
    assert out["message"]["seq"] == 1 and out["reply"]["seq"] == 2
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM messages WHERE id = %s",
                            (dead["id"],)).fetchone()["n"] == 0
    # AND a retry of the lost message runs afresh
    retried = chat.send("hello?", "lost-1")
    assert retried.status_code == 201 and retried.json()["message"]["seq"] == 3
    row = _row(db, chat.id)
    assert (row["message_count"], row["stored"], row["turn_id"]) == (4, 4, None)


# --------------------------------------------------------------------------------------
# The save: version check, nothing half-written
# --------------------------------------------------------------------------------------

def _cart_and_checkout(chat: Chat) -> str:
    chat.say("brass desk lamp")
    chat.say("add it to my cart")
    checkout = chat.say("checkout please")["conversation"]["context"]["checkout"]
    return "/checkout/" + checkout["url"].split("/checkout/")[1]


def test_a_turn_overtaken_by_a_paid_checkout_saves_nothing(db, model, chat):
    # GIVEN a conversation with a checkout link, and a turn whose model is still writing
    pay_path = _cart_and_checkout(chat)
    before = _row(db, chat.id)
    model.stall, model.pieces = True, ["Anything else I can help with?"]
    turn = chat.in_background("one more question")
    assert model.started.wait(10)
    # WHEN the shopper pays meanwhile (the pay page completes the conversation)
    paid, seconds = _waited(lambda: chat.client.post(pay_path + "/pay"))
    # THEN the payment is not held up by the turn
    assert paid.status_code == 200 and seconds < 2.5
    # AND the turn, once its model answers, saves nothing over the newer state: the
    # loser gets 409 conversation_changed, the conversation stays completed
    model.release.set()
    response = turn.result()
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "conversation_changed"
    row = _row(db, chat.id)
    assert (row["status"], row["stage"]) == ("completed", "completed")
    assert row["stored"] == before["stored"] == row["message_count"]
    assert row["turn_id"] is None
    # AND sent again, the message is refused as any message to a completed conversation
    again = chat.send("one more question")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conversation_closed"


def test_a_failed_turn_leaves_no_cart_change_and_a_retry_runs_afresh(db, model, chat,
                                                                    monkeypatch):
    from agentpay.orchestrator import generate

    chat.say("brass desk lamp")
    before = _row(db, chat.id)
    # GIVEN a turn that fails after its cart change, while the reply is generated
    real = generate.generate

    def broken(*args, **kwargs):
        raise RuntimeError("the model's client crashed")

    monkeypatch.setattr("agentpay.orchestrator.engine.generate", broken)
    response = chat.send("add it to my cart", "add-1")
    assert response.status_code == 500
    # THEN nothing of it is written: no message, no cart line, no new version, no lease
    row = _row(db, chat.id)
    assert (row["stored"], row["message_count"], row["version"], row["turn_id"]) == (
        before["stored"], before["message_count"], before["version"], None)
    assert not (row["context"].get("cart") or {}).get("lines")
    # AND the same message, retried once the fault clears, is answered once
    monkeypatch.setattr("agentpay.orchestrator.engine.generate", real)
    retried = chat.send("add it to my cart", "add-1")
    assert retried.status_code == 201, retried.text
    assert [line["external_id"] for line in retried.json()["cart"]["lines"]] == ["TT-LAMP"]
    assert _row(db, chat.id)["stored"] == before["stored"] + 2


# --------------------------------------------------------------------------------------
# The deadline
# --------------------------------------------------------------------------------------

def test_a_model_that_never_answers_gets_the_offline_reply_within_the_deadline(
        db, model, chat, settings, monkeypatch):
    # GIVEN a turn deadline of 4 s and a model that stalls past it
    monkeypatch.setattr(settings, "turn_deadline_seconds", 4.0)
    model.stall, model.pieces = True, ["Too late."]
    # WHEN a message comes
    response, seconds = _waited(lambda: chat.send("backpacking tent"))
    # THEN the model is given up (a second is kept for the save) and the grounded
    # offline reply answers within the deadline
    assert response.status_code == 201, response.text
    assert 2.5 < seconds < 4.0 + 1.0
    reply = response.json()["reply"]
    assert reply["usage"]["responder"] == "offline", reply["usage"]
    assert "timeout" in reply["usage"]["fallback_reason"]
    assert "Ridgeline" in reply["content"]
    # AND with less time left than a model call is worth, none is started
    monkeypatch.setattr(settings, "turn_deadline_seconds", 2.5)
    model.started.clear()
    quick, seconds = _waited(lambda: chat.send("backpacking tent"))
    assert quick.json()["reply"]["usage"] == {"responder": "offline", "deadline": "reached"}
    assert not model.started.is_set() and seconds < 1.5


def test_the_turn_deadline_is_below_the_http_functions_timeout(settings):
    from agentpay.conversations.service import LEASE_MARGIN_SECONDS
    from test_template import load_template

    template = load_template()
    http = template["Resources"]["HttpApiFunction"]["Properties"]
    timeout = http.get("Timeout") or template["Globals"]["Function"]["Timeout"]
    # the turn answers, and its lease ends, before the function is stopped
    assert settings.turn_deadline_seconds + LEASE_MARGIN_SECONDS <= timeout


# --------------------------------------------------------------------------------------
# Checkouts: the row first, the provider after, with no transaction open
# --------------------------------------------------------------------------------------

class FakeProvider:
    """A payment provider that checks, while it is called, what the database holds."""

    name = "stripe"

    def __init__(self, db, stall: float = 0.0) -> None:
        self.db = db
        self.stall = stall
        self.seen: list[dict] = []

    def create_checkout(self, quote, *, success_url, cancel_url, metadata, idempotency_key):
        from agentpay.payments.base import ProviderCheckout

        with self.db.connection() as conn:
            rows = conn.execute(
                "SELECT id, status, total_minor FROM checkouts WHERE conversation_id = %s",
                (quote.conversation_id,)).fetchall()
        self.seen.append({"rows": rows, "metadata": dict(metadata),
                          "lockable": _lockable(self.db, quote.conversation_id)})
        if self.stall:
            time.sleep(self.stall)
        session = f"cs_test_{uuid.uuid4().hex[:12]}"
        return ProviderCheckout(provider=self.name, id=session,
                                url=f"https://checkout.stripe.test/{session}",
                                expires_at=datetime.now(UTC) + timedelta(hours=1))


@pytest.fixture
def provider(db, monkeypatch):
    from agentpay.payments import factory

    fake = FakeProvider(db)
    monkeypatch.setattr(factory, "provider_for", lambda org_settings, settings: fake)
    return fake


def test_the_checkout_row_is_committed_before_the_provider_is_called(db, model, chat,
                                                                     provider):
    # GIVEN a cart
    chat.say("brass desk lamp")
    chat.say("add it to my cart")
    # WHEN the shopper asks for a checkout
    out = chat.say("checkout please")
    # THEN while the provider was called, its row was already visible to another
    # connection (committed), pending, with the quote's amount, and named in the
    # checkout's metadata; and the conversation was not locked
    [call] = provider.seen
    [row] = call["rows"]
    assert row["status"] == "pending" and row["total_minor"] == 8900
    assert call["metadata"]["checkout_id"] == row["id"]
    assert call["lockable"] is True
    # AND the row now carries the provider's checkout, which the reply links to
    checkout = out["conversation"]["context"]["checkout"]
    with db.connection() as conn:
        saved = conn.execute("SELECT id, status, provider_checkout_id, url FROM checkouts"
                             " WHERE conversation_id = %s", (chat.id,)).fetchone()
    assert saved["id"] == row["id"] == checkout["id"] and saved["status"] == "open"
    assert saved["url"] == checkout["url"] and saved["url"] in out["reply"]["content"]


def test_a_provider_that_stalls_is_given_up_at_the_deadline(db, model, chat, provider,
                                                            settings, monkeypatch):
    chat.say("brass desk lamp")
    chat.say("add it to my cart")
    # GIVEN a provider that takes 6 s, and a turn deadline of 2.5 s
    provider.stall = 6.0
    monkeypatch.setattr(settings, "turn_deadline_seconds", 2.5)
    # WHEN the shopper asks for a checkout
    out, seconds = _waited(lambda: chat.say("checkout please"))
    # THEN the turn answers within its deadline, without a link, and the row says why
    assert seconds < 2.5 + 1.5
    assert "checkout" not in out["conversation"]["context"]
    assert "https://checkout.stripe.test" not in out["reply"]["content"]
    with db.connection() as conn:
        assert conn.execute("SELECT status FROM checkouts WHERE conversation_id = %s",
                            (chat.id,)).fetchone()["status"] == "failed"


def _stripe_event(session_id: str, total: int, metadata: dict | None = None,
                  event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:12]}",
            "type": "checkout.session.completed",
            "data": {"object": {"id": session_id, "object": "checkout.session",
                                "payment_status": "paid", "amount_total": total,
                                "currency": "usd", "payment_intent": "pi_test",
                                "metadata": metadata or {}}}}


def _deliver(client, event: dict, secret: str = "whsec_turns"):
    body = json.dumps(event).encode()
    ts = int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post("/v1/agent/webhooks/stripe", content=body,
                       headers={"Stripe-Signature": f"t={ts},v1={mac}"})


def test_a_webhook_for_an_unknown_checkout_is_not_acknowledged(client, db, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_turns")
    # GIVEN a paid event for a checkout session this service has no row for
    event = _stripe_event(f"cs_unknown_{uuid.uuid4().hex[:8]}", 8900)
    # WHEN it is delivered
    response = _deliver(client, event)
    # THEN it is not acknowledged as handled (the provider delivers it again later)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "unknown_checkout"
    # AND it is not recorded as processed, so a later delivery is not a "duplicate"
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM webhook_events WHERE event_id = %s",
                            (event["id"],)).fetchone()["n"] == 0


def _deliver_paid(client, provider: str, session: str, total: int,
                  event_id: str) -> Any:
    """A paid event for the provider's checkout ``session``, signed as that provider signs."""
    if provider == "stripe":
        return _deliver(client, _stripe_event(session, total, event_id=event_id))
    from fakes.polar_server import FakePolarServer

    body, headers = FakePolarServer().signed_event(
        "order.paid", {"id": f"ord_{event_id}", "checkout_id": session, "net_amount": total,
                       "currency": "usd", "metadata": {}}, "polar_whs_turns", msg_id=event_id)
    return client.post("/v1/agent/webhooks/polar", content=body, headers=headers)


@pytest.mark.parametrize("name", ["stripe", "polar"])
def test_a_paid_event_refused_while_its_checkout_is_unknown_completes_when_delivered_again(
        name, db, model, chat, provider, client, monkeypatch):
    # The point of not acknowledging: the provider's retry must still count. (When the
    # event was recorded and answered 200, its redelivery was a 'duplicate' and the paid
    # order was lost.)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_turns")
    monkeypatch.setenv("POLAR_WEBHOOK_SECRET", "polar_whs_turns")
    provider.name = name
    chat.say("brass desk lamp")
    chat.say("add it to my cart")
    chat.say("checkout please")
    with db.connection() as conn:
        made = conn.execute("SELECT id, provider, provider_checkout_id, url FROM checkouts"
                            " WHERE conversation_id = %s", (chat.id,)).fetchone()
        assert made["provider"] == name
        # GIVEN the checkout is not findable yet (no provider id, and the event names no
        # row of ours)
        conn.execute("UPDATE checkouts SET status = 'pending', provider_checkout_id = NULL,"
                     " url = NULL WHERE id = %s", (made["id"],))
    event_id = f"evt_{uuid.uuid4().hex[:12]}"
    # WHEN the provider delivers the paid event THEN it is refused, and nothing recorded
    first = _deliver_paid(client, name, made["provider_checkout_id"], 8900, event_id)
    assert first.status_code == 409, first.text
    assert first.json()["error"]["code"] == "unknown_checkout"
    assert _row(db, chat.id)["status"] != "completed"
    # WHEN the checkout is known and the provider delivers the same event again
    with db.connection() as conn:
        conn.execute("UPDATE checkouts SET status = 'open', provider_checkout_id = %s,"
                     " url = %s WHERE id = %s",
                     (made["provider_checkout_id"], made["url"], made["id"]))
    again = _deliver_paid(client, name, made["provider_checkout_id"], 8900, event_id)
    # THEN the order is recorded once and the conversation completed
    assert again.status_code == 200 and again.json()["outcome"] == "completed", again.text
    with db.connection() as conn:
        orders = conn.execute("SELECT count(*) AS n FROM orders WHERE checkout_id = %s",
                              (made["id"],)).fetchone()["n"]
    assert orders == 1 and _row(db, chat.id)["status"] == "completed"
    # AND a third delivery is a duplicate, changing nothing
    third = _deliver_paid(client, name, made["provider_checkout_id"], 8900, event_id)
    assert third.status_code == 200 and third.json()["outcome"] == "duplicate"


def test_a_webhook_before_the_provider_id_is_recorded_finds_its_row(db, model, chat,
                                                                    provider, client,
                                                                    monkeypatch):
    from agentpay.payments import repository

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_turns")
    chat.say("brass desk lamp")
    chat.say("add it to my cart")
    chat.say("checkout please")
    [call] = provider.seen
    row_id = call["metadata"]["checkout_id"]
    # GIVEN the row as it was while the provider was called: pending, no provider id
    with db.connection() as conn:
        conn.execute("UPDATE checkouts SET status = 'pending', provider_checkout_id = NULL,"
                     " url = NULL WHERE id = %s", (row_id,))
    # WHEN the paid webhook for the provider's session comes first
    session = f"cs_early_{uuid.uuid4().hex[:8]}"
    response = _deliver(client, _stripe_event(session, 8900, {"checkout_id": row_id}))
    # THEN it finds the row by its id in the metadata and completes the order
    assert response.status_code == 200 and response.json()["outcome"] == "completed"
    # AND the provider's answer, recorded afterwards, keeps it completed
    with db.connection() as conn:
        after = repository.open_checkout(conn, uuid.UUID(chat.org), row_id, session,
                                         f"https://checkout.stripe.test/{session}", None)
    assert after["status"] == "completed" and after["provider_checkout_id"] == session
    assert _row(db, chat.id)["status"] == "completed"


# --------------------------------------------------------------------------------------
# Streaming: only what the guard passes
# --------------------------------------------------------------------------------------

def test_a_sentence_the_guard_refuses_is_never_streamed(db, model, chat, settings):
    from agentpay.conversations import service
    from agentpay.conversations.schemas import MessageCreate

    # GIVEN a model that streams an invented price in its second sentence
    model.pieces = ["The Ridgeline 2-Person ", "Backpacking Tent is ", "a great pick. ",
                    "Today it is only ", "$19", ".99 for you!", " Shall I add it?"]
    deltas: list[str] = []
    restarts: list[bool] = []
    # WHEN the reply streams
    with db.connection() as conn:
        exchange = service.send_message(
            conn, uuid.UUID(chat.org), uuid.UUID(chat.id),
            MessageCreate(content="backpacking tent"), settings,
            on_delta=deltas.append, on_restart=lambda: restarts.append(True))
    # THEN the refused amount never reached the shopper; what was shown is taken back,
    # and the grounded offline reply is what streams and is saved
    streamed = "".join(deltas)
    assert "19.99" not in streamed and "$19" not in streamed
    assert exchange["reply"]["usage"]["guard"] == "unknown amount 1999"
    assert restarts == [True]
    assert streamed.startswith("The Ridgeline 2-Person Backpacking Tent is a great pick. ")
    assert streamed.endswith(exchange["reply"]["content"])
    assert "$249.00" in exchange["reply"]["content"]


def test_a_grounded_reply_streams_whole(db, model, chat, settings):
    from agentpay.conversations import service
    from agentpay.conversations.schemas import MessageCreate

    model.pieces = ["The Ridgeline ", "2-Person Backpacking Tent", " is $249", ".00", "."]
    deltas: list[str] = []
    with db.connection() as conn:
        exchange = service.send_message(
            conn, uuid.UUID(chat.org), uuid.UUID(chat.id),
            MessageCreate(content="backpacking tent"), settings, on_delta=deltas.append)
    assert "".join(deltas) == exchange["reply"]["content"] == (
        "The Ridgeline 2-Person Backpacking Tent is $249.00.")
    assert len(deltas) >= 3  # piece by piece, not held to the end


def test_send_message_refuses_an_open_transaction(db, chat, settings):
    from agentpay.conversations import service
    from agentpay.conversations.schemas import MessageCreate

    with db.transaction() as conn, pytest.raises(RuntimeError, match="no transaction open"):
        service.send_message(conn, uuid.UUID(chat.org), uuid.UUID(chat.id),
                             MessageCreate(content="hello"), settings)


# --------------------------------------------------------------------------------------
# The WebSocket path
# --------------------------------------------------------------------------------------

class _Gone(Exception):
    pass


class RecordingClient:
    """The @connections client: frames by connection."""

    class exceptions:  # boto3 spells it so
        GoneException = _Gone

    def __init__(self) -> None:
        self.frames: dict[str, list[dict]] = {}
        self._lock = threading.Lock()

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        with self._lock:
            self.frames.setdefault(ConnectionId, []).append(json.loads(Data))

    def delete_connection(self, ConnectionId: str) -> None:
        pass


def test_a_second_tabs_ws_message_is_busy_while_a_turn_streams(db, model, chat, settings):
    from agentpay.kit.tokens import hash_token
    from agentpay.realtime import repository as ws_repo
    from agentpay.realtime import service as ws
    from agentpay.realtime.broadcast import Broadcaster

    token = chat.auth["Authorization"].removeprefix("Bearer ")
    with db.transaction() as conn:
        for tab in ("tab-a=", "tab-b="):
            ws_repo.insert(conn, tab, uuid.UUID(chat.org), uuid.UUID(chat.id),
                           hash_token(token))
    recording = RecordingClient()
    broadcaster = Broadcaster(recording, workers=1)
    # GIVEN tab A's message, whose model stalls
    model.stall, model.pieces = True, ["Happy to help."]
    frame = json.dumps({"action": "message", "content": "hello there"})
    first = Background(lambda: ws.handle_frame(db, broadcaster, settings, "tab-a=", frame))
    assert model.started.wait(10)
    # WHEN tab B sends a message meanwhile
    busy = json.dumps({"action": "message", "content": "hello?"})
    outcome, seconds = _waited(
        lambda: ws.handle_frame(db, broadcaster, settings, "tab-b=", busy))
    # THEN tab B is told at once, with the code
    assert seconds < 2.5
    errors = [f for f in recording.frames["tab-b="] if f["type"] == "error"]
    assert [e["error"]["code"] for e in errors] == ["conversation_busy"]
    # AND tab A's turn, released, reaches both tabs
    model.release.set()
    assert first.result().status_code == 200
    assert outcome.status_code == 200
    for tab in ("tab-a=", "tab-b="):
        assert recording.frames[tab][-1]["type"] == "agent_message"
