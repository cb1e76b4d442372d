"""Claude through the Messages API, streamed: text deltas as they come, tool calls whole.

Why raw stream events (``messages.create(stream=True)``) rather than the SDK's stream
helper: we need usage from ``message_start`` / ``message_delta``, tool input assembled
from ``input_json_delta`` pieces, and a clear error when the stream ends before
``message_stop`` (a dropped connection looks like a clean end of body). Why no
``temperature``: the SDK (2.x) sends API version 2026-10-21, which rejects sampling
parameters with a 400 (the SDK no longer accepts them), so
``GenerationRequest.temperature`` applies to OpenAI only. Why the SDK's
own retries stay small (``max_retries=1``): the router falls back to another provider,
which is faster than waiting out a long backoff. ``anthropic`` is imported on first use.

Why thinking blocks are kept: current models (Claude Sonnet 5.5, the default) think by
default and return ``thinking`` blocks, and text written between tool calls arrives as
thinking too; it is never streamed to the shopper. The API wants an answer's thinking
blocks back, unchanged, before its ``tool_use`` blocks in the next round, so the answer's
blocks ride on its first :class:`ToolCall` (``replay``) and ``wire_messages`` sends them
back as they came.

Why this default: ``DEFAULT_MODEL`` must be listed, and not deprecated, by the installed
SDK (``agentpay.llm.models``; a test reads the SDK's lists); ``MODEL_LINE`` names its
line, from which a replacement is chosen when the configured model cannot answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from agentpay.llm.base import (
    TRANSPORT_MODULES,
    ChatMessage,
    Final,
    GenerationRequest,
    GenerationResult,
    LLMError,
    LoopBoundClient,
    StreamEvent,
    TextDelta,
    ToolCall,
    Usage,
    import_modules,
    parse_tool_arguments,
    reason_for,
    transport_reason,
)
from agentpay.llm.pricing import cost_usd

DEFAULT_MODEL = "claude-sonnet-5-5"
MODEL_LINE = "sonnet"
NAME = "anthropic"


def wire_messages(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Our turns as Messages API turns: tool calls become ``tool_use`` blocks on the
    assistant turn, results ``tool_result`` blocks (first, as the API requires) on the
    user turn that follows."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if not message.tool_calls and not message.tool_results:
            wire.append({"role": message.role, "content": message.content})
            continue
        replay = message.tool_calls[0].replay if message.tool_calls else ()
        if replay and not message.tool_results:
            # the answer as it came, thinking blocks first, so the model can go on from it
            wire.append({"role": message.role, "content": [dict(b) for b in replay]})
            continue
        blocks: list[dict[str, Any]] = [
            {"type": "tool_result", "tool_use_id": result.tool_call_id,
             "content": result.content, "is_error": result.is_error}
            for result in message.tool_results
        ]
        if message.content:
            blocks.append({"type": "text", "text": message.content})
        blocks.extend(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
            for call in message.tool_calls
        )
        wire.append({"role": message.role, "content": blocks})
    return wire


def request_params(model: str, request: GenerationRequest) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": wire_messages(request.messages),
    }
    if request.system:
        params["system"] = request.system
    if request.tools:
        params["tools"] = [{"name": tool.name, "description": tool.description,
                            "input_schema": tool.input_schema} for tool in request.tools]
    elif used := _tools_in_history(request.messages):
        # The API rejects tool_use / tool_result blocks in a request that defines no
        # tools (e.g. a last round meant to be answered in words). Declaring the tools the
        # history used, with tool_choice "none", keeps the history and rules out new calls.
        params["tools"] = [{"name": name, "description": "Not available for this answer.",
                            "input_schema": {"type": "object"}} for name in used]
        params["tool_choice"] = {"type": "none"}
    return params


def _tools_in_history(messages: list[ChatMessage]) -> list[str]:
    names: dict[str, None] = {}  # ordered set
    for message in messages:
        for call in message.tool_calls:
            names.setdefault(call.name)
    return list(names)


def to_llm_error(exc: BaseException) -> LLMError | None:
    """The LLMError for an SDK or transport exception, or None if it is neither."""
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        return LLMError(NAME, "timeout", "request timed out")
    if isinstance(exc, anthropic.APIConnectionError):
        return LLMError(NAME, "connection", "could not reach the API")
    if isinstance(exc, anthropic.APIStatusError):
        # An `event: error` inside a stream arrives on the stream's 200 response.
        status = exc.status_code if exc.status_code >= 300 else None
        error_type, message = _error_details(exc.body)
        reason = reason_for(status, error_type)
        detail = (f"HTTP {status}" if status else "error in stream") + (
            f" {error_type}" if error_type else "")
        if message and reason != "auth":  # auth messages may echo part of the key
            detail += f": {message[:200]}"
        return LLMError(NAME, reason, detail, status=status)
    if isinstance(exc, anthropic.APIError):  # e.g. a malformed stream event
        return LLMError(NAME, "bad_response", type(exc).__name__)
    reason = transport_reason(exc)  # the stream iterator may let these through unwrapped
    if reason is not None:
        return LLMError(NAME, reason, f"stream failed: {type(exc).__name__}")
    return None


def _error_details(body: object) -> tuple[str | None, str | None]:
    """(error.type, error.message) from ``{"type": "error", "error": {...}}``."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            error_type = error.get("type")
            message = error.get("message")
            return (error_type if isinstance(error_type, str) else None,
                    message if isinstance(message, str) else None)
    return None, None


class AnthropicProvider:
    """An :class:`~agentpay.llm.base.LLMProvider` for Claude."""

    name = NAME

    def __init__(self, api_key: str, model: str = DEFAULT_MODEL, *, base_url: str | None = None,
                 timeout: float = 20.0, max_retries: int = 1, client: Any = None) -> None:
        if not api_key and client is None:
            raise ValueError("AnthropicProvider needs an API key (ANTHROPIC_API_KEY)")
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self._api_key = api_key
        self._client = LoopBoundClient(self._build_client, client)

    def __repr__(self) -> str:  # never show the key
        return f"<AnthropicProvider {self.model} base_url={self.base_url!r}>"

    def warm(self) -> None:
        """Import the SDK now: seconds on a cold start, holding the thread. Call it during
        a Lambda's init phase; the router runs it (via ``prepare``) in a worker thread."""
        import_modules(("anthropic",), ("anthropic.resources.messages", *TRANSPORT_MODULES))

    async def prepare(self) -> None:
        """Import the SDK and build this loop's client, both off the loop. The router
        awaits this before starting its first-delta timeout, so a cold start is not
        mistaken for a slow provider."""
        await asyncio.to_thread(self.warm)
        await self._client.get()

    def _build_client(self) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(api_key=self._api_key, base_url=self.base_url,
                                        timeout=self.timeout, max_retries=self.max_retries)

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        started = time.monotonic()
        params = request_params(self.model, request)
        text: list[str] = []
        tools: dict[int, dict[str, Any]] = {}  # content block index -> id, name, json pieces
        blocks: dict[int, dict[str, Any]] = {}  # content block index -> the block as sent
        usage = Usage()
        model = self.model
        stop_reason = ""
        finished = False
        try:
            client = await self._client.get()
            stream = await client.messages.create(stream=True, **params)
            async with stream:
                async for event in stream:
                    kind = event.type
                    if kind == "content_block_delta":
                        delta = event.delta
                        if delta.type == "text_delta" and delta.text:
                            text.append(delta.text)
                            _extend(blocks, event.index, "text", delta.text)
                            yield TextDelta(delta.text)
                        elif delta.type == "input_json_delta" and event.index in tools:
                            tools[event.index]["json"].append(delta.partial_json or "")
                        elif delta.type == "thinking_delta":
                            _extend(blocks, event.index, "thinking",
                                    getattr(delta, "thinking", "") or "")
                        elif delta.type == "signature_delta":
                            _extend(blocks, event.index, "signature",
                                    getattr(delta, "signature", "") or "")
                    elif kind == "content_block_start":
                        block = event.content_block
                        blocks[event.index] = _started(block)
                        if block.type == "tool_use":
                            tools[event.index] = {"id": block.id, "name": block.name,
                                                  "json": []}
                        elif block.type == "text" and block.text:
                            text.append(block.text)
                            yield TextDelta(block.text)
                    elif kind == "message_start":
                        message = event.message
                        model = message.model or model
                        usage.input_tokens = _input_tokens(message.usage)
                        usage.output_tokens = message.usage.output_tokens or 0
                    elif kind == "message_delta":
                        stop_reason = event.delta.stop_reason or stop_reason
                        usage.output_tokens = event.usage.output_tokens or usage.output_tokens
                        usage.input_tokens = max(usage.input_tokens,
                                                 _input_tokens(event.usage))
                    elif kind == "message_stop":
                        finished = True
        except Exception as exc:
            error = to_llm_error(exc)
            if error is None:
                raise
            raise error from exc
        if not finished:
            raise LLMError(NAME, "connection", "stream ended before message_stop")
        calls = [ToolCall(id=slot["id"], name=slot["name"],
                          arguments=parse_tool_arguments(NAME, slot["name"],
                                                         "".join(slot["json"])))
                 for _, slot in sorted(tools.items())]
        if calls and any(b.get("type") in _THINKING for b in blocks.values()):
            calls[0] = replace(calls[0], replay=_replay(blocks, calls))
        yield Final(GenerationResult(
            text="".join(text),
            provider=NAME,
            model=model,
            usage=usage,
            cost_usd=cost_usd(model, usage),
            tool_calls=calls,
            stop_reason=stop_reason or ("tool_use" if calls else "end_turn"),
            latency_ms=(time.monotonic() - started) * 1000.0,
            failures=[],
        ))


_THINKING = ("thinking", "redacted_thinking")


def _started(block: Any) -> dict[str, Any]:
    """A content block as the API will want it back (filled in by later deltas)."""
    kind = block.type
    if kind == "thinking":
        return {"type": "thinking", "thinking": getattr(block, "thinking", "") or "",
                "signature": getattr(block, "signature", "") or ""}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": getattr(block, "data", "") or ""}
    if kind == "text":
        return {"type": "text", "text": getattr(block, "text", "") or ""}
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name}
    return {"type": kind}  # a block kind this provider does not replay


def _extend(blocks: dict[int, dict[str, Any]], index: int, key: str, piece: str) -> None:
    block = blocks.get(index)
    if block is not None and key in block:
        block[key] += piece


def _replay(blocks: dict[int, dict[str, Any]],
            calls: list[ToolCall]) -> tuple[dict[str, Any], ...]:
    """The answer's blocks in order: thinking and text as streamed, tool_use with the
    parsed input; empty text blocks and kinds the API would not take back left out."""
    inputs = {call.id: call.arguments for call in calls}
    out: list[dict[str, Any]] = []
    for _, block in sorted(blocks.items()):
        kind = block["type"]
        if kind == "tool_use":
            out.append({**block, "input": inputs.get(block["id"], {})})
        elif kind in _THINKING or (kind == "text" and block["text"]):
            out.append(dict(block))
    return tuple(out)


def _input_tokens(usage: Any) -> int:
    """All input tokens, cached or not (the API splits them into three counters)."""
    return sum(getattr(usage, name, None) or 0 for name in (
        "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
