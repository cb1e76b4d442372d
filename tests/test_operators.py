"""The operator dashboard's API (issue 20, item 3): the secret key exchanged for a
short-lived operator token, what that token may and may not do, the conversation list,
take-over, the dashboard's WebSocket, tenant isolation, bad input, and the analytics'
daily series and funnel on known data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from conftest import bearer
from test_handoff import FakeConnections, open_tab

PRODUCTS = [{"external_id": "sock-1", "name": "Merino Wool Socks", "price": 1800,
             "currency": "USD"},
            {"external_id": "kettle-1", "name": "Copperline Stovetop Kettle", "price": 4500,
             "currency": "USD"}]


@pytest.fixture
def store(make_store):
    return make_store("Dashboard Store", PRODUCTS)


@pytest.fixture
def sockets():
    """Every post to a tab or a dashboard lands here (API Gateway's @connections)."""
    from agentpay.handoff import tabs as handoff_tabs
    from agentpay.realtime.broadcast import Broadcaster

    fake = FakeConnections()
    handoff_tabs.set_broadcaster(Broadcaster(fake, workers=1))
    yield fake
    handoff_tabs.set_broadcaster(None)


def sign_in(client, tenant, **body) -> dict:
    response = client.post("/v1/agent/operator-tokens", headers=tenant.auth,
                           json=body or None)
    assert response.status_code == 201, response.text
    return response.json()


def say(client, conv: dict, text: str):
    cid = conv["conversation"]["id"]
    response = client.post(f"/v1/agent/conversations/{cid}/messages",
                           json={"content": text}, headers=bearer(conv["token"]))
    assert response.status_code == 201, response.text
    return response.json()


# ---------------------------------------------------------------- sign-in


def test_a_secret_key_is_exchanged_for_a_short_lived_hashed_operator_token(
        client, db, store, settings):
    tenant, _ = store
    before = datetime.now(UTC)
    signed_in = sign_in(client, tenant)
    token = signed_in["token"]
    assert token.startswith("ap_ot_") and len(token) > 40
    assert set(signed_in["scopes"]) == {"conversations:read", "conversations:reply",
                                        "conversations:handoff", "analytics:read"}
    lifetime = datetime.fromisoformat(signed_in["token_expires_at"]) - before
    assert timedelta(minutes=479) < lifetime <= timedelta(minutes=481)
    # only its hash is stored
    with db.connection() as conn:
        rows = conn.execute("SELECT * FROM operator_tokens WHERE organization_id = %s",
                            (tenant.organization_id,)).fetchall()
    assert len(rows) == 1 and token not in str(rows)
    from agentpay.kit.tokens import hash_token

    assert rows[0]["token_hash"] == hash_token(token)
    # a shorter life may be asked for, never a longer one than 12 hours
    short = sign_in(client, tenant, minutes=15)
    lifetime = datetime.fromisoformat(short["token_expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=14) < lifetime <= timedelta(minutes=15)
    too_long = client.post("/v1/agent/operator-tokens", headers=tenant.auth,
                           json={"minutes": 721})
    assert too_long.status_code == 422


@pytest.mark.parametrize(("header", "status", "code"), [
    (None, 401, "missing_credentials"),
    ("Bearer ap_sk_" + "x" * 40, 401, "invalid_credentials"),
    ("Bearer nonsense", 401, "invalid_credentials"),
    ("Basic abc", 401, "invalid_credentials"),
])
def test_a_bad_key_gets_401_with_a_code(client, header, status, code):
    headers = {"Authorization": header} if header else {}
    response = client.post("/v1/agent/operator-tokens", headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_only_a_secret_key_signs_in(client, store, make_conversation):
    tenant, agent = store
    conv = make_conversation(agent)
    operator = sign_in(client, tenant)["token"]
    for credential, code in ((agent["publishable_key"], "secret_key_required"),
                             (conv["token"], "secret_key_required"),
                             # an operator token cannot renew itself
                             (operator, "operator_token_not_allowed")):
        response = client.post("/v1/agent/operator-tokens", headers=bearer(credential))
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == code


def test_an_expired_token_gets_token_expired_and_signing_out_ends_it(
        client, db, store):
    tenant, _ = store
    token = sign_in(client, tenant)["token"]
    assert client.get("/v1/agent/conversations", headers=bearer(token)).status_code == 200
    with db.connection() as conn:
        conn.execute("UPDATE operator_tokens SET expires_at = now() - interval '1 second' "
                     "WHERE organization_id = %s", (tenant.organization_id,))
    expired = client.get("/v1/agent/conversations", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "token_expired"

    token = sign_in(client, tenant)["token"]
    assert client.delete("/v1/agent/operator-tokens/current",
                         headers=bearer(token)).status_code == 204
    gone = client.get("/v1/agent/conversations", headers=bearer(token))
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_credentials"


def test_revoking_the_key_that_signed_in_ends_its_operator_tokens(
        client, db, store, make_conversation, sockets):
    tenant, agent = store
    spare = client.post("/v1/agent/organization/keys", headers=tenant.auth,
                        json={"name": "dashboard"}).json()
    token = sign_in(client, type(tenant)(tenant.organization_id, spare["secret"]))["token"]
    assert client.get("/v1/agent/analytics", headers=bearer(token)).status_code == 200
    dashboard = open_tab(db, token)
    conv = make_conversation(agent)
    say(client, conv, "hello")
    assert len(sockets.frames[dashboard]) == 2  # the shopper's message and the reply
    assert client.delete(f"/v1/agent/organization/keys/{spare['id']}",
                         headers=tenant.auth).status_code in (200, 204)
    response = client.get("/v1/agent/analytics", headers=bearer(token))
    assert response.status_code == 401
    # its dashboard is told and its socket closed at once, and hears nothing more
    assert sockets.frames[dashboard][-1]["error"]["code"] == "token_revoked"
    assert dashboard in sockets.gone
    say(client, conv, "anyone there?")
    assert len(sockets.frames[dashboard]) == 3


# ---------------------------------------------------------------- scope


def test_the_operator_token_does_what_the_dashboard_does_and_nothing_else(
        client, store, make_conversation, sockets):
    tenant, agent = store
    conv = make_conversation(agent, session_id="visitor-scope")
    cid = conv["conversation"]["id"]
    say(client, conv, "hi, I need socks")
    auth = bearer(sign_in(client, tenant)["token"])
    allowed = [
        ("GET", "/v1/agent/conversations", None),
        ("GET", f"/v1/agent/conversations/{cid}", None),
        ("GET", f"/v1/agent/conversations/{cid}/messages", None),
        ("GET", "/v1/agent/conversations/session/visitor-scope", None),
        ("GET", "/v1/agent/analytics", None),
        ("POST", f"/v1/agent/conversations/{cid}/takeover", None),
        ("POST", f"/v1/agent/conversations/{cid}/operator-messages", {"content": "Hello!"}),
        ("POST", f"/v1/agent/conversations/{cid}/release", None),
    ]
    for method, path, body in allowed:
        response = client.request(method, path, headers=auth, json=body)
        assert response.status_code in (200, 201), (method, path, response.text)
    refused = [
        ("POST", "/v1/agent/agents", {"name": "x"}),
        ("GET", "/v1/agent/agents", None),
        ("PATCH", f"/v1/agent/agents/{agent['id']}", {"name": "y"}),
        ("GET", "/v1/agent/organization", None),
        ("PATCH", "/v1/agent/organization", {"name": "mine now"}),
        ("GET", "/v1/agent/organization/keys", None),
        ("POST", "/v1/agent/organization/keys", {"name": "more"}),
        ("PUT", "/v1/agent/products", {"products": []}),
        ("GET", "/v1/agent/knowledge", None),
        ("GET", "/v1/agent/webhooks/deliveries", None),
        ("POST", "/v1/agent/conversations", {"agent_id": agent["id"]}),
        # a shopper's message is the shopper's: the dashboard replies as the team
        ("POST", f"/v1/agent/conversations/{cid}/messages", {"content": "buy it"}),
    ]
    for method, path, body in refused:
        response = client.request(method, path, headers=auth, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"]["code"] == "operator_token_not_allowed", path
    # and a conversation token is no operator token
    for method, path, body in allowed[:1] + allowed[4:]:
        response = client.request(method, path, headers=bearer(conv["token"]), json=body)
        assert response.status_code in (403, 404), (method, path, response.text)


# ---------------------------------------------------------------- the list


def test_the_list_puts_conversations_waiting_for_a_person_first(
        client, store, make_conversation, sockets):
    tenant, agent = store
    browsing = make_conversation(agent, session_id="visitor-browsing")
    say(client, browsing, "do you have merino socks?")
    say(client, browsing, "add the merino socks to my cart")
    waiting = make_conversation(agent, session_id="visitor-waiting")
    say(client, waiting, "can I talk to a person please?")
    quiet = make_conversation(agent, session_id="visitor-quiet")
    say(client, quiet, "hello")
    auth = bearer(sign_in(client, tenant)["token"])

    listed = client.get("/v1/agent/conversations", headers=auth).json()["data"]
    assert [c["session_id"] for c in listed] == ["visitor-waiting", "visitor-quiet",
                                                  "visitor-browsing"]
    first = listed[0]
    assert first["waiting"] is True and first["status"] == "handoff"
    assert first["last_message"]["role"] == "assistant"
    cart = next(c for c in listed if c["session_id"] == "visitor-browsing")["cart"]
    assert cart == {"item_count": 1, "subtotal_minor": 1800, "currency": "USD"}
    assert listed[1]["cart"]["item_count"] == 0
    # the team's reply ends the wait; it stays held by a person
    cid = first["id"]
    client.post(f"/v1/agent/conversations/{cid}/operator-messages", headers=auth,
                json={"content": "Hi, Sam here - how can I help?"})
    again = client.get("/v1/agent/conversations", headers=auth).json()["data"]
    held = next(c for c in again if c["id"] == cid)
    assert held["waiting"] is False and held["status"] == "handoff"
    assert held["last_message"] == {**held["last_message"], "role": "operator",
                                    "content": "Hi, Sam here - how can I help?"}
    only_waiting = client.get("/v1/agent/conversations", headers=auth,
                              params={"status": "waiting"}).json()["data"]
    assert only_waiting == []


def test_taking_over_a_handed_over_conversation_ends_its_wait(client, store,
                                                              make_conversation, sockets):
    tenant, agent = store
    conv = make_conversation(agent, session_id="visitor-claimed")
    say(client, conv, "can I talk to a person please?")
    auth = bearer(sign_in(client, tenant)["token"])
    cid = conv["conversation"]["id"]
    waiting = client.get("/v1/agent/conversations", headers=auth,
                         params={"status": "waiting"}).json()["data"]
    assert [c["id"] for c in waiting] == [cid]
    taken = client.post(f"/v1/agent/conversations/{cid}/takeover", headers=auth).json()
    assert taken["taken"] is True and taken["conversation"]["status"] == "handoff"
    assert taken["conversation"]["context"]["handoff"]["taken_at"]
    assert client.get("/v1/agent/conversations", headers=auth,
                      params={"status": "waiting"}).json()["data"] == []
    # a second operator's take-over changes nothing
    again = client.post(f"/v1/agent/conversations/{cid}/takeover", headers=auth).json()
    assert again["taken"] is False
    # released, then handed over again: waiting again
    client.post(f"/v1/agent/conversations/{cid}/release", headers=auth)
    say(client, conv, "actually, can I talk to a person again?")
    waiting = client.get("/v1/agent/conversations", headers=auth,
                         params={"status": "waiting"}).json()["data"]
    assert [c["id"] for c in waiting] == [cid]


def test_search_by_session_id_or_text_and_pages(client, store, make_conversation, sockets):
    tenant, agent = store
    for n in range(5):
        conv = make_conversation(agent, session_id=f"page-{n}")
        say(client, conv, f"hello number {n}" if n != 3 else "a kettle for 100% tea_time")
    auth = bearer(sign_in(client, tenant)["token"])
    by_session = client.get("/v1/agent/conversations", headers=auth,
                            params={"q": "PAGE-2"}).json()["data"]
    assert [c["session_id"] for c in by_session] == ["page-2"]
    # % and _ are letters in a search, not wildcards
    by_text = client.get("/v1/agent/conversations", headers=auth,
                         params={"q": "100% tea_"}).json()["data"]
    assert [c["session_id"] for c in by_text] == ["page-3"]
    assert client.get("/v1/agent/conversations", headers=auth,
                      params={"q": "1_0%"}).json()["data"] == []
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "q": "page-"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/agent/conversations", headers=auth, params=params).json()
        seen += [c["session_id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"page-{n}" for n in range(5)] and len(set(seen)) == 5


@pytest.mark.parametrize("params", [
    {"status": "bogus"}, {"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"},
    {"cursor": "W10"}, {"q": ""}, {"q": "x" * 201}, {"q": "a\x00b"},
    {"agent_id": "not-a-uuid"},
])
def test_bad_list_parameters_are_4xx_never_500(client, store, params):
    tenant, _ = store
    auth = bearer(sign_in(client, tenant)["token"])
    response = client.get("/v1/agent/conversations", headers=auth, params=params)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"]


# ---------------------------------------------------------------- take over


def test_take_over_silences_the_agent_and_tells_the_tabs_and_dashboards(
        client, db, store, make_conversation, sockets):
    tenant, agent = store
    conv = make_conversation(agent)
    cid = conv["conversation"]["id"]
    say(client, conv, "hi")
    token = sign_in(client, tenant)["token"]
    tab = open_tab(db, conv["token"])
    dashboard = open_tab(db, token)  # a dashboard's socket, opened with its token
    taken = client.post(f"/v1/agent/conversations/{cid}/takeover", headers=bearer(token))
    assert taken.status_code == 200, taken.text
    assert taken.json()["taken"] is True
    assert taken.json()["conversation"]["status"] == "handoff"
    assert sockets.frames[tab] == [{"type": "conversation_status", "status": "handoff"}]
    [seen] = sockets.frames[dashboard]
    assert seen == {"type": "conversation_activity", "conversation_id": cid,
                    "status": "handoff", "stage": "discovery"}
    # the agent is quiet; the shopper's message reaches the dashboard
    assert say(client, conv, "hello?")["reply"] is None
    assert sockets.frames[dashboard][-1]["message"]["content"] == "hello?"
    # a second take-over changes nothing
    again = client.post(f"/v1/agent/conversations/{cid}/takeover", headers=bearer(token))
    assert again.status_code == 200 and again.json()["taken"] is False
    released = client.post(f"/v1/agent/conversations/{cid}/release", headers=bearer(token))
    assert released.json()["conversation"]["status"] == "active"
    assert sockets.frames[dashboard][-1]["status"] == "active"
    assert say(client, conv, "any socks?")["reply"] is not None


def test_take_over_of_a_closed_or_unknown_conversation(client, db, store, make_conversation):
    tenant, agent = store
    auth = bearer(sign_in(client, tenant)["token"])
    cid = make_conversation(agent)["conversation"]["id"]
    with db.connection() as conn:
        conn.execute("UPDATE conversations SET status = 'completed' WHERE id = %s", (cid,))
    closed = client.post(f"/v1/agent/conversations/{cid}/takeover", headers=auth)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "conversation_closed"
    unknown = client.post(f"/v1/agent/conversations/{uuid.uuid4()}/takeover", headers=auth)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "conversation_not_found"
    malformed = client.post("/v1/agent/conversations/nope/takeover", headers=auth)
    assert malformed.status_code == 422


# ---------------------------------------------------------------- tenant isolation


def test_another_stores_conversation_ids_answer_404_to_an_operator_token(
        client, db, make_store, make_conversation, sockets):
    _tenant_a, agent_a = make_store("Operators A", PRODUCTS)
    tenant_b, _ = make_store("Operators B", PRODUCTS)
    conv_a = make_conversation(agent_a, session_id="only-in-a")
    cid = conv_a["conversation"]["id"]
    say(client, conv_a, "a secret about socks")
    b_token = sign_in(client, tenant_b)["token"]
    b_auth = bearer(b_token)
    dashboard_b = open_tab(db, b_token)
    for method, path, body in (
            ("GET", f"/v1/agent/conversations/{cid}", None),
            ("GET", f"/v1/agent/conversations/{cid}/messages", None),
            ("POST", f"/v1/agent/conversations/{cid}/takeover", None),
            ("POST", f"/v1/agent/conversations/{cid}/operator-messages", {"content": "hi"}),
            ("POST", f"/v1/agent/conversations/{cid}/release", None),
            ("GET", "/v1/agent/conversations/session/only-in-a", None)):
        response = client.request(method, path, headers=b_auth, json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "conversation_not_found"
    listed = client.get("/v1/agent/conversations", headers=b_auth,
                        params={"q": "secret about socks"}).json()["data"]
    assert listed == []
    assert client.get("/v1/agent/conversations", headers=b_auth).json()["data"] == []
    # A's activity never reaches B's dashboard
    say(client, conv_a, "another one")
    assert dashboard_b not in sockets.frames
    with db.connection() as conn:
        status = conn.execute("SELECT status FROM conversations WHERE id = %s",
                              (cid,)).fetchone()["status"]
    assert status == "active"


# ---------------------------------------------------------------- the dashboard's socket


def test_a_dashboard_socket_opens_with_an_operator_token_only_and_closes_when_it_ends(
        client, db, store):
    from agentpay.realtime.broadcast import Broadcaster
    from agentpay.realtime.service import connect, handle_frame

    tenant, _ = store
    token = sign_in(client, tenant)["token"]
    fake = FakeConnections()
    broadcaster = Broadcaster(fake, workers=1)
    for bad in (None, "", "ap_ot_" + "x" * 40, tenant.api_key):
        assert connect(db, "c-bad=", bad).status_code == 401
    assert connect(db, "c-dash=", token).status_code == 200
    from agentpay.config import get_settings

    settings = get_settings()
    assert handle_frame(db, broadcaster, settings, "c-dash=", '{"action": "ping"}'
                        ).status_code == 200
    handle_frame(db, broadcaster, settings, "c-dash=", '{"action": "message", "content": "x"}')
    assert fake.frames["c-dash="][0] == {"type": "pong"}
    assert fake.frames["c-dash="][1]["error"]["code"] == "unknown_action"
    # a frame that arrives after the token ended, before its socket was closed (signing
    # out closes it at once: test_signing_out_closes_that_dashboards_socket_at_once)
    with db.connection() as conn:
        conn.execute("UPDATE operator_tokens SET revoked_at = now() "
                     "WHERE organization_id = %s", (tenant.organization_id,))
    outcome = handle_frame(db, broadcaster, settings, "c-dash=", '{"action": "ping"}')
    assert outcome.status_code == 401
    assert fake.frames["c-dash="][-1]["error"]["code"] == "token_revoked"
    assert "c-dash=" in fake.gone  # the socket is closed
    # an expired token cannot open one either
    token = sign_in(client, tenant)["token"]
    with db.connection() as conn:
        conn.execute("UPDATE operator_tokens SET expires_at = now() - interval '1 second' "
                     "WHERE organization_id = %s", (tenant.organization_id,))
    assert connect(db, "c-late=", token).status_code == 401


def _dashboards(db, organization_id) -> set[str]:
    with db.connection() as conn:
        return {r["connection_id"] for r in conn.execute(
            "SELECT connection_id FROM ws_connections WHERE organization_id = %s "
            "AND operator_token_id IS NOT NULL", (organization_id,))}


def test_signing_out_closes_that_dashboards_socket_at_once(client, db, store, sockets):
    # GIVEN two people signed in to the dashboard, each with a socket open
    tenant, _ = store
    leaving, staying = sign_in(client, tenant)["token"], sign_in(client, tenant)["token"]
    leaving_socket, staying_socket = open_tab(db, leaving), open_tab(db, staying)
    # WHEN one signs out
    assert client.delete("/v1/agent/operator-tokens/current",
                         headers=bearer(leaving)).status_code == 204
    # THEN their socket is told why and closed now, without waiting for a frame from it
    assert sockets.frames[leaving_socket] == [{"type": "error", "error": {
        "code": "token_revoked",
        "message": "the operator token was signed out or its key revoked; sign in again"}}]
    assert leaving_socket in sockets.gone
    assert _dashboards(db, tenant.organization_id) == {staying_socket}
    # AND the other person's socket stays open
    assert staying_socket not in sockets.gone and staying_socket not in sockets.frames
    # AND signing out with the secret key (nothing to end) closes nothing
    assert client.delete("/v1/agent/operator-tokens/current",
                         headers=tenant.auth).status_code == 204
    assert staying_socket not in sockets.gone


def test_a_dashboard_whose_token_expired_is_closed_by_the_schedule_within_a_minute(
        client, db, store, make_store, settings, monkeypatch, lambda_context):
    # GIVEN a dashboard in each of two stores, and the deployed ws_message function
    from agentpay.realtime import lambda_glue
    from agentpay.realtime.broadcast import Broadcaster
    from conftest import load_handler

    tenant, _ = store
    other, _ = make_store("Operators Sweep Other", PRODUCTS)
    expiring = open_tab(db, sign_in(client, tenant, minutes=5)["token"])
    signed_in = open_tab(db, sign_in(client, other)["token"])
    fake = FakeConnections()
    monkeypatch.setattr(settings, "ws_endpoint", "https://ws.example.com/prod")
    monkeypatch.setitem(lambda_glue._broadcasters, "https://ws.example.com/prod",
                        Broadcaster(fake, workers=1))
    handler = load_handler("ws_message").handler
    from agentpay_dev.localstack.schedule import SCHEDULED_EVENT

    # WHEN the schedule runs before the token expires THEN nothing is closed
    assert handler(dict(SCHEDULED_EVENT), lambda_context) == {"closed": 0}
    # WHEN the token has expired and the schedule runs (EventBridge: every minute)
    with db.connection() as conn:
        conn.execute("UPDATE operator_tokens SET expires_at = now() - interval '1 second' "
                     "WHERE organization_id = %s", (tenant.organization_id,))
    assert handler(dict(SCHEDULED_EVENT), lambda_context) == {"closed": 1}
    # THEN that socket is told it expired and closed, the other store's is untouched
    assert fake.frames[expiring][-1]["error"]["code"] == "token_expired"
    assert fake.gone == {expiring}
    assert _dashboards(db, tenant.organization_id) == set()
    assert _dashboards(db, other.organization_id) == {signed_in}
    # AND a second run has nothing left to close
    assert handler(dict(SCHEDULED_EVENT), lambda_context) == {"closed": 0}


def test_a_stores_sign_out_never_closes_another_stores_dashboards(
        client, db, store, make_store, sockets):
    tenant, _ = store
    other, _ = make_store("Operators Other Sign-out", PRODUCTS)
    mine = open_tab(db, sign_in(client, tenant)["token"])
    with db.connection() as conn:  # my token has ended; only my store or the sweep close it
        conn.execute("UPDATE operator_tokens SET expires_at = now() - interval '1 second' "
                     "WHERE organization_id = %s", (tenant.organization_id,))
    theirs = sign_in(client, other)["token"]
    client.delete("/v1/agent/operator-tokens/current", headers=bearer(theirs))
    assert mine not in sockets.gone and _dashboards(db, tenant.organization_id) == {mine}


# ---------------------------------------------------------------- analytics


def _shift(db, conversation_id: str, day: datetime) -> None:
    """Move a conversation, its messages, checkouts and orders to ``day`` (noon UTC)."""
    with db.connection() as conn:
        for table, column, key in (("conversations", "created_at", "id"),
                                   ("messages", "created_at", "conversation_id"),
                                   ("checkouts", "created_at", "conversation_id"),
                                   ("orders", "paid_at", "conversation_id")):
            conn.execute(f"UPDATE {table} SET {column} = %s WHERE {key} = %s",
                         (day, conversation_id))


def test_analytics_per_day_series_and_funnel_on_known_data(client, db, store,
                                                           make_conversation):
    tenant, agent = store
    day1 = datetime(2026, 3, 2, 12, tzinfo=UTC)
    day3 = day1 + timedelta(days=2)

    def buy(pay: bool) -> str:
        conv = make_conversation(agent)
        say(client, conv, "copperline kettle")
        say(client, conv, "add it to my cart")
        checkout = say(client, conv, "checkout")["conversation"]["context"]["checkout"]
        if pay:
            path = "/checkout/" + checkout["url"].split("/checkout/")[1]
            assert client.post(path + "/pay").status_code == 200
        return conv["conversation"]["id"]

    paid_day1 = buy(pay=True)
    unpaid_day1 = buy(pay=False)
    paid_day3 = buy(pay=True)
    browsing_day3 = make_conversation(agent)
    say(client, browsing_day3, "do you have socks?")
    for cid, day in ((paid_day1, day1), (unpaid_day1, day1), (paid_day3, day3),
                     (browsing_day3["conversation"]["id"], day3)):
        _shift(db, cid, day)
    with db.connection() as conn:  # the agent's replies on day 3 cost 3 cents
        conn.execute("""UPDATE messages SET usage = usage || '{"cost_usd": 0.01}'
                         WHERE conversation_id = %s AND role = 'assistant'""", (paid_day3,))

    auth = bearer(sign_in(client, tenant)["token"])
    response = client.get("/v1/agent/analytics", headers=auth,
                          params={"from": "2026-03-01T00:00:00Z", "to": "2026-03-05T00:00:00Z"})
    assert response.status_code == 200, response.text
    body = response.json()
    daily = body["daily"]
    assert [d["date"] for d in daily] == ["2026-03-01", "2026-03-02", "2026-03-03",
                                          "2026-03-04"]
    assert [d["conversations"] for d in daily] == [0, 2, 0, 2]
    assert [d["checkouts_created"] for d in daily] == [0, 2, 0, 1]
    assert [d["orders_paid"] for d in daily] == [0, 1, 0, 1]
    assert [d["revenue"] for d in daily] == [{}, {"USD": 4500}, {}, {"USD": 4500}]
    assert daily[3]["llm_cost_usd"] == 0.03 and daily[1]["llm_cost_usd"] == 0.0
    totals = body["totals"]
    assert totals["conversations"] == 4 and totals["orders_paid"] == 2
    assert totals["conversion_rate"] == 0.5
    assert totals["revenue"] == {"USD": 9000}
    assert totals["average_order_value"] == {"USD": 4500}
    assert totals["discount_given"] == {"USD": 0}
    assert totals["llm_cost_per_order_usd"] == 0.015
    steps = {s["step"]: s["conversations"] for s in body["funnel"]["steps"]}
    assert list(steps) == ["discovery", "browsing", "consideration", "negotiation",
                           "checkout", "paid"]
    assert steps["discovery"] == 4 and steps["checkout"] == 3 and steps["paid"] == 2
    assert steps["browsing"] >= steps["checkout"]
    # the existing per-agent figures are kept
    [figures] = body["agents"]
    assert figures["conversations"] == 4 and figures["orders_paid"] == 2
    # the agent filter, and a period of its own
    one_day = client.get("/v1/agent/analytics", headers=auth, params={
        "from": "2026-03-04T00:00:00Z", "to": "2026-03-05T00:00:00Z",
        "agent_id": agent["id"]}).json()
    assert [d["conversations"] for d in one_day["daily"]] == [2]


def test_analytics_per_agent_and_another_stores_agent_is_404(
        client, store, make_store, make_agent, make_conversation):
    # GIVEN a store with two agents, and another store
    tenant, ava = store
    bo = make_agent(tenant, name="Bo")
    for agent, n in ((ava, 2), (bo, 1)):
        for _ in range(n):
            say(client, make_conversation(agent), "hello")
    other_tenant, other_agent = make_store("Operators Elsewhere", PRODUCTS)
    auth = bearer(sign_in(client, tenant)["token"])
    # WHEN the numbers are asked for the store, then for each agent
    whole = client.get("/v1/agent/analytics", headers=auth).json()
    per_agent = {a["id"]: client.get("/v1/agent/analytics", headers=auth,
                                     params={"agent_id": a["id"]}).json()
                 for a in (ava, bo)}
    # THEN the store's figures add up both, each agent's only its own
    assert whole["totals"]["conversations"] == 3
    assert sorted(a["name"] for a in whole["agents"]) == ["Bo", "Sales assistant"]
    assert per_agent[ava["id"]]["totals"]["conversations"] == 2
    assert per_agent[bo["id"]]["totals"]["conversations"] == 1
    assert sum(d["conversations"] for d in per_agent[bo["id"]]["daily"]) == 1
    assert per_agent[bo["id"]]["funnel"]["steps"][0]["conversations"] == 1
    assert [a["agent_id"] for a in per_agent[bo["id"]]["agents"]] == [bo["id"]]
    # AND another store's agent, an unknown one or a deleted one answers 404
    client.delete(f"/v1/agent/agents/{bo['id']}", headers=tenant.auth)
    for agent_id in (other_agent["id"], str(uuid.uuid4()), bo["id"]):
        response = client.get("/v1/agent/analytics", headers=auth,
                              params={"agent_id": agent_id})
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "agent_not_found"
    # (and the other store's own key sees its agent)
    assert client.get("/v1/agent/analytics", headers=other_tenant.auth,
                      params={"agent_id": other_agent["id"]}).status_code == 200


@pytest.mark.parametrize(("params", "code"), [
    ({"from": "2020-01-01T00:00:00Z", "to": "2022-01-01T00:00:00Z"}, "invalid_period"),
    ({"from": "2026-01-02", "to": "2026-01-01"}, "invalid_period"),
    ({"from": "yesterday"}, "validation_error"),
    ({"agent_id": "x"}, "validation_error"),
])
def test_bad_analytics_periods_are_422(client, store, params, code):
    tenant, _ = store
    response = client.get("/v1/agent/analytics", headers=tenant.auth, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def test_operator_tokens_are_redacted_from_logs():
    from agentpay.kit.redact import redact

    # GIVEN a log line that carries an operator token WHEN redacted THEN it is gone
    token = "ap_ot_" + "Zx9" * 14
    assert token not in redact(f"dashboard socket with {token} connected")
    assert "[secret]" in redact(f"token={token}")
