"""A local fake of Anthropic's Messages API, so tests exercise the real ``anthropic`` client.

Why a real HTTP server rather than mocking the client: the streamed wire protocol
(``event:`` names, ``input_json_delta`` pieces, usage split across ``message_start`` and
``message_delta``), the error bodies and status codes the SDK maps to its exception
classes, and the client's timeouts are what break in production; a mock hides them.

Usage::

    with FakeAnthropicServer(api_key="sk-ant-test") as server:
        client = AsyncAnthropic(api_key="sk-ant-test", base_url=server.base_url)
        server.reply_text("Hello", " there")                     # next answer streams these
        server.reply_tool("search_products", {"query": "tea"})   # the one after calls a tool
        server.fail_next(1, status=529)                          # ... before any of them
        server.hang_next(1, seconds=5)
        server.messages_bodies()[-1]["tools"]

The key may come as ``x-api-key`` or ``Authorization: Bearer`` (the 2.x SDK sends the
latter; the real API takes ``x-api-key`` when both are present). With API version
2026-10-21 or later (what the 2.x SDK sends) sampling parameters (``temperature``,
``top_p``, ``top_k``) are rejected with a 400, as the real API does.

Faults (``fail_next``, ``hang_next``) apply to the next requests whatever they are;
scripted answers apply to the next request that gets an answer. Without a script the
fake answers with a short default text. Requests are validated roughly as the real API
does (headers, required fields, tool_use / tool_result pairing) and get a 400
``invalid_request_error`` otherwise, so a wrong wire shape fails the test.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from fakes.openai_server import RecordedRequest, Reply

DEFAULT_TEXT = ("Hello", " from", " the", " fake", " Claude.")
ERROR_TYPES = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use this resource."),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error",
          "Number of request tokens has exceeded your per-minute rate limit."),
    500: ("api_error", "Internal server error."),
    529: ("overloaded_error", "Overloaded"),
}
SAMPLING_REMOVED_IN = "2026-10-21"  # API version that rejects temperature / top_p / top_k
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_ids = itertools.count(1)


def anthropic_error(status: int, message: str | None = None, type_: str | None = None,
                    headers: dict[str, str] | None = None) -> Reply:
    """An error in the Messages API's shape: ``{"type": "error", "error": {...}}``."""
    default_type, default_message = ERROR_TYPES.get(status, ("api_error", f"Error {status}."))
    return Reply(status, {"type": "error", "error": {"type": type_ or default_type,
                                                     "message": message or default_message}},
                 dict(headers or {}))


@dataclass
class ToolUse:
    name: str
    input: dict[str, Any]
    id: str = ""  # generated ("toolu_fake_N") when empty


@dataclass
class Script:
    """One scripted answer. Streaming sends each ``text`` item as one ``text_delta`` and
    each tool input in ``json_pieces`` ``input_json_delta`` fragments."""

    text: list[str] = field(default_factory=list)
    tool_uses: list[ToolUse] = field(default_factory=list)
    stop_reason: str | None = None  # default: "tool_use" with tools, else "end_turn"
    input_tokens: int | None = None  # default: a rough count of the request
    output_tokens: int | None = None  # default: a rough count of the answer
    json_pieces: int = 3
    delay: float = 0.0  # pause between streamed events
    error_after: int | None = None  # after this many text deltas, an `event: error` ...
    error_type: str = "overloaded_error"  # ... of this type, and the stream ends
    drop_after: int | None = None  # after this many text deltas, close the connection
    stall_after: int | None = None  # after this many text deltas, go silent ...
    stall_seconds: float = 30.0  # ... for this long (pings stop too), then carry on
    ping_only_seconds: float = 0.0  # before any content, send only pings for this long


@dataclass
class _Fault:
    status: int | None = None
    error_type: str | None = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0


@dataclass
class SSE:
    """Server-sent events, each ``(event name, JSON data)``; a float pauses that long,
    ``None`` drops the connection without finishing the body."""

    frames: Iterable[tuple[str, Any] | float | None]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class FakeAnthropicServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>, run in a daemon thread."""

    def __init__(self, api_key: str | None = "sk-ant-test-fake") -> None:
        self.api_key = api_key  # None accepts any (or no) key
        self.requests: list[RecordedRequest] = []
        self._faults: deque[_Fault] = deque()
        self._scripts: deque[Script] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()  # wakes sleeping handlers at shutdown
        self._generation = 0  # bumped by reset(): a request held across it is stale
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
        """What to pass as the client's ``base_url`` (ANTHROPIC_BASE_URL): no ``/v1``."""
        return f"http://127.0.0.1:{self.port}"

    # -- scripting ------------------------------------------------------------------
    def script(self, *scripts: Script) -> None:
        with self._lock:
            self._scripts.extend(scripts)

    def reply_text(self, *chunks: str, **options: Any) -> None:
        """The next answer streams ``chunks`` as text deltas (``options``: Script fields)."""
        self.script(Script(text=list(chunks), **options))

    def reply_tool(self, name: str, arguments: dict[str, Any], *, text: Iterable[str] = (),
                   id: str = "", **options: Any) -> None:
        """The next answer (after optional ``text``) calls tool ``name`` with ``arguments``."""
        self.script(Script(text=list(text), tool_uses=[ToolUse(name, arguments, id)],
                           **options))

    def fail_next(self, count: int = 1, status: int = 500, *, error_type: str | None = None,
                  message: str | None = None, headers: dict[str, str] | None = None) -> None:
        """Answer the next ``count`` requests with ``status`` and an Anthropic error body."""
        with self._lock:
            self._faults.extend(_Fault(status=status, error_type=error_type, message=message,
                                       headers=dict(headers or {})) for _ in range(count))

    def hang_next(self, count: int = 1, seconds: float = 30.0) -> None:
        """Hold the next ``count`` requests for ``seconds`` before answering (timeouts)."""
        with self._lock:
            self._faults.extend(_Fault(hang_seconds=seconds) for _ in range(count))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self._scripts.clear()
            self._generation += 1

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def messages_bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies sent to ``POST /v1/messages``, oldest first."""
        return [r.json for r in self.requests_to("/v1/messages")]

    def sleep(self, seconds: float) -> None:
        """Sleep in a handler; returns early when the server stops."""
        if seconds > 0:
            self._release.wait(seconds)

    # -- dispatch -------------------------------------------------------------------
    def dispatch(self, request: RecordedRequest) -> Reply | SSE:
        with self._lock:
            self.requests.append(request)
            fault = self._faults.popleft() if self._faults else None
            generation = self._generation
        if fault is not None and fault.hang_seconds:
            self.sleep(fault.hang_seconds)
            with self._lock:
                if generation != self._generation:  # held past reset(): the next test's
                    return anthropic_error(503, "Held past a reset.")  # script is not ours
        presented = request.headers.get("x-api-key") or (
            request.authorization or "").removeprefix("Bearer ")
        if self.api_key is not None and presented != self.api_key:
            return anthropic_error(401)
        if fault is not None and fault.status is not None:
            return anthropic_error(fault.status, fault.message, fault.error_type, fault.headers)
        if (request.method, request.path) != ("POST", "/v1/messages"):
            return anthropic_error(404, f"Not found: {request.method} {request.path}")
        version = request.headers.get("anthropic-version")
        if not version:
            return anthropic_error(400, "anthropic-version: header is required")
        try:
            body = request.json
        except ValueError:
            return anthropic_error(400, "Request body is not valid JSON.")
        problem = validate_messages_request(body, version)
        if problem:
            return anthropic_error(400, problem)
        with self._lock:
            script = self._scripts.popleft() if self._scripts else Script(text=list(DEFAULT_TEXT))
        if body.get("stream"):
            return SSE(self._stream_frames(body, script))
        return Reply(200, self._message(body, script, stop_reason=_stop_reason(script)))

    # -- answers --------------------------------------------------------------------
    def _message(self, body: dict[str, Any], script: Script, *,
                 stop_reason: str | None) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if script.text:
            content.append({"type": "text", "text": "".join(script.text)})
        content.extend({"type": "tool_use", "id": tool.id or f"toolu_fake_{next(_ids)}",
                        "name": tool.name, "input": tool.input} for tool in script.tool_uses)
        return {
            "id": f"msg_fake_{next(_ids)}", "type": "message", "role": "assistant",
            "model": body["model"], "content": content, "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": _input_tokens(body, script),
                      "output_tokens": _output_tokens(script)},
        }

    def _stream_frames(self, body: dict[str, Any],
                       script: Script) -> Iterator[tuple[str, Any] | float | None]:
        start = self._message(body, Script(input_tokens=script.input_tokens), stop_reason=None)
        start["usage"]["output_tokens"] = 1
        yield "message_start", {"type": "message_start", "message": start}
        waited = 0.0
        while waited < script.ping_only_seconds:  # "alive" but saying nothing
            yield "ping", {"type": "ping"}
            yield 0.2
            waited += 0.2
        index = 0
        if script.text:
            yield "content_block_start", {"type": "content_block_start", "index": 0,
                                          "content_block": {"type": "text", "text": ""}}
            yield "ping", {"type": "ping"}
            for sent, chunk in enumerate(script.text):
                if sent == script.error_after:
                    message = ("Overloaded" if script.error_type == "overloaded_error"
                               else "Internal server error.")
                    yield "error", {"type": "error", "error": {"type": script.error_type,
                                                               "message": message}}
                    return
                if sent == script.drop_after:
                    yield None
                    return
                if sent == script.stall_after:
                    yield script.stall_seconds
                yield "content_block_delta", {"type": "content_block_delta", "index": 0,
                                              "delta": {"type": "text_delta", "text": chunk}}
                if script.delay:
                    yield script.delay
            yield "content_block_stop", {"type": "content_block_stop", "index": 0}
            index = 1
        for offset, tool in enumerate(script.tool_uses):
            block = index + offset
            yield "content_block_start", {"type": "content_block_start", "index": block,
                                          "content_block": {
                                              "type": "tool_use",
                                              "id": tool.id or f"toolu_fake_{next(_ids)}",
                                              "name": tool.name, "input": {}}}
            for piece in _pieces(json.dumps(tool.input), script.json_pieces):
                yield "content_block_delta", {"type": "content_block_delta", "index": block,
                                              "delta": {"type": "input_json_delta",
                                                        "partial_json": piece}}
                if script.delay:
                    yield script.delay
            yield "content_block_stop", {"type": "content_block_stop", "index": block}
        yield "message_delta", {"type": "message_delta",
                                "delta": {"stop_reason": _stop_reason(script),
                                          "stop_sequence": None},
                                "usage": {"output_tokens": _output_tokens(script)}}
        yield "message_stop", {"type": "message_stop"}


def validate_messages_request(body: Any, version: str = SAMPLING_REMOVED_IN) -> str | None:
    """What the real API would reject in this body (a subset), or None."""
    if not isinstance(body, dict):
        return "Request body must be a JSON object."
    if version >= SAMPLING_REMOVED_IN:
        for name in ("temperature", "top_p", "top_k"):
            if name in body:
                return f"{name}: Extra inputs are not permitted"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: Field required"
    system = body.get("system")
    if system is not None and not isinstance(system, str | list):
        return "system: Input should be a valid string"
    for i, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or not _TOOL_NAME.match(str(tool.get("name", ""))):
            return f"tools.{i}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'"
        if not isinstance(tool.get("input_schema"), dict) or (
                tool["input_schema"].get("type") != "object"):
            return f"tools.{i}.input_schema.type: Input should be 'object'"
    tool_choice = body.get("tool_choice")
    if tool_choice is not None and (not isinstance(tool_choice, dict) or tool_choice.get(
            "type") not in ("auto", "any", "tool", "none")):
        return "tool_choice: Input tag does not match any of the expected tags"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if not body.get("tools") and any(
            isinstance(block, dict) and block.get("type") in ("tool_use", "tool_result")
            for message in messages if isinstance(message, dict)
            and isinstance(message.get("content"), list)
            for block in message["content"]):
        return "Requests which include `tool_use` or `tool_result` blocks must define tools."
    pending: set[str] = set()  # tool_use ids the next user turn must answer
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            return f"messages.{i}.content: Input should be a valid list"
        answered = {b.get("tool_use_id") for b in blocks
                    if isinstance(b, dict) and b.get("type") == "tool_result"}
        if pending and (role != "user" or not pending <= answered):
            return (f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(sorted(pending - answered))}")
        if answered - pending:
            return (f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` "
                    "blocks; each `tool_result` block must have a corresponding `tool_use` "
                    "block in the previous message")
        seen_other = False
        pending = set()
        for j, block in enumerate(blocks):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "tool_result":
                if seen_other:
                    return (f"messages.{i}.content.{j}: tool_result blocks must come first "
                            "in the user message")
                if not isinstance(block.get("content", ""), str | list):
                    return f"messages.{i}.content.{j}.content: Input should be a valid string"
            elif kind == "text":
                seen_other = True
                if not isinstance(block.get("text"), str):
                    return f"messages.{i}.content.{j}.text: Field required"
                if not block["text"] and not isinstance(content, str):
                    return f"messages.{i}.content.{j}: text content blocks must be non-empty"
            elif kind == "tool_use":
                seen_other = True
                if role != "assistant":
                    return f"messages.{i}.content.{j}: tool_use blocks only in assistant turns"
                if not isinstance(block.get("input"), dict) or not block.get("id"):
                    return f"messages.{i}.content.{j}.input: Input should be a valid dictionary"
                pending.add(block["id"])
            else:
                return f"messages.{i}.content.{j}.type: unknown content block type {kind!r}"
        if isinstance(content, str) and not content and i != len(messages) - 1:
            return f"messages.{i}: all messages must have non-empty content"
    return None


def _stop_reason(script: Script) -> str:
    return script.stop_reason or ("tool_use" if script.tool_uses else "end_turn")


def _input_tokens(body: dict[str, Any], script: Script) -> int:
    if script.input_tokens is not None:
        return script.input_tokens
    size = len(json.dumps(body.get("messages"))) + len(json.dumps(body.get("system") or ""))
    return max(1, size // 4)


def _output_tokens(script: Script) -> int:
    if script.output_tokens is not None:
        return script.output_tokens
    size = sum(len(chunk) for chunk in script.text) + sum(
        len(json.dumps(tool.input)) for tool in script.tool_uses)
    return max(1, size // 4)


def _pieces(text: str, count: int) -> list[str]:
    """``text`` cut into ``count`` consecutive pieces (split mid-token, as the API does)."""
    count = max(1, min(count, len(text)))
    size = -(-len(text) // count)
    return [text[i:i + size] for i in range(0, len(text), size)]


def _make_handler(server: FakeAnthropicServer) -> type[BaseHTTPRequestHandler]:
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
                if isinstance(reply, SSE):
                    self._send_stream(reply)
                else:
                    self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. its timeout)

        do_GET = do_POST = do_DELETE = _handle

        def _send(self, reply: Reply) -> None:
            payload = json.dumps(reply.body).encode("utf-8")
            self.send_response(reply.status)
            headers = {"content-type": "application/json", "request-id": "req_fake",
                       **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_stream(self, reply: SSE) -> None:
            self.send_response(reply.status)
            headers = {"content-type": "text/event-stream", "cache-control": "no-cache",
                       "request-id": "req_fake", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("connection", "close")  # close-delimited body
            self.end_headers()
            self.close_connection = True
            for frame in reply.frames:
                if frame is None:  # drop: end the body without message_stop
                    break
                if isinstance(frame, int | float):
                    server.sleep(frame)
                    continue
                event, data = frame
                self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()

    return Handler
