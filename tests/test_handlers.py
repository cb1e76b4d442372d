"""Every Lambda handler, invoked with the real-shaped events in events/ (moto for AWS,
the embedded Postgres for data)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import quote, unquote

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from conftest import load_event, load_handler

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def conversation(tenant, make_agent, make_conversation):
    return make_conversation(make_agent(tenant))


def test_http_api_health(db, lambda_context):
    handler = load_handler("http_api").handler
    response = handler(load_event("http_api_healthz.json"), lambda_context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"


def test_http_api_create_agent_and_no_key_in_logs(tenant, lambda_context, capsys):
    event = load_event("http_api_create_agent.json")
    event["headers"]["authorization"] = f"Bearer {tenant.api_key}"
    response = load_handler("http_api").handler(event, lambda_context)
    assert response["statusCode"] == 201, response["body"]
    assert json.loads(response["body"])["organization_id"] == tenant.organization_id
    captured = capsys.readouterr()
    assert tenant.api_key not in captured.out + captured.err


def test_http_api_bad_key_is_401(db, lambda_context):
    event = load_event("http_api_create_agent.json")
    event["headers"]["authorization"] = "Bearer ap_sk_wrong"
    response = load_handler("http_api").handler(event, lambda_context)
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["error"]["code"] == "invalid_credentials"


def _connect(conversation, connection_id, lambda_context):
    event = load_event("ws_connect.json")
    event["queryStringParameters"] = {"token": conversation["token"]}
    event["requestContext"]["connectionId"] = connection_id
    return load_handler("ws_connect").handler(event, lambda_context)


def _connections(db, conversation_id):
    with db.connection() as conn:
        return [r["connection_id"] for r in conn.execute(
            "SELECT connection_id FROM ws_connections WHERE conversation_id = %s"
            " ORDER BY connected_at", (conversation_id,)).fetchall()]


def test_ws_connect_records_a_valid_token_and_refuses_others(db, conversation, lambda_context):
    assert _connect(conversation, "conn-ok=", lambda_context)["statusCode"] == 200
    assert _connections(db, conversation["conversation"]["id"]) == ["conn-ok="]
    bad = load_event("ws_connect.json")
    bad["requestContext"]["connectionId"] = "conn-bad="
    assert load_handler("ws_connect").handler(bad, lambda_context)["statusCode"] == 401
    bad["queryStringParameters"] = None
    assert load_handler("ws_connect").handler(bad, lambda_context)["statusCode"] == 401
    with db.connection() as conn:
        assert conn.execute("SELECT 1 FROM ws_connections WHERE connection_id = 'conn-bad='"
                            ).fetchone() is None


def test_ws_disconnect_forgets_the_connection(db, conversation, lambda_context):
    _connect(conversation, "conn-bye=", lambda_context)
    event = load_event("ws_disconnect.json")
    event["requestContext"]["connectionId"] = "conn-bye="
    assert load_handler("ws_disconnect").handler(event, lambda_context)["statusCode"] == 200
    assert _connections(db, conversation["conversation"]["id"]) == []


def test_ws_connect_and_disconnect_read_no_secret_but_the_databases(
        db, conversation, lambda_context, settings, monkeypatch):
    """template.yaml grants WsConnectFunction and WsDisconnectFunction the database secret
    only: their code must not read the LLM keys, the signing key or the payment secret."""
    from agentpay.llm.keys import reset_keys

    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
    monkeypatch.setattr(settings, "llm_secret_arn", arn + "llm-AbCdEf")
    monkeypatch.setattr(settings, "checkout_secret_arn", arn + "checkout-AbCdEf")
    monkeypatch.setattr(settings, "checkout_secret", None)
    monkeypatch.setattr(settings, "payments_secret_arn", arn + "payments-AbCdEf")
    real_client, asked = boto3.client, []

    def client(service, *args, **kwargs):
        if service == "secretsmanager":
            asked.append(service)
            raise AssertionError("a secret was read")
        return real_client(service, *args, **kwargs)

    monkeypatch.setattr(boto3, "client", client)
    reset_keys()
    try:
        assert _connect(conversation, "conn-nosecret=", lambda_context)["statusCode"] == 200
        event = load_event("ws_disconnect.json")
        event["requestContext"]["connectionId"] = "conn-nosecret="
        assert load_handler("ws_disconnect").handler(event, lambda_context)["statusCode"] == 200
        assert asked == []
        # and the check would have seen a read: the checkout signing key is one
        from agentpay.checkout.secret import signing_secret

        with pytest.raises(AssertionError, match="a secret was read"):
            signing_secret(settings)
        assert asked == ["secretsmanager"]
    finally:
        reset_keys()


def _frames(connection_id):
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    backend = apigatewaymanagementapi_backends[ACCOUNT][REGION]
    key = quote(connection_id, safe="")  # moto keys connections by the URL-encoded id
    raw = backend.connections[key].data if key in backend.connections else b""
    decoder, frames, text = json.JSONDecoder(), [], raw.decode()
    while text:
        frame, end = decoder.raw_decode(text)
        frames.append(frame)
        text = text[end:]
    return frames


@pytest.fixture
def aws():
    from agentpay.realtime import lambda_glue

    with mock_aws():
        lambda_glue._broadcasters.clear()
        yield
        lambda_glue._broadcasters.clear()


def test_ws_ping_gets_pong(db, conversation, lambda_context, aws):
    _connect(conversation, "conn-ping=", lambda_context)
    event = load_event("ws_message.json")
    event["requestContext"]["connectionId"] = "conn-ping="
    assert load_handler("ws_message").handler(event, lambda_context)["statusCode"] == 200
    assert _frames("conn-ping=") == [{"type": "pong"}]


def test_ws_message_runs_the_conversation_and_reaches_every_tab(db, conversation,
                                                                lambda_context, aws):
    _connect(conversation, "tab-1=", lambda_context)
    _connect(conversation, "tab-2=", lambda_context)
    event = load_event("ws_message_send.json")
    event["requestContext"]["connectionId"] = "tab-1="
    assert load_handler("ws_message").handler(event, lambda_context)["statusCode"] == 200
    for tab in ("tab-1=", "tab-2="):
        kinds = [f["type"] for f in _frames(tab)]
        deltas = kinds.count("agent_message_delta")
        assert deltas >= 1
        assert kinds == ["agent_typing"] + ["agent_message_delta"] * deltas + [
            "user_message", "agent_message"]
    frames = _frames("tab-2=")
    final = frames[-1]
    reply = final["message"]
    assert reply["role"] == "assistant" and reply["content"]
    streamed = "".join(f["delta"] for f in frames if f["type"] == "agent_message_delta")
    assert streamed == reply["content"]
    assert final["stage"] and "cart" in final and "products" in final
    # what a widget with cards shows, and the discount on offer (none yet)
    assert final["reply_with_cards"] and final["offer"] is None
    # the shopping state goes to the browser too, for filters beside the chat
    assert isinstance(final["state"], dict) and "product_types" in final["state"]
    with db.connection() as conn:
        count = conn.execute("SELECT message_count FROM conversations WHERE id = %s",
                             (conversation["conversation"]["id"],)).fetchone()["message_count"]
    assert count == 2


def _resume(conversation, connection_id: str, after_seq: int, lambda_context) -> list:
    """A new tab's socket asks for what came after `after_seq`: the frames it gets."""
    _connect(conversation, connection_id, lambda_context)
    event = load_event("ws_message.json")
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = json.dumps({"action": "resume", "after_seq": after_seq})
    assert load_handler("ws_message").handler(event, lambda_context)["statusCode"] == 200
    return _frames(connection_id)


def test_ws_resume_replays_what_a_tab_missed(db, conversation, lambda_context, aws):
    _connect(conversation, "early=", lambda_context)
    handler = load_handler("ws_message").handler
    event = load_event("ws_message_send.json")
    event["requestContext"]["connectionId"] = "early="
    assert handler(event, lambda_context)["statusCode"] == 200
    # a tab that saw nothing after seq 1 reconnects and asks for the rest
    frames = _resume(conversation, "late=", 1, lambda_context)
    assert [f["type"] for f in frames] == ["agent_message", "resumed"]
    assert frames[0]["message"]["seq"] == 2 and frames[0]["replayed"] is True
    # the cart comes with it, so a reloaded widget shows it before the next reply
    assert frames[1] == {"type": "resumed", "count": 1, "more": False,
                         "cart": {"lines": [], "subtotal_minor": 0, "currency": "USD",
                                  "item_count": 0}}


def test_ws_resume_shows_the_cards_each_reply_showed(make_store, make_conversation,
                                                     lambda_context, aws):
    # GIVEN a shopper whose search showed cards in one tab
    _, agent = make_store("Resume Cards", [
        {"external_id": "shoe-trail", "name": "Trail Running Shoe", "price": 11900,
         "currency": "USD"},
        {"external_id": "shoe-road", "name": "Road Running Shoe", "price": 9900,
         "currency": "USD"},
        {"external_id": "mug-1", "name": "Stoneware Coffee Mug", "price": 1800,
         "currency": "USD"}])
    conversation = make_conversation(agent)
    _connect(conversation, "cards-early=", lambda_context)
    handler = load_handler("ws_message").handler
    event = load_event("ws_message_send.json")
    event["requestContext"]["connectionId"] = "cards-early="
    event["body"] = json.dumps({"action": "message", "content": "any running shoes?"})
    assert handler(event, lambda_context)["statusCode"] == 200
    live = _frames("cards-early=")[-1]
    assert {p["external_id"] for p in live["products"]} == {"shoe-trail", "shoe-road"}
    # WHEN the page reloads and its new socket asks for the whole history
    frames = _resume(conversation, "cards-reload=", 0, lambda_context)
    # THEN the reply comes back with the same cards and the text shown beside them; the
    # shopper's own message has none
    assert [f["type"] for f in frames] == ["user_message", "agent_message", "resumed"]
    assert "products" not in frames[0]
    replayed = frames[1]
    assert replayed["replayed"] is True
    assert [p["external_id"] for p in replayed["products"]] == [
        p["external_id"] for p in live["products"]]
    assert replayed["products"][0]["price"] == live["products"][0]["price"]
    assert replayed["reply_with_cards"] == live["reply_with_cards"]


def test_ws_bad_frames_get_error_frames(db, conversation, lambda_context, aws):
    _connect(conversation, "conn-err=", lambda_context)
    handler = load_handler("ws_message").handler
    for body in ("not json", json.dumps({"action": "dance"}),
                 json.dumps({"action": "message", "content": ""})):
        event = load_event("ws_message.json")
        event["requestContext"]["connectionId"] = "conn-err="
        event["body"] = body
        assert handler(event, lambda_context)["statusCode"] == 200
    codes = [f["error"]["code"] for f in _frames("conn-err=")]
    assert codes == ["invalid_frame", "unknown_action", "empty_content"]


def test_gone_connection_is_deleted_not_the_senders(db, conversation, lambda_context,
                                                    settings):
    """A 410 for one tab forgets that tab only (the aws-samples bug deletes the sender)."""
    from agentpay.realtime.broadcast import Broadcaster
    from agentpay.realtime.service import handle_frame

    for connection_id in ("sender=", "other=", "stale="):
        _connect(conversation, connection_id, lambda_context)
    client = boto3.client("apigatewaymanagementapi", region_name=REGION,
                          endpoint_url="https://abc.execute-api.us-east-1.amazonaws.com/prod")
    with Stubber(client) as stub:
        stub.add_response("post_to_connection", {}, {"ConnectionId": "other=", "Data": ANY})
        stub.add_client_error("post_to_connection", service_error_code="GoneException",
                              http_status_code=410)
        # one worker: the Stubber hands out its answers in the order the calls come
        outcome = handle_frame(db, Broadcaster(client, workers=1), settings, "sender=",
                               json.dumps({"action": "typing"}))
        stub.assert_no_pending_responses()
    assert outcome.status_code == 200
    assert _connections(db, conversation["conversation"]["id"]) == ["sender=", "other="]


class _ConnectionsApi(BaseHTTPRequestHandler):
    """A slow `@connections` API: records each connection's frames in arrival order, every
    post's connection id and how many posts were in flight at once; `stale*` ids are gone
    (410), `closing*` ids take one frame and are gone after it (a tab closed mid-reply),
    `broken*` fail."""

    lock = threading.Lock()
    frames: ClassVar[dict[str, list[dict]]] = {}
    posts: ClassVar[list[str]] = []
    in_flight = 0
    most_in_flight = 0

    def do_POST(self):
        cls = _ConnectionsApi
        connection_id = unquote(self.path.rsplit("/", 1)[-1])
        data = self.rfile.read(int(self.headers["content-length"]))
        with cls.lock:
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
            cls.posts.append(connection_id)
        time.sleep(0.03)  # a network round trip: sequential posts would never overlap
        with cls.lock:
            cls.in_flight -= 1
            closed = connection_id.startswith("closing") and connection_id in cls.frames
            if connection_id.startswith(("stale", "broken")) or closed:
                status, kind = ((403, "ForbiddenException") if connection_id.startswith(
                    "broken") else (410, "GoneException"))
            else:
                status, kind = 200, None
                cls.frames.setdefault(connection_id, []).append(json.loads(data))
        body = json.dumps({"message": kind} if kind else {}).encode()
        self.send_response(status)
        if kind:
            self.send_header("x-amzn-ErrorType", kind)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def connections_api(settings, monkeypatch):
    from agentpay.realtime import lambda_glue

    _ConnectionsApi.frames, _ConnectionsApi.posts = {}, []
    _ConnectionsApi.in_flight, _ConnectionsApi.most_in_flight = 0, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ConnectionsApi)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    monkeypatch.setattr(settings, "ws_endpoint", f"http://127.0.0.1:{server.server_port}")
    lambda_glue._broadcasters.clear()
    yield _ConnectionsApi
    lambda_glue._broadcasters.clear()
    server.shutdown()
    server.server_close()


def test_concurrent_fanout_keeps_each_tabs_order_and_isolates_failures(
        db, conversation, lambda_context, connections_api):
    from agentpay.realtime.broadcast import FANOUT_WORKERS

    # GIVEN twelve live tabs, one whose socket is gone and one whose posts fail
    live = [f"tab-{n}=" for n in range(12)]
    for connection_id in [*live, "stale-1=", "broken-1="]:
        assert _connect(conversation, connection_id, lambda_context)["statusCode"] == 200
    # WHEN the first tab sends a message
    event = load_event("ws_message_send.json")
    event["requestContext"]["connectionId"] = live[0]
    assert load_handler("ws_message").handler(event, lambda_context)["statusCode"] == 200
    # THEN posts overlapped, within the pool's bound
    assert 1 < connections_api.most_in_flight <= FANOUT_WORKERS
    # AND every live tab got the whole stream, in order
    for connection_id in live:
        frames = connections_api.frames[connection_id]
        kinds = [f["type"] for f in frames]
        deltas = kinds.count("agent_message_delta")
        assert deltas >= 1
        assert kinds == ["agent_typing"] + ["agent_message_delta"] * deltas + [
            "user_message", "agent_message"], connection_id
        assert [f["index"] for f in frames[1:-2]] == list(range(deltas))
        streamed = "".join(f["delta"] for f in frames[1:-2])
        assert streamed == frames[-1]["message"]["content"]
    # AND only the gone tab was forgotten: the failing one is kept, the sender too
    assert sorted(_connections(db, conversation["conversation"]["id"])) == sorted(
        [*live, "broken-1="])


@pytest.fixture
def lambda_database(database_url, db, monkeypatch):
    """The handlers' database as in Lambda: the one-connection wrapper, not the pool."""
    from agentpay.db import Database, connection

    single = Database(database_url, single=True)
    monkeypatch.setattr(connection, "_database", single)
    yield single
    single.close()


def _within(seconds: float, call):
    """Run `call` on a thread; a hang fails the test instead of hanging the suite."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except Exception as exc:  # noqa: BLE001 - re-raised below, on the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s: deadlocked?"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_tab_closing_mid_reply_neither_hangs_the_lambda_turn_nor_stays_recorded(
        db, conversation, lambda_context, connections_api, lambda_database):
    # GIVEN the Lambda database (one connection, one lock) and two tabs, one of which
    # closes after its first frame: every later post to it answers 410 GoneException
    conv_id = conversation["conversation"]["id"]
    for connection_id in ("sender=", "closing-tab="):
        assert _connect(conversation, connection_id, lambda_context)["statusCode"] == 200
    # WHEN the sender's message is answered, the reply streaming inside the turn's
    # transaction (the Lambda connection is held while the 410s arrive)
    event = load_event("ws_message_send.json")
    event["requestContext"]["connectionId"] = "sender="
    response = _within(30, lambda: load_handler("ws_message").handler(event, lambda_context))
    # THEN the turn completes and is saved
    assert response["statusCode"] == 200
    kinds = [f["type"] for f in connections_api.frames["sender="]]
    assert kinds[0] == "agent_typing" and kinds[-2:] == ["user_message", "agent_message"]
    with db.connection() as conn:
        saved = conn.execute("SELECT message_count FROM conversations WHERE id = %s",
                             (conv_id,)).fetchone()
    assert saved["message_count"] == 2
    # AND the closed tab is forgotten after the turn, the sender kept
    assert _connections(db, conv_id) == ["sender="]
    # AND once gone, the closed tab was not posted to again in this turn
    assert connections_api.posts.count("closing-tab=") == 2
    # AND the Lambda connection is free for the next invocation
    with lambda_database.connection() as conn:
        assert conn.execute("SELECT 1 AS one").fetchone()["one"] == 1


class _CloudFormation(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_PUT(self):
        length = int(self.headers["content-length"])
        _CloudFormation.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_migrate_custom_resource_reports_success(db, lambda_context):
    server = HTTPServer(("127.0.0.1", 0), _CloudFormation)
    threading.Thread(target=server.handle_request, daemon=True).start()
    event = load_event("cfn_migrate_create.json")
    event["ResponseURL"] = f"http://127.0.0.1:{server.server_port}/response"
    _CloudFormation.received.clear()
    result = load_handler("migrate").handler(event, lambda_context)
    server.server_close()
    assert result["Status"] == "SUCCESS"
    [reply] = _CloudFormation.received
    assert reply["Status"] == "SUCCESS"
    assert reply["RequestId"] == event["RequestId"]
    assert reply["LogicalResourceId"] == event["LogicalResourceId"]


def test_migrate_custom_resource_provisions_the_dml_only_app_role(db, lambda_context, settings,
                                                                   monkeypatch):
    """As deployed: the migrate function connects as the owner and, after the migrations,
    creates the application's role from its own secret (DB_APP_SECRET_ARN), which every
    other function connects with."""
    import psycopg
    from psycopg import sql

    role = f"ap_app_{uuid.uuid4().hex[:8]}"
    server = HTTPServer(("127.0.0.1", 0), _CloudFormation)
    threading.Thread(target=server.handle_request, daemon=True).start()
    event = load_event("cfn_migrate_create.json")
    event["ResponseURL"] = f"http://127.0.0.1:{server.server_port}/response"
    _CloudFormation.received.clear()
    try:
        with mock_aws():
            arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
                Name="agentpay-db-app", SecretString=json.dumps(
                    {"username": role, "password": "Gen3rated-by-SecretsManager"}))["ARN"]
            monkeypatch.setattr(settings, "db_app_secret_arn", arn)
            result = load_handler("migrate").handler(event, lambda_context)
        server.server_close()
        assert result["Status"] == "SUCCESS", _CloudFormation.received
        [reply] = _CloudFormation.received
        assert reply["Status"] == "SUCCESS" and reply["Data"]["AppRole"] == role
        assert "Gen3rated" not in json.dumps(reply)
        with db.connection() as conn:
            can = conn.execute(
                "SELECT has_table_privilege(%(r)s, 'products', 'INSERT') AS dml,"
                " has_table_privilege(%(r)s, 'products', 'TRUNCATE') AS truncate,"
                " has_schema_privilege(%(r)s, 'public', 'CREATE') AS ddl", {"r": role}
            ).fetchone()
        assert (can["dml"], can["truncate"], can["ddl"]) == (True, False, False)
    finally:
        with psycopg.connect(db.url, autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_migrate_custom_resource_reports_failure(db, lambda_context, monkeypatch):
    from agentpay.db import migrate_resource

    def broken(conn):
        raise RuntimeError("cannot reach database")

    monkeypatch.setattr(migrate_resource, "migrate", broken)
    server = HTTPServer(("127.0.0.1", 0), _CloudFormation)
    threading.Thread(target=server.handle_request, daemon=True).start()
    event = load_event("cfn_migrate_create.json")
    event["ResponseURL"] = f"http://127.0.0.1:{server.server_port}/response"
    _CloudFormation.received.clear()
    load_handler("migrate").handler(event, lambda_context)
    server.server_close()
    assert _CloudFormation.received[0]["Status"] == "FAILED"
    assert "cannot reach database" in _CloudFormation.received[0]["Reason"]
