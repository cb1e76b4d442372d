"""Conversations and messages over HTTP: tokens, sessions, one-transaction exchanges,
idempotent retries."""

from __future__ import annotations

from conftest import bearer


def test_publishable_key_starts_a_conversation_and_gets_its_token(client, tenant, make_agent):
    agent = make_agent(tenant)
    response = client.post("/v1/agent/conversations", headers=bearer(agent["publishable_key"]),
                           json={"session_id": "browser-1", "customer": {"locale": "en-GB"}})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("ap_ct_")
    conversation = body["conversation"]
    assert conversation["agent_id"] == agent["id"]
    assert conversation["session_id"] == "browser-1"
    assert conversation["stage"] == "discovery"
    assert conversation["status"] == "active"
    # the token reads that conversation
    got = client.get(f"/v1/agent/conversations/{conversation['id']}", headers=bearer(body["token"]))
    assert got.status_code == 200 and got.json()["id"] == conversation["id"]


def test_secret_key_needs_agent_id(client, tenant):
    response = client.post("/v1/agent/conversations", headers=tenant.auth, json={})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "agent_id_required"


def test_secret_key_resumes_a_session_with_a_fresh_token(client, tenant, make_agent):
    agent = make_agent(tenant)
    first = client.post("/v1/agent/conversations", headers=tenant.auth,
                        json={"agent_id": agent["id"], "session_id": "s-42"})
    again = client.post("/v1/agent/conversations", headers=tenant.auth,
                        json={"agent_id": agent["id"], "session_id": "s-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    conv_id = first.json()["conversation"]["id"]
    assert again.json()["conversation"]["id"] == conv_id
    assert again.json()["token"] != first.json()["token"]
    # the old token no longer works; the new one does
    path = f"/v1/agent/conversations/{conv_id}"
    assert client.get(path, headers=bearer(first.json()["token"])).status_code == 401
    assert client.get(path, headers=bearer(again.json()["token"])).status_code == 200


def test_publishable_key_cannot_take_over_an_existing_session(client, tenant, make_agent):
    agent = make_agent(tenant)
    pk = bearer(agent["publishable_key"])
    assert client.post("/v1/agent/conversations", headers=pk,
                       json={"session_id": "victim"}).status_code == 201
    response = client.post("/v1/agent/conversations", headers=pk, json={"session_id": "victim"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "session_exists"
    assert "token" not in response.json()


def test_get_by_session_id(client, tenant, make_agent, make_conversation):
    agent = make_agent(tenant)
    created = make_conversation(agent, session_id="lookup-me")
    response = client.get("/v1/agent/conversations/session/lookup-me", headers=tenant.auth)
    assert response.status_code == 200
    assert response.json()["id"] == created["conversation"]["id"]
    response = client.get(f"/v1/agent/conversations/session/lookup-me?agent_id={agent['id']}",
                          headers=tenant.auth)
    assert response.json()["id"] == created["conversation"]["id"]
    assert client.get("/v1/agent/conversations/session/nope",
                      headers=tenant.auth).status_code == 404


def test_send_message_stores_message_and_reply_together(client, tenant, make_agent,
                                                        make_conversation, db):
    agent = make_agent(tenant, name="Ava")
    created = make_conversation(agent)
    conv_id, token = created["conversation"]["id"], created["token"]
    # WHEN the shopper says hello
    response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=bearer(token),
                           json={"content": "  hello there  "})
    # THEN the message and the reply come back and the conversation counts both
    assert response.status_code == 201
    body = response.json()
    assert body["message"]["role"] == "user"
    assert body["message"]["content"] == "hello there"
    assert body["reply"]["role"] == "assistant"
    assert body["reply"]["reply_to"] == body["message"]["id"]
    assert "Ava" in body["reply"]["content"]
    assert body["conversation"]["message_count"] == 2
    assert (body["message"]["seq"], body["reply"]["seq"]) == (1, 2)
    # AND both are in the history, in order
    history = client.get(f"/v1/agent/conversations/{conv_id}/messages", headers=bearer(token))
    assert [m["id"] for m in history.json()["data"]] == [body["message"]["id"], body["reply"]["id"]]


def test_retried_send_with_client_message_id_is_processed_once(client, tenant, make_agent,
                                                               make_conversation):
    agent = make_agent(tenant)
    created = make_conversation(agent)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])
    body = {"content": "do you have running shoes?", "client_message_id": "msg-1"}
    first = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth, json=body)
    retry = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth, json=body)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["replayed"] is True
    assert retry.json()["message"]["id"] == first.json()["message"]["id"]
    assert retry.json()["reply"]["id"] == first.json()["reply"]["id"]
    conversation = client.get(f"/v1/agent/conversations/{conv_id}", headers=auth).json()
    assert conversation["message_count"] == 2


def test_client_message_id_reused_for_other_content_is_refused(client, tenant, make_agent,
                                                               make_conversation):
    agent = make_agent(tenant)
    created = make_conversation(agent)
    path = f"/v1/agent/conversations/{created['conversation']['id']}/messages"
    auth = bearer(created["token"])
    client.post(path, headers=auth, json={"content": "one", "client_message_id": "k"})
    response = client.post(path, headers=auth, json={"content": "two", "client_message_id": "k"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_concurrent_retries_store_one_message(client, tenant, make_agent, make_conversation):
    from concurrent.futures import ThreadPoolExecutor

    agent = make_agent(tenant)
    created = make_conversation(agent)
    path = f"/v1/agent/conversations/{created['conversation']['id']}/messages"
    auth = bearer(created["token"])
    body = {"content": "hi", "client_message_id": "same"}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: client.post(path, headers=auth, json=body), range(4)))
    # one runs the turn; a retry that comes while it runs is told to wait (409
    # conversation_busy, Retry-After), one that comes after replays it
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
    assert all(r.json()["error"]["code"] == "conversation_busy"
               for r in results if r.status_code == 409)
    again = client.post(path, headers=auth, json=body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert len({r.json()["message"]["id"] for r in [*results, again]
                if r.status_code < 300}) == 1
    history = client.get(path, headers=auth).json()["data"]
    assert len(history) == 2


def test_message_history_pages_by_sequence(client, tenant, make_agent, make_conversation):
    agent = make_agent(tenant)
    created = make_conversation(agent)
    path = f"/v1/agent/conversations/{created['conversation']['id']}/messages"
    auth = bearer(created["token"])
    for i in range(3):
        client.post(path, headers=auth, json={"content": f"message {i}"})
    page = client.get(f"{path}?limit=4", headers=auth).json()
    assert [m["seq"] for m in page["data"]] == [1, 2, 3, 4]
    assert page["next_after_seq"] == 4
    rest = client.get(f"{path}?limit=4&after_seq=4", headers=auth).json()
    assert [m["seq"] for m in rest["data"]] == [5, 6]
    assert rest["next_after_seq"] is None


def test_closed_conversation_refuses_new_messages(client, tenant, make_agent, make_conversation,
                                                  db):
    agent = make_agent(tenant)
    created = make_conversation(agent)
    with db.transaction() as conn:
        conn.execute("UPDATE conversations SET status = 'completed' WHERE id = %s",
                      (created["conversation"]["id"],))
    response = client.post(f"/v1/agent/conversations/{created['conversation']['id']}/messages",
                           headers=bearer(created["token"]), json={"content": "hello?"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conversation_closed"
