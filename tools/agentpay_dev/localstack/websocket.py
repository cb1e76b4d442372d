"""A local API Gateway WebSocket API: browser sockets in, the real ws handlers behind.

`ws://HOST:PORT/ws?token=...` is served by the same uvicorn as the HTTP API. Every socket
gets an API Gateway-style connection id; its connect, each text frame and its disconnect
become `$connect` / `$default` / `$disconnect` events (built from the real samples in
`events/`) and are handed to `functions/ws_*/app.py` on worker threads, as Lambda would
invoke them. Replies go the production way: the handlers' boto3 `post_to_connection`
calls `POST /@connections/{id}` on this same server, which writes to the socket.

AWS limits kept here: 32 KB frames both ways; a `$connect` answer other than 200 refuses
the socket (closed with 1008, policy violation); a post to a connection that is gone is a
410 `GoneException` that boto3 raises as `client.exceptions.GoneException`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import json
import logging
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response, WebSocket, WebSocketDisconnect

from agentpay_dev.localstack.functions import REPO_ROOT, LocalContext, load_function

logger = logging.getLogger("agentpay.dev.websocket")

MAX_FRAME_BYTES = 32 * 1024
POLICY_VIOLATION = 1008
WS_PATH = "/ws"
ROUTES = {"$connect": "ws_connect", "$default": "ws_message", "$disconnect": "ws_disconnect"}
_TEMPLATES = {"$connect": "ws_connect.json", "$default": "ws_message.json",
              "$disconnect": "ws_disconnect.json"}
_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


def new_id() -> str:
    """16 characters ending in '=', like API Gateway's ids, and safe in a URL path."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


def _request_time(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _header_name(name: str) -> str:
    """ASGI lowercases header names; API Gateway passes the browser's spelling."""
    return "-".join("WebSocket" if p == "websocket" else p.capitalize() for p in name.split("-"))


@dataclass
class LocalConnection:
    """One browser socket and what `GET @connections/{id}` reports about it."""

    connection_id: str
    websocket: WebSocket
    source_ip: str
    user_agent: str
    connected_at_ms: int
    last_active_ms: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    open: bool = True


class EventFactory:
    """API Gateway-shaped WebSocket events, from the real samples in `events/`."""

    def __init__(self, domain_name: str, stage: str = "local", api_id: str = "local") -> None:
        self.domain_name, self.stage, self.api_id = domain_name, stage, api_id
        self._templates = {route: json.loads((REPO_ROOT / "events" / name).read_text())
                           for route, name in _TEMPLATES.items()}

    def _event(self, route: str, conn: LocalConnection) -> dict[str, Any]:
        event = copy.deepcopy(self._templates[route])
        now = int(time.time() * 1000)
        ctx = event["requestContext"]
        request_id = new_id()
        ctx.update({
            "routeKey": route, "connectionId": conn.connection_id,
            "domainName": self.domain_name, "stage": self.stage, "apiId": self.api_id,
            "requestId": request_id, "extendedRequestId": request_id,
            "requestTime": _request_time(now), "requestTimeEpoch": now,
            "connectedAt": conn.connected_at_ms,
            "identity": {"userAgent": conn.user_agent, "sourceIp": conn.source_ip},
        })
        return event

    def connect(self, conn: LocalConnection, headers: dict[str, str],
                query: list[tuple[str, str]]) -> dict[str, Any]:
        event = self._event("$connect", conn)
        event["requestContext"]["eventType"] = "CONNECT"
        names = {_header_name(k): v for k, v in headers.items()}
        names.update({"Host": self.domain_name, "X-Forwarded-For": conn.source_ip,
                      "X-Forwarded-Proto": "http",
                      "X-Forwarded-Port": self.domain_name.rsplit(":", 1)[-1]})
        event["headers"] = names
        event["multiValueHeaders"] = {k: [v] for k, v in names.items()}
        multi: dict[str, list[str]] = {}
        for key, value in query:
            multi.setdefault(key, []).append(value)
        if multi:  # API Gateway leaves these out when the URL has no query string
            event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()}
            event["multiValueQueryStringParameters"] = multi
        else:
            event.pop("queryStringParameters", None)
            event.pop("multiValueQueryStringParameters", None)
        return event

    def message(self, conn: LocalConnection, data: str | bytes) -> dict[str, Any]:
        event = self._event("$default", conn)
        event["requestContext"].update({"eventType": "MESSAGE", "messageId": new_id()})
        if isinstance(data, bytes):  # binary frames arrive base64-encoded, as in AWS
            event.update({"body": base64.b64encode(data).decode(), "isBase64Encoded": True})
        else:
            event.update({"body": data, "isBase64Encoded": False})
        return event

    def disconnect(self, conn: LocalConnection, code: int, reason: str) -> dict[str, Any]:
        event = self._event("$disconnect", conn)
        event["requestContext"].update({"eventType": "DISCONNECT",
                                        "disconnectStatusCode": code,
                                        "disconnectReason": reason})
        event["headers"] = {"Host": self.domain_name, "x-api-key": "",
                            "X-Forwarded-For": "", "x-restapi": ""}
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
        return event


def _aws_error(status: int, error_type: str, message: str) -> Response:
    """An error as API Gateway's management API sends it; botocore reads the type header."""
    return Response(json.dumps({"message": message}), status_code=status,
                    media_type="application/json",
                    headers={"x-amzn-ErrorType": error_type})


def _frame_error(code: str, message: str) -> str:
    return json.dumps({"type": "error", "error": {"code": code, "message": message}})


class QuietConnectionsLog(logging.Filter):
    """Drop uvicorn's access line for each `@connections` post: one per frame per tab would
    bury the log. Failures (5xx) still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if len(args) >= 5 and str(args[2]).startswith("/@connections/"):
            return int(args[4]) >= 500
        return True


class RedactTokens(logging.Filter):
    """uvicorn logs each socket's URL, and the token in it is a credential: mask it."""

    _TOKEN = re.compile(r"(token=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._TOKEN.sub(r"\1[redacted]", a) if isinstance(a, str)
                                else a for a in record.args)
        return True


class ConnectionsApi:
    """Pure ASGI middleware: `/@connections/{id}` goes straight to the gateway.

    Every frame to every tab is one such request (a reply streamed to 100 tabs is ~400),
    all on the one event loop that also writes to the sockets. The API's middleware stack
    and router cost ~0.1 ms of CPU per request, nine times the post itself, and the
    management API needs neither (it answers loopback only, and refuses posts over 32 KB).
    """

    PREFIX = "/@connections/"

    def __init__(self, app, gateway: LocalWebSocketGateway) -> None:
        self.app = app
        self.gateway = gateway
        self._methods = {"POST": gateway.post_to_connection, "GET": gateway.get_connection,
                         "DELETE": gateway.delete_connection}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.PREFIX):
            return await self.app(scope, receive, send)
        connection_id = scope["path"][len(self.PREFIX):]
        method = self._methods.get(scope["method"])
        if not connection_id or "/" in connection_id:
            response = _aws_error(404, "NotFoundException", "no such resource")
        elif method is None:
            response = _aws_error(405, "MethodNotAllowedException",
                                  f"{scope['method']} is not allowed here")
        else:
            response = await method(connection_id, Request(scope, receive))
        await response(scope, receive, send)


class LocalWebSocketGateway:
    """The `/ws` route and the `@connections` API, wired into one FastAPI app."""

    # Like the DB pool and boto3's connection pool (10 each): more threads would only queue
    # on those, and overflow boto3's pool. Unless `verbose`, the stand-in logs warnings only
    # and uvicorn's access log leaves out the `@connections` posts (5xx still show).
    def __init__(self, domain_name: str, workers: int = 10, verbose: bool = False) -> None:
        self.verbose = verbose
        logger.setLevel(logging.INFO if verbose else logging.WARNING)
        self.events = EventFactory(domain_name)
        self.connections: dict[str, LocalConnection] = {}
        # Load the handlers once on this thread: imports are not safe to race.
        self._handlers = {route: load_function(name).handler for route, name in ROUTES.items()}
        self._executor = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix="ws-handler")

    def attach(self, app: FastAPI) -> None:
        """Call before the app serves its first request (middleware is fixed then)."""
        app.add_api_websocket_route(WS_PATH, self.serve_socket)
        app.add_middleware(ConnectionsApi, gateway=self)
        if not self.verbose:
            logging.getLogger("uvicorn.access").addFilter(QuietConnectionsLog())
        logging.getLogger("uvicorn.error").addFilter(RedactTokens())

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _invoke(self, route: str, event: dict[str, Any]) -> dict[str, Any] | None:
        """Run a handler off the event loop; a crash is logged as Lambda would log it."""
        handler = self._handlers[route]
        context = LocalContext(ROUTES[route], timeout_ms=29_000)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, handler, event, context)
        except Exception:  # one failed invocation must not end the socket
            logger.exception("%s handler failed", ROUTES[route])
            return None

    # --- the browser side -------------------------------------------------------------

    async def serve_socket(self, websocket: WebSocket) -> None:
        now = int(time.time() * 1000)
        client = websocket.client
        conn = LocalConnection(new_id(), websocket, client.host if client else "127.0.0.1",
                               websocket.headers.get("user-agent", ""), now, now)
        result = await self._invoke("$connect", self.events.connect(
            conn, dict(websocket.headers), list(websocket.query_params.multi_items())))
        if not result or result.get("statusCode") != 200:
            reason = str((result or {}).get("body") or "connection refused")[:120]
            await websocket.accept()
            await websocket.close(code=POLICY_VIOLATION, reason=reason)
            return
        code, reason, pending = 1005, "", set()
        try:
            # Posts for this id (another tab may already be broadcasting) wait for accept.
            async with conn.lock:
                self.connections[conn.connection_id] = conn
                await websocket.accept()
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    code, reason = message.get("code", 1005), message.get("reason") or ""
                    break
                conn.last_active_ms = int(time.time() * 1000)
                data = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                size = len(data.encode()) if isinstance(data, str) else len(data)
                if size > MAX_FRAME_BYTES:
                    await self._deliver(conn, _frame_error(
                        "frame_too_large", f"frames are limited to {MAX_FRAME_BYTES} bytes"))
                    continue
                # Frames run concurrently, like separate Lambda invocations.
                task = asyncio.create_task(self._frame(conn, data))
                pending.add(task)
                task.add_done_callback(pending.discard)
        except WebSocketDisconnect as exc:
            code, reason = exc.code, exc.reason or ""
        finally:
            conn.open = False
            self.connections.pop(conn.connection_id, None)
            await self._invoke("$disconnect", self.events.disconnect(
                conn, code, reason or "Going away"))

    async def _frame(self, conn: LocalConnection, data: str | bytes) -> None:
        result = await self._invoke("$default", self.events.message(conn, data))
        if result is None:  # what API Gateway tells the client when the integration fails
            await self._deliver(conn, json.dumps({
                "message": "Internal server error", "connectionId": conn.connection_id,
                "requestId": new_id()}))

    async def _deliver(self, conn: LocalConnection, text: str | bytes) -> bool:
        """Write one frame; frames to one socket keep the order they were posted in."""
        async with conn.lock:
            if not conn.open:
                return False
            try:
                if isinstance(text, bytes):
                    await conn.websocket.send_bytes(text)
                else:
                    await conn.websocket.send_text(text)
                return True
            except Exception:  # noqa: BLE001 - a socket that fails to take a frame is gone
                conn.open = False
                return False

    # --- the @connections management API ---------------------------------------------

    def _lookup(self, request: Request, connection_id: str) -> LocalConnection | Response:
        if request.client and request.client.host not in _LOOPBACK:
            return _aws_error(403, "ForbiddenException", "the local management API is "
                              "served to this machine only")
        conn = self.connections.get(connection_id)
        if conn is None or not conn.open:
            return _aws_error(410, "GoneException", f"connection {connection_id} is gone")
        return conn

    async def post_to_connection(self, connection_id: str, request: Request) -> Response:
        conn = self._lookup(request, connection_id)
        if isinstance(conn, Response):
            return conn
        data = await request.body()
        if len(data) > MAX_FRAME_BYTES:
            return _aws_error(413, "PayloadTooLargeException",
                              f"data is larger than {MAX_FRAME_BYTES} bytes")
        try:
            frame: str | bytes = data.decode()
        except UnicodeDecodeError:
            frame = data
        if not await self._deliver(conn, frame):
            return _aws_error(410, "GoneException", f"connection {connection_id} is gone")
        return Response(status_code=200)

    async def get_connection(self, connection_id: str, request: Request) -> Response:
        conn = self._lookup(request, connection_id)
        if isinstance(conn, Response):
            return conn

        def iso(ms: int) -> str:
            return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")

        return Response(json.dumps({
            "connectedAt": iso(conn.connected_at_ms), "lastActiveAt": iso(conn.last_active_ms),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
        }), media_type="application/json")

    async def delete_connection(self, connection_id: str, request: Request) -> Response:
        conn = self._lookup(request, connection_id)
        if isinstance(conn, Response):
            return conn
        async with conn.lock:
            conn.open = False
            with contextlib.suppress(Exception):  # already closing is as good as closed
                await conn.websocket.close(code=1000, reason="deleted")
        return Response(status_code=204)
