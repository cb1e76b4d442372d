"""OpenAI chat completions, streamed, speaking our provider-neutral types.

Translation, both ways: our tool calls become ``tool_calls`` on the assistant message
and each result its own ``role: "tool"`` message; streamed ``tool_calls`` arrive as
argument fragments keyed by ``index``, joined here; ``finish_reason`` maps onto the
Anthropic vocabulary the rest of the code uses (``stop`` -> ``end_turn``, ``tool_calls``
-> ``tool_use``, ``length`` -> ``max_tokens``). Usage comes in a last, choice-less chunk
because we ask for ``stream_options.include_usage``. ``openai`` is imported on first use.

Why ``reasoning_effort: "none"`` for some models: the GPT-6 generation reasons by
default, and in chat completions GPT-6 Luna (the default) and GPT-6 Sol take function
tools, and a temperature, only with reasoning effort ``none``; a shopper's reply needs
neither the latency nor the cost of reasoning. ``DEFAULT_MODEL`` must be listed, and not
deprecated, by the installed SDK (``gpt-4o-mini``, the old default, shuts down on
2027-01-14); ``MODEL_LINE`` names its line for a replacement (``agentpay.llm.models``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
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

DEFAULT_MODEL = "gpt-6-luna"
MODEL_LINE = "luna"
NAME = "openai"
# Models (and their dated snapshots) that call tools in chat completions only without
# reasoning; they then accept a temperature too.
NO_REASONING_MODELS = ("gpt-6-luna", "gpt-6-sol", "gpt-5.6-luna")

STOP_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "function_call": "tool_use",
                "length": "max_tokens", "content_filter": "content_filter"}


def wire_messages(system: str, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Our turns as chat-completions messages (the system prompt goes first)."""
    wire: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        for result in message.tool_results:
            content = f"Error: {result.content}" if result.is_error else result.content
            wire.append({"role": "tool", "tool_call_id": result.tool_call_id,
                         "content": content})
        if message.tool_calls:
            wire.append({
                "role": "assistant",
                "content": message.content or None,
                "tool_calls": [
                    {"id": call.id, "type": "function",
                     "function": {"name": call.name, "arguments": json.dumps(call.arguments)}}
                    for call in message.tool_calls
                ],
            })
        elif message.content or not message.tool_results:
            wire.append({"role": message.role, "content": message.content})
    return wire


def request_params(model: str, request: GenerationRequest) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": model,
        "messages": wire_messages(request.system, request.messages),
        "max_completion_tokens": request.max_tokens,
        "temperature": request.temperature,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if any(model == name or model.startswith(name + "-") for name in NO_REASONING_MODELS):
        params["reasoning_effort"] = "none"
    if request.tools:
        params["tools"] = [
            {"type": "function",
             "function": {"name": tool.name, "description": tool.description,
                          "parameters": tool.input_schema}}
            for tool in request.tools
        ]
    return params


def to_llm_error(exc: BaseException) -> LLMError | None:
    """The LLMError for an SDK or transport exception, or None if it is neither."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return LLMError(NAME, "timeout", "request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(NAME, "connection", "could not reach the API")
    if isinstance(exc, openai.APIError):  # APIStatusError, or an error sent mid-stream
        status = getattr(exc, "status_code", None)  # None: an error sent inside the stream
        error_type, message = _error_details(exc.body)
        reason = reason_for(status, error_type)
        detail = (f"HTTP {status}" if status else "error in stream") + (
            f" {error_type}" if error_type else "")
        if message and reason != "auth":  # OpenAI's 401 message echoes part of the key
            detail += f": {message[:200]}"
        return LLMError(NAME, reason, detail, status=status)
    if isinstance(exc, openai.OpenAIError):
        return LLMError(NAME, "bad_response", type(exc).__name__)
    reason = transport_reason(exc)  # the stream iterator may let these through unwrapped
    if reason is not None:
        return LLMError(NAME, reason, f"stream failed: {type(exc).__name__}")
    return None


def _error_details(body: object) -> tuple[str | None, str | None]:
    """(code or type, message) from an error body (``{"error": {...}}`` or its inside)."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            kind = error.get("code") or error.get("type")
            message = error.get("message")
            return (kind if isinstance(kind, str) else None,
                    message if isinstance(message, str) else None)
    return None, None


class OpenAIProvider:
    """An :class:`~agentpay.llm.base.LLMProvider` for OpenAI chat models."""

    name = NAME

    def __init__(self, api_key: str, model: str = DEFAULT_MODEL, *, base_url: str | None = None,
                 timeout: float = 20.0, max_retries: int = 1, client: Any = None) -> None:
        if not api_key and client is None:
            raise ValueError("OpenAIProvider needs an API key (OPENAI_API_KEY)")
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self._api_key = api_key
        self._client = LoopBoundClient(self._build_client, client)

    def __repr__(self) -> str:  # never show the key
        return f"<OpenAIProvider {self.model} base_url={self.base_url!r}>"

    def warm(self) -> None:
        """Import the SDK now: seconds on a cold start, holding the thread. Call it during
        a Lambda's init phase; the router runs it (via ``prepare``) in a worker thread."""
        import_modules(("openai",), ("openai.resources.chat", *TRANSPORT_MODULES))

    async def prepare(self) -> None:
        """Import the SDK and build this loop's client, both off the loop. The router
        awaits this before starting its first-delta timeout, so a cold start is not
        mistaken for a slow provider."""
        await asyncio.to_thread(self.warm)
        await self._client.get()

    def _build_client(self) -> Any:
        import openai

        return openai.AsyncOpenAI(api_key=self._api_key, base_url=self.base_url,
                                  timeout=self.timeout, max_retries=self.max_retries)

    async def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]:
        started = time.monotonic()
        params = request_params(self.model, request)
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}  # tool call index -> id, name, argument pieces
        usage = Usage()
        model = self.model
        finish_reason: str | None = None
        try:
            client = await self._client.get()
            stream = await client.chat.completions.create(**params)
            async with stream:
                async for chunk in stream:
                    model = chunk.model or model
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens or 0,
                                      chunk.usage.completion_tokens or 0)
                    for choice in chunk.choices:
                        if choice.index != 0:
                            continue
                        delta = choice.delta
                        if delta is not None and delta.content:
                            text.append(delta.content)
                            yield TextDelta(delta.content)
                        for fragment in (delta.tool_calls if delta is not None else None) or []:
                            slot = calls.setdefault(fragment.index,
                                                    {"id": "", "name": "", "args": []})
                            if fragment.id:
                                slot["id"] = fragment.id
                            function = fragment.function
                            if function is not None:
                                if function.name and not slot["name"]:
                                    slot["name"] = function.name
                                if function.arguments:
                                    slot["args"].append(function.arguments)
                        if choice.finish_reason:
                            finish_reason = choice.finish_reason
        except Exception as exc:
            error = to_llm_error(exc)
            if error is None:
                raise
            raise error from exc
        if finish_reason is None:
            raise LLMError(NAME, "connection", "stream ended before a finish_reason")
        tool_calls = [ToolCall(id=slot["id"], name=slot["name"],
                               arguments=parse_tool_arguments(NAME, slot["name"],
                                                              "".join(slot["args"])))
                      for _, slot in sorted(calls.items())]
        yield Final(GenerationResult(
            text="".join(text),
            provider=NAME,
            model=model,
            usage=usage,
            cost_usd=cost_usd(model, usage),
            tool_calls=tool_calls,
            stop_reason=STOP_REASONS.get(finish_reason, finish_reason),
            latency_ms=(time.monotonic() - started) * 1000.0,
            failures=[],
        ))
