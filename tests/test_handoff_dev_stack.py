"""Handoff end to end on `agentpay dev`: a shopper's socket asks for a person, the store's
receiver gets the signed webhook (retried by the stack's schedule after a failure), an
operator's HTTP reply reaches the socket, the agent stays quiet, and release hands back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_handoff import SECRET, Receiver, verify_standard_webhook
from test_local_websocket import http, receive_until, run_dev_server, websockets_sync, ws_url


@pytest.fixture(scope="module")
def dev_server(database_url, db, tmp_path_factory) -> Iterator[str]:
    with run_dev_server(database_url, Path(tmp_path_factory.mktemp("handoff-dev")),
                        demo=False) as base:
        yield base


def wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_handoff_webhook_operator_reply_and_release_over_the_dev_stack(dev_server,
                                                                       make_tenant):
    receiver = Receiver([500, 200])  # the store's endpoint fails once
    try:
        tenant = make_tenant("Dev Handoff Store")
        status, _, org = http("PATCH", f"{dev_server}/v1/agent/organization",
                              {"webhooks": {"url": receiver.url, "secret": SECRET}},
                              key=tenant.api_key)
        assert status == 200, org
        status, _, agent = http("POST", f"{dev_server}/v1/agent/agents",
                                {"name": "Ava", "personality": {"tone": "friendly"}},
                                key=tenant.api_key)
        assert status == 201, agent
        status, _, created = http("POST", f"{dev_server}/v1/agent/conversations", {},
                                  key=agent["publishable_key"])
        assert status == 201, created
        cid = created["conversation"]["id"]
        with websockets_sync.connect(ws_url(dev_server, created["token"])) as ws:
            # WHEN the shopper asks for a person over the socket
            ws.send(json.dumps({"action": "message", "content": "can I talk to a human?"}))
            final = receive_until(ws, "agent_message")[-1]
            assert final["status"] == "handoff"
            # THEN the store's receiver is called at once, fails, and the schedule retries
            wait_for(lambda: len(receiver.requests) >= 2)
            first, second = receiver.requests[:2]
            assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
            payload = verify_standard_webhook(SECRET, second["headers"], second["body"])
            assert payload["type"] == "conversation.handoff"
            assert payload["data"]["conversation_id"] == cid
            # WHEN an operator replies over HTTP: the shopper's socket shows it
            status, _, sent = http(
                "POST", f"{dev_server}/v1/agent/conversations/{cid}/operator-messages",
                {"content": "Hi, Sam here from the team."}, key=tenant.api_key)
            assert status == 201 and sent["delivered_to"] == 1, sent
            frame = receive_until(ws, "operator_message")[-1]
            assert frame["message"]["content"] == "Hi, Sam here from the team."
            assert frame["message"]["role"] == "operator"
            # WHEN the shopper answers: the message is kept, the agent stays quiet
            ws.send(json.dumps({"action": "message", "content": "thanks Sam!"}))
            frames = receive_until(ws, "conversation_status")
            assert "agent_message" not in [f["type"] for f in frames]
            # WHEN the operator releases: the tab is told, and the agent answers again
            status, _, released = http(
                "POST", f"{dev_server}/v1/agent/conversations/{cid}/release", None,
                key=tenant.api_key)
            assert status == 200 and released["released"] is True
            assert receive_until(ws, "conversation_status")[-1]["status"] == "active"
            ws.send(json.dumps({"action": "message", "content": "hello again"}))
            assert receive_until(ws, "agent_message")[-1]["status"] == "active"
        status, _, history = http("GET", f"{dev_server}/v1/agent/conversations/{cid}/messages",
                                  key=tenant.api_key)
        assert [m["role"] for m in history["data"]] == [
            "user", "assistant", "operator", "user", "user", "assistant"]
    finally:
        receiver.close()


def test_a_dashboards_socket_is_closed_at_sign_out_and_at_expiry_on_the_dev_stack(
        dev_server, make_tenant, db):
    from websockets.exceptions import ConnectionClosed

    tenant = make_tenant("Dev Dashboard Sockets")

    def sign_in() -> str:
        status, _, out = http("POST", f"{dev_server}/v1/agent/operator-tokens", None,
                              key=tenant.api_key)
        assert status == 201, out
        return out["token"]

    def closed_with(ws, code: str, timeout: float) -> None:
        frame = json.loads(ws.recv(timeout=timeout))
        assert frame == {**frame, "type": "error"} and frame["error"]["code"] == code
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=timeout)

    # GIVEN a dashboard's socket WHEN its operator signs out THEN it is closed at once
    token = sign_in()
    with websockets_sync.connect(ws_url(dev_server, token)) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}
        status, _, _ = http("DELETE", f"{dev_server}/v1/agent/operator-tokens/current",
                            key=token)
        assert status == 204
        closed_with(ws, "token_revoked", timeout=5)
    # GIVEN another WHEN its token expires THEN the stack's schedule closes it in seconds
    token = sign_in()
    with websockets_sync.connect(ws_url(dev_server, token)) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}
        with db.connection() as conn:
            conn.execute("UPDATE operator_tokens SET expires_at = now() "
                         "WHERE organization_id = %s", (tenant.organization_id,))
        closed_with(ws, "token_expired", timeout=15)
