"""The one shape every text generator has, so the conversation engine never cares which.

Why our own types rather than one SDK's: the router swaps Anthropic for OpenAI in the
middle of a reply, and the engine stores tool calls and usage per message, so requests,
results and stream events must mean the same thing whichever provider answered. The
vocabulary (``tool_use``, ``end_turn``) follows Anthropic's; the OpenAI provider translates.

A provider's ``stream`` is an async generator: zero or more :class:`TextDelta`, then
exactly one :class:`Final`, or an :class:`LLMError`. Only the router yields
:class:`Restart`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

# Why a provider failed; the router and the logs use these, never raw SDK messages.
REASONS = ("timeout", "rate_limited", "server_error", "bad_request", "auth", "connection",
           "bad_response")


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call; ``input_schema`` is a JSON Schema object."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """A call the model asked for, arguments already parsed from JSON.

    ``replay`` is provider-owned and opaque: the answer's content blocks exactly as the
    provider sent them, carried on the first call of a round when the provider needs them
    back unchanged in the next request (Claude's thinking blocks, which a model that thinks
    by default requires before its ``tool_use`` blocks). It never reaches storage or logs.
    """

    id: str
    name: str
    arguments: dict[str, Any]
    replay: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ToolResultContent:
    """What a tool returned, sent back in the next user turn under the call's id."""

    tool_call_id: str
    content: str
    is_error: bool = False


@dataclass
class ChatMessage:
    """One turn. Assistant turns may carry ``tool_calls``; the user turn that follows
    carries their ``tool_results`` (and optionally text)."""

    role: Literal["user", "assistant"]
    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResultContent] = field(default_factory=list)


@dataclass
class GenerationRequest:
    system: str
    messages: list[ChatMessage]
    tools: list[ToolSpec] = field(default_factory=list)
    max_tokens: int = 700
    temperature: float = 0.3


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class GenerationResult:
    text: str
    provider: str  # "anthropic" | "openai" | ...
    model: str  # as the API reported it (may carry a date suffix)
    usage: Usage
    cost_usd: float
    tool_calls: list[ToolCall]
    stop_reason: str  # "end_turn" | "tool_use" | "max_tokens" | "stop_sequence" | ...
    latency_ms: float  # the answering provider's, from its request to its last event
    failures: list[dict[str, str]]  # providers that failed first: {"provider", "error"}


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Restart:
    """The router abandoned a partly streamed answer: drop what was shown so far."""

    provider: str
    reason: str


@dataclass(frozen=True)
class Final:
    result: GenerationResult


StreamEvent = TextDelta | Restart | Final


class LLMError(Exception):
    """A provider could not answer. ``reason`` is one of :data:`REASONS`; the message
    never carries an API key."""

    def __init__(self, provider: str, reason: str, message: str = "",
                 *, status: int | None = None) -> None:
        self.provider = provider
        self.reason = reason
        self.status = status
        self.message = message
        super().__init__(f"{provider}: {reason}" + (f": {message}" if message else ""))


class LLMUnavailable(LLMError):
    """Every provider failed; ``failures`` lists them in the order they were tried."""

    def __init__(self, failures: list[dict[str, str]]) -> None:
        self.failures = list(failures)
        summary = ", ".join(f"{f['provider']} ({f['error']})" for f in self.failures)
        super().__init__("router", "unavailable", f"every provider failed: {summary or 'none'}")


_REASON_BY_ERROR_TYPE = {
    # Anthropic's error.type values
    "rate_limit_error": "rate_limited",
    "overloaded_error": "server_error",
    "api_error": "server_error",
    "timeout_error": "timeout",
    "authentication_error": "auth",
    "permission_error": "auth",
    "invalid_request_error": "bad_request",
    "not_found_error": "bad_request",
    "request_too_large": "bad_request",
    # OpenAI's error.type / error.code values
    "rate_limit_exceeded": "rate_limited",
    "insufficient_quota": "rate_limited",
    "server_error": "server_error",
    "invalid_api_key": "auth",
}


def reason_for(status: int | None, error_type: str | None = None) -> str:
    """A :data:`REASONS` value for an HTTP status and/or the API's error type.

    The error type wins because errors sent inside a stream arrive with status 200."""
    if error_type in _REASON_BY_ERROR_TYPE:
        return _REASON_BY_ERROR_TYPE[error_type]
    if status in (401, 403):
        return "auth"
    if status == 408:
        return "timeout"
    if status == 429:
        return "rate_limited"
    if status is not None and 400 <= status < 500:
        return "bad_request"
    return "server_error"


def parse_tool_arguments(provider: str, name: str, raw: str) -> dict[str, Any]:
    """The JSON object a model streamed as a tool's input; an empty input is ``{}``."""
    try:
        value = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise LLMError(provider, "bad_response",
                       f"tool {name!r} arguments are not valid JSON") from exc
    if not isinstance(value, dict):
        raise LLMError(provider, "bad_response", f"tool {name!r} arguments are not an object")
    return value


def transport_reason(exc: BaseException) -> str | None:
    """"timeout" / "connection" for an HTTP transport error the SDK let through unwrapped
    (the Anthropic stream iterator does), else None. Checks httpx2 (current SDKs) and
    httpx (older ones) without importing either: an exception of a module never
    imported cannot occur."""
    for name in ("httpx2", "httpx"):
        module = sys.modules.get(name)
        if module is None:
            continue
        if isinstance(exc, module.TimeoutException):
            return "timeout"
        if isinstance(exc, module.TransportError):
            return "connection"
    return None


# What an SDK's first request would otherwise import on the event loop (seconds when
# cold): the HTTP stack under both SDKs. Internal details, so missing ones are skipped.
TRANSPORT_MODULES = ("httpx2", "httpcore2", "h11", "anyio._backends._asyncio", "truststore",
                     "opentelemetry.propagate")


def import_modules(required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    """Import ``required`` (errors propagate) and whichever of ``optional`` exist."""
    for name in required:
        importlib.import_module(name)
    for name in optional:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


ClientT = TypeVar("ClientT")


class LoopBoundClient(Generic[ClientT]):
    """One SDK client per event loop, built in a worker thread on first use in that loop.

    Why per loop: an async HTTP client's connections belong to the loop that opened them;
    reusing it from another loop fails in odd ways. Production runs every generation on
    one background loop (see ``runner``), so this builds one client per process. Why in a
    worker thread: building one loads the CA bundle (~0.1-1 s of CPU), which on the loop
    would stall every other stream. An injected client is used as is."""

    def __init__(self, build: Callable[[], ClientT], injected: ClientT | None = None) -> None:
        self._build = build
        self._injected = injected
        self._client: ClientT | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None

    async def get(self) -> ClientT:
        if self._injected is not None:
            return self._injected
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._lock is None:
            self._loop, self._client, self._lock = loop, None, asyncio.Lock()
        if self._client is None:
            async with self._lock:  # one build per loop, however many streams start at once
                if self._client is None:
                    self._client = await asyncio.to_thread(self._build)
        return self._client


@runtime_checkable
class LLMProvider(Protocol):
    name: str
    model: str

    def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        """Async generator: ``TextDelta*`` then exactly one ``Final``; raises LLMError.

        Optional extras the router and callers use when present: ``warm()`` (import the
        SDK; sync) and ``async prepare()`` (warm and build the client, off the loop)."""
        ...
