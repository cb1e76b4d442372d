"""A local fake of the OpenAI HTTP API, so tests exercise the real ``openai`` client end to end.

Why a real HTTP server rather than mocking the client: the client's request shape
(``encoding_format: "base64"`` by default, auth header, JSON body), its error mapping
(status -> exception class, ``Retry-After`` headers) and its timeouts are exactly what
breaks in production, and a mock would hide them.

Usage::

    with FakeOpenAIServer(api_key="sk-test") as server:
        client = OpenAI(api_key="sk-test", base_url=server.base_url, max_retries=0)
        server.fail_next(1, status=429, headers={"retry-after": "2"})
        ...
        server.requests[-1].json["model"]

Extending: register a handler for another route in ``routes`` (e.g.
``("POST", "/v1/chat/completions")``). A handler takes a :class:`RecordedRequest` and
returns a :class:`Reply` (JSON) or a :class:`StreamReply` (server-sent events: each item
is sent as ``data: <json>\\n\\n`` and flushed, then ``data: [DONE]``), so chat completions
with ``stream=True`` fit without touching the transport.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import numpy as np

DEFAULT_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072,
                      "text-embedding-ada-002": 1536}
MAX_INPUTS = 2048


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-serialisable, or bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamReply:
    """Server-sent events; ``events`` are JSON-serialised one per ``data:`` line."""

    events: Iterable[Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    done_marker: bool = True


@dataclass
class _Scripted:
    """What to do instead of the normal answer for one upcoming request."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    hang_seconds: float = 0.0
    paths: frozenset[str] | None = None


def openai_error(status: int, message: str, type_: str, code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    """An error in OpenAI's JSON shape, which the client turns into its exception classes."""
    return Reply(status, {"error": {"message": message, "type": type_, "param": param,
                                    "code": code}}, dict(headers or {}))


_DEFAULT_ERRORS = {
    400: ("Bad request.", "invalid_request_error", None),
    429: ("Rate limit reached for text-embedding-3-small on tokens per min (TPM).",
          "tokens", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!",
          "server_error", None),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


def fake_embedding(text: str | list[int], dimensions: int) -> np.ndarray:
    """A deterministic unit vector per input; equal inputs give equal vectors (cheap:
    the 5,000-input batching test builds thousands of them)."""
    key = text if isinstance(text, str) else json.dumps(text)
    raw = hashlib.shake_256(key.encode("utf-8")).digest(2 * dimensions)
    vector = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    return vector / np.linalg.norm(vector)


class FakeOpenAIServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>, run in a daemon thread."""

    def __init__(self, api_key: str | None = "sk-test-fake") -> None:
        self.api_key = api_key  # None accepts any (or no) key
        self.requests: list[RecordedRequest] = []
        self.routes: dict[tuple[str, str], Callable[[RecordedRequest], Reply | StreamReply]] = {
            ("POST", "/v1/embeddings"): self.handle_embeddings,
        }
        self._script: deque[_Scripted] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()  # wakes hanging handlers at shutdown
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> Self:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """What to pass as the client's ``base_url`` (OPENAI_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting ------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 500, *, headers: dict[str, str] | None = None,
                  body: Any = None, paths: Iterable[str] | None = None) -> None:
        """Answer the next ``count`` requests with ``status`` (OpenAI-shaped error body)."""
        with self._lock:
            for _ in range(count):
                self._script.append(_Scripted(status=status, headers=dict(headers or {}),
                                              body=body, paths=_paths(paths)))

    def hang_next(self, count: int = 1, seconds: float = 30.0,
                  paths: Iterable[str] | None = None) -> None:
        """Hold the next ``count`` requests for ``seconds`` before answering (timeouts)."""
        with self._lock:
            for _ in range(count):
                self._script.append(_Scripted(hang_seconds=seconds, paths=_paths(paths)))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- dispatch -------------------------------------------------------------------
    def _take_script(self, path: str) -> _Scripted | None:
        with self._lock:
            for i, item in enumerate(self._script):
                if item.paths is None or path in item.paths:
                    del self._script[i]
                    return item
        return None

    def dispatch(self, request: RecordedRequest) -> Reply | StreamReply:
        with self._lock:
            self.requests.append(request)
        scripted = self._take_script(request.path)
        if scripted is not None and scripted.hang_seconds:
            self._release.wait(scripted.hang_seconds)
        if self.api_key is not None and request.authorization != f"Bearer {self.api_key}":
            presented = (request.authorization or "").removeprefix("Bearer ")
            return openai_error(
                401,
                f"Incorrect API key provided: {presented[:3]}***{presented[-4:]}. You can find "
                "your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error", "invalid_api_key",
            )
        if scripted is not None and scripted.status is not None:
            if scripted.body is not None:
                return Reply(scripted.status, scripted.body, scripted.headers)
            message, type_, code = _DEFAULT_ERRORS.get(
                scripted.status, (f"Error {scripted.status}.", "server_error", None))
            return openai_error(scripted.status, message, type_, code, headers=scripted.headers)
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return openai_error(404, f"Invalid URL ({request.method} {request.path})",
                                "invalid_request_error")
        return handler(request)

    # -- routes ---------------------------------------------------------------------
    def handle_embeddings(self, request: RecordedRequest) -> Reply:
        try:
            payload = request.json
        except ValueError:
            return openai_error(400, "We could not parse the JSON body of your request.",
                                "invalid_request_error")
        if not isinstance(payload, dict):
            return openai_error(400, "Invalid body.", "invalid_request_error")
        model = payload.get("model")
        if not model:
            return openai_error(400, "you must provide a model parameter",
                                "invalid_request_error", param="model")
        raw = payload.get("input")
        inputs = [raw] if isinstance(raw, str) or (
            isinstance(raw, list) and raw and isinstance(raw[0], int)) else raw
        if not isinstance(inputs, list) or not inputs:
            return openai_error(400, "'$.input' is invalid.", "invalid_request_error",
                                param="input")
        if len(inputs) > MAX_INPUTS:
            return openai_error(400, f"'$.input' is invalid: at most {MAX_INPUTS} inputs.",
                                "invalid_request_error", param="input")
        if any(item == "" or item == [] for item in inputs):
            return openai_error(400, "'$.input' is invalid: empty strings are not allowed.",
                                "invalid_request_error", param="input")
        dimensions = payload.get("dimensions", DEFAULT_DIMENSIONS.get(model, 1536))
        if not isinstance(dimensions, int) or dimensions < 1:
            return openai_error(400, "Invalid 'dimensions'.", "invalid_request_error",
                                param="dimensions")
        encoding = payload.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            return openai_error(400, "Invalid 'encoding_format'.", "invalid_request_error",
                                param="encoding_format")
        data = []
        tokens = 0
        for index, item in enumerate(inputs):
            vector = fake_embedding(item, dimensions)
            tokens += len(item) if isinstance(item, list) else max(1, len(item) // 4)
            embedding: Any = (base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
                              if encoding == "base64" else vector.tolist())
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        return Reply(200, {"object": "list", "data": data, "model": model,
                           "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


def _paths(paths: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(paths) if paths is not None else None


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            request = RecordedRequest(
                method=self.command,
                path=self.path.split("?", 1)[0],
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            reply = server.dispatch(request)
            try:
                if isinstance(reply, StreamReply):
                    self._send_stream(reply)
                else:
                    self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. its timeout)

        do_GET = do_POST = do_DELETE = _handle

        def _send(self, reply: Reply) -> None:
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(
                reply.body).encode("utf-8")
            self.send_response(reply.status)
            headers = {"content-type": "application/json", "x-request-id": "req_fake",
                       **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_stream(self, reply: StreamReply) -> None:
            self.send_response(reply.status)
            headers = {"content-type": "text/event-stream", "cache-control": "no-cache",
                       "x-request-id": "req_fake", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("connection", "close")  # close-delimited body
            self.end_headers()
            self.close_connection = True
            for event in reply.events:
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
            if reply.done_marker:
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

    return Handler
