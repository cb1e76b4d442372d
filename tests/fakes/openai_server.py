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

Chat completions (``POST /v1/chat/completions``) are served too, streamed or not, from
scripts: ``reply_chat_text("Hi", " there")`` streams those deltas next;
``reply_chat_tool("search_products", {"query": "tea"})`` streams a tool call whose
arguments arrive in index-keyed fragments; ``ChatScript(error_after=1)`` sends an error
object mid-stream, ``drop_after`` ends the body early, ``stall_after`` goes silent.
Without a script the answer is a short default text. ``fail_next`` / ``hang_next`` apply
to chat requests as to embeddings (use ``paths`` to aim them).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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


@dataclass
class ChatToolCall:
    name: str
    arguments: dict[str, Any]
    id: str = ""  # generated ("call_fake_N") when empty


@dataclass
class ChatScript:
    """One scripted chat answer. Streaming sends each ``text`` item as one content delta
    and each tool call's JSON arguments in ``argument_pieces`` fragments."""

    text: list[str] = field(default_factory=list)
    tool_calls: list[ChatToolCall] = field(default_factory=list)
    finish_reason: str | None = None  # default: "tool_calls" with tools, else "stop"
    prompt_tokens: int | None = None  # default: a rough count of the request
    completion_tokens: int | None = None  # default: a rough count of the answer
    argument_pieces: int = 3
    delay: float = 0.0  # pause between streamed chunks
    error_after: int | None = None  # after this many text deltas, an error object; end
    drop_after: int | None = None  # after this many text deltas, end the body (no [DONE])
    stall_after: int | None = None  # after this many text deltas, go silent ...
    stall_seconds: float = 30.0  # ... for this long, then carry on


_chat_ids = itertools.count(1)


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
            ("POST", "/v1/chat/completions"): self.handle_chat_completions,
        }
        self._script: deque[_Scripted] = deque()
        self._chat_scripts: deque[ChatScript] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()  # wakes hanging handlers at shutdown
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
            self._chat_scripts.clear()
            self._generation += 1

    def script_chat(self, *scripts: ChatScript) -> None:
        """Queue answers for the next chat completions, in order."""
        with self._lock:
            self._chat_scripts.extend(scripts)

    def reply_chat_text(self, *chunks: str, **options: Any) -> None:
        """The next chat answer streams ``chunks`` (``options``: ChatScript fields)."""
        self.script_chat(ChatScript(text=list(chunks), **options))

    def reply_chat_tool(self, name: str, arguments: dict[str, Any], *,
                        text: Iterable[str] = (), id: str = "", **options: Any) -> None:
        """The next chat answer (after optional ``text``) calls tool ``name``."""
        self.script_chat(ChatScript(text=list(text),
                                    tool_calls=[ChatToolCall(name, arguments, id)], **options))

    def chat_bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies sent to ``POST /v1/chat/completions``, oldest first."""
        return [r.json for r in self.requests_to("/v1/chat/completions")]

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
            generation = self._generation
        scripted = self._take_script(request.path)
        if scripted is not None and scripted.hang_seconds:
            self._release.wait(scripted.hang_seconds)
            with self._lock:
                if generation != self._generation:  # held past reset(): the next test's
                    return openai_error(503, "Held past a reset.", "server_error")  # not ours
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


    def handle_chat_completions(self, request: RecordedRequest) -> Reply | StreamReply:
        try:
            payload = request.json
        except ValueError:
            return openai_error(400, "We could not parse the JSON body of your request.",
                                "invalid_request_error")
        problem = validate_chat_request(payload)
        if problem:
            message, param = problem
            return openai_error(400, message, "invalid_request_error", param=param)
        with self._lock:
            script = (self._chat_scripts.popleft() if self._chat_scripts
                      else ChatScript(text=["Hello", " from", " the", " fake", " GPT."]))
        calls = [{"id": call.id or f"call_fake_{next(_chat_ids)}", "type": "function",
                  "function": {"name": call.name, "arguments": json.dumps(call.arguments)}}
                 for call in script.tool_calls]
        finish = script.finish_reason or ("tool_calls" if calls else "stop")
        usage = _chat_usage(payload, script)
        base = {"id": f"chatcmpl-fake{next(_chat_ids)}", "created": int(time.time()),
                "model": payload["model"], "system_fingerprint": "fp_fake"}
        if not payload.get("stream"):
            message: dict[str, Any] = {"role": "assistant",
                                       "content": "".join(script.text) or None,
                                       "refusal": None}
            if calls:
                message["tool_calls"] = calls
            return Reply(200, {**base, "object": "chat.completion", "usage": usage,
                               "choices": [{"index": 0, "message": message,
                                            "logprobs": None, "finish_reason": finish}]})
        include_usage = bool((payload.get("stream_options") or {}).get("include_usage"))
        broken = script.error_after is not None or script.drop_after is not None
        return StreamReply(self._chat_chunks(base, script, calls, finish,
                                             usage if include_usage else None),
                           done_marker=not broken)

    def _chat_chunks(self, base: dict[str, Any], script: ChatScript, calls: list[dict],
                     finish: str, usage: dict[str, int] | None) -> Iterator[dict[str, Any]]:
        """The chunk sequence OpenAI streams (a generator: pauses happen while sending)."""
        chunk = {**base, "object": "chat.completion.chunk"}
        if usage is not None:
            chunk["usage"] = None

        def choice(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {**chunk, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                          "finish_reason": finish_reason}]}

        yield choice({"role": "assistant", "content": "", "refusal": None})
        for sent, text in enumerate(script.text):
            if sent == script.error_after:
                yield {"error": {"message": "The server had an error while processing your "
                                            "request. Sorry about that!",
                                 "type": "server_error", "param": None, "code": None}}
                return
            if sent == script.drop_after:
                return
            if sent == script.stall_after:
                self._release.wait(script.stall_seconds)
            yield choice({"content": text})
            if script.delay:
                self._release.wait(script.delay)
        for index, call in enumerate(calls):
            yield choice({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                          "function": {"name": call["function"]["name"],
                                                       "arguments": ""}}]})
            arguments = call["function"]["arguments"]
            size = -(-len(arguments) // max(1, script.argument_pieces))
            for start in range(0, len(arguments), max(1, size)):
                yield choice({"tool_calls": [{"index": index, "function": {
                    "arguments": arguments[start:start + size]}}]})
                if script.delay:
                    self._release.wait(script.delay)
        yield choice({}, finish)
        if usage is not None:
            yield {**chunk, "choices": [], "usage": usage}


def validate_chat_request(body: Any) -> tuple[str, str | None] | None:
    """What the real API would reject in this body (a subset): (message, param) or None."""
    if not isinstance(body, dict):
        return "Invalid body.", None
    if not body.get("model"):
        return "you must provide a model parameter", "model"
    if body.get("stream_options") is not None and not body.get("stream"):
        return ("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                "stream_options")
    for name in ("max_tokens", "max_completion_tokens"):
        if name in body and (not isinstance(body[name], int) or body[name] < 1):
            return f"Invalid '{name}': integer below minimum value.", name
    for i, tool in enumerate(body.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type") != "function" or not isinstance(function, dict) or not re.match(
                r"^[a-zA-Z0-9_-]{1,64}$", str(function.get("name", ""))):
            return f"Invalid 'tools[{i}]'.", f"tools[{i}]"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "[] is too short - 'messages'", "messages"
    pending: set[str] = set()  # tool_call ids still waiting for their tool message
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("system", "developer", "user", "assistant", "tool"):
            return f"Invalid value: '{role}'.", f"messages.[{i}].role"
        if role == "tool":
            if message.get("tool_call_id") not in pending:
                complaint = ("Invalid parameter: messages with role 'tool' must be a response "
                             "to a preceeding message with 'tool_calls'.")
                return complaint, f"messages.[{i}].role"
            pending.discard(message["tool_call_id"])
            if not isinstance(message.get("content"), str):
                return "Invalid type for 'content'.", f"messages.[{i}].content"
            continue
        if pending:
            missing = ", ".join(sorted(pending))
            unanswered = ("An assistant message with 'tool_calls' must be followed by tool "
                          "messages responding to each 'tool_call_id'. The following "
                          f"tool_call_ids did not have response messages: {missing}")
            return unanswered, "messages"
        calls = message.get("tool_calls") if role == "assistant" else None
        if calls:
            for call in calls:
                function = call.get("function") or {}
                if call.get("type") != "function" or not call.get("id") or not isinstance(
                        function.get("arguments"), str):
                    return "Invalid 'tool_calls'.", f"messages.[{i}].tool_calls"
                pending.add(call["id"])
        elif not isinstance(message.get("content"), str | list):
            return "Invalid type for 'content'.", f"messages.[{i}].content"
    return None


def _chat_usage(payload: dict[str, Any], script: ChatScript) -> dict[str, int]:
    prompt = script.prompt_tokens
    if prompt is None:
        prompt = max(1, len(json.dumps(payload.get("messages"))) // 4)
    completion = script.completion_tokens
    if completion is None:
        completion = max(1, (sum(len(t) for t in script.text) + sum(
            len(json.dumps(c.arguments)) for c in script.tool_calls)) // 4)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}


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
