"""A deactivated (or deleted) agent's conversations stop at their next message, and an
expired or replaced conversation token stops, over HTTP and on every WebSocket frame
(through the ws handlers, as Lambda runs them); the socket is told why and closed."""

from __future__ import annotations

import json

import pytest

from conftest import bearer, load_event, load_handler

# --------------------------------------------------------------------------- turns over HTTP


def _send(client, conversation: dict, content: str = "hi", headers=None):
    conversation_id = conversation["conversation"]["id"]
    return client.post(f"/v1/agent/conversations/{conversation_id}/messages",
                       json={"content": content},
                       headers=headers or bearer(conversation["token"]))


def _set_active(client, tenant, agent: dict, active: bool) -> None:
    response = client.patch(f"/v1/agent/agents/{agent['id']}", headers=tenant.auth,
                            json={"is_active": active})
    assert response.status_code == 200, response.text


def test_a_deactivated_agents_conversation_token_gets_a_4xx_on_the_next_message(
        client, tenant, make_agent, make_conversation):
    # GIVEN a conversation under way
    agent = make_agent(tenant)
    conversation = make_conversation(agent)
    assert _send(client, conversation).status_code == 201

    # WHEN the store deactivates the agent
    _set_active(client, tenant, agent, False)

    # THEN the next message is refused at once, with a clear code, for the token and for
    # the store's own secret key
    refused = _send(client, conversation, "and socks?")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "agent_inactive"
    by_store = _send(client, conversation, "and socks?", headers=tenant.auth)
    assert by_store.status_code == 409
    assert by_store.json()["error"]["code"] == "agent_inactive"

    # AND switched back on, the same token goes on
    _set_active(client, tenant, agent, True)
    assert _send(client, conversation, "and socks?").status_code == 201


def test_a_deleted_agents_conversation_token_is_refused(client, tenant, make_agent,
                                                        make_conversation):
    agent = make_agent(tenant)
    conversation = make_conversation(agent)
    assert client.delete(f"/v1/agent/agents/{agent['id']}",
                         headers=tenant.auth).status_code == 204
    refused = _send(client, conversation)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "agent_inactive"


def test_an_expired_conversation_token_says_so(client, tenant, make_agent, make_conversation,
                                               db):
    conversation = make_conversation(make_agent(tenant))
    with db.transaction() as conn:
        conn.execute("UPDATE conversations SET token_expires_at = now() - interval '1 second'"
                     " WHERE id = %s", (conversation["conversation"]["id"],))
    refused = _send(client, conversation)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_expired"


# --------------------------------------------------------------------------- WebSocket


class _ConnectionsApi:
    """Just enough of boto3's `apigatewaymanagementapi` client: what is posted, what is
    closed."""

    class exceptions:
        class GoneException(Exception):
            pass

    def __init__(self) -> None:
        self.frames: dict[str, list[dict]] = {}
        self.closed: list[str] = []

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        if ConnectionId in self.closed:
            raise self.exceptions.GoneException(ConnectionId)
        self.frames.setdefault(ConnectionId, []).append(json.loads(Data))

    def delete_connection(self, ConnectionId: str) -> None:
        self.closed.append(ConnectionId)


@pytest.fixture
def sockets(monkeypatch):
    """The ws handlers' broadcaster, over a recording @connections API."""
    from agentpay.realtime import lambda_glue
    from agentpay.realtime.broadcast import Broadcaster

    api = _ConnectionsApi()
    event = load_event("ws_message.json")["requestContext"]
    endpoint = f"https://{event['domainName']}/{event['stage']}"
    monkeypatch.setattr(lambda_glue, "_broadcasters", {endpoint: Broadcaster(api, workers=1)})
    return api


def _connect(conversation: dict, connection_id: str, lambda_context) -> int:
    event = load_event("ws_connect.json")
    event["queryStringParameters"] = {"token": conversation["token"]}
    event["requestContext"]["connectionId"] = connection_id
    return load_handler("ws_connect").handler(event, lambda_context)["statusCode"]


def _frame(connection_id: str, frame: dict, lambda_context) -> int:
    event = load_event("ws_message.json")
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = json.dumps(frame)
    return load_handler("ws_message").handler(event, lambda_context)["statusCode"]


def _recorded(db, connection_id: str) -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT 1 FROM ws_connections WHERE connection_id = %s",
                            (connection_id,)).fetchone() is not None


def test_a_frame_from_a_deactivated_agents_socket_is_refused_and_the_socket_closed(
        client, tenant, make_agent, make_conversation, db, lambda_context, sockets):
    # GIVEN an open socket that has been chatting
    agent = make_agent(tenant)
    conversation = make_conversation(agent)
    assert _connect(conversation, "tab=", lambda_context) == 200
    assert _frame("tab=", {"action": "ping"}, lambda_context) == 200
    assert sockets.frames["tab="] == [{"type": "pong"}]

    # WHEN the store deactivates the agent and the socket sends a message
    _set_active(client, tenant, agent, False)
    status = _frame("tab=", {"action": "message", "content": "still there?"}, lambda_context)

    # THEN the frame is refused with a clear code, the socket closed and forgotten, and no
    # turn was taken
    assert status == 409
    assert sockets.frames["tab="][-1] == {"type": "error", "error": {
        "code": "agent_inactive", "message": "this conversation's agent is not active"}}
    assert sockets.closed == ["tab="]
    assert not _recorded(db, "tab=")
    with db.connection() as conn:
        count = conn.execute("SELECT message_count FROM conversations WHERE id = %s",
                             (conversation["conversation"]["id"],)).fetchone()
    assert count["message_count"] == 0
    # AND a new socket for that conversation is refused at $connect
    assert _connect(conversation, "tab-2=", lambda_context) == 409


@pytest.mark.parametrize("frame", [{"action": "ping"}, {"action": "typing"},
                                   {"action": "resume", "after_seq": 0}])
def test_any_frame_from_a_socket_whose_token_expired_is_refused(
        tenant, make_agent, make_conversation, db, lambda_context, sockets, frame):
    conversation = make_conversation(make_agent(tenant))
    assert _connect(conversation, "old=", lambda_context) == 200
    with db.transaction() as conn:
        conn.execute("UPDATE conversations SET token_expires_at = now() - interval '1 second'"
                     " WHERE id = %s", (conversation["conversation"]["id"],))

    assert _frame("old=", frame, lambda_context) == 401

    assert [f["error"]["code"] for f in sockets.frames["old="]] == ["token_expired"]
    assert sockets.closed == ["old="] and not _recorded(db, "old=")


def test_a_socket_whose_token_was_replaced_is_refused(client, tenant, make_agent,
                                                      make_conversation, db, lambda_context,
                                                      sockets):
    # GIVEN a socket opened with a token, then the store resumes the session (new token)
    agent = make_agent(tenant)
    conversation = make_conversation(agent, session_id="visitor-9")
    assert _connect(conversation, "before=", lambda_context) == 200
    resumed = client.post("/v1/agent/conversations", headers=tenant.auth,
                          json={"agent_id": agent["id"], "session_id": "visitor-9"})
    assert resumed.status_code == 200, resumed.text

    # WHEN the old socket sends THEN it is refused; a socket with the new token works
    assert _frame("before=", {"action": "ping"}, lambda_context) == 401
    assert sockets.frames["before="][-1]["error"]["code"] == "token_revoked"
    assert _connect(resumed.json(), "after=", lambda_context) == 200
    assert _frame("after=", {"action": "ping"}, lambda_context) == 200
    assert sockets.frames["after="] == [{"type": "pong"}]


def test_every_route_documents_the_inactive_agent_answer(app):
    # a conversation token is checked before any route runs, so any route may answer 409
    document = app.openapi()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "401" in operation.get("responses", {}):
                assert "409" in operation["responses"], (method, path)
