"""One organization can never see or touch another's agents, conversations or messages.

Everything foreign answers 404 (never 403), so ids do not leak.
"""

from __future__ import annotations

import pytest

from conftest import bearer


@pytest.fixture
def two_stores(make_tenant, make_agent, make_conversation, client):
    a, b = make_tenant("Store A"), make_tenant("Store B")
    agent_a = make_agent(a)
    conv_a = make_conversation(agent_a)
    client.post(f"/v1/agent/conversations/{conv_a['conversation']['id']}/messages",
                headers=bearer(conv_a["token"]), json={"content": "private message"})
    return a, b, agent_a, conv_a


def test_other_org_cannot_read_or_change_agents(client, two_stores):
    a, b, agent_a, _ = two_stores
    path = f"/v1/agent/agents/{agent_a['id']}"
    assert client.get(path, headers=b.auth).status_code == 404
    assert client.patch(path, headers=b.auth, json={"name": "pwned"}).status_code == 404
    assert client.delete(path, headers=b.auth).status_code == 404
    assert all(x["id"] != agent_a["id"]
               for x in client.get("/v1/agent/agents", headers=b.auth).json()["data"])
    # nothing changed for the owner
    assert client.get(path, headers=a.auth).json()["name"] == agent_a["name"]


def test_other_org_cannot_read_conversations_or_messages(client, two_stores):
    a, b, _agent_a, conv_a = two_stores
    conv_id = conv_a["conversation"]["id"]
    assert client.get(f"/v1/agent/conversations/{conv_id}", headers=b.auth).status_code == 404
    assert client.get(f"/v1/agent/conversations/{conv_id}/messages",
                      headers=b.auth).status_code == 404
    assert client.get(f"/v1/agent/conversations/session/{conv_a['conversation']['session_id']}",
                      headers=b.auth).status_code == 404
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=b.auth,
                           json={"content": "injected"})
    assert response.status_code == 404
    history = client.get(f"/v1/agent/conversations/{conv_id}/messages", headers=a.auth).json()
    assert all(m["content"] != "injected" for m in history["data"])


def test_other_org_cannot_start_conversations_with_foreign_agent(client, two_stores):
    _, b, agent_a, _ = two_stores
    response = client.post("/v1/agent/conversations", headers=b.auth,
                           json={"agent_id": agent_a["id"]})
    assert response.status_code == 404


def test_conversation_token_sees_only_its_conversation(client, tenant, make_agent,
                                                       make_conversation):
    agent = make_agent(tenant)
    mine, other = make_conversation(agent), make_conversation(agent)
    token = bearer(mine["token"])
    other_id = other["conversation"]["id"]
    assert client.get(f"/v1/agent/conversations/{other_id}", headers=token).status_code == 404
    assert client.post(f"/v1/agent/conversations/{other_id}/messages", headers=token,
                       json={"content": "hi"}).status_code == 404
    assert client.get("/v1/agent/agents", headers=token).status_code == 403
    assert client.post("/v1/agent/conversations", headers=token, json={}).status_code == 403


def test_publishable_key_only_starts_conversations_for_its_agent(client, tenant, make_agent,
                                                                 make_conversation):
    agent, other_agent = make_agent(tenant), make_agent(tenant)
    pk = bearer(agent["publishable_key"])
    assert client.get("/v1/agent/agents", headers=pk).status_code == 403
    assert client.get(f"/v1/agent/agents/{agent['id']}", headers=pk).status_code == 403
    response = client.post("/v1/agent/conversations", headers=pk,
                           json={"agent_id": other_agent["id"]})
    assert response.status_code == 404
    conv = make_conversation(agent)
    assert client.get(f"/v1/agent/conversations/{conv['conversation']['id']}",
                      headers=pk).status_code == 403


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Basic abc", "Bearer ap_sk_not-a-real-key", "Bearer ap_pk_nope",
    "Bearer ap_ct_nope", "Bearer random", "Bearer " + "x" * 500,
])
def test_missing_or_wrong_credentials_get_401(client, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/v1/agent/agents", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"missing_credentials", "invalid_credentials"}
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_stops_working(client, tenant, db):
    assert client.get("/v1/agent/agents", headers=tenant.auth).status_code == 200
    with db.transaction() as conn:
        conn.execute("UPDATE api_keys SET revoked_at = now() WHERE organization_id = %s",
                     (tenant.organization_id,))
    assert client.get("/v1/agent/agents", headers=tenant.auth).status_code == 401


def test_expired_conversation_token_is_refused(client, tenant, make_agent, make_conversation, db):
    agent = make_agent(tenant)
    conv = make_conversation(agent)
    with db.transaction() as conn:
        conn.execute("UPDATE conversations SET token_expires_at = now() - interval '1 second'"
                     " WHERE id = %s", (conv["conversation"]["id"],))
    response = client.get(f"/v1/agent/conversations/{conv['conversation']['id']}",
                          headers=bearer(conv["token"]))
    assert response.status_code == 401


def test_only_hashes_of_secrets_are_stored(tenant, make_agent, make_conversation, db):
    agent = make_agent(tenant)
    conv = make_conversation(agent)
    with db.connection() as conn:
        keys = conn.execute("SELECT prefix, secret_hash FROM api_keys WHERE organization_id = %s",
                            (tenant.organization_id,)).fetchall()
        stored = conn.execute("SELECT token_hash FROM conversations WHERE id = %s",
                              (conv["conversation"]["id"],)).fetchone()
    assert len(keys) == 1
    assert tenant.api_key not in keys[0]["secret_hash"]
    assert tenant.api_key.startswith(keys[0]["prefix"]) and len(keys[0]["prefix"]) < 20
    assert conv["token"] != stored["token_hash"]
