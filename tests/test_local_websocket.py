"""The local WebSocket front, against a real `agentpay dev` subprocess and a real client.

The same three ws handlers as in AWS answer; replies reach the socket through boto3's
`post_to_connection` and the stack's own `@connections` API.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
websockets_sync = pytest.importorskip("websockets.sync.client",
                                      reason="the websockets client is a dev dependency")
from websockets.exceptions import ConnectionClosed

FINAL = "agent_message"
STARTED: dict[str, float] = {}  # base URL → when its dev server answered /healthz


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def run_dev_server(database_url: str, data_dir: Path, *, demo: bool,
                   timeout: float = 180, extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """`agentpay dev` on a free port with its own data dir; yields the base URL.
    Its output (stdout and stderr) is in `data_dir / "dev.log"`."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "AGENTPAY_DATA_DIR": str(data_dir)}
    env.pop("AGENTPAY_WS_ENDPOINT", None)
    env.pop("AGENTPAY_PUBLIC_BASE_URL", None)
    log_path = data_dir / "dev.log"
    args = [sys.executable, "-m", "agentpay_dev", "dev", "--port", str(port)]
    with log_path.open("w") as log:
        proc = subprocess.Popen(args + ([] if demo else ["--no-demo"]) + list(extra_args),
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("dev server did not start:\n" + log_path.read_text())
            time.sleep(0.3)
        STARTED[base] = time.monotonic()
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def http(method: str, url: str, body: dict | None = None, key: str | None = None,
         ) -> tuple[int, Message, dict]:
    """One JSON request; returns (status, headers, body) for 2xx and 4xx alike."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, exc.headers, json.loads(raw) if raw else {}


def ws_url(base: str, token: str) -> str:
    return base.replace("http://", "ws://") + f"/ws?token={token}"


def receive_until(ws, kind: str, timeout: float = 60) -> list[dict]:
    """Frames up to and including the first of `kind`."""
    frames, deadline = [], time.monotonic() + timeout
    while True:
        frame = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        frames.append(frame)
        if frame.get("type") == kind:
            return frames


@pytest.fixture(scope="module")
def dev_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ws-dev")


@pytest.fixture(scope="module")
def dev_server(database_url, db, dev_dir) -> Iterator[str]:
    with run_dev_server(database_url, dev_dir, demo=False) as base:
        yield base


@pytest.fixture
def conversation(dev_server, make_tenant) -> dict:
    tenant = make_tenant("WebSocket Store")
    status, _, agent = http("POST", f"{dev_server}/v1/agent/agents",
                            {"name": "Ava", "personality": {"tone": "friendly"}},
                            key=tenant.api_key)
    assert status == 201, agent
    status, _, created = http("POST", f"{dev_server}/v1/agent/conversations", {},
                              key=agent["publishable_key"])
    assert status == 201, created
    return created


def connection_ids(db, conversation_id: str) -> list[str]:
    with db.connection() as conn:
        rows = conn.execute("SELECT connection_id FROM ws_connections"
                            " WHERE conversation_id = %s ORDER BY connected_at",
                            (conversation_id,)).fetchall()
    return [r["connection_id"] for r in rows]


def wait_for(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_ping_pong_and_a_streamed_reply(dev_server, conversation):
    # GIVEN a socket opened with the conversation's token
    with websockets_sync.connect(ws_url(dev_server, conversation["token"])) as ws:
        # WHEN it pings THEN it gets a pong
        ws.send(json.dumps({"action": "ping"}))
        assert receive_until(ws, "pong", timeout=20) == [{"type": "pong"}]
        # WHEN it sends a message
        ws.send(json.dumps({"action": "message", "content": "hi, any running shoes?",
                            "client_message_id": "ws-1"}))
        frames = receive_until(ws, FINAL)
    # THEN typing, deltas, the stored user message and the final reply arrive in order
    kinds = [f["type"] for f in frames]
    deltas = kinds.count("agent_message_delta")
    assert deltas >= 1
    assert kinds == ["agent_typing"] + ["agent_message_delta"] * deltas + [
        "user_message", FINAL]
    final = frames[-1]
    assert frames[-2]["message"]["client_message_id"] == "ws-1"
    assert "".join(f["delta"] for f in frames if f["type"] == "agent_message_delta") == \
        final["message"]["content"]
    assert final["stage"] and "cart" in final and "products" in final


def test_two_tabs_of_one_conversation_both_receive(dev_server, conversation):
    # GIVEN two tabs of the same conversation
    url = ws_url(dev_server, conversation["token"])
    with websockets_sync.connect(url) as tab1, websockets_sync.connect(url) as tab2:
        for tab in (tab1, tab2):  # both are registered once each has answered a ping
            tab.send(json.dumps({"action": "ping"}))
            receive_until(tab, "pong", timeout=20)
        # WHEN one tab sends a message
        tab1.send(json.dumps({"action": "message", "content": "hello there"}))
        # THEN both see the whole exchange
        first, second = receive_until(tab1, FINAL), receive_until(tab2, FINAL)
    assert first[-1]["message"]["id"] == second[-1]["message"]["id"]
    assert [f["type"] for f in first] == [f["type"] for f in second]


@pytest.mark.parametrize("query", ["?token=ap_ct_not-a-real-token", ""])
def test_a_bad_or_missing_token_is_refused(dev_server, query):
    # GIVEN no valid conversation token WHEN a socket opens
    url = dev_server.replace("http://", "ws://") + "/ws" + query
    # THEN $connect's 401 closes it with a policy violation
    with websockets_sync.connect(url) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=20)
    assert closed.value.rcvd.code == 1008


def test_malformed_and_oversized_frames_get_errors_and_the_socket_still_works(
        dev_server, conversation):
    with websockets_sync.connect(ws_url(dev_server, conversation["token"])) as ws:
        # GIVEN a frame that is not JSON WHEN sent THEN an error frame answers
        ws.send("not json")
        assert receive_until(ws, "error", timeout=20)[-1]["error"]["code"] == "invalid_frame"
        # GIVEN a frame over 32 KB WHEN sent THEN the front answers with an error frame
        ws.send(json.dumps({"action": "message", "content": "x" * 33_000}))
        assert receive_until(ws, "error", timeout=20)[-1]["error"]["code"] == "frame_too_large"
        # THEN the socket still works
        ws.send(json.dumps({"action": "ping"}))
        assert receive_until(ws, "pong", timeout=20) == [{"type": "pong"}]


def test_resume_after_a_reconnect_replays_what_was_missed(dev_server, conversation):
    url = ws_url(dev_server, conversation["token"])
    # GIVEN a tab that saw seq 1 and then dropped while the reply was on its way
    with websockets_sync.connect(url) as ws:
        ws.send(json.dumps({"action": "message", "content": "do you have mugs?"}))
        user = receive_until(ws, "user_message")[-1]["message"]
    assert user["seq"] == 1
    # WHEN it reconnects and resumes after seq 1
    with websockets_sync.connect(url) as ws:
        ws.send(json.dumps({"action": "resume", "after_seq": user["seq"]}))
        frames = receive_until(ws, "resumed", timeout=30)
    # THEN it gets the agent's reply (seq 2), replayed to it alone
    assert [f["type"] for f in frames] == [FINAL, "resumed"]
    assert frames[0]["message"]["seq"] == 2 and frames[0]["replayed"] is True
    assert frames[1]["count"] == 1


def test_connections_api_speaks_boto3(dev_server, conversation, db):
    import boto3

    client = boto3.client("apigatewaymanagementapi", endpoint_url=dev_server,
                          region_name="us-east-1")
    conversation_id = conversation["conversation"]["id"]
    # GIVEN an open socket, known to the handlers by its connection id
    with websockets_sync.connect(ws_url(dev_server, conversation["token"]),
                                 user_agent_header="test-agent/1") as ws:
        wait_for(lambda: len(connection_ids(db, conversation_id)) == 1)
        (cid,) = connection_ids(db, conversation_id)
        # WHEN boto3 reads it, posts to it THEN it answers and the socket gets the bytes
        info = client.get_connection(ConnectionId=cid)
        assert info["Identity"]["UserAgent"] == "test-agent/1"
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        client.post_to_connection(ConnectionId=cid, Data=b'{"type":"hello"}')
        assert json.loads(ws.recv(timeout=10)) == {"type": "hello"}
        # WHEN a post is too big THEN it is refused as API Gateway refuses it
        with pytest.raises(client.exceptions.PayloadTooLargeException):
            client.post_to_connection(ConnectionId=cid, Data=b"x" * 40_000)
        # WHEN boto3 deletes it THEN the socket closes and $disconnect forgets it
        client.delete_connection(ConnectionId=cid)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    wait_for(lambda: connection_ids(db, conversation_id) == [])
    # THEN a post to it is a GoneException, in the shape boto3 raises
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=cid, Data=b"{}")
    status, headers, body = http("GET", f"{dev_server}/@connections/{cid}")
    assert status == 410 and headers.get("x-amzn-ErrorType") == "GoneException"
    assert "gone" in body["message"]
    # AND what the management API does not serve is refused in its shape
    status, headers, _ = http("PUT", f"{dev_server}/@connections/{cid}", {})
    assert status == 405 and headers.get("x-amzn-ErrorType") == "MethodNotAllowedException"


def test_the_token_never_reaches_the_log(dev_server, dev_dir, conversation):
    # GIVEN a socket opened with a token in its URL
    with websockets_sync.connect(ws_url(dev_server, conversation["token"])) as ws:
        ws.send(json.dumps({"action": "ping"}))
        receive_until(ws, "pong", timeout=20)
    # THEN the server's log shows the socket, not the credential
    log = (dev_dir / "dev.log").read_text()
    assert "token=[redacted]" in log
    assert conversation["token"] not in log


def test_a_deactivated_agents_socket_is_told_why_and_closed(dev_server, make_tenant):
    # GIVEN a socket chatting with an agent
    tenant = make_tenant("Closing Store")
    status, _, agent = http("POST", f"{dev_server}/v1/agent/agents", {"name": "Ava"},
                            key=tenant.api_key)
    assert status == 201, agent
    status, _, created = http("POST", f"{dev_server}/v1/agent/conversations", {},
                              key=agent["publishable_key"])
    assert status == 201, created
    url = ws_url(dev_server, created["token"])
    with websockets_sync.connect(url) as ws:
        ws.send(json.dumps({"action": "ping"}))
        receive_until(ws, "pong", timeout=20)
        # WHEN the store deactivates the agent and the socket sends a message
        status, _, _ = http("PATCH", f"{dev_server}/v1/agent/agents/{agent['id']}",
                            {"is_active": False}, key=tenant.api_key)
        assert status == 200
        ws.send(json.dumps({"action": "message", "content": "still there?"}))
        # THEN one error frame says why, and the stack closes the socket
        frames = receive_until(ws, "error", timeout=20)
        assert frames[-1]["error"]["code"] == "agent_inactive"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=20)
    # AND a new socket with that token is refused at $connect
    with websockets_sync.connect(url) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=20)
    assert closed.value.rcvd.code == 1008


# moto's SQS server logs through werkzeug: one access line per receive, and the poller
# receives every second.
SQS_ACCESS_LINE = "werkzeug: 127.0.0.1 - - "


def log_after(base: str, log_path: Path, seconds: float) -> str:
    """The server's log once it has served for at least `seconds`."""
    time.sleep(max(0.0, STARTED[base] + seconds - time.monotonic()))
    return log_path.read_text()


def test_the_dev_log_shows_requests_not_the_stand_ins_traffic(dev_server, dev_dir):
    # GIVEN the dev stack, started as `make dev` starts it, serving for a few seconds
    # (the SQS poller receives every second, the webhook sweep runs every 5 s)
    log = log_after(dev_server, dev_dir / "dev.log", 6)
    # THEN its requests are there
    assert '"GET /healthz HTTP/1.1" 200' in log
    # AND none of the SQS stand-in's access lines, idle sweeps or metric blobs (a sweep
    # that sent or retried a webhook of an earlier test's store does show)
    assert SQS_ACCESS_LINE not in log
    sweeps = [json.loads(line) for line in log.splitlines()
              if line.startswith("{") and '"message":"webhooks swept"' in line]
    assert not [s for s in sweeps if not (s["delivered"] or s["retrying"] or s["failed"])]
    assert '"CloudWatchMetrics"' not in log
    assert "No application metrics to publish" not in log


@pytest.mark.devstack  # its own server, not the module's fixture
def test_verbose_shows_the_stand_ins_traffic(database_url, db, tmp_path):
    # GIVEN `agentpay dev --verbose`
    with run_dev_server(database_url, tmp_path, demo=False, extra_args=("--verbose",)) as base:
        # WHEN it has served for a few seconds
        log = log_after(base, tmp_path / "dev.log", 3)
    # THEN moto's access lines for the SQS poller's receives are in its log
    assert SQS_ACCESS_LINE in log and '"POST / HTTP/1.1" 200' in log
