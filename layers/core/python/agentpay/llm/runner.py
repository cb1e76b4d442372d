"""The sync bridge: run a provider's (or router's) async stream from synchronous code.

Why: the HTTP handlers and Lambda functions are synchronous, while the SDKs' streaming
clients are async, and an async client belongs to the event loop that first used it. So
every generation runs on ONE background event loop, in one daemon thread started on first
use, and the providers build their clients there (see ``LoopBoundClient``). Events travel
back through a queue, so ``on_delta`` runs in the caller's thread, in order, and many
threads can generate at once (their streams interleave on the shared loop).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import aclosing, closing
from typing import Any, Protocol

from agentpay.llm.base import (
    Final,
    GenerationRequest,
    GenerationResult,
    LLMError,
    Restart,
    StreamEvent,
    TextDelta,
)

_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_lock = threading.Lock()
_DONE = object()


class _Streams(Protocol):
    name: str

    def stream(self, request: GenerationRequest) -> Any: ...


def background_loop() -> asyncio.AbstractEventLoop:
    """The process's generation loop, started on first use (a daemon thread)."""
    global _loop, _thread
    with _lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            thread = threading.Thread(target=run, name="agentpay-llm-loop", daemon=True)
            thread.start()
            started.wait()
            _loop, _thread = loop, thread
        return _loop


def iter_stream(target: _Streams, request: GenerationRequest, *,
                timeout: float = 60.0) -> Iterator[StreamEvent]:
    """The stream's events, one by one, in the caller's thread.

    Raises the stream's LLMError, or LLMError(reason="timeout") when the whole stream
    takes longer than ``timeout`` seconds. Leaving the loop early cancels the stream."""
    loop = background_loop()
    if threading.current_thread() is _thread:
        raise RuntimeError("iter_stream would deadlock on the generation loop; "
                           "await target.stream(...) there instead")
    events: queue.SimpleQueue[Any] = queue.SimpleQueue()

    async def pump() -> None:
        try:
            async with aclosing(target.stream(request)) as stream:
                async for event in stream:
                    events.put(event)
        except BaseException as exc:  # handed to the caller's thread
            events.put(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            events.put(_DONE)

    future: Future[None] = asyncio.run_coroutine_threadsafe(pump(), loop)
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                item = events.get(timeout=max(0.0, remaining))
            except queue.Empty:
                name = getattr(target, "name", "llm")
                raise LLMError(name, "timeout", f"no result within {timeout:g}s") from None
            if item is _DONE:
                return
            if isinstance(item, asyncio.CancelledError):
                raise LLMError(getattr(target, "name", "llm"), "connection", "cancelled")
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        future.cancel()  # no-op when finished; otherwise stops the stream on the loop


def generate(provider_or_router: _Streams, request: GenerationRequest,
             on_delta: Callable[[str], None] | None = None, *,
             on_restart: Callable[[], None] | None = None,
             timeout: float = 60.0) -> GenerationResult:
    """Run one generation to its result, calling ``on_delta`` with each piece of text
    (in this thread) and ``on_restart`` when the text so far must be discarded."""
    with closing(iter_stream(provider_or_router, request, timeout=timeout)) as events:
        for event in events:
            if isinstance(event, TextDelta):
                if on_delta is not None:
                    on_delta(event.text)
            elif isinstance(event, Restart):
                if on_restart is not None:
                    on_restart()
            elif isinstance(event, Final):
                return event.result
    name = getattr(provider_or_router, "name", "llm")
    raise LLMError(name, "bad_response", "stream ended without a result")
