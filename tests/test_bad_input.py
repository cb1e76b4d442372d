"""Bad input gets a 4xx JSON error with a stable code — never a 500 — and nothing is
half-written."""

from __future__ import annotations

import pytest

from conftest import bearer


@pytest.fixture
def conversation(tenant, make_agent, make_conversation):
    agent = make_agent(tenant)
    created = make_conversation(agent)
    return created["conversation"]["id"], bearer(created["token"])


def _count_messages(db, conv_id):
    with db.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM messages WHERE conversation_id = %s",
                            (conv_id,)).fetchone()["n"]


def test_malformed_json_is_400(client, tenant):
    response = client.post("/v1/agent/agents", headers={**tenant.auth,
                           "content-type": "application/json"}, content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("body", [
    {}, {"name": ""}, {"name": 42}, {"name": "x" * 201}, {"name": "ok", "tools": "search"},
    {"name": "ok", "personality": ["not", "an", "object"]}, {"name": "ok", "surprise": True},
    {"name": "ok", "personality": {"blob": "x" * 40_000}}, [], "just a string",
])
def test_invalid_agent_bodies_are_422(client, tenant, body):
    response = client.post("/v1/agent/agents", headers=tenant.auth, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]


@pytest.mark.parametrize("path", [
    "/v1/agent/agents/not-a-uuid", "/v1/agent/conversations/123",
    "/v1/agent/conversations/zzz/messages",
])
def test_invalid_uuids_are_422(client, tenant, path):
    response = client.get(path, headers=tenant.auth)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_unknown_ids_are_404(client, tenant):
    response = client.get("/v1/agent/agents/00000000-0000-0000-0000-000000000000",
                          headers=tenant.auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "agent_not_found"
    response = client.post("/v1/agent/conversations", headers=tenant.auth,
                           json={"agent_id": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 404


@pytest.mark.parametrize("content,code", [
    ("", "empty_content"), ("   \n\t ", "empty_content"), ("nul\x00byte", "invalid_content"),
])
def test_empty_or_invalid_content_is_refused(client, db, conversation, content, code):
    conv_id, auth = conversation
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                           json={"content": content})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert _count_messages(db, conv_id) == 0


@pytest.mark.parametrize("body", [{"content": 5}, {"content": None}, {}, {"text": "hi"}])
def test_wrong_message_types_are_422(client, db, conversation, body):
    conv_id, auth = conversation
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth, json=body)
    assert response.status_code == 422
    assert _count_messages(db, conv_id) == 0


def test_content_limit_is_configurable(client, db, conversation, settings, monkeypatch):
    conv_id, auth = conversation
    path = f"/v1/agent/conversations/{conv_id}/messages"
    assert settings.max_message_chars == 4000
    response = client.post(path, headers=auth, json={"content": "a" * 4001})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "content_too_long"
    assert client.post(path, headers=auth, json={"content": "a" * 4000}).status_code == 201
    monkeypatch.setattr(settings, "max_message_chars", 10)
    response = client.post(path, headers=auth, json={"content": "a" * 11})
    assert response.json()["error"]["code"] == "content_too_long"
    assert _count_messages(db, conv_id) == 2


def test_oversize_body_is_413(client, tenant):
    response = client.post("/v1/agent/agents", headers={**tenant.auth,
                            "content-type": "application/json"},
                            content=b'{"name": "' + b"x" * 1_100_000 + b'"}')
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_bad_cursor_and_limits_are_422(client, tenant):
    assert client.get("/v1/agent/agents?cursor=%%%", headers=tenant.auth).json()["error"][
        "code"] == "invalid_cursor"
    assert client.get("/v1/agent/agents?limit=0", headers=tenant.auth).status_code == 422
    assert client.get("/v1/agent/agents?limit=abc", headers=tenant.auth).status_code == 422


def test_unknown_route_and_method_are_json_4xx(client, tenant):
    response = client.get("/v1/agent/nowhere", headers=tenant.auth)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = client.put("/v1/agent/agents", headers=tenant.auth, json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_failure_mid_exchange_leaves_nothing_half_written(client, db, conversation):
    """The reply step fails after the conversation row is locked: no message survives."""
    from agentpay.orchestrator import engine

    class Exploding(engine.Engine):
        def run(self, *args, **kwargs):
            raise RuntimeError("engine crashed")

    conv_id, auth = conversation
    engine.set_engine(Exploding())
    try:
        response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                               json={"content": "hello", "client_message_id": "c1"})
    finally:
        engine.set_engine(None)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert _count_messages(db, conv_id) == 0
    # and the retry with the same key then succeeds once
    retry = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                        json={"content": "hello", "client_message_id": "c1"})
    assert retry.status_code == 201
    assert _count_messages(db, conv_id) == 2


def test_the_widget_may_call_the_api_from_a_stores_site(client):
    """CORS: a store's page (another origin) can start a conversation with its key."""
    preflight = client.options("/v1/agent/conversations", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    response = client.get("/healthz", headers={"Origin": "https://shop.example"})
    assert response.headers["access-control-allow-origin"] in ("*", "https://shop.example")
